package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/alo-dialer/alo/compliance"
	"github.com/alo-dialer/alo/sqldb"
)

// runAlo runs the alo command line in-process with an empty environment
// plus env, and returns its exit code, stdout and stderr.
func runAlo(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb, func(k string) string { return env[k] })
	return code, out.String(), errb.String()
}

func TestCheckJSON(t *testing.T) {
	dir := t.TempDir()
	dnc := filepath.Join(dir, "dnc.csv")
	if err := os.WriteFile(dnc, []byte("phone,name\n+12125550199,Asked twice\n+998901234599, \n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		args      []string
		decision  string
		next      any
		zones     string
		rule      string
		rulesName string
	}{
		{name: "issue example", args: []string{"--rules", "us-tcpa", "--number", "+12125550123", "--at", "2026-11-23T13:30:00Z"},
			decision: "allow", next: nil, zones: "America/New_York", rule: "calling_window", rulesName: "us-tcpa"},
		{name: "too early in New York", args: []string{"--rules", "us-tcpa", "--number", "+12125550123", "--at", "2026-11-23T11:00:00Z"},
			decision: "defer", next: "2026-11-23T13:00:00Z", zones: "America/New_York", rule: "calling_window", rulesName: "us-tcpa"},
		{name: "on the DNC file", args: []string{"--rules", "us-tcpa", "--number", "+12125550199", "--at", "2026-11-23T15:00:00Z", "--dnc", dnc},
			decision: "deny", next: nil, zones: "America/New_York", rule: "dnc", rulesName: "us-tcpa"},
		{name: "explicit zone", args: []string{"--rules", "us-tcpa", "--number", "+12125550123", "--at", "2026-11-23T13:30:00Z", "--tz", "America/Los_Angeles"},
			decision: "defer", next: "2026-11-23T16:00:00Z", zones: "America/Los_Angeles", rule: "calling_window", rulesName: "us-tcpa"},
		{name: "UK Sunday morning", args: []string{"--rules", "uk-ofcom", "--number", "+442079460000", "--at", "2026-11-29T09:00:00Z"},
			decision: "defer", next: "2026-11-29T10:00:00Z", zones: "Europe/London", rule: "calling_window", rulesName: "uk-ofcom"},
		{name: "Uzbekistan on Independence Day", args: []string{"--rules", "cis-default", "--number", "+998901234567", "--at", "2026-09-01T06:00:00Z"},
			decision: "defer", next: "2026-09-02T04:00:00Z", zones: "Asia/Tashkent", rule: "holiday", rulesName: "cis-default"},
		{name: "CIS DNC file, second row", args: []string{"--rules", "cis-default", "--number", "+998901234599", "--at", "2026-11-23T06:00:00Z", "--dnc", dnc},
			decision: "deny", next: nil, zones: "Asia/Tashkent", rule: "dnc", rulesName: "cis-default"},
		{name: "invalid number", args: []string{"--rules", "uk-ofcom", "--number", "+447700900123", "--at", "2026-11-23T10:00:00Z"},
			decision: "deny", next: nil, zones: "", rule: "invalid_number", rulesName: "uk-ofcom"},
		{name: "toll-free without a default zone", args: []string{"--rules", "us-tcpa", "--number", "+18002758255", "--at", "2026-11-23T15:00:00Z"},
			decision: "deny", next: nil, zones: "", rule: "no_zone", rulesName: "us-tcpa"},
		{name: "toll-free with a default zone", args: []string{"--rules", "us-tcpa", "--number", "+18002758255", "--at", "2026-11-23T15:00:00Z", "--default-zone", "America/Chicago"},
			decision: "allow", next: nil, zones: "America/Chicago", rule: "calling_window", rulesName: "us-tcpa"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runAlo(t, nil, append(append([]string{"check"}, tt.args...), "--format", "json")...)
			if want := map[string]int{"allow": 0, "defer": 3, "deny": 4}[tt.decision]; code != want {
				t.Fatalf("exit %d, want %d for %s: %s", code, want, tt.decision, stderr)
			}
			var got map[string]any
			if err := json.Unmarshal([]byte(stdout), &got); err != nil {
				t.Fatalf("not one JSON object: %v\n%s", err, stdout)
			}
			for _, k := range []string{"decision", "next_allowed_at", "time_zones", "reasons", "rules_version"} {
				if _, ok := got[k]; !ok {
					t.Errorf("no %q in %s", k, stdout)
				}
			}
			if got["decision"] != tt.decision || got["next_allowed_at"] != tt.next {
				t.Errorf("decision %v next %v, want %s %v\n%s", got["decision"], got["next_allowed_at"], tt.decision, tt.next, stdout)
			}
			var zones []string
			for _, z := range got["time_zones"].([]any) {
				zones = append(zones, z.(string))
			}
			if strings.Join(zones, ",") != tt.zones {
				t.Errorf("time_zones %v, want %s", zones, tt.zones)
			}
			found := false
			for _, r := range got["reasons"].([]any) {
				m := r.(map[string]any)
				found = found || m["rule"] == tt.rule
				if m["detail"] == "" {
					t.Errorf("reason without detail: %v", m)
				}
			}
			if !found {
				t.Errorf("no %s reason in %s", tt.rule, stdout)
			}
			rv := got["rules_version"].(map[string]any)
			if rv["name"] != tt.rulesName || len(rv["hash"].(string)) != 16 {
				t.Errorf("rules_version %v", rv)
			}
		})
	}
}

func TestCheckSentence(t *testing.T) {
	tests := []struct {
		args []string
		code int
		want []string
	}{
		{[]string{"--rules", "us-tcpa", "--number", "+12125550123", "--at", "2026-11-23T13:30:00Z"}, 0,
			[]string{"ALLOWED: a call to +12125550123", "08:30", "America/New_York", "us-tcpa", "calling_window: "}},
		{[]string{"--rules", "cis-default", "--number", "+998901234567", "--at", "2026-11-29T06:00:00Z"}, exitDeferred,
			[]string{"NOT NOW", "earliest allowed time is 2026-11-30T04:00:00Z", "no hours"}},
		{[]string{"--rules", "us-tcpa", "--number", "+15555555555", "--at", "2026-11-23T13:30:00Z"}, exitDenied,
			[]string{"REFUSED: +15555555555 must not be called", "invalid_number"}},
		// Any spelling the API takes: spaces, dashes, brackets, a national
		// prefix with --region.
		{[]string{"--rules", "cis-default", "--number", "+998 90 123 45 67", "--at", "2026-11-23T06:00:00Z"}, 0,
			[]string{"ALLOWED: a call to +998901234567"}},
		{[]string{"--rules", "cis-default", "--number", "8 (701) 234-56-78", "--region", "KZ", "--at", "2026-11-23T06:00:00Z"}, 0,
			[]string{"ALLOWED: a call to +77012345678"}},
		{[]string{"--rules", "cis-default", "--number", "+998-90-123-45-67", "--at", "2026-11-29T06:00:00Z"}, exitDeferred,
			[]string{"NOT NOW: a call to +998901234567"}},
	}
	for _, tt := range tests {
		code, stdout, stderr := runAlo(t, nil, append([]string{"check"}, tt.args...)...)
		if code != tt.code {
			t.Fatalf("%v: exit %d, want %d: %s", tt.args, code, tt.code, stderr)
		}
		for _, w := range tt.want {
			if !strings.Contains(stdout, w) {
				t.Errorf("%v: output lacks %q:\n%s", tt.args, w, stdout)
			}
		}
	}
}

func TestCheckErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.csv")
	if err := os.WriteFile(bad, []byte("number\n+12125550199\n212-555-0100\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--number", "+12125550123"}, "--rules and --number are required"},
		{[]string{"--rules", "us-tcpa", "--number", "+12125550123", "--at", "tomorrow"}, "--at"},
		{[]string{"--rules", "mars", "--number", "+12125550123"}, "preset \"mars\""},
		{[]string{"--rules", "us-tcpa", "--number", "+12125550123", "--dnc", bad}, "line 3"},
		{[]string{"--rules", "us-tcpa", "--number", "+12125550123", "--format", "xml"}, "--format"},
	}
	for _, tt := range tests {
		code, _, stderr := runAlo(t, nil, append([]string{"check"}, tt.args...)...)
		if code != 1 || !strings.Contains(stderr, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want 1 and %q", tt.args, code, stderr, tt.want)
		}
	}
}

// TestCheckStoredRuleSet: --rules ID reads the rule set, DNC and consent
// from the database in the data dir.
func TestCheckStoredRuleSet(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := sqldb.Open(ctx, "", dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := sqldb.Migrate(ctx, db, "compliance", compliance.Migrations); err != nil {
		t.Fatal(err)
	}
	store := compliance.NewRuleStore(db.DB, time.Now, compliance.NewZoneResolver(0), nil, nil)
	rs, err := store.CreateFromPreset(ctx, compliance.PresetCISDefault, "bank A", "test")
	if err != nil {
		t.Fatal(err)
	}
	rs.Windows[0].Days["sun"] = []string{"12:00-14:00"} // an edit: version 2
	if rs, err = store.EditRuleSet(ctx, rs.ID, rs, "test"); err != nil || rs.Version != 2 {
		t.Fatalf("edit = %+v, %v", rs, err)
	}
	dncs := compliance.NewDNCStore(db.DB, compliance.NewDNCIndex(nil), nil, time.Now)
	if _, err := dncs.Add(ctx, compliance.DNCRecord{Number: "+998901234599", Scope: compliance.ScopeGlobal, Source: compliance.SourceAgent}); err != nil {
		t.Fatal(err)
	}
	db.Close()

	env := map[string]string{"ALO_DATA_DIR": dir}
	id := "1"
	code, stdout, stderr := runAlo(t, env, "check", "--rules", id, "--number", "+998901234567", "--at", "2026-11-29T08:00:00Z", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var got checkOutput
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatal(err)
	}
	if got.Decision != compliance.Allow || got.RulesVersion.Version != 2 || got.RulesVersion.Name != "bank A" {
		t.Fatalf("Sunday 13:00 under the edited set: %+v", got)
	}
	// After the entry took effect (it was added at the wall clock's now).
	code, stdout, _ = runAlo(t, env, "check", "--rules", id, "--number", "+998901234599", "--at", time.Now().Add(time.Hour).UTC().Format(time.RFC3339), "--format", "json")
	if code != exitDenied || !strings.Contains(stdout, `"rule": "dnc"`) {
		t.Fatalf("stored DNC entry not honoured: %s", stdout)
	}
	if code, _, stderr := runAlo(t, env, "check", "--rules", "99", "--number", "+998901234567"); code != 1 || !strings.Contains(stderr, "not found") {
		t.Fatalf("unknown rule set id: exit %d %s", code, stderr)
	}
}

// TestDataDirWithoutDatabase: the commands that read a node's database
// refuse a data dir (or SQLite path) that has none, instead of creating an
// empty one, and leave the directory as it was.
func TestDataDirWithoutDatabase(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "mistyped")
	csvFile := filepath.Join(t.TempDir(), "c.csv")
	if err := os.WriteFile(csvFile, []byte("phone\n+998901234567\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"import", "--data-dir", dir, "--campaign", "1", csvFile},
		{"audit", "verify", "--data-dir", dir},
		{"check", "--data-dir", dir, "--rules", "1", "--number", "+998901234567"},
		{"check", "--database-url", "sqlite:" + filepath.Join(dir, "x.db"), "--rules", "1", "--number", "+998901234567"},
	} {
		code, _, stderr := runAlo(t, nil, args...)
		if code != 1 || !strings.Contains(stderr, "no alo database") {
			t.Errorf("%v: exit %d, %q; want 1 and \"no alo database\"", args, code, stderr)
		}
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Fatalf("%v created %s", args, dir)
		}
	}
}

func TestVersion(t *testing.T) {
	code, stdout, _ := runAlo(t, nil, "version")
	if code != 0 || !strings.HasPrefix(stdout, "alo ") || !strings.Contains(stdout, "built with go1.") {
		t.Fatalf("alo version: exit %d %q", code, stdout)
	}
}
