package campaigns

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/nyaruka/phonenumbers"

	"github.com/alo-dialer/alo/internal/boundcsv"
)

// importWorkers is how many goroutines check rows while the importer writes
// the checked ones: checking (mostly number parsing) costs more than SQLite's
// writing, so two checkers and the writer keep a 2-core machine busy.
const importWorkers = 2

// importChunk is how many records travel together between the stages.
const importChunk = 512

// chunk is a run of records in file order, checked by one rowChecker.
type chunk struct {
	recs  [][]string
	lines []int
	// malformed are records the CSV reader could not read, by index in recs
	// (their recs entry is nil).
	malformed map[int]RowError
	bytesRead int64
	out       []checked
	done      chan struct{}
	err       error // a read failure ends the file here
}

// run streams the file through the stages: one goroutine reads records
// into chunks, importWorkers check them, and this goroutine takes them back
// in file order, de-duplicates and writes them in batches. On return every
// goroutine has stopped.
func (im *importer) run(ctx context.Context, src *csvSource, checkers []*rowChecker) error {
	todo := make(chan *chunk, len(checkers)*2)
	ordered := make(chan *chunk, len(checkers)*2)
	var wg sync.WaitGroup
	defer wg.Wait() // after cancel: deferred calls run last first
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	wg.Go(func() { readChunks(ctx, src, todo, ordered) })
	for _, rc := range checkers {
		wg.Go(func() {
			for c := range todo {
				c.check(rc)
			}
		})
	}
	for c := range ordered {
		select {
		case <-c.done:
		case <-ctx.Done():
			return fmt.Errorf("import contacts: %w", ctx.Err())
		}
		for _, row := range c.out {
			im.queue(row)
		}
		if c.err != nil {
			return c.err
		}
		im.report.BytesRead = c.bytesRead
		if err := im.flushFull(ctx); err != nil {
			return err
		}
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("import contacts: %w", err)
	}
	return im.flush(ctx)
}

// readChunks reads the file into chunks, handing each to the checkers and,
// in the same order, to the importer; it closes both channels at the end.
func readChunks(ctx context.Context, src *csvSource, todo, ordered chan<- *chunk) {
	defer close(ordered)
	defer close(todo)
	for {
		c, last := readChunk(src)
		for _, ch := range []chan<- *chunk{ordered, todo} {
			select {
			case ch <- c:
			case <-ctx.Done():
				return
			}
		}
		if last {
			return
		}
	}
}

// readChunk reads up to importChunk records; last is true at the end of
// the file or on a read failure (in c.err).
func readChunk(src *csvSource) (c *chunk, last bool) {
	c = &chunk{done: make(chan struct{})}
	for len(c.recs) < importChunk {
		rec, err := src.reader.Read()
		if errors.Is(err, io.EOF) {
			last = true
			break
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			// The reader has consumed the broken record; carry on with the next.
			if c.malformed == nil {
				c.malformed = map[int]RowError{}
			}
			c.malformed[len(c.recs)] = RowError{Line: pe.StartLine, Reason: "malformed CSV: " + pe.Err.Error()}
			c.recs, c.lines = append(c.recs, nil), append(c.lines, pe.StartLine)
			continue
		}
		var long *boundcsv.TooLongError
		if errors.As(err, &long) {
			// A row past the per-row limit stops the upload (its memory
			// is what the limit protects), naming its line.
			c.err, last = fmt.Errorf("contacts csv: %w: %w", err, ErrInvalid), true
			break
		}
		if err != nil {
			c.err, last = fmt.Errorf("contacts csv: read: %w", err), true
			break
		}
		line, _ := src.reader.FieldPos(0)
		c.recs = append(c.recs, cloneRecord(rec)) // the reader reuses its record
		c.lines = append(c.lines, line)
	}
	c.bytesRead = src.counter.n
	return c, last
}

// cloneRecord copies a record into one string, so a chunk costs two
// allocations per record rather than one per field.
func cloneRecord(rec []string) []string {
	n := 0
	for _, f := range rec {
		n += len(f)
	}
	var b strings.Builder
	b.Grow(n)
	for _, f := range rec {
		b.WriteString(f)
	}
	all := b.String()
	out := make([]string, len(rec))
	off := 0
	for i, f := range rec {
		out[i] = all[off : off+len(f)]
		off += len(f)
	}
	return out
}

// check runs rc over the chunk and marks it done.
func (c *chunk) check(rc *rowChecker) {
	c.out = make([]checked, len(c.recs))
	for i, rec := range c.recs {
		if bad, ok := c.malformed[i]; ok {
			c.out[i] = checked{line: bad.Line, bad: &bad}
			continue
		}
		c.out[i] = rc.record(rec, c.lines[i])
	}
	c.recs = nil
	close(c.done)
}

// rowRegion is the country a row's numbers are read in: its country
// column when it has one and the cell is filled, else the upload's.
func (rc *rowChecker) rowRegion(rec []string) (string, string) {
	if rc.cols.country < 0 {
		return rc.region, ""
	}
	raw := strings.TrimSpace(rec[rc.cols.country])
	if raw == "" {
		return rc.region, ""
	}
	code := strings.ToUpper(raw)
	reason, known := rc.regions[code]
	if !known {
		reason = countryReason(code, raw)
		rc.regions[code] = reason
	}
	return code, reason
}

// countryReason says why code is not a country numbers can be read in, or
// "" when it is one.
func countryReason(code, raw string) string {
	if phonenumbers.GetSupportedRegions()[code] {
		return ""
	}
	return fmt.Sprintf("%q is not a country code (use two letters such as UZ, KZ, AZ)", raw)
}
