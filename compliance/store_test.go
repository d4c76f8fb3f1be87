package compliance_test

// SQL-backed parts of compliance on both engines: versioned rule sets,
// scoped DNC and consent stores, the abandonment ledger and the audit
// chain. The package imports nothing of alo's; its tests use the shared
// test servers.

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/alo-dialer/alo/compliance"
	"github.com/alo-dialer/alo/internal/testenv"
	"github.com/alo-dialer/alo/sqldb"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

func forEachEngine(t *testing.T, fn func(t *testing.T, db *sqldb.DB)) {
	t.Helper()
	for _, e := range testenv.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			db := e.Open(t)
			if err := sqldb.Migrate(context.Background(), db, "compliance", compliance.Migrations); err != nil {
				t.Fatal(err)
			}
			fn(t, db)
		})
	}
}

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestRuleStoreVersions(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		clk := &clock{t: at("2026-11-23T06:00:00Z")}
		s := compliance.NewRuleStore(db.DB, clk.Now, compliance.NewZoneResolver(0), nil, nil)
		v1, err := s.CreateFromPreset(ctx, compliance.PresetUKOfcom, "bank A UK", "alice")
		if err != nil || v1.ID == 0 || v1.Version != 1 || v1.Preset != compliance.PresetUKOfcom {
			t.Fatalf("create = %+v, %v", v1, err)
		}
		edit := v1
		edit.MinRingSeconds = 20
		v2, err := s.EditRuleSet(ctx, v1.ID, edit, "bob")
		if err != nil || v2.Version != 2 || v2.ID != v1.ID {
			t.Fatalf("edit = %+v, %v", v2, err)
		}
		old, err := s.GetRuleSet(ctx, v1.ID, 1)
		if err != nil || old.MinRingSeconds != 15 || old.ContentHash() != v1.ContentHash() {
			t.Fatalf("version 1 changed by the edit: %+v, %v", old, err)
		}
		if latest, _ := s.GetRuleSet(ctx, v1.ID, 0); latest.Version != 2 || latest.MinRingSeconds != 20 {
			t.Fatalf("latest = %+v", latest)
		}
		if vs, err := s.ListVersions(ctx, v1.ID); err != nil || len(vs) != 2 {
			t.Fatalf("versions = %d, %v", len(vs), err)
		}
		bad := edit
		bad.Abandonment.MaxRate = 0
		if _, err := s.EditRuleSet(ctx, v1.ID, bad, "bob"); !errors.Is(err, compliance.ErrInvalidRules) {
			t.Fatalf("invalid edit err = %v", err)
		}
		if _, err := s.EditRuleSet(ctx, 999, edit, "bob"); !errors.Is(err, compliance.ErrRuleSetNotFound) {
			t.Fatalf("edit of unknown set err = %v", err)
		}

		// A campaign pins version 1; the engine it gets is version 1's.
		if _, err := s.Binding(ctx, 7); !errors.Is(err, compliance.ErrNotBound) {
			t.Fatalf("unbound campaign err = %v", err)
		}
		b, err := s.Pin(ctx, compliance.Binding{CampaignID: 7, RuleSetID: v1.ID, Version: 1, Purpose: compliance.PurposeCollection, Method: compliance.MethodLive})
		if err != nil || b.Version != 1 {
			t.Fatalf("pin = %+v, %v", b, err)
		}
		e, got, err := s.EngineFor(ctx, 7)
		if err != nil || got.Purpose != compliance.PurposeCollection || e.Version().Version != 1 || e.Rules().MinRingSeconds != 15 {
			t.Fatalf("EngineFor = %+v %+v, %v", e.Version(), got, err)
		}
		if b, err = s.Pin(ctx, compliance.Binding{CampaignID: 7, RuleSetID: v1.ID, Purpose: compliance.PurposeCollection, Method: compliance.MethodLive}); err != nil || b.Version != 2 {
			t.Fatalf("re-pin to latest = %+v, %v", b, err)
		}
		if _, err := s.Pin(ctx, compliance.Binding{CampaignID: 8, RuleSetID: v1.ID, Purpose: "spam", Method: compliance.MethodLive}); !errors.Is(err, compliance.ErrInvalidRules) {
			t.Fatalf("pin with a bad purpose err = %v", err)
		}
	})
}

func TestDNCAndConsentStores(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		clk := &clock{t: at("2026-11-23T06:00:00Z")}
		audit := compliance.NewAuditLog(db.DB, "", clk.Now, quietLog())
		idx := compliance.NewDNCIndex(nil)
		s := compliance.NewDNCStore(db.DB, idx, audit, clk.Now)
		r, err := s.Add(ctx, compliance.DNCRecord{Number: "+998901000001", Scope: compliance.ScopeCampaign, ScopeID: 3,
			Source: compliance.SourceKeyPress, RequestedAt: clk.Now().Add(-time.Minute)})
		if err != nil || r.ID == 0 || !r.EffectiveAt.Equal(clk.Now()) {
			t.Fatalf("add = %+v, %v", r, err)
		}
		for _, bad := range []compliance.DNCRecord{
			{Number: "998901000001", Scope: compliance.ScopeGlobal, Source: compliance.SourceAPI},
			{Number: "+998901000001", Scope: compliance.ScopeClient, Source: compliance.SourceAPI},
			{Number: "+998901000001", Scope: compliance.ScopeGlobal, Source: "rumour"},
		} {
			if _, err := s.Add(ctx, bad); err == nil {
				t.Errorf("bad entry accepted: %+v", bad)
			}
		}
		n, skipped, err := s.ImportRegistry(ctx, "uz-test", clk.Now().Add(-48*time.Hour), []string{"+998901000002", "+998901000003", "junk"})
		if err != nil || n != 2 || skipped != 1 {
			t.Fatalf("import = %d, %d, %v", n, skipped, err)
		}

		// A fresh node loads the same state.
		idx2 := compliance.NewDNCIndex(nil)
		if err := compliance.NewDNCStore(db.DB, idx2, nil, clk.Now).Load(ctx); err != nil {
			t.Fatal(err)
		}
		regs := []compliance.RegistryRule{{Name: "uz-test", MaxAgeDays: 31}}
		if _, ok := idx2.Listed("+998901000001", 0, 3, nil, clk.Now()); !ok {
			t.Error("campaign entry not loaded")
		}
		if _, ok := idx2.Listed("+998901000003", 0, 0, regs, clk.Now()); !ok {
			t.Error("registry entry not loaded")
		}
		if d, ok := idx2.Registry("uz-test"); !ok || !d.Equal(clk.Now().Add(-48*time.Hour)) {
			t.Errorf("registry date = %v, %v", d, ok)
		}
		if err := s.Remove(ctx, r.ID); err != nil {
			t.Fatal(err)
		}
		if _, ok := idx.Listed("+998901000001", 0, 3, nil, clk.Now()); ok {
			t.Error("removed entry still listed")
		}
		if err := s.Remove(ctx, r.ID); !errors.Is(err, compliance.ErrNotListed) {
			t.Errorf("second remove err = %v", err)
		}

		cidx := compliance.NewConsentIndex()
		cs := compliance.NewConsentStore(db.DB, cidx, audit, clk.Now)
		c, err := cs.Grant(ctx, compliance.ConsentRecord{Number: "+998901000001", Purpose: compliance.PurposeTelemarketing,
			Method: compliance.MethodLive, Source: "web form", Proof: "form 42"})
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := cidx.Find(c.Number, c.Purpose, c.Method, clk.Now()); !ok {
			t.Fatal("granted consent not found")
		}
		clk.Set(clk.Now().Add(time.Hour))
		if _, err := cs.Revoke(ctx, c.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := cs.Revoke(ctx, c.ID); !errors.Is(err, compliance.ErrNotListed) {
			t.Fatalf("second revoke err = %v", err)
		}
		cidx2 := compliance.NewConsentIndex()
		if err := compliance.NewConsentStore(db.DB, cidx2, nil, clk.Now).Load(ctx); err != nil {
			t.Fatal(err)
		}
		if _, ok := cidx2.Find(c.Number, c.Purpose, c.Method, clk.Now()); ok {
			t.Fatal("revoked consent still in force after load")
		}
		if _, ok := cidx2.Find(c.Number, c.Purpose, c.Method, clk.Now().Add(-30*time.Minute)); !ok {
			t.Fatal("consent not in force before its revocation")
		}

		// Every change is in the audit trail.
		if err := audit.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		rep, err := compliance.VerifyAudit(ctx, db.DB, nil)
		if err != nil || !rep.OK() || rep.Records != 5 {
			t.Fatalf("audit after DNC and consent changes = %+v, %v (want 5 records: add, import, remove, grant, revoke)", rep, err)
		}
	})
}

// TestLedgerPeriodsAcrossMonthEnds: the FCC's successive 30-day periods run
// from the campaign's first call, whatever the month lengths (January 31,
// February 28, a leap-free 2026), and Ofcom's calendar day follows the
// rule set's zone through a DST change.
func TestLedgerPeriodsAcrossMonthEnds(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		l := compliance.NewLedger(db.DB)
		us, _ := compliance.Preset(compliance.PresetUSTCPA)
		cp := us.Abandonment
		ny, _ := time.LoadLocation("America/New_York")
		calls := []struct{ at, outcome string }{
			{"2026-01-20T15:00:00Z", "busy"},      // first call: period 1 is 20 Jan 15:00 – 19 Feb 15:00
			{"2026-01-31T23:59:00Z", "human"},     // across the January month end
			{"2026-02-01T00:01:00Z", "abandoned"}, // same period
			{"2026-02-19T14:59:59Z", "human"},     // last second of period 1
			{"2026-02-19T15:00:00Z", "human"},     // period 2: to 21 Mar 15:00, across February's end
			{"2026-02-28T23:00:00Z", "abandoned"}, //
			{"2026-03-01T01:00:00Z", "machine"},   //
			{"2026-03-21T15:00:00Z", "human"},     // period 3
		}
		for _, c := range calls {
			if err := l.Record(ctx, 1, cp, ny, c.outcome, at(c.at)); err != nil {
				t.Fatal(err)
			}
		}
		ws, err := l.Windows(ctx, 1, cp)
		if err != nil {
			t.Fatal(err)
		}
		want := []struct {
			start, end        string
			live, ab, machine int64
		}{
			{"2026-01-20T15:00:00Z", "2026-02-19T15:00:00Z", 3, 1, 0},
			{"2026-02-19T15:00:00Z", "2026-03-21T15:00:00Z", 2, 1, 1},
			{"2026-03-21T15:00:00Z", "2026-04-20T15:00:00Z", 1, 0, 0},
		}
		if len(ws) != len(want) {
			t.Fatalf("windows = %+v", ws)
		}
		for i, w := range want {
			g := ws[i]
			if !g.Start.Equal(at(w.start)) || !g.End.Equal(at(w.end)) || g.Live != w.live || g.Abandoned != w.ab || g.Machine != w.machine {
				t.Errorf("window %d = %+v, want %+v", i, g, w)
			}
		}
		cur, err := l.Current(ctx, 1, cp, ny, at("2026-03-10T12:00:00Z"))
		if err != nil || cur.Live != 2 || cur.Abandoned != 1 || cur.Rate != 0.5 || cur.BudgetLeft >= 0 {
			t.Fatalf("current = %+v, %v", cur, err)
		}

		// UK: calendar days in Europe/London, AMD false positives counted.
		uk, _ := compliance.Preset(compliance.PresetUKOfcom)
		ldn, _ := time.LoadLocation("Europe/London")
		for i := 0; i < 97; i++ {
			if err := l.Record(ctx, 2, uk.Abandonment, ldn, "human", at("2026-03-28T23:30:00Z")); err != nil {
				t.Fatal(err)
			}
		}
		for _, o := range []string{"abandoned", "machine", "machine"} {
			if err := l.Record(ctx, 2, uk.Abandonment, ldn, o, at("2026-03-28T23:40:00Z")); err != nil {
				t.Fatal(err)
			}
		}
		// 00:30 BST on 29 March (DST day) is a new day: 23:30 UTC was 28 March GMT.
		if err := l.Record(ctx, 2, uk.Abandonment, ldn, "abandoned", at("2026-03-29T00:30:00Z")); err != nil {
			t.Fatal(err)
		}
		day, err := l.Current(ctx, 2, uk.Abandonment, ldn, at("2026-03-28T12:00:00Z"))
		if err != nil {
			t.Fatal(err)
		}
		fp := 2 * uk.Abandonment.AMDFalsePositiveRate
		wantRate := (1 + fp) / (98 + fp)
		if day.Live != 98 || day.Abandoned != 1 || day.Machine != 2 || abs(day.Rate-wantRate) > 1e-9 || !day.Start.Equal(at("2026-03-28T00:00:00Z")) {
			t.Fatalf("UK day = %+v, want rate %v", day, wantRate)
		}
		if left := 0.03*(98+fp) - (1 + fp); abs(day.BudgetLeft-left) > 1e-9 {
			t.Fatalf("budget left %v, want %v", day.BudgetLeft, left)
		}
		next, _ := l.Current(ctx, 2, uk.Abandonment, ldn, at("2026-03-29T12:00:00Z"))
		if next.Live != 1 || next.Abandoned != 1 || !next.Start.Equal(at("2026-03-29T00:00:00Z")) || !next.End.Equal(at("2026-03-29T23:00:00Z")) {
			t.Fatalf("UK DST day = %+v (a 23-hour day)", next)
		}
	})
}

func abs(f float64) float64 {
	if f < 0 {
		return -f
	}
	return f
}

// TestAuditChain: the chain verifies; an edited, a deleted and a truncated
// record are each detected; two writers (nodes) append to one chain.
func TestAuditChain(t *testing.T) {
	tamper := []struct {
		name string
		sql  string
		kind string
	}{
		{"edited body", `UPDATE audit_log SET body = '{"decision":"allow"}' WHERE seq = 4`, "edited"},
		{"edited time", `UPDATE audit_log SET at = at + 1 WHERE seq = 2`, "edited"},
		{"deleted", `DELETE FROM audit_log WHERE seq = 5`, "deleted"},
		{"truncated", `DELETE FROM audit_log WHERE seq >= 9`, "truncated"},
		{"rewritten tail", `UPDATE audit_log SET hash = 'x' WHERE seq = 10`, "anchor"},
	}
	for _, tt := range tamper {
		t.Run(tt.name, func(t *testing.T) {
			forEachEngine(t, func(t *testing.T, db *sqldb.DB) {
				ctx := context.Background()
				head := filepath.Join(t.TempDir(), compliance.AuditHeadFile)
				clk := &clock{t: at("2026-11-23T06:00:00Z")}
				a := compliance.NewAuditLog(db.DB, head, clk.Now, quietLog())
				b := compliance.NewAuditLog(db.DB, head, clk.Now, quietLog()) // a second node
				for i := 0; i < 10; i++ {
					w := a
					if i%3 == 2 {
						w = b
					}
					clk.Set(clk.Now().Add(time.Second))
					if err := w.Record(ctx, compliance.AuditEvent{Kind: compliance.AuditDeny, CampaignID: 1, Number: "+998901000001",
						Body: map[string]any{"i": i, "decision": "deny"}}); err != nil {
						t.Fatal(err)
					}
					if err := w.Flush(ctx); err != nil {
						t.Fatal(err)
					}
				}
				h, err := compliance.ReadAuditHead(head)
				if err != nil || h.Seq != 10 {
					t.Fatalf("head = %+v, %v", h, err)
				}
				rep, err := compliance.VerifyAudit(ctx, db.DB, &h)
				if err != nil || !rep.OK() || rep.Records != 10 {
					t.Fatalf("clean chain = %+v, %v", rep, err)
				}
				if _, err := db.ExecContext(ctx, tt.sql); err != nil {
					t.Fatal(err)
				}
				rep, err = compliance.VerifyAudit(ctx, db.DB, &h)
				if err != nil {
					t.Fatal(err)
				}
				found := false
				for _, p := range rep.Problems {
					found = found || p.Kind == tt.kind
				}
				if !found {
					t.Fatalf("%s not detected: %+v", tt.kind, rep)
				}
			})
		})
	}
}

// TestAuditFailureStopsDialing: once a write fails, the gate denies every
// call with an audit reason.
func TestAuditFailureStopsDialing(t *testing.T) {
	ctx := context.Background()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "a.db"))
	if err != nil {
		t.Fatal(err)
	}
	// No migrations: the audit table is missing, so the first write fails.
	clk := &clock{t: at("2026-11-23T06:00:00Z")}
	a := compliance.NewAuditLog(db, "", clk.Now, quietLog())
	zones := compliance.NewZoneResolver(0)
	eng, err := compliance.NewEngine(compliance.Baseline(), zones, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	g := compliance.NewRuleGate(compliance.GateConfig{Fallback: eng, Audit: a})
	req := compliance.Request{CampaignID: 1, Number: "+998901234567", At: clk.Now()}
	if d, err := g.Check(ctx, req); err != nil || !d.Allow {
		t.Fatalf("before the failure: %+v, %v", d, err)
	}
	if err := a.Record(ctx, compliance.AuditEvent{Kind: compliance.AuditOutcome, Body: "x"}); err != nil {
		t.Fatal(err)
	}
	if err := a.Flush(ctx); err == nil {
		t.Fatal("write to a missing table succeeded")
	}
	d, err := g.Check(ctx, req)
	if err == nil || d.Allow || d.Verdict != compliance.Deny || len(d.Reasons) == 0 || d.Reasons[0].Rule != compliance.RuleAudit {
		t.Fatalf("after the failure: %+v, %v", d, err)
	}
	db.Close()
}

// fakeHistory returns fixed past calls.
type fakeHistory []compliance.PastCall

func (f fakeHistory) CallsSince(context.Context, string, time.Time) ([]compliance.PastCall, error) {
	return f, nil
}

// TestRuleGate: a pinned campaign gets its rules, an unpinned one the
// baseline; past calls come from History; defers and denies are audited,
// allows are not (their evidence goes with the attempt).
func TestRuleGate(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		clk := &clock{t: at("2026-11-23T06:00:00Z")}
		zones := compliance.NewZoneResolver(0)
		store := compliance.NewRuleStore(db.DB, clk.Now, zones, nil, nil)
		rs, err := store.CreateFromPreset(ctx, compliance.PresetCISDefault, "", "test")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := store.Pin(ctx, compliance.Binding{CampaignID: 1, RuleSetID: rs.ID, Purpose: compliance.PurposeInformational, Method: compliance.MethodLive}); err != nil {
			t.Fatal(err)
		}
		base, _ := compliance.NewEngine(compliance.Baseline(), zones, nil, nil)
		audit := compliance.NewAuditLog(db.DB, "", clk.Now, quietLog())
		hist := fakeHistory{{At: at("2026-11-23T01:00:00Z"), Outcome: "abandoned"}}
		ledger := compliance.NewLedger(db.DB)
		g := compliance.NewRuleGate(compliance.GateConfig{Source: store, Fallback: base, History: hist, Audit: audit, Ledger: ledger})

		sunday := compliance.Request{CampaignID: 1, Number: "+998901234567", At: at("2026-11-29T06:00:00Z"), GuaranteedAgent: true}
		d, err := g.Check(ctx, sunday)
		if err != nil || d.Verdict != compliance.Defer || !d.NextAllowed.Equal(at("2026-11-30T04:00:00Z")) || d.Version.ID != rs.ID {
			t.Fatalf("pinned campaign on Sunday = %+v, %v", d, err)
		}
		embargo := compliance.Request{CampaignID: 1, Number: "+998901234567", At: at("2026-11-23T06:00:00Z")}
		if d, _ := g.Check(ctx, embargo); d.Verdict != compliance.Defer || d.Reasons[0].Rule != compliance.RuleEmbargo {
			t.Fatalf("embargo from history = %+v", d)
		}
		embargo.GuaranteedAgent = true
		if d, _ := g.Check(ctx, embargo); !d.Allow {
			t.Fatalf("guaranteed agent = %+v", d)
		}
		unpinned := compliance.Request{CampaignID: 2, Number: "+998901234567", At: at("2026-11-29T06:00:00Z"),
			Window: compliance.Window{Start: 9 * 60, End: 10 * 60}}
		if d, _ := g.Check(ctx, unpinned); d.Verdict != compliance.Defer || d.Version.Name != compliance.BaselineName ||
			!d.NextAllowed.Equal(at("2026-11-30T04:00:00Z")) {
			t.Fatalf("unpinned campaign = %+v", d)
		}
		// Preview answers the same about a time to come, recording nothing.
		for _, r := range []compliance.Request{sunday, unpinned} {
			if p, err := g.Preview(ctx, r); err != nil || p.Verdict != compliance.Defer || !p.NextAllowed.Equal(at("2026-11-30T04:00:00Z")) {
				t.Fatalf("preview of %v = %+v, %v", r.At, p, err)
			}
		}
		noDefault := compliance.NewRuleGate(compliance.GateConfig{Source: store})
		if d, err := noDefault.Check(ctx, unpinned); err == nil || d.Allow {
			t.Fatalf("no rules at all = %+v, %v", d, err)
		}

		// Outcomes feed the ledger under the campaign's rules.
		for _, o := range []string{"human", "human", "abandoned", "busy"} {
			if err := g.RecordOutcome(ctx, compliance.CallOutcome{CampaignID: 1, Number: "+998901234567", Outcome: o, At: at("2026-11-23T07:00:00Z")}); err != nil {
				t.Fatal(err)
			}
		}
		b, err := g.Budget(ctx, 1, at("2026-11-23T12:00:00Z"))
		if err != nil || b.Live != 3 || b.Abandoned != 1 || b.Kind != compliance.WindowCalendarDay || !b.Start.Equal(at("2026-11-22T19:00:00Z")) {
			t.Fatalf("budget = %+v, %v", b, err)
		}

		if err := audit.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		rep, _ := compliance.VerifyAudit(ctx, db.DB, nil)
		// 3 defers (Sunday, embargo, unpinned) + 4 outcomes; the allow,
		// the previews and the error of the gate without rules (no audit)
		// are not records.
		if !rep.OK() || rep.Records != 7 {
			t.Fatalf("audit = %+v", rep)
		}
	})
}

// TestAuditConcurrentNodes: two nodes appending at once keep one intact
// chain (the loser of a race for a sequence number retries).
func TestAuditConcurrentNodes(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		clk := &clock{t: at("2026-11-23T06:00:00Z")}
		var wg sync.WaitGroup
		errs := make(chan error, 2)
		for node := 0; node < 2; node++ {
			a := compliance.NewAuditLog(db.DB, "", clk.Now, quietLog())
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 40; i++ {
					if err := a.Record(ctx, compliance.AuditEvent{Kind: compliance.AuditOutcome, Body: map[string]int{"node": node, "i": i}}); err != nil {
						errs <- err
						return
					}
					if err := a.Flush(ctx); err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		rep, err := compliance.VerifyAudit(ctx, db.DB, nil)
		if err != nil || !rep.OK() || rep.Records != 80 {
			t.Fatalf("chain after concurrent writers = %+v, %v", rep, err)
		}
	})
}
