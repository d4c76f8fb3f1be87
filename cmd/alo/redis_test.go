package main

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// needRedisServer skips the test when redis-server is not installed, unless
// ALO_REQUIRE_REDIS=1 makes its absence a failure (as test.sh does).
func needRedisServer(t *testing.T) {
	t.Helper()
	if redisAvailable() {
		return
	}
	if os.Getenv("ALO_REQUIRE_REDIS") == "1" {
		t.Fatal("redis-server is not on PATH and ALO_REQUIRE_REDIS=1 (apt-get install redis-server)")
	}
	t.Skip("redis-server is not on PATH (apt-get install redis-server; ALO_REQUIRE_REDIS=1 makes this a failure)")
}

// mustStartRedis starts the private Redis in dataDir and registers its stop.
func mustStartRedis(t *testing.T, dataDir string) (string, func()) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	url, stop, err := startPrivateRedis(ctx, dataDir, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("startPrivateRedis: %v", err)
	}
	t.Cleanup(stop)
	return url, stop
}

// mustClient opens a go-redis client on url, checking that ParseURL accepts
// the unix:// URL startPrivateRedis returns.
func mustClient(t *testing.T, url string) *redis.Client {
	t.Helper()
	opt, err := redis.ParseURL(url)
	if err != nil {
		t.Fatalf("redis.ParseURL(%q): %v", url, err)
	}
	if opt.Network != "unix" {
		t.Fatalf("network %q, want unix", opt.Network)
	}
	c := redis.NewClient(opt)
	t.Cleanup(func() { c.Close() })
	return c
}

// processAlive reports whether pid exists (signal 0 checks without killing).
func processAlive(pid int) bool {
	return pid > 0 && syscall.Kill(pid, 0) == nil
}

func TestPrivateRedisStartPingStop(t *testing.T) {
	needRedisServer(t)
	dir := t.TempDir()
	url, stop := mustStartRedis(t, dir)
	sock := filepath.Join(dir, "redis", "redis.sock")
	if url != "unix://"+sock {
		t.Errorf("url %q, want unix://%s", url, sock)
	}
	c := mustClient(t, url)
	ctx := context.Background()
	if err := c.Ping(ctx).Err(); err != nil {
		t.Fatalf("PING: %v", err)
	}
	policy, err := c.ConfigGet(ctx, "maxmemory-policy").Result()
	if err != nil || policy["maxmemory-policy"] != "noeviction" {
		t.Errorf("maxmemory-policy = %v (%v), want noeviction", policy, err)
	}
	aof, err := c.ConfigGet(ctx, "appendonly").Result()
	if err != nil || aof["appendonly"] != "yes" {
		t.Errorf("appendonly = %v (%v), want yes", aof, err)
	}
	pid := readPid(filepath.Join(dir, "redis", "redis.pid"))
	if !processAlive(pid) {
		t.Fatalf("pid file names %d, which is not running", pid)
	}

	stop()
	if processAlive(pid) {
		t.Errorf("redis-server %d still running after stop", pid)
	}
	if err := pingRedis(sock, 200*time.Millisecond); err == nil {
		t.Error("socket still answers after stop")
	}
	if _, err := os.Stat(filepath.Join(dir, "redis", "redis.pid")); !os.IsNotExist(err) {
		t.Errorf("pid file left after stop: %v", err)
	}
	stop() // idempotent
}

func TestPrivateRedisRestartFindsRunning(t *testing.T) {
	needRedisServer(t)
	dir := t.TempDir()
	url1, stop1 := mustStartRedis(t, dir)
	pid1 := readPid(filepath.Join(dir, "redis", "redis.pid"))

	url2, stop2 := mustStartRedis(t, dir)
	if url2 != url1 {
		t.Errorf("second start url %q, want the running %q", url2, url1)
	}
	if pid2 := readPid(filepath.Join(dir, "redis", "redis.pid")); pid2 != pid1 {
		t.Errorf("second start wrote pid %d, want the running %d kept", pid2, pid1)
	}
	stop2() // the reused server belongs to the first starter
	if err := mustClient(t, url1).Ping(context.Background()).Err(); err != nil {
		t.Errorf("first server gone after the reuser stopped: %v", err)
	}
	stop1()
	if processAlive(pid1) {
		t.Errorf("redis-server %d still running after stop", pid1)
	}
}

func TestPrivateRedisReplacesStaleSocket(t *testing.T) {
	needRedisServer(t)
	dir := t.TempDir()
	sock := filepath.Join(dir, "redis", "redis.sock")
	if err := os.MkdirAll(filepath.Dir(sock), 0o750); err != nil {
		t.Fatal(err)
	}
	// A socket file whose server died without removing it, as after SIGKILL.
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: sock, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	ln.SetUnlinkOnClose(false)
	ln.Close()
	if _, err := os.Stat(sock); err != nil {
		t.Fatalf("stale socket not left behind: %v", err)
	}

	url, _ := mustStartRedis(t, dir)
	if err := mustClient(t, url).Ping(context.Background()).Err(); err != nil {
		t.Fatalf("PING after replacing the stale socket: %v", err)
	}
}

func TestPrivateRedisDataSurvivesRestart(t *testing.T) {
	needRedisServer(t)
	dir := t.TempDir()
	ctx := context.Background()
	tests := []struct {
		name string
		// always fsyncs each write before it is acknowledged, so a crash
		// cannot lose it (the default everysec may lose the last second).
		always bool
		// end ends the first server: a graceful stop, or SIGKILL as when
		// alo is killed and the child dies with it.
		end func(t *testing.T, stop func())
	}{
		{"graceful stop", false, func(t *testing.T, stop func()) { stop() }},
		{"killed", true, func(t *testing.T, stop func()) {
			pid := readPid(filepath.Join(dir, "redis", "redis.pid"))
			if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
				t.Fatalf("kill %d: %v", pid, err)
			}
			stop() // reaps the killed child
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url, stop := mustStartRedis(t, dir)
			c := mustClient(t, url)
			if tt.always {
				if err := c.ConfigSet(ctx, "appendfsync", "always").Err(); err != nil {
					t.Fatalf("CONFIG SET appendfsync: %v", err)
				}
			}
			if err := c.Set(ctx, "survivor:"+tt.name, "yes", 0).Err(); err != nil {
				t.Fatalf("SET: %v", err)
			}
			tt.end(t, stop)

			url, _ = mustStartRedis(t, dir)
			got, err := mustClient(t, url).Get(ctx, "survivor:"+tt.name).Result()
			if err != nil || got != "yes" {
				t.Fatalf("after restart GET = %q, %v; want yes", got, err)
			}
		})
	}
}

// TestPrivateRedisDiesWithParent starts the child from a helper process,
// kills the helper with SIGKILL, and expects the kernel (Pdeathsig) to take
// redis-server down with it.
func TestPrivateRedisDiesWithParent(t *testing.T) {
	needRedisServer(t)
	if dir := os.Getenv("ALO_TEST_REDIS_PARENT_DIR"); dir != "" {
		// The helper: start the child, say so, and wait to be killed.
		_, _, err := startPrivateRedis(context.Background(), dir, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			os.Stdout.WriteString("error " + err.Error() + "\n")
			os.Exit(1)
		}
		os.Stdout.WriteString("started\n")
		select {}
	}

	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestPrivateRedisDiesWithParent$", "-test.count=1")
	cmd.Env = append(os.Environ(), "ALO_TEST_REDIS_PARENT_DIR="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || line != "started\n" {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("helper said %q (%v)", line, err)
	}
	sock := filepath.Join(dir, "redis", "redis.sock")
	if err := pingRedis(sock, time.Second); err != nil {
		t.Fatalf("child not answering: %v", err)
	}
	cmd.Process.Kill()
	cmd.Wait()

	// An external process: poll with a deadline.
	deadline := time.Now().Add(10 * time.Second)
	for pingRedis(sock, 200*time.Millisecond) == nil {
		if time.Now().After(deadline) {
			t.Fatal("redis-server still answers 10s after its parent was killed")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
