package testenv

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/alo-dialer/alo/sqldb"
)

// postgresServer is the test binary's private PostgreSQL server, started on
// first use.
type postgresServer struct {
	once   sync.Once
	dir    string // holds data/, the socket and the log
	data   string
	asUser []string // command prefix that runs the server's binaries
	bin    string
	skip   string // why PostgreSQL is unavailable (binaries missing)
	err    error  // why it failed to start although installed
	dbs    atomic.Int32
}

// Postgres creates a fresh database on the private PostgreSQL server and
// opens it, closed when t ends. It skips t when PostgreSQL is not
// installed, unless ALO_REQUIRE_POSTGRES=1.
func Postgres(t testing.TB) *sqldb.DB {
	t.Helper()
	requireMain(t, "Postgres")
	p := &pgSrv
	p.once.Do(p.start)
	if p.skip != "" {
		if os.Getenv("ALO_REQUIRE_POSTGRES") == "1" {
			t.Fatalf("PostgreSQL required (ALO_REQUIRE_POSTGRES=1): %s", p.skip)
		}
		t.Skipf("skipping PostgreSQL: %s (set ALO_REQUIRE_POSTGRES=1 to fail instead)", p.skip)
	}
	if p.err != nil {
		t.Fatalf("start PostgreSQL: %v", p.err)
	}
	ctx := context.Background()
	admin, err := sqldb.Open(ctx, p.url("postgres"), "")
	if err != nil {
		t.Fatalf("open PostgreSQL admin database: %v", err)
	}
	defer admin.Close()
	name := fmt.Sprintf("t%d", p.dbs.Add(1))
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create database %s: %v", name, err)
	}
	db, err := sqldb.Open(ctx, p.url(name), "")
	if err != nil {
		t.Fatalf("open PostgreSQL database %s: %v", name, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// findPostgresBin returns the directory holding initdb and pg_ctl: on PATH,
// or where Debian installs them (newest version).
func findPostgresBin() string {
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		return filepath.Dir(p)
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_ctl")
	if len(matches) == 0 {
		return ""
	}
	return filepath.Dir(matches[len(matches)-1])
}

// run runs one of the server's binaries (as postgres when we are root).
func (p *postgresServer) run(name string, args ...string) error {
	argv := append(append([]string{}, p.asUser...), filepath.Join(p.bin, name))
	argv = append(argv, args...)
	out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %w: %s", name, err, out)
	}
	return nil
}

// start initialises a cluster in a temp dir and starts it on a unix socket
// there, without TCP and without durability (fsync off: the data dies with
// the test binary), with room for the connections of many parallel tests.
func (p *postgresServer) start() {
	p.bin = findPostgresBin()
	if p.bin == "" {
		p.skip = "PostgreSQL binaries (initdb, pg_ctl) not found; apt-get install postgresql"
		return
	}
	dir, err := os.MkdirTemp("", "alo-test-pg-")
	if err != nil {
		p.err = err
		return
	}
	p.dir, p.data = dir, filepath.Join(dir, "data")
	if os.Geteuid() == 0 {
		// initdb refuses to run as root: run the server as postgres.
		u, err := user.Lookup("postgres")
		if err != nil {
			p.skip = "running as root and no postgres user to run PostgreSQL as"
			return
		}
		runuser, err := exec.LookPath("runuser")
		if err != nil {
			p.skip = "running as root and runuser not found"
			return
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			p.err = fmt.Errorf("give %s to postgres: %w", dir, err)
			return
		}
		p.asUser = []string{runuser, "-u", "postgres", "--"}
	}
	if err := p.run("initdb", "-D", p.data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"); err != nil {
		p.err = err
		return
	}
	opts := fmt.Sprintf("-k %s -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300", dir)
	if err := p.run("pg_ctl", "-D", p.data, "-l", filepath.Join(dir, "log"), "-w", "-t", "60", "-o", opts, "start"); err != nil {
		p.err = err
	}
}

// url returns the URL of database name on the private server.
func (p *postgresServer) url(name string) string {
	return "postgres://postgres@/" + name + "?host=" + p.dir + "&sslmode=disable"
}

// stop stops the server, if started, and removes its temp dir.
func (p *postgresServer) stop() {
	if p.dir == "" {
		return
	}
	// A pid file means a postmaster runs, even one whose start timed out.
	if _, err := os.Stat(filepath.Join(p.data, "postmaster.pid")); err == nil {
		p.run("pg_ctl", "-D", p.data, "-m", "immediate", "-w", "stop")
	}
	os.RemoveAll(p.dir)
}
