package dialer

import (
	"slices"
	"sync"
	"time"
)

// LatencySummary describes the recent answer-to-bridged latencies: from
// the 200 OK (or, with AMD on, the verdict) to the first packet of the
// customer's audio sent to the agent (docs/architecture.md's definition).
type LatencySummary struct {
	Count         int64         `json:"count"`  // observed since start
	Window        int           `json:"window"` // how many of the latest the percentiles cover
	P50, P90, P99 time.Duration `json:"-"`
	Max           time.Duration `json:"-"`
}

// latencyWindow is how many recent observations the percentiles cover.
const latencyWindow = 8192

// latencyRecorder keeps the latest observations in a ring.
type latencyRecorder struct {
	mu    sync.Mutex
	ring  []time.Duration
	next  int
	count int64
	// hook, when set, sees every observation too (a metrics histogram).
	hook func(time.Duration)
}

func newLatencyRecorder() *latencyRecorder {
	return &latencyRecorder{ring: make([]time.Duration, 0, latencyWindow)}
}

// observe records one latency.
func (r *latencyRecorder) observe(d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.hook != nil {
		r.hook(d)
	}
	r.count++
	if len(r.ring) < latencyWindow {
		r.ring = append(r.ring, d)
		return
	}
	r.ring[r.next] = d
	r.next = (r.next + 1) % latencyWindow
}

// reset forgets every observation.
func (r *latencyRecorder) reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ring, r.next, r.count = r.ring[:0], 0, 0
}

// summary computes the percentiles of the window (nearest rank).
func (r *latencyRecorder) summary() LatencySummary {
	r.mu.Lock()
	xs := slices.Clone(r.ring)
	s := LatencySummary{Count: r.count, Window: len(xs)}
	r.mu.Unlock()
	if len(xs) == 0 {
		return s
	}
	slices.Sort(xs)
	rank := func(p float64) time.Duration {
		i := int(p*float64(len(xs))+0.999999) - 1
		return xs[min(max(i, 0), len(xs)-1)]
	}
	s.P50, s.P90, s.P99, s.Max = rank(0.50), rank(0.90), rank(0.99), xs[len(xs)-1]
	return s
}
