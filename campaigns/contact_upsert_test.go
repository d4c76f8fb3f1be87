package campaigns

import (
	"context"
	"strings"
	"testing"

	"github.com/alo-dialer/alo/sqldb"
)

// TestExternalIDLookupUsesIndex: the upsert's lookup of external ids is
// answered from the partial index contacts_external on both engines (a
// campaign scan per row made a 50,000-contact upsert take 356 s). The plan
// is asked for, not timed, so a loaded machine cannot make it flaky.
func TestExternalIDLookupUsesIndex(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		conn, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		q := externalIDQuery(2)
		args := []any{int64(1), "crm-1", "crm-2"}
		explain := "EXPLAIN QUERY PLAN " + strings.NewReplacer("$1", "?", "$2", "?", "$3", "?").Replace(q)
		if db.Dialect == sqldb.Postgres {
			// An empty table is cheapest to scan; forbid that to see whether
			// the index can answer at all.
			if _, err := conn.ExecContext(ctx, "SET enable_seqscan = off"); err != nil {
				t.Fatal(err)
			}
			explain = "EXPLAIN " + externalIDJoinQuery
			args = []any{int64(1), []string{"crm-1", "crm-2"}}
		}
		rows, err := conn.QueryContext(ctx, explain, args...)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		cols, _ := rows.Columns()
		var plan strings.Builder
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for _, v := range vals {
				if b, ok := v.([]byte); ok {
					v = string(b)
				}
				if s, ok := v.(string); ok {
					plan.WriteString(s + "\n")
				}
			}
		}
		if !strings.Contains(plan.String(), "contacts_external") {
			t.Fatalf("the external id lookup does not use contacts_external:\n%s", plan.String())
		}
	})
}
