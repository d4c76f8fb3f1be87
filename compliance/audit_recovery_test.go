package compliance_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/alo-dialer/alo/compliance"
	"github.com/alo-dialer/alo/sqldb"
)

// TestAuditLatchClearsWhenWritesWork: a failed write keeps its records and
// stops dialing; when writes work again the records are written in order,
// the chain verifies and the gate allows calls again.
func TestAuditLatchClearsWhenWritesWork(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := sqldb.Open(ctx, "", dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := sqldb.Migrate(ctx, db, "compliance", compliance.Migrations); err != nil {
		t.Fatal(err)
	}
	clk := &clock{t: at("2026-11-23T06:00:00Z")}
	head := filepath.Join(dir, compliance.AuditHeadFile)
	a := compliance.NewAuditLog(db.DB, head, clk.Now, quietLog())
	eng, err := compliance.NewEngine(compliance.Baseline(), compliance.NewZoneResolver(0), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	g := compliance.NewRuleGate(compliance.GateConfig{Fallback: eng, Audit: a})
	req := compliance.Request{CampaignID: 1, Number: "+998901234567", At: clk.Now()}
	record := func(body string) {
		t.Helper()
		if err := a.Record(ctx, compliance.AuditEvent{Kind: compliance.AuditOutcome, Body: body}); err != nil {
			t.Fatalf("record %s: %v", body, err)
		}
	}
	record("before")
	if err := a.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	// The storage fails (as a full disk does): every insert is refused.
	if _, err := db.ExecContext(ctx, `CREATE TRIGGER full BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END`); err != nil {
		t.Fatal(err)
	}
	record("during 1")
	if err := a.Flush(ctx); err == nil {
		t.Fatal("write to a full store succeeded")
	}
	record("during 2") // a call in progress ends while the store is full
	if err := a.Flush(ctx); err == nil {
		t.Fatal("second write to a full store succeeded")
	}
	if d, _ := g.Check(ctx, req); d.Allow {
		t.Fatal("gate allows a call while the audit trail cannot write")
	}
	if _, err := db.ExecContext(ctx, `DROP TRIGGER full`); err != nil {
		t.Fatal(err)
	}
	if err := a.Flush(ctx); err != nil {
		t.Fatalf("flush after the store came back: %v", err)
	}
	if err := a.Healthy(); err != nil {
		t.Fatalf("latch still set: %v", err)
	}
	if d, err := g.Check(ctx, req); err != nil || !d.Allow {
		t.Fatalf("gate after recovery: %+v, %v", d, err)
	}
	var n int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE kind = $1`, compliance.AuditOutcome).Scan(&n); err != nil || n != 3 {
		t.Fatalf("outcome records = %d (%v), want 3 (none lost while failing)", n, err)
	}
	h, err := compliance.ReadAuditHead(head)
	if err != nil {
		t.Fatal(err)
	}
	if rep, err := compliance.VerifyAudit(ctx, db.DB, &h); err != nil || len(rep.Problems) != 0 {
		t.Fatalf("verify = %+v, %v", rep, err)
	}
}
