package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Limits of the private Redis child.
const (
	// redisStartTimeout bounds the wait for a fresh child to answer PING
	// (replaying a large AOF can take a while).
	redisStartTimeout = 30 * time.Second
	// redisStopTimeout is how long a stopped child may take to flush its AOF
	// and exit before it is killed.
	redisStopTimeout = 10 * time.Second
	// maxUnixSocketPath is sun_path's size on Linux (108) minus the NUL.
	maxUnixSocketPath = 107
)

// redisAvailable reports whether redis-server is on PATH, so that a private
// child can be started.
func redisAvailable() bool {
	_, err := exec.LookPath("redis-server")
	return err == nil
}

// startPrivateRedis runs redis-server as a child of this process, listening
// only on the unix socket <dataDir>/redis/redis.sock (no TCP port), with AOF
// persistence in <dataDir>/redis and maxmemory-policy noeviction (asynq and
// the ready sets must never lose keys silently). It returns the unix:// URL
// and a stop function that shuts the child down gracefully (SIGTERM, so the
// AOF is flushed).
//
// The child is started with Pdeathsig SIGKILL, so the kernel kills it when
// this process dies, even by SIGKILL; Pdeathsig is Linux-only, and it fires
// when the OS thread that started the child exits, which the Go runtime does
// not do for ordinary goroutines. On restart the AOF in the data dir brings
// the data back.
//
// If the socket already answers PING (a child started by another alo
// process on the same data dir is still alive) it is reused, and stop leaves
// it running: it belongs to the process that started it. A socket file
// nobody answers on is stale (its server was killed) and is removed.
func startPrivateRedis(ctx context.Context, dataDir string, log *slog.Logger) (url string, stop func(), err error) {
	root, err := filepath.Abs(dataDir)
	if err != nil {
		return "", nil, fmt.Errorf("data dir %s: %w", dataDir, err)
	}
	dir := filepath.Join(root, "redis")
	sock := filepath.Join(dir, "redis.sock")
	pidFile := filepath.Join(dir, "redis.pid")
	if len(sock) > maxUnixSocketPath {
		return "", nil, fmt.Errorf("redis socket path %s is %d bytes, over the %d a unix socket allows: use a shorter data dir", sock, len(sock), maxUnixSocketPath)
	}
	url = "unix://" + sock
	// The AOF holds every queued task and live state; redis-server writes
	// it with its umask, so the directory is what keeps others out.
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", nil, fmt.Errorf("create %s: %w", dir, err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return "", nil, fmt.Errorf("restrict %s: %w", dir, err)
	}

	if _, err := os.Stat(sock); err == nil {
		if pingRedis(sock, time.Second) == nil {
			log.Info("reusing the running private redis-server", "socket", sock, "pid", readPid(pidFile))
			return url, func() {}, nil
		}
		log.Info("removing stale redis socket", "socket", sock)
		if err := os.Remove(sock); err != nil {
			return "", nil, fmt.Errorf("remove stale redis socket: %w", err)
		}
	}

	logFile := filepath.Join(dir, "redis.log")
	c := &redisChild{sock: sock, pidFile: pidFile, logFile: logFile, log: log, args: []string{
		"--port", "0",
		"--unixsocket", sock,
		"--unixsocketperm", "700",
		"--dir", dir,
		"--appendonly", "yes",
		"--save", "", // AOF is the persistence; no RDB snapshot forks
		"--maxmemory-policy", "noeviction",
		"--daemonize", "no",
		"--logfile", logFile,
	}, quit: make(chan struct{}), supervised: make(chan struct{})}
	if err := c.start(ctx); err != nil {
		return "", nil, err
	}
	log.Info("private redis-server started", "socket", sock, "pid", c.pid(), "dir", dir)
	// A child that dies (killed, OOM) is restarted from its AOF.
	go c.supervise()
	return url, c.stop, nil
}

// pingRedis sends PING over the unix socket and wants +PONG. A server still
// loading its AOF answers -LOADING, which counts as not ready.
func pingRedis(sock string, timeout time.Duration) error {
	c, err := net.DialTimeout("unix", sock, timeout)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.SetDeadline(time.Now().Add(timeout)); err != nil {
		return err
	}
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if line = strings.TrimSpace(line); line != "+PONG" {
		return fmt.Errorf("redis answered %q", line)
	}
	return nil
}

// readPid returns the pid recorded in path, or 0.
func readPid(path string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return pid
}

// logTail returns the last n lines of the redis log, for error messages.
func logTail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return "no log written"
		}
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}
