package live

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/alo-dialer/alo/internal/testenv"
)

// TestRedisAcrossNodes: two buses on one real redis-server (each with its
// own client, as two nodes have) see each other's events and ignore their
// own echo.
func TestRedisAcrossNodes(t *testing.T) {
	channel := "alo:live:test:" + t.Name()
	a := newTestBus(t, Config{Node: "a", Transport: NewRedisTransport(testenv.Redis(t), channel)})
	b := newTestBus(t, Config{Node: "b", Transport: NewRedisTransport(testenv.Redis(t), channel)})
	runBus(t, a)
	runBus(t, b)
	onA, _ := a.Subscribe("onA", nil)
	onB, _ := b.Subscribe("onB", nil)
	crossNodes(t, a, b, onA, onB)
}

func TestRedisChannel(t *testing.T) {
	c := redis.NewClient(&redis.Options{Addr: "localhost:0", DB: 7})
	defer c.Close()
	if got := RedisChannel(c); got != "alo:live:7" {
		t.Errorf("RedisChannel = %q", got)
	}
}

// TestRedisRestart: the redis-server goes away and comes back; both nodes
// resubscribe by themselves, end their subscriptions with ErrGap (events
// may have been lost meanwhile), and events flow again.
func TestRedisRestart(t *testing.T) {
	srv := startRedis(t)
	client := func() redis.UniversalClient {
		c := redis.NewClient(&redis.Options{Network: "unix", Addr: srv.sock})
		t.Cleanup(func() { c.Close() })
		return c
	}
	const channel = "alo:live:restart"
	a := newTestBus(t, Config{Node: "a", Transport: NewRedisTransport(client(), channel)})
	b := newTestBus(t, Config{Node: "b", Transport: NewRedisTransport(client(), channel)})
	runBus(t, a)
	runBus(t, b)
	onA, _ := a.Subscribe("onA", nil)
	onB, _ := b.Subscribe("onB", nil)
	crossNodes(t, a, b, onA, onB)

	srv.stop(t)
	// While Redis is away, local subscribers still get local events.
	publish(t, a, TypeAgentState, 3, 0)
	if e := next(t, onA); e.AgentID != 3 {
		t.Fatalf("a got agent %d while Redis was down, want 3", e.AgentID)
	}
	srv.start(t)

	for _, s := range []*Subscription{onA, onB} {
		if err := ended(t, s); !errors.Is(err, ErrGap) {
			t.Fatalf("%s ended with %v, want ErrGap", s.name, err)
		}
	}
	// Agent 3's event may or may not have reached Redis (the send was
	// being retried as it came back): leave it out.
	not3 := func(e Event) bool { return e.AgentID != 3 }
	onA, _ = a.Subscribe("onA2", not3)
	onB, _ = b.Subscribe("onB2", not3)
	crossNodes(t, a, b, onA, onB)
	if a.Stats().Gaps != 1 || b.Stats().Gaps != 1 {
		t.Errorf("gaps a %d b %d, want 1 each", a.Stats().Gaps, b.Stats().Gaps)
	}
}

// restartableRedis is a redis-server of the test's own, which it can stop
// and start again on the same socket (testenv's server is shared by the
// package's tests and must stay up).
type restartableRedis struct {
	bin, sock string
	cmd       *exec.Cmd
	out       bytes.Buffer
}

func startRedis(t *testing.T) *restartableRedis {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("ALO_REQUIRE_REDIS") == "1" {
			t.Fatal("redis-server required (ALO_REQUIRE_REDIS=1): not installed")
		}
		t.Skip("redis-server not installed (set ALO_REQUIRE_REDIS=1 to fail instead)")
	}
	// A short path: unix socket paths are limited to 108 bytes.
	dir, err := os.MkdirTemp("", "alo-live-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	r := &restartableRedis{bin: bin, sock: filepath.Join(dir, "redis.sock")}
	r.start(t)
	t.Cleanup(func() {
		if r.cmd != nil {
			r.stop(t)
		}
	})
	return r
}

func (r *restartableRedis) start(t *testing.T) {
	t.Helper()
	r.out.Reset()
	r.cmd = exec.Command(r.bin, "--port", "0", "--unixsocket", r.sock, "--save", "", "--appendonly", "no")
	r.cmd.Stdout, r.cmd.Stderr = &r.out, &r.out
	r.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := r.cmd.Start(); err != nil {
		t.Fatalf("start redis-server: %v", err)
	}
	c := redis.NewClient(&redis.Options{Network: "unix", Addr: r.sock, MaxRetries: -1})
	defer c.Close()
	// Polling: redis-server has no readiness signal.
	deadline := time.Now().Add(10 * time.Second)
	for c.Ping(context.Background()).Err() != nil {
		if time.Now().After(deadline) {
			t.Fatalf("redis-server did not answer on %s; output: %s", r.sock, r.out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (r *restartableRedis) stop(t *testing.T) {
	t.Helper()
	r.cmd.Process.Kill()
	r.cmd.Wait()
	r.cmd = nil
}
