package web

// Test environment of the web package: the shared servers of
// internal/testenv, so the users store is tested on both SQL engines.

import (
	"context"
	"os"
	"testing"

	"github.com/alo-dialer/alo/internal/testenv"
	"github.com/alo-dialer/alo/sqldb"
)

func TestMain(m *testing.M) {
	os.Exit(testenv.Main(m))
}

// forEachEngine runs fn on SQLite and PostgreSQL with the web migrations.
func forEachEngine(t *testing.T, fn func(t *testing.T, db *sqldb.DB)) {
	t.Helper()
	for _, e := range testenv.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			db := e.Open(t)
			if err := sqldb.Migrate(context.Background(), db, "web", Migrations); err != nil {
				t.Fatal(err)
			}
			fn(t, db)
		})
	}
}
