package web

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/alo-dialer/alo/compliance"
	"github.com/alo-dialer/alo/internal/testenv"
	"github.com/alo-dialer/alo/sqldb"
)

// complianceAPI is the test API with the real compliance service on
// SQLite (the stores are tested on both engines in package compliance).
func complianceAPI(t *testing.T, now func() time.Time) (*testAPI, *compliance.Service, *compliance.AuditLog) {
	t.Helper()
	a := newTestAPI(t)
	ctx := context.Background()
	db := testenv.SQLite(t)
	if err := sqldb.Migrate(ctx, db, "compliance", compliance.Migrations); err != nil {
		t.Fatal(err)
	}
	zones := compliance.NewZoneResolver(0)
	dnc := compliance.NewDNCIndex(nil)
	consent := compliance.NewConsentIndex()
	audit := compliance.NewAuditLog(db.DB, "", now, slog.New(slog.DiscardHandler))
	rules := compliance.NewRuleStore(db.DB, now, zones, dnc, consent)
	base, err := compliance.NewEngine(compliance.Baseline(), zones, dnc, consent)
	if err != nil {
		t.Fatal(err)
	}
	ledger := compliance.NewLedger(db.DB)
	gate := compliance.NewRuleGate(compliance.GateConfig{Source: rules, Fallback: base, Audit: audit, Ledger: ledger})
	svc := &compliance.Service{Rules: rules, DNC: compliance.NewDNCStore(db.DB, dnc, audit, now),
		Consents: compliance.NewConsentStore(db.DB, consent, audit, now), Gate: gate,
		Reports: compliance.NewReports(db.DB, gate, ledger, now), Clock: now}
	users := NewUsers(mustSQLiteWithWeb(t), func() time.Time { return testTime })
	for _, r := range Roles {
		_, tok, err := addRoleUser(ctx, users, string(r)+"-user", r, testAgentID)
		if err != nil {
			t.Fatal(err)
		}
		a.tokens[r] = tok
	}
	a.h = NewServer(ServerConfig{Campaigns: a.camps, Agents: a.agents, DNC: a.dnc, Users: users, Waker: a.waker,
		Compliance: svc, Log: slog.New(slog.DiscardHandler), DefaultRegion: "UZ"}).Handler()
	return a, svc, audit
}

func mustSQLiteWithWeb(t *testing.T) *sqldb.DB {
	t.Helper()
	db := testenv.SQLite(t)
	if err := sqldb.Migrate(context.Background(), db, "web", Migrations); err != nil {
		t.Fatal(err)
	}
	return db
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func (a *testAPI) as(role Role, method, path, body string) response {
	a.t.Helper()
	ct := ""
	if body != "" {
		ct = "application/json"
	}
	return a.call(method, path, role, ct, body)
}

func TestComplianceAPI(t *testing.T) {
	now := time.Date(2026, 11, 23, 6, 0, 0, 0, time.UTC) // Monday 11:00 in Tashkent
	clock := func() time.Time { return now }
	a, svc, audit := complianceAPI(t, clock)
	ctx := context.Background()

	var presets []presetView
	a.as(RoleSupervisor, "GET", "/api/v1/compliance/presets", "").decode(t, &presets)
	if len(presets) != 3 {
		t.Fatalf("presets %d", len(presets))
	}

	// Rule sets: compliance staff create and edit; an edit is a new version.
	a.as(RoleMarketer, "POST", "/api/v1/rule-sets", `{"preset":"cis-default"}`).expect(t, http.StatusForbidden, "role marketer")
	a.as(RoleCompliance, "POST", "/api/v1/rule-sets", `{"preset":"mars"}`).expect(t, http.StatusBadRequest, "preset \"mars\"")
	a.as(RoleCompliance, "POST", "/api/v1/rule-sets", `{}`).expect(t, http.StatusBadRequest, "invalid request", "preset")
	r := a.as(RoleCompliance, "POST", "/api/v1/rule-sets", `{"preset":"cis-default","name":"Bank A"}`)
	r.expect(t, http.StatusCreated, "")
	var rs compliance.RuleSet
	r.decode(t, &rs)
	if rs.ID != 1 || rs.Version != 1 || rs.Name != "Bank A" {
		t.Fatalf("created %+v", rs)
	}
	rs.MinRingSeconds = 20
	body := mustJSON(t, rs)
	r = a.as(RoleCompliance, "PUT", "/api/v1/rule-sets/1", body)
	r.expect(t, http.StatusOK, "")
	var v2 compliance.RuleSet
	r.decode(t, &v2)
	if v2.Version != 2 {
		t.Fatalf("edit gave %+v", v2)
	}
	rs.Abandonment.MaxRate = 3
	a.as(RoleCompliance, "PUT", "/api/v1/rule-sets/1", mustJSON(t, rs)).expect(t, http.StatusBadRequest, "abandonment.max_rate")
	a.as(RoleAdmin, "PUT", "/api/v1/rule-sets/9", body).expect(t, http.StatusNotFound, "not found")
	var vs []compliance.RuleSet
	a.as(RoleSupervisor, "GET", "/api/v1/rule-sets/1/versions", "").decode(t, &vs)
	if len(vs) != 2 || vs[0].MinRingSeconds != 15 {
		t.Fatalf("versions %+v", vs)
	}
	a.as(RoleSupervisor, "GET", "/api/v1/rule-sets/1?version=1", "").expect(t, http.StatusOK, "")

	// Pin a campaign to version 1.
	a.admin("POST", "/api/v1/clients", `{"name":"Bank A"}`).expect(t, http.StatusCreated, "")
	a.admin("POST", "/api/v1/campaigns", `{"name":"Reminders","client_id":1}`).expect(t, http.StatusCreated, "")
	a.as(RoleAdmin, "GET", "/api/v1/campaigns/1/rules", "").expect(t, http.StatusNotFound, "no rule set")
	a.as(RoleCompliance, "PUT", "/api/v1/campaigns/1/rules", `{"rule_set_id":1,"version":1,"purpose":"spam","method":"live"}`).
		expect(t, http.StatusBadRequest, "purpose")
	a.as(RoleCompliance, "PUT", "/api/v1/campaigns/9/rules", `{"rule_set_id":1,"purpose":"collection","method":"live"}`).
		expect(t, http.StatusNotFound, "")
	r = a.as(RoleCompliance, "PUT", "/api/v1/campaigns/1/rules", `{"rule_set_id":1,"version":1,"purpose":"collection","method":"live"}`)
	r.expect(t, http.StatusOK, "")

	// An agent records a DNC request heard on a call: campaign scope.
	a.as(RoleAgent, "POST", "/api/v1/compliance/dnc", `{"number":"+998901000002","scope":"campaign","scope_id":1,"source":"agent","note":"asked"}`).
		expect(t, http.StatusCreated, "")
	a.as(RoleAgent, "POST", "/api/v1/compliance/dnc", `{"number":"+998901000002","scope":"galaxy","source":"agent"}`).
		expect(t, http.StatusBadRequest, "scope")
	var entries []compliance.DNCRecord
	a.as(RoleCompliance, "GET", "/api/v1/compliance/dnc/+998901000002", "").decode(t, &entries)
	if len(entries) != 1 || entries[0].Source != compliance.SourceAgent || entries[0].EffectiveAt.IsZero() {
		t.Fatalf("entries %+v", entries)
	}

	// A registry copy, with its download date.
	r = a.call("PUT", "/api/v1/compliance/registries/uz-test?downloaded_at=2026-11-20T00:00:00Z", RoleCompliance, "text/csv",
		"number\n+998901000007\nnot-a-number\n")
	r.expect(t, http.StatusOK, "")
	if !strings.Contains(r.body, `"imported":1`) || !strings.Contains(r.body, `"skipped":1`) {
		t.Fatalf("registry import %s", r.body)
	}
	a.call("PUT", "/api/v1/compliance/registries/uz-test", RoleCompliance, "text/csv", "x\n").
		expect(t, http.StatusBadRequest, "invalid request", "downloaded_at")
	a.call("PUT", "/api/v1/compliance/registries/uz-test?downloaded_at=2026-11-20T00:00:00Z", RoleMarketer, "text/csv", "x\n").
		expect(t, http.StatusForbidden, "")

	// Consent grant and revoke.
	r = a.as(RoleMarketer, "POST", "/api/v1/compliance/consents", `{"number":"+998901000003","purpose":"telemarketing","method":"live","source":"branch form","proof":"scan 17"}`)
	r.expect(t, http.StatusCreated, "")
	a.as(RoleAgent, "POST", "/api/v1/compliance/consents/1/revoke", "").expect(t, http.StatusOK, "")
	a.as(RoleAgent, "POST", "/api/v1/compliance/consents/1/revoke", "").expect(t, http.StatusNotFound, "")

	// The gate refuses two calls and puts one off; five calls end.
	for _, req := range []compliance.Request{
		{CampaignID: 1, Number: "+998901000002", At: now},                                            // DNC
		{CampaignID: 1, Number: "+15555555555", At: now},                                             // invalid
		{CampaignID: 1, Number: "+998901000001", At: time.Date(2026, 11, 23, 16, 0, 0, 0, time.UTC)}, // 21:00 Tashkent
	} {
		if d, _ := svc.Gate.Check(ctx, req); d.Allow {
			t.Fatalf("allowed %+v", req)
		}
	}
	for _, o := range []string{"human", "human", "human", "abandoned", "no_answer"} {
		if err := svc.Gate.RecordOutcome(ctx, compliance.CallOutcome{CampaignID: 1, Number: "+998901000001", Outcome: o, At: now}); err != nil {
			t.Fatal(err)
		}
	}
	if err := audit.Flush(ctx); err != nil {
		t.Fatal(err)
	}

	var budget compliance.LedgerWindow
	a.as(RoleSupervisor, "GET", "/api/v1/campaigns/1/abandonment", "").decode(t, &budget)
	if budget.Live != 4 || budget.Abandoned != 1 || budget.Rate != 0.25 {
		t.Fatalf("budget %+v", budget)
	}

	var rep compliance.Report
	a.as(RoleCompliance, "GET", "/api/v1/campaigns/1/compliance-report", "").decode(t, &rep)
	if len(rep.Windows) != 1 {
		t.Fatalf("report windows %+v", rep.Windows)
	}
	w := rep.Windows[0]
	if w.Live != 4 || w.Abandoned != 1 || w.Rate != 0.25 || len(w.Refused) != 3 || rep.RulesVersion.Version != 1 {
		t.Fatalf("report window %+v", w)
	}
	rules := map[string]bool{}
	for _, f := range w.Refused {
		for _, x := range f.Reasons {
			rules[x.Rule] = true
		}
	}
	for _, want := range []string{"dnc", "invalid_number", "calling_window"} {
		if !rules[want] {
			t.Errorf("report lacks a %s refusal: %+v", want, w.Refused)
		}
	}

	r = a.as(RoleCompliance, "GET", "/api/v1/campaigns/1/compliance-report?format=csv", "")
	r.expect(t, http.StatusOK, "")
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Fatalf("CSV content type %q", ct)
	}
	rows, err := csv.NewReader(strings.NewReader(r.body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 5 || rows[0][0] != "row" || rows[1][0] != "window" || rows[1][5] != "4" || rows[1][9] != "0.2500" || rows[2][0] != "refused" {
		t.Fatalf("CSV rows %q", rows)
	}
	a.as(RoleCompliance, "GET", "/api/v1/campaigns/1/compliance-report?format=xml&from=yesterday", "").
		expect(t, http.StatusBadRequest, "invalid request", "from", "format")
	a.as(RoleCompliance, "GET", "/api/v1/campaigns/1/compliance-report?from=2026-11-24T00:00:00Z", "").expect(t, http.StatusOK, "")
	a.as(RoleCompliance, "GET", "/api/v1/campaigns/9/compliance-report", "").expect(t, http.StatusNotFound, "")
}

// TestComplianceAPIWithoutService: a node with no compliance answers 503.
func TestComplianceAPIWithoutService(t *testing.T) {
	a := newTestAPI(t)
	a.admin("GET", "/api/v1/campaigns/1/compliance-report", "").expect(t, http.StatusServiceUnavailable, "compliance is not configured")
}
