package testenv

import (
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
)

// Logger logs through t.Log (shown on failure or with -v) until the test's
// cleanups are done; background goroutines that log later are muted.
func Logger(t testing.TB) *slog.Logger {
	t.Helper()
	w := &testWriter{t: t}
	t.Cleanup(func() { w.done.Store(true) }) // first registered, runs last
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testWriter struct {
	t    testing.TB
	done atomic.Bool
}

func (w *testWriter) Write(p []byte) (int, error) {
	if !w.done.Load() {
		w.t.Log(strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}
