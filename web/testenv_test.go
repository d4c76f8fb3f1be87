package web

// Test environment: SQLite per test and, when its binaries are installed,
// one private PostgreSQL server per package run (started on first use)
// with a database per test, so the users store is tested on both engines.

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

func TestMain(m *testing.M) {
	code := m.Run()
	testPostgres.stop()
	os.Exit(code)
}

// pgServer is the package's private PostgreSQL server.
type pgServer struct {
	once   sync.Once
	dir    string   // data/, the socket and the log
	asUser []string // prefix that runs the binaries as postgres when we are root
	bin    string
	skip   string // why PostgreSQL is unavailable
	err    error  // why it failed although installed
	dbs    atomic.Int32
}

var testPostgres pgServer

func (p *pgServer) run(name string, args ...string) error {
	argv := append(append([]string{}, p.asUser...), filepath.Join(p.bin, name))
	out, err := exec.Command(argv[0], append(argv[1:], args...)...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %w: %s", name, err, out)
	}
	return nil
}

func (p *pgServer) start() {
	if path, err := exec.LookPath("pg_ctl"); err == nil {
		p.bin = filepath.Dir(path)
	} else if m, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_ctl"); len(m) > 0 {
		p.bin = filepath.Dir(m[len(m)-1])
	} else {
		p.skip = "PostgreSQL binaries (initdb, pg_ctl) not found; apt-get install postgresql"
		return
	}
	dir, err := os.MkdirTemp("", "alo-web-pg-")
	if err != nil {
		p.err = err
		return
	}
	p.dir = dir
	if os.Geteuid() == 0 { // initdb refuses root
		u, err := user.Lookup("postgres")
		runuser, lerr := exec.LookPath("runuser")
		if err != nil || lerr != nil {
			p.skip = "running as root without a postgres user and runuser"
			return
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			p.err = err
			return
		}
		p.asUser = []string{runuser, "-u", "postgres", "--"}
	}
	data := filepath.Join(dir, "data")
	if err := p.run("initdb", "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"); err != nil {
		p.err = err
		return
	}
	opts := fmt.Sprintf("-k %s -c listen_addresses='' -c fsync=off -c synchronous_commit=off", dir)
	if err := p.run("pg_ctl", "-D", data, "-l", filepath.Join(dir, "log"), "-w", "-t", "60", "-o", opts, "start"); err != nil {
		p.err = err
	}
}

func (p *pgServer) url(db string) string {
	return "postgres://postgres@/" + db + "?host=" + p.dir + "&sslmode=disable"
}

func (p *pgServer) stop() {
	if p.dir == "" {
		return
	}
	if p.err == nil && p.skip == "" {
		_ = p.run("pg_ctl", "-D", filepath.Join(p.dir, "data"), "-m", "immediate", "-w", "stop")
	}
	os.RemoveAll(p.dir)
}

// openPostgres returns a fresh database on the private server, or skips
// the test when PostgreSQL is not installed (unless ALO_REQUIRE_POSTGRES=1).
func openPostgres(t *testing.T) *sqldb.DB {
	t.Helper()
	testPostgres.once.Do(testPostgres.start)
	if testPostgres.skip != "" {
		if os.Getenv("ALO_REQUIRE_POSTGRES") == "1" {
			t.Fatalf("PostgreSQL required (ALO_REQUIRE_POSTGRES=1): %s", testPostgres.skip)
		}
		t.Skipf("skipping PostgreSQL: %s", testPostgres.skip)
	}
	if testPostgres.err != nil {
		t.Fatalf("start PostgreSQL: %v", testPostgres.err)
	}
	ctx := context.Background()
	admin, err := sqldb.Open(ctx, testPostgres.url("postgres"), "")
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	name := fmt.Sprintf("web%d", testPostgres.dbs.Add(1))
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create database %s: %v", name, err)
	}
	db, err := sqldb.Open(ctx, testPostgres.url(name), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func openSQLite(t *testing.T) *sqldb.DB {
	t.Helper()
	db, err := sqldb.Open(context.Background(), "", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// forEachEngine runs fn on SQLite and PostgreSQL with the web migrations.
func forEachEngine(t *testing.T, fn func(t *testing.T, db *sqldb.DB)) {
	t.Helper()
	for _, e := range []struct {
		name string
		open func(*testing.T) *sqldb.DB
	}{{"sqlite", openSQLite}, {"postgres", openPostgres}} {
		t.Run(e.name, func(t *testing.T) {
			db := e.open(t)
			if err := sqldb.Migrate(context.Background(), db, "web", Migrations); err != nil {
				t.Fatal(err)
			}
			fn(t, db)
		})
	}
}
