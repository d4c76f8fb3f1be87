package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/alo-dialer/alo/web"
)

// Readiness probing: how often, and how long one check may take.
const (
	readyEvery   = time.Second
	readyTimeout = 2 * time.Second
	// probeSize is written to the data dir: a disk too full for it is too
	// full for a recording or a SQLite page.
	probeSize = 64 << 10
)

// readyCheck is one dependency a node needs to place calls.
type readyCheck struct {
	name  string
	check func(ctx context.Context) error
}

// readiness holds this node's latest readiness, refreshed by run; the
// engine asks Ready before every claim and /readyz shows Readiness.
type readiness struct {
	checks   []readyCheck
	log      *slog.Logger
	draining atomic.Bool

	mu   sync.Mutex
	last web.Readiness
	// changed is closed and replaced at every change of Ready (tests
	// await it).
	changed chan struct{}
}

// newReadiness returns a readiness over checks, not ready until the first
// refresh.
func newReadiness(log *slog.Logger, checks ...readyCheck) *readiness {
	return &readiness{checks: checks, log: log, changed: make(chan struct{}),
		last: web.Readiness{Reason: "starting", Checks: []web.ReadinessCheck{}}}
}

// Ready reports whether the node may place a new call, and why not.
func (r *readiness) Ready() (bool, string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.last.Ready, r.last.Reason
}

// Readiness is the latest finding, for /readyz.
func (r *readiness) Readiness() web.Readiness {
	r.mu.Lock()
	defer r.mu.Unlock()
	rd := r.last
	rd.Checks = append([]web.ReadinessCheck(nil), rd.Checks...)
	return rd
}

// Changed is closed at the next change of Ready.
func (r *readiness) Changed() <-chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.changed
}

// drain makes the node not ready for good: it is shutting down.
func (r *readiness) drain(ctx context.Context) {
	r.draining.Store(true)
	r.refresh(ctx)
}

// run refreshes until ctx ends.
func (r *readiness) run(ctx context.Context) {
	t := time.NewTicker(readyEvery)
	defer t.Stop()
	for {
		r.refresh(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// refresh runs every check and logs a change of readiness.
func (r *readiness) refresh(ctx context.Context) {
	rd := web.Readiness{Ready: true, Checks: make([]web.ReadinessCheck, 0, len(r.checks)+1)}
	var why []string
	for _, c := range r.checks {
		cctx, cancel := context.WithTimeout(ctx, readyTimeout)
		err := c.check(cctx)
		cancel()
		rc := web.ReadinessCheck{Name: c.name, OK: err == nil}
		if err != nil {
			rc.Detail = err.Error()
			why = append(why, c.name+": "+rc.Detail)
		}
		rd.Checks = append(rd.Checks, rc)
	}
	draining := r.draining.Load()
	rd.Checks = append(rd.Checks, web.ReadinessCheck{Name: "draining", OK: !draining})
	if draining {
		why = append(why, "draining: the node is shutting down")
	}
	if len(why) > 0 {
		rd.Ready = false
		rd.Reason = strings.Join(why, "; ")
	}
	r.mu.Lock()
	prev := r.last
	r.last = rd
	if prev.Ready != rd.Ready {
		close(r.changed)
		r.changed = make(chan struct{})
	}
	r.mu.Unlock()
	switch {
	case !rd.Ready && (prev.Ready || prev.Reason != rd.Reason):
		r.log.Warn("node not ready; no new calls", "reason", rd.Reason)
	case rd.Ready && !prev.Ready:
		r.log.Info("node ready; dialing resumes")
	}
}

// pingCheck wraps a Ping-like call.
func pingCheck(name string, ping func(ctx context.Context) error) readyCheck {
	return readyCheck{name: name, check: ping}
}

// dirWritable checks that dir takes a small file (written, synced and
// removed): a full or read-only data dir stops new calls before their
// recordings and outcomes fail.
func dirWritable(name, dir string) readyCheck {
	return readyCheck{name: name, check: func(context.Context) error {
		path := filepath.Join(dir, ".alo-ready-probe")
		err := writeProbe(path)
		_ = os.Remove(path)
		if err != nil {
			return fmt.Errorf("data dir %s is not writable: %w", dir, err)
		}
		return nil
	}}
}

func writeProbe(path string) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(make([]byte, probeSize))
	if serr := f.Sync(); err == nil {
		err = serr
	}
	return errors.Join(err, f.Close())
}

// startReadiness builds the node's readiness checks and refreshes them
// until the returned stop is called (after the drain, not at ctx's end).
func (a *app) startReadiness(ctx context.Context, audit interface{ Healthy() error }) (*readiness, func()) {
	rdy := newReadiness(a.log.With("component", "readiness"),
		pingCheck("sql", a.db.PingContext),
		pingCheck("redis", func(ctx context.Context) error { return a.rdb.Ping(ctx).Err() }),
		pingCheck("audit", func(context.Context) error { return audit.Healthy() }),
		dirWritable("data_dir", a.cfg.DataDir))
	rctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	rdy.refresh(rctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		rdy.run(rctx)
	}()
	return rdy, func() { cancel(); <-done }
}

// drainPoll is how often a drain looks at the calls still in flight.
const drainPoll = 100 * time.Millisecond

// drain stops new calls and waits, up to a.drainFor, for the calls in
// progress to end by themselves.
func (a *app) drain(rdy *readiness, eng interface{ InFlight() int }) {
	rdy.drain(context.Background())
	if a.drainFor <= 0 {
		return
	}
	n := eng.InFlight()
	a.log.Info("draining: no new calls; waiting for calls in progress", "calls", n, "limit", a.drainFor)
	deadline := time.NewTimer(a.drainFor)
	defer deadline.Stop()
	t := time.NewTicker(drainPoll)
	defer t.Stop()
	for n > 0 {
		select {
		case <-deadline.C:
			a.log.Warn("drain limit reached; hanging up the calls left", "calls", eng.InFlight())
			return
		case <-t.C:
			n = eng.InFlight()
		}
	}
	a.log.Info("drained: no call in progress")
}

// drainLimit is how long `alo serve` lets calls finish after SIGTERM
// (systemd's default stop timeout is 90 s).
const drainLimit = 60 * time.Second
