package main

import (
	"context"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestPrivateRedisRestartedWhenKilled: the child killed with SIGKILL is
// started again from its AOF; the client reconnects and finds its data.
func TestPrivateRedisRestartedWhenKilled(t *testing.T) {
	needRedisServer(t)
	dir := t.TempDir()
	url, _ := mustStartRedis(t, dir)
	c := mustClient(t, url)
	ctx := context.Background()
	// Every write on disk before the kill.
	if err := c.ConfigSet(ctx, "appendfsync", "always").Err(); err != nil {
		t.Fatal(err)
	}
	if err := c.Set(ctx, "k", "kept", 0).Err(); err != nil {
		t.Fatal(err)
	}
	pidFile := filepath.Join(dir, "redis", "redis.pid")
	first := readPid(pidFile)
	if err := syscall.Kill(first, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	var got string
	var err error
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) { // polling the restart
		if got, err = c.Get(ctx, "k").Result(); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("redis not back 20 s after its child was killed: %v", err)
		}
	}
	if got != "kept" {
		t.Errorf("after the restart k = %q, want kept (from the AOF)", got)
	}
	if second := readPid(pidFile); second == first || !processAlive(second) {
		t.Errorf("pid before %d, after %d (alive %v): not a new child", first, second, processAlive(second))
	}
}
