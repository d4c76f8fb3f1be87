package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/alo-dialer/alo/compliance"
	"github.com/alo-dialer/alo/sqldb"
)

// errAuditBroken is returned (exit status 1) when verification finds a
// break in the chain.
var errAuditBroken = errors.New("the audit trail does not verify")

// runAudit handles `alo audit verify`: it walks the whole hash chain in the
// database and compares its end with the anchor file in the data dir.
func runAudit(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) == 0 || args[0] != "verify" {
		return fmt.Errorf("want `alo audit verify [--data-dir DIR] [--database-url URL] [--format json]`")
	}
	fs := flag.NewFlagSet("alo audit verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := fs.String("data-dir", envOr(getenv, "ALO_DATA_DIR", "./data"), "data directory (ALO_DATA_DIR): the database and the anchor file")
	dbURL := fs.String("database-url", getenv("DATABASE_URL"), "database URL (DATABASE_URL); empty: SQLite in the data dir")
	head := fs.String("head", "", "anchor file (default: "+compliance.AuditHeadFile+" in the data dir)")
	format := fs.String("format", "text", "output: text or json")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	db, err := openExistingDB(ctx, *dbURL, *dataDir)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := sqldb.Migrate(ctx, db, "compliance", compliance.Migrations); err != nil {
		return err
	}
	path := *head
	if path == "" {
		path = compliance.HeadPath(*dataDir)
	}
	var anchor *compliance.AuditHead
	h, err := compliance.ReadAuditHead(path)
	switch {
	case err == nil:
		anchor = &h
	case errors.Is(err, os.ErrNotExist):
		fmt.Fprintf(stderr, "warning: no anchor file %s: truncation cannot be detected\n", path)
	default:
		return err
	}
	rep, err := compliance.VerifyAudit(ctx, db.DB, anchor)
	if err != nil {
		return err
	}
	if *format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		if rep.OK() {
			fmt.Fprintf(stdout, "OK: %d records, chain intact to record %d", rep.Records, rep.LastSeq)
			if anchor != nil {
				fmt.Fprintf(stdout, "; anchor (record %d, %s) matches", anchor.Seq, anchor.At.Format("2006-01-02T15:04:05Z07:00"))
			}
			fmt.Fprintln(stdout)
		}
		for _, p := range rep.Problems {
			fmt.Fprintf(stdout, "BROKEN (%s) at record %d: %s\n", p.Kind, p.Seq, p.Detail)
		}
	}
	if !rep.OK() {
		return errAuditBroken
	}
	return nil
}
