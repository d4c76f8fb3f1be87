package testenv

import (
	"context"
	"fmt"
	"testing"
)

// PostgresURL creates a fresh database on the private PostgreSQL server and
// returns its URL, for a process of the test (alo serve) to open. It skips
// as Postgres does.
func PostgresURL(t testing.TB) string {
	t.Helper()
	db := Postgres(t) // starts the server, creates a database
	var name string
	if err := db.QueryRowContext(context.Background(), "SELECT current_database()").Scan(&name); err != nil {
		t.Fatalf("name of the test database: %v", err)
	}
	return pgSrv.url(name)
}

// RestartPostgres stops the private PostgreSQL server (fast shutdown: every
// connection is cut), calls during while it is down, then starts it again.
// Every test of the binary sharing the server sees the outage: call it only
// from tests that do not run in parallel with PostgreSQL tests.
func RestartPostgres(t testing.TB, during func()) {
	t.Helper()
	p := &pgSrv
	if p.dir == "" {
		t.Fatal("RestartPostgres before the server was started (call Postgres or PostgresURL first)")
	}
	if err := p.run("pg_ctl", "-D", p.data, "-m", "fast", "-w", "stop"); err != nil {
		t.Fatalf("stop PostgreSQL: %v", err)
	}
	if during != nil {
		during()
	}
	opts := fmt.Sprintf("-k %s -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300", p.dir)
	if err := p.run("pg_ctl", "-D", p.data, "-l", p.dir+"/log", "-w", "-t", "60", "-o", opts, "start"); err != nil {
		t.Fatalf("start PostgreSQL again: %v", err)
	}
}
