package sqldb_test

import (
	"context"
	"errors"
	"os"
	"testing"
	"testing/fstest"

	"github.com/alo-dialer/alo/internal/testenv"
	"github.com/alo-dialer/alo/sqldb"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

func TestValidateURL(t *testing.T) {
	tests := []struct {
		url string
		ok  bool
	}{
		{"", true},
		{"sqlite:/var/lib/alo/alo.db", true},
		{"file:/tmp/x.db", true},
		{"postgres://alo@db.example/alo?sslmode=disable", true},
		{"postgresql://alo@db.example/alo", true},
		{"mysql://alo@db/alo", false},
		{"postgres://alo@db.example:notaport/alo", false},
	}
	for _, tt := range tests {
		err := sqldb.ValidateURL(tt.url)
		if (err == nil) != tt.ok {
			t.Errorf("ValidateURL(%q) = %v, want ok=%v", tt.url, err, tt.ok)
		}
	}
	if _, err := sqldb.Open(context.Background(), "mysql://x", t.TempDir()); !errors.Is(err, sqldb.ErrBadURL) {
		t.Errorf("Open(mysql) = %v, want ErrBadURL", err)
	}
}

// TestMigrateAndUnique runs a package-style migration on both engines and
// checks that a unique violation is recognised on each: the attempt state
// machine depends on it to refuse a second dial.
func TestMigrateAndUnique(t *testing.T) {
	// Written once, in SQLite's DDL: the auto-assigned key is rewritten
	// for PostgreSQL.
	ddl := "-- +goose Up\nCREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT NOT NULL UNIQUE);\n-- +goose Down\nDROP TABLE t;\n"
	fsys := fstest.MapFS{"migrations/00001_t.sql": {Data: []byte(ddl)}}
	for _, e := range testenv.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			db := e.Open(t)
			if err := sqldb.Migrate(ctx, db, "test", fsys); err != nil {
				t.Fatal(err)
			}
			// Migrating again is a no-op, not an error (every start does it).
			if err := sqldb.Migrate(ctx, db, "test", fsys); err != nil {
				t.Fatalf("second migrate: %v", err)
			}
			var id1, id2 int64
			if err := db.QueryRowContext(ctx, `INSERT INTO t (k) VALUES ($1) RETURNING id`, "a").Scan(&id1); err != nil {
				t.Fatal(err)
			}
			if err := db.QueryRowContext(ctx, `INSERT INTO t (k) VALUES ($1) RETURNING id`, "b").Scan(&id2); err != nil {
				t.Fatal(err)
			}
			if id1 == 0 || id2 == id1 {
				t.Fatalf("ids not assigned by the engine: %d, %d", id1, id2)
			}
			_, err := db.ExecContext(ctx, `INSERT INTO t (k) VALUES ($1)`, "a")
			if !sqldb.IsUniqueViolation(err) {
				t.Fatalf("duplicate insert: %v, not recognised as a unique violation", err)
			}
			if sqldb.IsUniqueViolation(nil) || sqldb.IsUniqueViolation(errors.New("other")) {
				t.Fatal("false positive")
			}
		})
	}
}
