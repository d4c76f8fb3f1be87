package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// TestReadiness: a failing check or a drain makes the node not ready with
// the reason named; the check passing again makes it ready.
func TestReadiness(t *testing.T) {
	ctx := context.Background()
	var redisDown atomic.Bool
	dir := t.TempDir()
	r := newReadiness(slog.New(slog.NewTextHandler(io.Discard, nil)),
		pingCheck("redis", func(context.Context) error {
			if redisDown.Load() {
				return errors.New("connection refused")
			}
			return nil
		}),
		dirWritable("data_dir", dir))
	if ok, why := r.Ready(); ok || why != "starting" {
		t.Fatalf("before the first refresh: %v %q", ok, why)
	}
	steps := []struct {
		name      string
		redisDown bool
		dirGone   bool
		drain     bool
		ready     bool
		reason    string
	}{
		{name: "all well", ready: true},
		{name: "redis away", redisDown: true, reason: "redis: connection refused"},
		{name: "redis back", ready: true},
		{name: "data dir gone", dirGone: true, reason: "data_dir: data dir"},
		{name: "draining", drain: true, reason: "draining"},
	}
	for _, st := range steps {
		redisDown.Store(st.redisDown)
		if st.dirGone {
			if err := os.RemoveAll(dir); err != nil {
				t.Fatal(err)
			}
		} else if err := os.MkdirAll(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		changed := r.Changed()
		was, _ := r.Ready()
		if st.drain {
			r.drain(ctx)
		} else {
			r.refresh(ctx)
		}
		ok, why := r.Ready()
		if ok != st.ready || !strings.Contains(why, st.reason) {
			t.Errorf("%s: ready %v %q, want %v %q", st.name, ok, why, st.ready, st.reason)
		}
		if was != ok {
			select {
			case <-changed:
			default:
				t.Errorf("%s: Changed not closed", st.name)
			}
		}
		rd := r.Readiness()
		if rd.Ready != ok || len(rd.Checks) != 3 {
			t.Errorf("%s: report %+v", st.name, rd)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, ".alo-ready-probe")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the probe file was left behind: %v", err)
	}
}
