package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/alo-dialer/alo/campaigns"
	"github.com/alo-dialer/alo/sqldb"
)

// runImport handles `alo import`: a contacts file streamed into a campaign
// straight through the SQL store (the feeder of a running `alo serve` picks
// the new contacts up), with a progress bar on a terminal and the report of
// rejected rows at the end.
func runImport(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("alo import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	campaign := fs.Int64("campaign", 0, "the campaign's id (required)")
	region := fs.String("region", "", "country of numbers written in local form (KZ, UZ, RU…); default: the campaign's")
	mapFile := fs.String("map", "", "JSON file mapping headers to fields ({\"Mobile\": \"phone\", \"Client\": \"name\"}); saved with the campaign")
	format := fs.String("format", "text", "report: text or json")
	dataDir := fs.String("data-dir", envOr(getenv, "ALO_DATA_DIR", "./data"), "data directory (ALO_DATA_DIR)")
	dbURL := fs.String("database-url", getenv("DATABASE_URL"), "database URL (DATABASE_URL)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: alo import --campaign N [--region KZ] [--map map.json] FILE.csv (- for standard input)")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *campaign <= 0 || fs.NArg() != 1 {
		fs.Usage()
		return fmt.Errorf("--campaign and one FILE are required")
	}
	if *format != "text" && *format != "json" {
		return fmt.Errorf("--format %q: want text or json", *format)
	}
	var columns campaigns.ColumnMap
	if *mapFile != "" {
		b, err := os.ReadFile(*mapFile)
		if err != nil {
			return fmt.Errorf("--map: %w", err)
		}
		if err := json.Unmarshal(b, &columns); err != nil {
			return fmt.Errorf("--map %s: not a JSON object of header → field: %w", *mapFile, err)
		}
		if err := columns.Validate(); err != nil {
			return fmt.Errorf("--map %s: %w", *mapFile, err)
		}
	}
	in, total, err := openImportFile(fs.Arg(0))
	if err != nil {
		return err
	}
	defer in.Close()
	db, err := openExistingDB(ctx, *dbURL, *dataDir)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := sqldb.Migrate(ctx, db, "campaigns", campaigns.Migrations); err != nil {
		return err
	}
	store := campaigns.NewStore(db, clockNow)
	if columns != nil {
		if err := store.SaveColumnMap(ctx, *campaign, columns); err != nil {
			return err
		}
	}
	bar := newProgressBar(stderr, total, isTerminal(stderr))
	rep, err := store.ImportContacts(ctx, *campaign, in, campaigns.ImportOptions{Region: *region, Progress: bar.update})
	bar.done(rep.ImportProgress)
	if err != nil {
		return err
	}
	if *format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	fmt.Fprintf(stdout, "%d rows read (%s, separator %q): %d loaded, %d updated, %d duplicates, %d rejected\n",
		rep.Rows, rep.Encoding, rep.Separator, rep.Loaded, rep.Updated, rep.Duplicates, rep.Rejected)
	for _, e := range rep.Errors {
		fmt.Fprintln(stdout, e.Error())
	}
	if rep.ErrorsTruncated {
		fmt.Fprintf(stdout, "(only the first %d rows with errors are listed)\n", len(rep.Errors))
	}
	return nil
}

// openImportFile opens the file (or standard input for "-") and returns
// its size when known, for the progress bar.
func openImportFile(name string) (io.ReadCloser, int64, error) {
	if name == "-" {
		return io.NopCloser(os.Stdin), 0, nil
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, 0, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	return f, st.Size(), nil
}

// isTerminal reports whether w is a character device (a person watching),
// where a redrawn bar makes sense; a log file gets plain lines instead.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// progressBar shows an import's progress: a bar redrawn in place on a
// terminal, otherwise one line every few seconds.
type progressBar struct {
	w     io.Writer
	total int64
	tty   bool
	start time.Time
	last  time.Time
}

func newProgressBar(w io.Writer, total int64, tty bool) *progressBar {
	now := time.Now()
	return &progressBar{w: w, total: total, tty: tty, start: now, last: now}
}

func (b *progressBar) line(p campaigns.ImportProgress) string {
	counts := fmt.Sprintf("%d rows, %d loaded, %d updated, %d duplicates, %d rejected", p.Rows, p.Loaded, p.Updated, p.Duplicates, p.Rejected)
	if b.total <= 0 {
		return counts
	}
	frac := min(float64(p.BytesRead)/float64(b.total), 1)
	const width = 30
	filled := int(frac * width)
	return fmt.Sprintf("[%s%s] %3.0f%% %s", strings.Repeat("#", filled), strings.Repeat(".", width-filled), frac*100, counts)
}

func (b *progressBar) update(p campaigns.ImportProgress) {
	now := time.Now()
	if b.tty {
		if now.Sub(b.last) < 100*time.Millisecond {
			return
		}
		fmt.Fprintf(b.w, "\r%s", b.line(p))
	} else {
		if now.Sub(b.last) < 5*time.Second {
			return
		}
		fmt.Fprintln(b.w, b.line(p))
	}
	b.last = now
}

func (b *progressBar) done(p campaigns.ImportProgress) {
	if b.tty {
		fmt.Fprintf(b.w, "\r%s in %s\n", b.line(p), time.Since(b.start).Round(time.Millisecond))
		return
	}
	fmt.Fprintf(b.w, "%s in %s\n", b.line(p), time.Since(b.start).Round(time.Millisecond))
}
