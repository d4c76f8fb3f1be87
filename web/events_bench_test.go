package web

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/alo-dialer/alo/live"
)

// benchClients opens n admin streams and returns, per stream, a channel
// of the latency of each event it receives: from the publisher's At to the
// client's parse of the frame.
func benchClients(b *testing.B, a *liveAPI, n int) []chan time.Duration {
	b.Helper()
	out := make([]chan time.Duration, n)
	for i := range out {
		c := a.open(b, RoleAdmin, "", "")
		if c.resp.StatusCode != 200 {
			b.Fatalf("stream status %d", c.resp.StatusCode)
		}
		c.next(b) // snapshot
		ch := make(chan time.Duration, 1<<16)
		out[i] = ch
		go func() {
			for f := range c.frames {
				if f.event == "" {
					continue
				}
				var e live.Event
				if err := json.Unmarshal([]byte(f.data), &e); err != nil {
					panic(err)
				}
				ch <- time.Since(e.At)
			}
		}()
	}
	return out
}

func reportPercentiles(b *testing.B, lat []time.Duration) {
	slices.Sort(lat)
	p := func(q float64) float64 { return float64(lat[int(float64(len(lat)-1)*q)].Microseconds()) }
	b.ReportMetric(p(0.50), "p50-µs")
	b.ReportMetric(p(0.95), "p95-µs")
	b.ReportMetric(p(0.99), "p99-µs")
}

// BenchmarkEventsLatency: one event at a time, from Publish to its parse by
// each of 100 SSE clients over HTTP (loopback); p50/p95/p99 over all
// receipts.
func BenchmarkEventsLatency(b *testing.B) {
	const clients = 100
	a := newLiveAPI(b, LiveConfig{}, live.Config{})
	chs := benchClients(b, a, clients)
	ctx := context.Background()
	var lat []time.Duration
	for b.Loop() {
		if err := a.bus.Publish(ctx, live.Event{Type: live.TypeAgentState, AgentID: 1, At: time.Now(), Data: json.RawMessage(`{"agent_id":1,"state":"ready"}`)}); err != nil {
			b.Fatal(err)
		}
		for _, ch := range chs {
			lat = append(lat, <-ch)
		}
	}
	reportPercentiles(b, lat)
}

// BenchmarkEventsThroughput: events published in bursts of 500 to 100 SSE
// clients, each burst received in full by every client before the next;
// events per second published and delivered.
func BenchmarkEventsThroughput(b *testing.B) {
	const clients, burst = 100, 500
	a := newLiveAPI(b, LiveConfig{}, live.Config{Buffer: 4 * burst})
	chs := benchClients(b, a, clients)
	ctx := context.Background()
	data := json.RawMessage(`{"campaign_id":1,"ringing":3,"waiting":0,"bridged":12,"agents_ready":2}`)
	start := time.Now()
	n := 0
	for b.Loop() {
		for range burst {
			if err := a.bus.Publish(ctx, live.Event{Type: live.TypeCampaignCounters, CampaignID: 1, Data: data}); err != nil {
				b.Fatal(err)
			}
		}
		for _, ch := range chs {
			for range burst {
				<-ch
			}
		}
		n += burst
	}
	el := time.Since(start).Seconds()
	if st := a.bus.Stats(); st.SlowDrops > 0 {
		b.Fatalf("%d subscribers dropped as slow", st.SlowDrops)
	}
	b.ReportMetric(float64(n)/el, "events/s")
	b.ReportMetric(float64(n*clients)/el, "deliveries/s")
}
