package main

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/alo-dialer/alo/compliance"
	"github.com/alo-dialer/alo/sqldb"
)

// TestAuditVerifyCommand: `alo audit verify` passes a clean trail and
// fails, naming the break, on an edited, a deleted and a truncated record.
func TestAuditVerifyCommand(t *testing.T) {
	tests := []struct {
		name, tamper, want string
	}{
		{"clean", "", "OK: 6 records"},
		{"edited", `UPDATE audit_log SET number = '+998901000009' WHERE seq = 2`, "BROKEN (edited) at record 2"},
		{"deleted", `DELETE FROM audit_log WHERE seq = 3`, "BROKEN (deleted) at record 3"},
		{"truncated", `DELETE FROM audit_log WHERE seq > 4`, "BROKEN (truncated) at record 5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			db, err := sqldb.Open(ctx, "", dir)
			if err != nil {
				t.Fatal(err)
			}
			if err := sqldb.Migrate(ctx, db, "compliance", compliance.Migrations); err != nil {
				t.Fatal(err)
			}
			now := time.Date(2026, 11, 23, 6, 0, 0, 0, time.UTC)
			a := compliance.NewAuditLog(db.DB, compliance.HeadPath(dir), func() time.Time { return now }, slog.New(slog.NewTextHandler(io.Discard, nil)))
			for i := 0; i < 6; i++ {
				if err := a.Record(ctx, compliance.AuditEvent{Kind: compliance.AuditOutcome, CampaignID: 1, Number: "+998901000001",
					Body: map[string]any{"outcome": "human", "i": i}}); err != nil {
					t.Fatal(err)
				}
				if i%2 == 1 {
					if err := a.Flush(ctx); err != nil {
						t.Fatal(err)
					}
				}
			}
			if tt.tamper != "" {
				if _, err := db.ExecContext(ctx, tt.tamper); err != nil {
					t.Fatal(err)
				}
			}
			db.Close()
			code, stdout, stderr := runAlo(t, map[string]string{"ALO_DATA_DIR": dir}, "audit", "verify")
			wantCode := 1
			if tt.tamper == "" {
				wantCode = 0
			}
			if code != wantCode || !strings.Contains(stdout, tt.want) {
				t.Fatalf("exit %d (want %d), stdout %q, stderr %q; want %q", code, wantCode, stdout, stderr, tt.want)
			}
		})
	}
}
