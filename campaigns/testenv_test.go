package campaigns

// Test environment of the campaigns package: a private redis-server per
// package run, SQLite per test, and (when its binaries are installed) one
// private PostgreSQL server per package run with a database per test.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/alo-dialer/alo/sqldb"
)

// testRedis is the package's private redis-server.
var testRedis struct {
	sock string
	err  error // why it could not start
	db   atomic.Int32
}

// testRedisDatabases is how many logical databases the server has; each
// test takes the next one, so tests never see each other's keys.
const testRedisDatabases = 256

func TestMain(m *testing.M) {
	os.Exit(runTestMain(m))
}

func runTestMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "alo-campaigns-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "campaigns tests:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	stopRedis, err := startTestRedis(dir)
	if err != nil {
		testRedis.err = err
	} else {
		defer stopRedis()
	}
	defer testPostgres.stop()
	return m.Run()
}

// startTestRedis runs redis-server on a unix socket in dir, without
// persistence, and waits until it answers.
func startTestRedis(dir string) (stop func(), err error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, fmt.Errorf("redis-server not installed (apt-get install redis-server): %w", err)
	}
	sock := filepath.Join(dir, "r.sock")
	var out bytes.Buffer
	cmd := exec.Command(bin, "--port", "0", "--unixsocket", sock, "--save", "", "--appendonly", "no",
		"--databases", strconv.Itoa(testRedisDatabases), "--maxmemory-policy", "noeviction")
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start redis-server: %w", err)
	}
	stop = func() {
		cmd.Process.Kill()
		cmd.Wait()
	}
	c := redis.NewClient(&redis.Options{Network: "unix", Addr: sock})
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if err := c.Ping(context.Background()).Err(); err == nil {
			break
		} else if time.Now().After(deadline) {
			stop()
			return nil, fmt.Errorf("redis-server did not answer on %s: %v; output: %s", sock, err, out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	testRedis.sock = sock
	return stop, nil
}

// newTestRedis returns a client on a fresh logical database of the
// package's redis-server.
func newTestRedis(t *testing.T) redis.UniversalClient {
	t.Helper()
	if testRedis.err != nil {
		t.Fatalf("redis-server: %v", testRedis.err)
	}
	n := int(testRedis.db.Add(1)) % testRedisDatabases
	c := redis.NewClient(&redis.Options{Network: "unix", Addr: testRedis.sock, DB: n})
	t.Cleanup(func() { c.Close() })
	if err := c.FlushDB(context.Background()).Err(); err != nil {
		t.Fatalf("flush redis db %d: %v", n, err)
	}
	return c
}

// testPostgresServer is one private PostgreSQL server per package run,
// started on first use.
type testPostgresServer struct {
	once    sync.Once
	dir     string // holds data/, the socket and the log
	data    string
	asUser  []string // command prefix to run the server's binaries
	bin     string
	skip    string // why PostgreSQL is unavailable (binaries missing)
	err     error  // why it failed to start although installed
	dbCount atomic.Int32
}

var testPostgres testPostgresServer

// findPostgresBin returns the directory holding initdb and pg_ctl.
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

func (p *testPostgresServer) run(name string, args ...string) error {
	argv := append(append([]string{}, p.asUser...), filepath.Join(p.bin, name))
	argv = append(argv, args...)
	cmd := exec.Command(argv[0], argv[1:]...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %w: %s", name, err, out)
	}
	return nil
}

func (p *testPostgresServer) start() {
	p.bin = findPostgresBin()
	if p.bin == "" {
		p.skip = "PostgreSQL binaries (initdb, pg_ctl) not found; apt-get install postgresql"
		return
	}
	dir, err := os.MkdirTemp("", "alo-campaigns-pg-")
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
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			p.err = err
			return
		}
		runuser, err := exec.LookPath("runuser")
		if err != nil {
			p.skip = "running as root and runuser not found"
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
func (p *testPostgresServer) url(name string) string {
	return "postgres://postgres@/" + name + "?host=" + p.dir + "&sslmode=disable"
}

func (p *testPostgresServer) stop() {
	if p.dir == "" {
		return
	}
	if p.err == nil && p.skip == "" {
		p.run("pg_ctl", "-D", p.data, "-m", "immediate", "-w", "stop")
	}
	os.RemoveAll(p.dir)
}

// newTestPostgresDB creates a fresh database on the private server and
// opens it; it skips the test when PostgreSQL is not installed, unless
// ALO_REQUIRE_POSTGRES=1.
func newTestPostgresDB(t *testing.T) *sqldb.DB {
	t.Helper()
	testPostgres.once.Do(testPostgres.start)
	if testPostgres.skip != "" {
		if os.Getenv("ALO_REQUIRE_POSTGRES") == "1" {
			t.Fatalf("PostgreSQL required (ALO_REQUIRE_POSTGRES=1): %s", testPostgres.skip)
		}
		t.Skipf("skipping PostgreSQL: %s (set ALO_REQUIRE_POSTGRES=1 to fail instead)", testPostgres.skip)
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
	name := fmt.Sprintf("t%d", testPostgres.dbCount.Add(1))
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

// newTestSQLiteDB opens a fresh SQLite database in the test's temp dir.
func newTestSQLiteDB(t *testing.T) *sqldb.DB {
	t.Helper()
	db, err := sqldb.Open(context.Background(), "", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// newMigratedSQLiteDB is newTestSQLiteDB with the campaigns migrations
// applied, for tests that need one engine only.
func newMigratedSQLiteDB(t *testing.T) *sqldb.DB {
	t.Helper()
	db := newTestSQLiteDB(t)
	if err := sqldb.Migrate(context.Background(), db, "campaigns", Migrations); err != nil {
		t.Fatal(err)
	}
	return db
}

// testEngines are the SQL engines every store test runs on.
var testEngines = []struct {
	name string
	open func(t *testing.T) *sqldb.DB
}{
	{"sqlite", newTestSQLiteDB},
	{"postgres", newTestPostgresDB},
}

// forEachEngine runs fn as a subtest on each engine with the campaigns
// migrations applied.
func forEachEngine(t *testing.T, fn func(t *testing.T, db *sqldb.DB)) {
	t.Helper()
	for _, e := range testEngines {
		t.Run(e.name, func(t *testing.T) {
			db := e.open(t)
			if err := sqldb.Migrate(context.Background(), db, "campaigns", Migrations); err != nil {
				t.Fatal(err)
			}
			fn(t, db)
		})
	}
}

// testClock is a settable clock for the code under test.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

// newTestClock starts at the current wall time (ms precision, as stored),
// so asynq, which uses the wall clock, agrees about what is due.
func newTestClock() *testClock {
	return &testClock{now: time.Now().UTC().Truncate(time.Millisecond)}
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// testLogWriter sends log lines to t.Log while the test runs.
type testLogWriter struct{ t *testing.T }

func (w testLogWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(string(bytes.TrimRight(p, "\n")))
	return len(p), nil
}

func newTestLogger(t *testing.T) *slog.Logger {
	if !testing.Verbose() {
		return slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return slog.New(slog.NewTextHandler(testLogWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// testWorld is the whole campaigns package wired on one SQL engine and the
// private Redis, as a node would wire it.
type testWorld struct {
	ctx        context.Context
	db         *sqldb.DB
	rdb        redis.UniversalClient
	clock      *testClock
	store      *Store
	ready      *ReadySet
	nodes      *Nodes
	client     *asynq.Client
	insp       *asynq.Inspector
	feeder     *Feeder
	reconciler *Reconciler
	handlers   *Handlers
	log        *slog.Logger
}

func newTestWorld(t *testing.T, db *sqldb.DB) *testWorld {
	t.Helper()
	w := &testWorld{ctx: context.Background(), db: db, rdb: newTestRedis(t), clock: newTestClock(), log: newTestLogger(t)}
	w.store = NewStore(db, w.clock.Now)
	w.ready = NewReadySet(w.rdb, w.clock.Now)
	w.nodes = NewNodes(w.rdb, w.clock.Now)
	w.insp = asynq.NewInspectorFromRedisClient(w.rdb)
	w.client = asynq.NewClientFromRedisClient(w.rdb)
	w.feeder = NewFeeder(w.store, w.client, w.clock.Now, 5*time.Minute, w.log)
	w.reconciler = NewReconciler(w.store, w.ready, w.nodes, w.insp, w.client, w.clock.Now, w.log)
	w.handlers = NewHandlers(w.ready, w.feeder, w.reconciler, w.clock.Now, w.log)
	return w
}

// dispatcher returns the dispatcher of a node, beating for it.
func (w *testWorld) dispatcher(t *testing.T, node string, lease time.Duration) *Dispatcher {
	t.Helper()
	w.beat(t, node)
	return NewDispatcher(w.store, w.ready, node, lease, w.log)
}

func (w *testWorld) beat(t *testing.T, node string) {
	t.Helper()
	if err := w.nodes.Beat(w.ctx, node, time.Minute); err != nil {
		t.Fatal(err)
	}
}

// campaign creates a running campaign with n contacts due now.
func (w *testWorld) campaign(t *testing.T, c Campaign, n int) (Campaign, []Contact) {
	t.Helper()
	cl, err := w.store.CreateClient(w.ctx, "Bank")
	if err != nil {
		t.Fatal(err)
	}
	c.ClientID = cl.ID
	if c.Name == "" {
		c.Name = "welcome"
	}
	c, err = w.store.CreateCampaign(w.ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.store.SetStatus(w.ctx, c.ID, StatusRunning); err != nil {
		t.Fatal(err)
	}
	c.Status = StatusRunning
	in := make([]NewContact, n)
	for i := range in {
		in[i] = NewContact{Phone: fmt.Sprintf("+99890%07d", i+1), Name: fmt.Sprintf("c%d", i+1)}
	}
	contacts, err := w.store.AddContacts(w.ctx, c.ID, in)
	if err != nil {
		t.Fatal(err)
	}
	return c, contacts
}

// attemptTasks lists the attempt:due tasks asynq holds (pending or
// scheduled).
func (w *testWorld) attemptTasks(t *testing.T) []*asynq.TaskInfo {
	t.Helper()
	var out []*asynq.TaskInfo
	for _, list := range []func(string, ...asynq.ListOption) ([]*asynq.TaskInfo, error){
		w.insp.ListPendingTasks, w.insp.ListScheduledTasks,
	} {
		tasks, err := list(QueueAttempts, asynq.PageSize(100000))
		if errors.Is(err, asynq.ErrQueueNotFound) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, tasks...)
	}
	return out
}

// drainAttemptTasks does what an asynq server does with every attempt:due
// task it holds, without waiting for its poll: runs the handler, then
// removes the task. It returns how many ran.
func (w *testWorld) drainAttemptTasks(t *testing.T) int {
	t.Helper()
	n := len(w.attemptTasks(t))
	w.drainSomeAttemptTasks(t, n)
	return n
}

// contact reads a contact back from SQL.
func (w *testWorld) contact(t *testing.T, id int64) Contact {
	t.Helper()
	c, err := w.store.GetContact(w.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// feed runs the feeder and checks how many tasks it created (want < 0:
// any number).
func (w *testWorld) feed(t *testing.T, want int) {
	t.Helper()
	n, err := w.feeder.RunOnce(w.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want >= 0 && n != want {
		t.Fatalf("feeder created %d tasks, want %d", n, want)
	}
}

// reconcile runs the reconciler once.
func (w *testWorld) reconcile(t *testing.T) Report {
	t.Helper()
	rep, err := w.reconciler.RunOnce(w.ctx)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// drainSomeAttemptTasks is drainAttemptTasks for at most n tasks.
func (w *testWorld) drainSomeAttemptTasks(t *testing.T, n int) {
	t.Helper()
	tasks := w.attemptTasks(t)
	if len(tasks) > n {
		tasks = tasks[:n]
	}
	for _, ti := range tasks {
		if err := w.handlers.HandleAttemptDue(w.ctx, asynq.NewTask(ti.Type, ti.Payload)); err != nil {
			t.Fatalf("handle %s: %v", ti.ID, err)
		}
		if err := w.insp.DeleteTask(QueueAttempts, ti.ID); err != nil {
			t.Fatalf("delete task %s: %v", ti.ID, err)
		}
	}
}
