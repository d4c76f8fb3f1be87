package testenv

import (
	"context"
	"testing"

	"github.com/alo-dialer/alo/sqldb"
)

// SQLite opens a fresh SQLite database in t's temp dir, closed when t ends.
func SQLite(t testing.TB) *sqldb.DB {
	t.Helper()
	db, err := sqldb.Open(context.Background(), "", t.TempDir())
	if err != nil {
		t.Fatalf("open SQLite: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
