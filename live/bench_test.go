package live

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/alo-dialer/alo/internal/testenv"
)

// BenchmarkPublish: Publish with n subscribers, each drained by its own
// goroutine; ns/op is what the publisher (the call path) pays.
func BenchmarkPublish(b *testing.B) {
	for _, n := range []int{0, 100, 1000} {
		b.Run(fmt.Sprintf("subscribers=%d", n), func(b *testing.B) {
			bus := newTestBus(b, Config{Buffer: 1 << 16, Clock: time.Now})
			for range n {
				s, _ := bus.Subscribe("bench", func(e Event) bool { return e.AgentID != -1 })
				go func() {
					for range s.C() {
					}
				}()
			}
			e := Event{Type: TypeAgentState, AgentID: 1, Data: json.RawMessage(`{"agent_id":1,"state":"ready"}`)}
			ctx := context.Background()
			for b.Loop() {
				if err := bus.Publish(ctx, e); err != nil {
					b.Fatal(err)
				}
			}
			if st := bus.Stats(); st.SlowDrops > 0 {
				b.Logf("%d of %d subscribers dropped as slow", st.SlowDrops, n)
			}
		})
	}
}

// BenchmarkRedisLatency: Publish on one node to receipt by a subscriber on
// another, through a real redis-server (unix socket); p50/p95/p99.
func BenchmarkRedisLatency(b *testing.B) {
	channel := "alo:live:bench"
	x := newTestBus(b, Config{Node: "x", Clock: time.Now, Transport: NewRedisTransport(testenv.Redis(b), channel)})
	y := newTestBus(b, Config{Node: "y", Clock: time.Now, Transport: NewRedisTransport(testenv.Redis(b), channel)})
	for _, bus := range []*Bus{x, y} {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); bus.Run(ctx) }()
		b.Cleanup(func() { cancel(); <-done })
		<-bus.Connected()
	}
	s, _ := y.Subscribe("bench", nil)
	ctx := context.Background()
	var lat []time.Duration
	for b.Loop() {
		if err := x.Publish(ctx, Event{Type: TypeAgentState, AgentID: 1, At: time.Now()}); err != nil {
			b.Fatal(err)
		}
		e := next(b, s)
		lat = append(lat, time.Since(e.At))
	}
	slices.Sort(lat)
	p := func(q float64) float64 { return float64(lat[int(float64(len(lat)-1)*q)].Microseconds()) }
	b.ReportMetric(p(0.50), "p50-µs")
	b.ReportMetric(p(0.95), "p95-µs")
	b.ReportMetric(p(0.99), "p99-µs")
}
