package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestPrivateRedisDirPrivate: the private Redis's directory (its AOF,
// socket and log) is closed to other users, also when an older alo left it
// open.
func TestPrivateRedisDirPrivate(t *testing.T) {
	needRedisServer(t)
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "redis"), 0o755); err != nil {
		t.Fatal(err)
	}
	mustStartRedis(t, dir)
	st, err := os.Stat(filepath.Join(dir, "redis"))
	if err != nil {
		t.Fatal(err)
	}
	if m := st.Mode().Perm(); m != 0o700 {
		t.Fatalf("redis dir is %v, want 0700", m)
	}
}
