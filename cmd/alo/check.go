package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	// alo carries its own copy of the IANA time-zone database, so a host
	// with no tz data still has zones; compliance.CheckTZData refuses to run
	// on data older than Kazakhstan's move to UTC+5 (2024).
	_ "time/tzdata"

	"github.com/alo-dialer/alo/campaigns"
	"github.com/alo-dialer/alo/compliance"
	"github.com/alo-dialer/alo/sqldb"
)

// checkOutput is the JSON `alo check --format json` prints (its fields are
// part of the command's interface).
type checkOutput struct {
	Decision      compliance.Verdict      `json:"decision"`
	NextAllowedAt *string                 `json:"next_allowed_at"`
	TimeZones     []string                `json:"time_zones"`
	LocalTimes    []string                `json:"local_times"`
	Reasons       []compliance.Reason     `json:"reasons"`
	RulesVersion  compliance.RulesVersion `json:"rules_version"`
	Number        string                  `json:"number"`
	At            string                  `json:"at"`
}

// runCheck handles `alo check`: one gate decision for a number at a time,
// under a preset (no database needed) or a stored rule set (by id).
func runCheck(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("alo check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	rules := fs.String("rules", "", "preset ("+strings.Join(compliance.PresetNames(), ", ")+") or a stored rule set's id")
	number := fs.String("number", "", "the number to call, spelt as the API takes it (+998 90 123-45-67; local forms with --region)")
	region := fs.String("region", "", "country (ISO 3166 alpha-2) for a number written without its +code")
	atFlag := fs.String("at", "", "when the call would be placed, RFC 3339 (default: now)")
	tz := fs.String("tz", "", "the contact's IANA zone, if known (wins over the number's zones)")
	defZone := fs.String("default-zone", "", "the campaign's zone, for toll-free and non-geographic numbers")
	dncFile := fs.String("dnc", "", "CSV file whose first column holds do-not-call numbers (a first row that is not a number is a header)")
	format := fs.String("format", "text", "output: text (a sentence) or json")
	purpose := fs.String("purpose", compliance.PurposeInformational, "purpose: informational, telemarketing or collection")
	method := fs.String("method", compliance.MethodLive, "method: live or prerecorded")
	state := fs.String("state", "", "the contact's state or province code (FL), if known")
	dataDir := fs.String("data-dir", envOr(getenv, "ALO_DATA_DIR", "./data"), "data directory (ALO_DATA_DIR), for --rules ID")
	dbURL := fs.String("database-url", getenv("DATABASE_URL"), "database URL (DATABASE_URL), for --rules ID")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if *rules == "" || *number == "" {
		return fmt.Errorf("--rules and --number are required")
	}
	if *format != "text" && *format != "json" {
		return fmt.Errorf("--format %q: want text or json", *format)
	}
	at := clockNow()
	if *atFlag != "" {
		t, err := time.Parse(time.RFC3339, *atFlag)
		if err != nil {
			return fmt.Errorf("--at %q: want RFC 3339, e.g. 2026-11-23T13:30:00Z", *atFlag)
		}
		at = t
	}
	if err := compliance.CheckTZData(); err != nil {
		return err
	}

	zones := compliance.NewZoneResolver(16)
	dnc := compliance.NewDNCIndex(nil)
	consent := compliance.NewConsentIndex()
	var rs compliance.RuleSet
	if id, err := strconv.ParseInt(*rules, 10, 64); err == nil {
		db, err := openExistingDB(ctx, *dbURL, *dataDir)
		if err != nil {
			return err
		}
		defer db.Close()
		if err := sqldb.Migrate(ctx, db, "compliance", compliance.Migrations); err != nil {
			return err
		}
		global := compliance.NewDNCList(db.DB, clockNow)
		if err := global.Load(ctx); err != nil {
			return err
		}
		dnc = compliance.NewDNCIndex(global)
		if err := compliance.NewDNCStore(db.DB, dnc, nil, clockNow).Load(ctx); err != nil {
			return err
		}
		if err := compliance.NewConsentStore(db.DB, consent, nil, clockNow).Load(ctx); err != nil {
			return err
		}
		store := compliance.NewRuleStore(db.DB, clockNow, zones, dnc, consent)
		if rs, err = store.GetRuleSet(ctx, id, 0); err != nil {
			return err
		}
	} else if rs, err = compliance.Preset(*rules); err != nil {
		return err
	}
	if *dncFile != "" {
		if err := loadDNCFile(*dncFile, dnc); err != nil {
			return err
		}
	}
	eng, err := compliance.NewEngine(rs, zones, dnc, consent)
	if err != nil {
		return err
	}
	e164 := checkNumber(*number, *region)
	res := eng.Check(compliance.Input{Number: e164, Zone: *tz, DefaultZone: *defZone, State: *state,
		Purpose: *purpose, Method: *method}, at)
	out := checkOutput{Decision: res.Decision, TimeZones: res.TimeZones, LocalTimes: res.LocalTimes,
		Reasons: res.Reasons, RulesVersion: res.RulesVersion, Number: e164, At: at.UTC().Format(time.RFC3339)}
	if res.NextAllowedAt != nil {
		s := res.NextAllowedAt.UTC().Format(time.RFC3339)
		out.NextAllowedAt = &s
	}
	if *format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		err = enc.Encode(out)
	} else {
		_, err = fmt.Fprintln(stdout, checkSentence(out))
	}
	if err != nil {
		return err
	}
	return decisionExit(res.Decision)
}

// Exit codes of `alo check`, so a script can branch on the answer: 0 the
// call is allowed now, 3 not now (deferred: next_allowed_at says when),
// 4 never (denied). 1 is an error, 2 a usage error, as for every command.
const (
	exitDeferred = 3
	exitDenied   = 4
)

// exitStatus ends the command with a code and nothing more to say: the
// answer is already printed.
type exitStatus int

func (e exitStatus) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// decisionExit is the exit status of a decision (nil for allow).
func decisionExit(d compliance.Verdict) error {
	switch d {
	case compliance.Allow:
		return nil
	case compliance.Defer:
		return exitStatus(exitDeferred)
	default:
		return exitStatus(exitDenied)
	}
}

// checkNumber reads a number as the API's intake does (spaces, dashes,
// brackets, a national prefix with --region); a number that spelling does
// not make valid is passed on as its + and digits, so the gate answers
// invalid_number rather than the command failing.
func checkNumber(raw, region string) string {
	if n, err := campaigns.NormalizePhone(raw, region); err == nil {
		return n
	}
	var b strings.Builder
	for _, r := range strings.TrimSpace(raw) {
		if r == '+' || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// loadDNCFile reads a CSV whose first column holds numbers; a first row
// that is not a number is a header. Every other bad row is an error naming
// its line.
func loadDNCFile(path string, dnc *compliance.DNCIndex) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("--dnc: %w", err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	var bad []error
	for row := 0; ; row++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("--dnc %s: %w", path, err)
		}
		line, _ := r.FieldPos(0)
		n := strings.Join(strings.Fields(strings.TrimPrefix(rec[0], "\ufeff")), "")
		if n == "" {
			continue
		}
		if !compliance.IsE164(n) {
			if row == 0 {
				continue // header
			}
			bad = append(bad, fmt.Errorf("line %d: %q is not an E.164 number", line, rec[0]))
			continue
		}
		dnc.Put(compliance.DNCRecord{Number: n, Scope: compliance.ScopeGlobal, Source: compliance.SourceImport, Note: path})
	}
	if len(bad) > 0 {
		return fmt.Errorf("--dnc %s: %w", path, errors.Join(bad...))
	}
	return nil
}

// checkSentence words a decision for a compliance officer.
func checkSentence(o checkOutput) string {
	var b strings.Builder
	where := ""
	if len(o.LocalTimes) > 0 {
		where = fmt.Sprintf(" (local time %s in %s)", strings.Join(o.LocalTimes, ", "), strings.Join(o.TimeZones, ", "))
	}
	rules := fmt.Sprintf("rules %s (content hash %s)", o.RulesVersion.Name, o.RulesVersion.Hash)
	switch o.Decision {
	case compliance.Allow:
		fmt.Fprintf(&b, "ALLOWED: a call to %s at %s%s is allowed under %s", o.Number, o.At, where, rules)
	case compliance.Defer:
		fmt.Fprintf(&b, "NOT NOW: a call to %s at %s%s is not allowed under %s; the earliest allowed time is %s",
			o.Number, o.At, where, rules, *o.NextAllowedAt)
	default:
		fmt.Fprintf(&b, "REFUSED: %s must not be called at %s%s under %s", o.Number, o.At, where, rules)
	}
	b.WriteString(", because:")
	for _, r := range o.Reasons {
		fmt.Fprintf(&b, "\n  - %s: %s", r.Rule, r.Detail)
	}
	return b.String()
}
