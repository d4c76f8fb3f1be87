package testenv

import (
	"context"
	"testing"

	"github.com/alo-dialer/alo/sqldb"
)

// TestEngines checks that each engine opens a fresh, writable database of
// its dialect.
func TestEngines(t *testing.T) {
	ctx := context.Background()
	want := map[string]sqldb.Dialect{"sqlite": sqldb.SQLite, "postgres": sqldb.Postgres}
	for _, e := range Engines() {
		t.Run(e.Name, func(t *testing.T) {
			for range 2 { // the second open must not see the first's table
				db := e.Open(t)
				if db.Dialect != want[e.Name] {
					t.Fatalf("dialect %v, want %v", db.Dialect, want[e.Name])
				}
				if _, err := db.ExecContext(ctx, "CREATE TABLE t (x BIGINT)"); err != nil {
					t.Fatalf("create table in a fresh database: %v", err)
				}
			}
		})
	}
}
