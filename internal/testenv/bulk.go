package testenv

import (
	"context"
	"strings"
	"testing"
	"time"
)

// BulkRow is one contact row for BulkInsertContacts.
type BulkRow struct {
	Phone, Name, ExternalID string
}

// BulkInsertContacts is the yardstick of the intake benchmarks: a fresh
// SQLite database with a bare contacts table and the rows written in
// multi-row INSERTs of 500 per transaction, with nothing checked or parsed.
// It returns the time the inserts took, so a benchmark can report its
// intake as a multiple of what SQLite alone needs on the same machine in
// the same run (docs/benchmarks.md).
func BulkInsertContacts(tb testing.TB, rows []BulkRow) time.Duration {
	tb.Helper()
	ctx := context.Background()
	db := SQLite(tb)
	if _, err := db.ExecContext(ctx, `CREATE TABLE contacts (id INTEGER PRIMARY KEY, campaign_id BIGINT NOT NULL,
		phone TEXT NOT NULL, name TEXT NOT NULL, external_id TEXT NOT NULL, state TEXT NOT NULL, created_at BIGINT NOT NULL)`); err != nil {
		tb.Fatal(err)
	}
	const batch = 500
	start := time.Now()
	for lo := 0; lo < len(rows); lo += batch {
		part := rows[lo:min(lo+batch, len(rows))]
		var q strings.Builder
		q.WriteString(`INSERT INTO contacts (campaign_id, phone, name, external_id, state, created_at) VALUES `)
		args := make([]any, 0, len(part)*4)
		for i, r := range part {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(1, ?, ?, ?, 'scheduled', 0)")
			args = append(args, r.Phone, r.Name, r.ExternalID)
		}
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
			tb.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			tb.Fatal(err)
		}
	}
	return time.Since(start)
}
