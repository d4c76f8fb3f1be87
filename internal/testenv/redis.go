package testenv

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// redisDatabases is how many logical databases the private redis-server
// has; each test holds one, so tests never see each other's keys.
const redisDatabases = 256

// redisServer is the test binary's private redis-server, started on first
// use.
type redisServer struct {
	once sync.Once
	dir  string // holds the socket
	sock string
	cmd  *exec.Cmd
	out  bytes.Buffer // the server's output, for start errors
	skip string       // why redis-server is unavailable (not installed)
	err  error        // why it failed to start although installed
	// free holds the logical databases no test holds, least recently
	// released first, so a database is reused as late as possible.
	free chan int
}

// Redis returns a client on a fresh, flushed logical database of the
// private redis-server, held by t until it ends. It skips t when
// redis-server is not installed, unless ALO_REQUIRE_REDIS=1.
func Redis(t testing.TB) redis.UniversalClient {
	t.Helper()
	n := redisSrv.database(t)
	c := redis.NewClient(&redis.Options{Network: "unix", Addr: redisSrv.sock, DB: n})
	t.Cleanup(func() { c.Close() })
	return c
}

// RedisURL returns the URL (unix://<socket>?db=N) of a fresh, flushed
// logical database of the private redis-server, held by t until it ends,
// for code under test that takes a Redis URL.
func RedisURL(t testing.TB) string {
	t.Helper()
	n := redisSrv.database(t)
	return "unix://" + redisSrv.sock + "?db=" + strconv.Itoa(n)
}

// RedisSocket returns the unix socket path of the private redis-server,
// for tests that address the server itself rather than one database.
func RedisSocket(t testing.TB) string {
	t.Helper()
	redisSrv.require(t)
	return redisSrv.sock
}

// require starts the server on first use and stops t when it is not
// available.
func (s *redisServer) require(t testing.TB) {
	t.Helper()
	requireMain(t, "Redis")
	s.once.Do(s.start)
	if s.skip != "" {
		if os.Getenv("ALO_REQUIRE_REDIS") == "1" {
			t.Fatalf("redis-server required (ALO_REQUIRE_REDIS=1): %s", s.skip)
		}
		t.Skipf("skipping Redis: %s (set ALO_REQUIRE_REDIS=1 to fail instead)", s.skip)
	}
	if s.err != nil {
		t.Fatalf("start redis-server: %v", s.err)
	}
}

// database reserves a logical database for t, flushes it, and gives it back
// when t ends.
func (s *redisServer) database(t testing.TB) int {
	t.Helper()
	s.require(t)
	var n int
	select {
	case n = <-s.free:
	default:
		t.Fatalf("all %d Redis logical databases are held by running tests", redisDatabases)
	}
	t.Cleanup(func() { s.free <- n })
	c := redis.NewClient(&redis.Options{Network: "unix", Addr: s.sock, DB: n})
	defer c.Close()
	if err := c.FlushDB(context.Background()).Err(); err != nil {
		t.Fatalf("flush Redis database %d: %v", n, err)
	}
	return n
}

// start runs redis-server on a unix socket in a temp dir, without
// persistence and with noeviction (asynq and the ready sets must never lose
// keys silently, as in production), and waits until it answers.
func (s *redisServer) start() {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		s.skip = "redis-server not installed (apt-get install redis-server)"
		return
	}
	if s.dir, err = os.MkdirTemp("", "alo-test-redis-"); err != nil {
		s.err = err
		return
	}
	s.sock = filepath.Join(s.dir, "redis.sock")
	s.cmd = exec.Command(bin, "--port", "0", "--unixsocket", s.sock, "--save", "", "--appendonly", "no",
		"--databases", strconv.Itoa(redisDatabases), "--maxmemory-policy", "noeviction")
	s.cmd.Stdout, s.cmd.Stderr = &s.out, &s.out
	// The kernel kills the server if the test binary dies without running
	// Main's cleanup (a panic or the -timeout); Pdeathsig is Linux-only.
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := s.cmd.Start(); err != nil {
		s.err = fmt.Errorf("start redis-server: %w", err)
		s.cmd = nil
		return
	}
	c := redis.NewClient(&redis.Options{Network: "unix", Addr: s.sock})
	defer c.Close()
	// Polling with a deadline: redis-server has no readiness signal.
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := c.Ping(context.Background()).Err()
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			// Wait before reading the output: the copying goroutine writes it.
			s.cmd.Process.Kill()
			s.cmd.Wait()
			s.cmd = nil
			s.err = fmt.Errorf("redis-server did not answer on %s: %w; output: %s", s.sock, err, s.out.String())
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.free = make(chan int, redisDatabases)
	for n := range redisDatabases {
		s.free <- n
	}
}

// stop kills the server, if started, and removes its temp dir.
func (s *redisServer) stop() {
	if s.cmd != nil {
		s.cmd.Process.Kill()
		s.cmd.Wait()
	}
	if s.dir != "" {
		os.RemoveAll(s.dir)
	}
}
