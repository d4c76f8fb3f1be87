package campaigns

// Test environment of the campaigns package: the shared servers of
// internal/testenv, a settable clock, and a testWorld wiring the package as
// a node does.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/alo-dialer/alo/internal/testenv"
	"github.com/alo-dialer/alo/sqldb"
)

func TestMain(m *testing.M) {
	os.Exit(testenv.Main(m))
}

// newMigratedSQLiteDB is an SQLite database with the campaigns migrations
// applied, for tests that need one engine only.
func newMigratedSQLiteDB(t testing.TB) *sqldb.DB {
	t.Helper()
	db := testenv.SQLite(t)
	if err := sqldb.Migrate(context.Background(), db, "campaigns", Migrations); err != nil {
		t.Fatal(err)
	}
	return db
}

// forEachEngine runs fn as a subtest on each engine with the campaigns
// migrations applied.
func forEachEngine(t *testing.T, fn func(t *testing.T, db *sqldb.DB)) {
	t.Helper()
	for _, e := range testenv.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			db := e.Open(t)
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
	w := &testWorld{ctx: context.Background(), db: db, rdb: testenv.Redis(t), clock: newTestClock(), log: newTestLogger(t)}
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
