package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// Restarting a private redis-server that died: the first try at once,
// then with doubling pauses; a child that stayed up redisHealthyAfter
// starts the pauses over.
const (
	redisRestartFirst = 200 * time.Millisecond
	redisRestartMax   = 10 * time.Second
	redisHealthyAfter = time.Minute
)

// redisChild is the private redis-server child, restarted with its AOF
// whenever it exits until stop is called.
type redisChild struct {
	args                   []string
	sock, pidFile, logFile string
	log                    *slog.Logger

	mu      sync.Mutex
	cmd     *exec.Cmd
	exited  chan struct{}
	waitErr error
	started time.Time

	quit       chan struct{} // closed by stop
	supervised chan struct{} // closed when supervise returns
	stopOnce   sync.Once
}

// start runs one child and waits until it answers PING.
func (c *redisChild) start(ctx context.Context) error {
	cmd := exec.Command("redis-server", c.args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start redis-server: %w", err)
	}
	exited := make(chan struct{})
	c.mu.Lock()
	c.cmd, c.exited, c.waitErr, c.started = cmd, exited, nil, time.Now()
	c.mu.Unlock()
	go func() {
		err := cmd.Wait()
		c.mu.Lock()
		c.waitErr = err
		c.mu.Unlock()
		close(exited)
	}()
	if err := os.WriteFile(c.pidFile, []byte(strconv.Itoa(cmd.Process.Pid)+"\n"), 0o640); err != nil {
		c.kill()
		return fmt.Errorf("write %s: %w", c.pidFile, err)
	}
	return c.awaitPing(ctx, exited)
}

// awaitPing waits for the child to answer PING (replaying its AOF first).
func (c *redisChild) awaitPing(ctx context.Context, exited <-chan struct{}) error {
	deadline := time.NewTimer(redisStartTimeout)
	defer deadline.Stop()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		if pingRedis(c.sock, time.Second) == nil {
			return nil
		}
		select {
		case <-exited:
			_ = os.Remove(c.pidFile)
			c.mu.Lock()
			err := c.waitErr
			c.mu.Unlock()
			return fmt.Errorf("redis-server exited at start (%v): %s", err, logTail(c.logFile, 5))
		case <-ctx.Done():
			c.kill()
			return fmt.Errorf("start redis-server: %w", ctx.Err())
		case <-deadline.C:
			c.kill()
			return fmt.Errorf("redis-server did not answer PING within %s: %s", redisStartTimeout, logTail(c.logFile, 5))
		case <-tick.C:
		}
	}
}

func (c *redisChild) pid() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cmd.Process.Pid
}

// kill ends the current child at once and waits for it.
func (c *redisChild) kill() {
	c.mu.Lock()
	cmd, exited := c.cmd, c.exited
	c.mu.Unlock()
	_ = cmd.Process.Kill()
	<-exited
}

// supervise restarts the child each time it exits, until stop.
func (c *redisChild) supervise() {
	defer close(c.supervised)
	wait := redisRestartFirst
	for {
		c.mu.Lock()
		exited, started := c.exited, c.started
		c.mu.Unlock()
		select {
		case <-c.quit:
			return
		case <-exited:
		}
		c.mu.Lock()
		werr := c.waitErr
		c.mu.Unlock()
		if time.Since(started) > redisHealthyAfter {
			wait = redisRestartFirst
		}
		c.log.Error("private redis-server exited; restarting it from its AOF (dialing holds meanwhile)",
			"err", werr, "after", wait, "log", logTail(c.logFile, 3))
		for {
			t := time.NewTimer(wait)
			select {
			case <-c.quit:
				t.Stop()
				return
			case <-t.C:
			}
			wait = min(2*wait, redisRestartMax)
			_ = os.Remove(c.sock) // its server is gone
			ctx, cancel := context.WithCancel(context.Background())
			go func() {
				select {
				case <-c.quit:
				case <-ctx.Done():
				}
				cancel()
			}()
			err := c.start(ctx)
			cancel()
			if err == nil {
				c.log.Warn("private redis-server restarted", "pid", c.pid(), "socket", c.sock)
				break
			}
			c.log.Error("private redis-server did not restart; trying again", "err", err, "after", wait)
		}
	}
}

// stop ends supervision and shuts the child down gracefully (SIGTERM, so
// the AOF is flushed), killing it if it takes too long.
func (c *redisChild) stop() {
	c.stopOnce.Do(func() {
		close(c.quit)
		<-c.supervised
		c.mu.Lock()
		cmd, exited := c.cmd, c.exited
		c.mu.Unlock()
		pid := cmd.Process.Pid
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(redisStopTimeout):
			c.log.Warn("private redis-server did not stop in time; killing it", "pid", pid)
			_ = cmd.Process.Kill()
			<-exited
		}
		_ = os.Remove(c.pidFile)
		c.log.Info("private redis-server stopped", "pid", pid)
	})
}
