package web

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"testing"

	"github.com/alo-dialer/alo/compliance"
)

// TestComplianceLists: the audit trail, rule sets, scoped DNC entries and
// consents read back filtered and in cursor pages that cover every item
// exactly once; a cursor the API did not give is a 400 naming it.
func TestComplianceLists(t *testing.T) {
	ctx := context.Background()
	e := newStoreEnv(t, RoleCompliance, RoleMarketer)
	audit := compliance.NewAuditLog(e.db.DB, compliance.HeadPath(t.TempDir()), e.clock, slog.New(slog.DiscardHandler))
	zones, dnc, consent := compliance.NewZoneResolver(0), compliance.NewDNCIndex(nil), compliance.NewConsentIndex()
	svc := &compliance.Service{Rules: compliance.NewRuleStore(e.db.DB, e.clock, zones, dnc, consent),
		DNC: compliance.NewDNCStore(e.db.DB, dnc, audit, e.clock), Consents: compliance.NewConsentStore(e.db.DB, consent, audit, e.clock),
		Audit: audit, Clock: e.clock}
	for i := range 3 {
		if _, err := svc.CreateFromPreset(ctx, compliance.PresetCISDefault, fmt.Sprintf("bank %d", i), "test"); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 5 {
		scope, id := compliance.ScopeGlobal, int64(0)
		if i%2 == 1 {
			scope, id = compliance.ScopeCampaign, 7
		}
		if _, err := svc.AddDNC(ctx, compliance.DNCRecord{Number: fmt.Sprintf("+99890123450%d", i), Scope: scope, ScopeID: id, Source: compliance.SourceAPI}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := svc.GrantConsent(ctx, compliance.ConsentRecord{Number: "+998901234500", Purpose: compliance.PurposeTelemarketing,
		Method: compliance.MethodLive, Source: "web form"}); err != nil {
		t.Fatal(err)
	}
	if err := audit.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	api := e.api(t, ServerConfig{Compliance: svc})

	// Every DNC entry once, two at a time.
	var seen []string
	next := ""
	for range 10 {
		r := api.call(http.MethodGet, "/api/v1/compliance/dnc?limit=2&cursor="+next, RoleCompliance, "", "")
		r.expect(t, http.StatusOK, "")
		var p pageBody[compliance.DNCRecord]
		if err := json.Unmarshal([]byte(r.body), &p); err != nil {
			t.Fatal(err)
		}
		for _, it := range p.Items {
			seen = append(seen, it.Number)
		}
		if next = p.NextCursor; next == "" {
			break
		}
	}
	if len(seen) != 5 {
		t.Fatalf("paged through %v, want 5 entries", seen)
	}
	tests := []struct {
		path  string
		count int
	}{
		{"/api/v1/compliance/dnc?scope=campaign&scope_id=7", 2},
		{"/api/v1/compliance/consents?number=%2B998901234500", 1},
		{"/api/v1/rule-sets", 3},
		{"/api/v1/audit?kind=dnc", 5},
		{"/api/v1/audit?kind=consent&limit=10", 1},
	}
	for _, tt := range tests {
		r := api.call(http.MethodGet, tt.path, RoleCompliance, "", "")
		r.expect(t, http.StatusOK, "")
		var p pageBody[json.RawMessage]
		if err := json.Unmarshal([]byte(r.body), &p); err != nil || len(p.Items) != tt.count {
			t.Errorf("%s: %d items (%v), want %d: %s", tt.path, len(p.Items), err, tt.count, r.body)
		}
	}
	api.call(http.MethodGet, "/api/v1/audit?cursor=bogus&campaign_id=x", RoleCompliance, "", "").expect(t, http.StatusBadRequest, "", "cursor", "campaign_id")
	api.call(http.MethodGet, "/api/v1/audit", RoleMarketer, "", "").expect(t, http.StatusForbidden, "")
}
