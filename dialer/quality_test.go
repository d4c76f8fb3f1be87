package dialer

import (
	"encoding/binary"
	"math"
	"net"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtp"
)

// TestStreamQualitySince: a nailed-up agent leg's counts over one call are
// the difference from the bridge's start; a count that went back (the
// phone's source restarted) is taken whole; estimates stay as they are.
func TestStreamQualitySince(t *testing.T) {
	tests := []struct {
		name       string
		start, end StreamQuality
		want       StreamQuality
	}{
		{
			name:  "one call's share",
			start: StreamQuality{PacketsIn: 1000, PacketsOut: 900, BytesIn: 172000, BytesOut: 154800, Lost: 3, PeerLost: 2, RTCPSent: 4, RTCPReceived: 4, JitterMs: 1},
			end:   StreamQuality{PacketsIn: 1500, PacketsOut: 1400, BytesIn: 258000, BytesOut: 240800, Lost: 5, PeerLost: 2, RTCPSent: 6, RTCPReceived: 5, JitterMs: 2.5, PeerFractionLost: 0.1, PeerJitterMs: 3},
			want:  StreamQuality{PacketsIn: 500, PacketsOut: 500, BytesIn: 86000, BytesOut: 86000, Lost: 2, RTCPSent: 2, RTCPReceived: 1, JitterMs: 2.5, PeerFractionLost: 0.1, PeerJitterMs: 3},
		},
		{
			name:  "source restarted",
			start: StreamQuality{PacketsIn: 100, Lost: 7, PeerLost: 9},
			end:   StreamQuality{PacketsIn: 150, Lost: 1, PeerLost: 0},
			want:  StreamQuality{PacketsIn: 50, Lost: 1},
		},
		{name: "from nothing", end: StreamQuality{PacketsIn: 10, Lost: 1}, want: StreamQuality{PacketsIn: 10, Lost: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.end.Since(tt.start); got != tt.want {
				t.Fatalf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

// delays are one path's per-packet delays (receive time − send time).
type delays []time.Duration

func (d delays) quantile(q float64) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[min(len(s)-1, int(q*float64(len(s))))]
}

// spread is the p99 − p50 of the delays: how much later than usual a
// packet may come, what a jitter buffer must absorb.
func (d delays) spread() time.Duration { return d.quantile(0.99) - d.quantile(0.5) }

// stddev is the delays' standard deviation.
func (d delays) stddev() time.Duration {
	var sum, sq float64
	for _, v := range d {
		sum += float64(v)
	}
	mean := sum / float64(len(d))
	for _, v := range d {
		sq += (float64(v) - mean) * (float64(v) - mean)
	}
	return time.Duration(math.Sqrt(sq / float64(len(d))))
}

// measurePath sends n RTP packets every gap from src to dst and reads them
// on recv, returning each one's delay and recv's RFC 3550 jitter estimate.
// The packet's index travels in its payload, so reordering and loss are
// seen as such.
func measurePath(t *testing.T, src, recv *net.UDPConn, dst netip.AddrPort, n int, gap time.Duration) (delays, float64, int) {
	t.Helper()
	sent := make([]time.Time, n)
	got := make([]time.Duration, n)
	var rx receiveStats
	done := make(chan int)
	go func() {
		buf := make([]byte, rtpMTU)
		var p rtp.Packet
		count := 0
		_ = recv.SetReadDeadline(time.Now().Add(time.Duration(n)*gap + 2*time.Second))
		for count < n {
			k, err := recv.Read(buf)
			if err != nil {
				break
			}
			now := time.Now()
			if p.Unmarshal(buf[:k]) != nil || len(p.Payload) < 4 {
				continue
			}
			i := int(binary.BigEndian.Uint32(p.Payload))
			if i >= n || got[i] != 0 {
				continue // comfort noise or a duplicate
			}
			got[i] = now.Sub(sent[i])
			rx.update(p.SequenceNumber, p.Timestamp, p.SSRC, now)
			count++
		}
		done <- count
	}()
	payload := make([]byte, 160)
	tick := time.NewTicker(gap)
	defer tick.Stop()
	for i := range n {
		<-tick.C
		binary.BigEndian.PutUint32(payload, uint32(i))
		b, _ := (&rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: ptPCMU, SequenceNumber: uint16(i),
			Timestamp: uint32(i) * uint32(gap/(time.Second/clockRate)), SSRC: 0x7E57}, Payload: payload}).Marshal()
		sent[i] = time.Now()
		if _, err := src.WriteToUDPAddrPort(b, dst); err != nil {
			t.Fatal(err)
		}
	}
	count := <-done
	var d delays
	for _, v := range got {
		if v > 0 {
			d = append(d, v)
		}
	}
	return d, rx.jitter * 1000 / clockRate, n - count
}

// envInt reads a positive integer knob of a hand run, else def.
func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// TestRelayAddedJitter measures the jitter alo's relay adds: the spread of
// the forwarding delay of packets that go through a bridge (peer → stream
// A → stream B → peer), against the same packets sent straight from peer
// to peer over loopback, optionally while other bridges relay 20 ms audio
// both ways. CI runs a short pass with a loose bound; the figures in
// docs/benchmarks.md come from a hand run:
//
//	ALO_JITTER_PACKETS=3000 ALO_JITTER_BRIDGES=400 go test ./dialer -run TestRelayAddedJitter -v -count=1
func TestRelayAddedJitter(t *testing.T) {
	n := envInt("ALO_JITTER_PACKETS", 200)
	bridges := envInt("ALO_JITTER_BRIDGES", 0)
	gap := frameInterval
	if n <= 200 {
		gap = 5 * time.Millisecond // CI: the same path, sooner
	}
	pool := newPortPool("127.0.0.1", PortRange{Min: 30000, Max: 30000 + 8*(bridges+2)})
	log := testLogger(t)
	// newBridge bridges a stream towards a (PCMA when transcode, else
	// PCMU) with one towards b (PCMU).
	newBridge := func(a, b netip.AddrPort, transcode bool) (*Stream, *Stream) {
		t.Helper()
		sa, err := newStream(pool, log)
		if err != nil {
			t.Fatal(err)
		}
		sb, err := newStream(pool, log)
		if err != nil {
			t.Fatal(err)
		}
		ra := remoteMedia{Addr: a, Codec: CodecPCMU, PT: ptPCMU}
		if transcode {
			ra = remoteMedia{Addr: a, Codec: CodecPCMA, PT: ptPCMA}
		}
		sa.start(ra)
		sb.start(remoteMedia{Addr: b, Codec: CodecPCMU, PT: ptPCMU})
		t.Cleanup(func() { sa.close(); sb.close(); sa.wait(); sb.wait() })
		Connect(sa, sb)
		Connect(sb, sa)
		return sa, sb
	}

	// Background: bridges relaying 20 ms audio both ways, as on a busy node.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	t.Cleanup(func() { close(stop); wg.Wait() })
	if bridges > 0 {
		sink := newPeer(t) // where relayed background audio goes, unread
		for range bridges {
			cust, agent := newPeer(t), newPeer(t)
			sa, sb := newBridge(sink.addr(), sink.addr(), true)
			for _, leg := range []struct {
				p  *peer
				to *Stream
				pt uint8
			}{{cust, sa, ptPCMA}, {agent, sb, ptPCMU}} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					dst := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(leg.to.Port()))
					tick := time.NewTicker(frameInterval)
					defer tick.Stop()
					for i := 0; ; i++ {
						select {
						case <-stop:
							return
						case <-tick.C:
						}
						b, _ := (&rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: leg.pt, SequenceNumber: uint16(i),
							Timestamp: uint32(i * samplesPerFrame), SSRC: 1}, Payload: make([]byte, 160)}).Marshal()
						_, _ = leg.p.conn.WriteToUDPAddrPort(b, dst)
					}
				}()
			}
		}
		time.Sleep(time.Second) // let the background settle into its 20 ms rhythm
	}

	from, to := newPeer(t), newPeer(t)
	direct, directJit, directLost := measurePath(t, from.conn, to.conn, to.addr(), n, gap)
	// The measured bridge copies PCMU (the packet's index rides in its
	// payload; transcoding costs ≈ 0.2 µs a frame, docs/benchmarks.md).
	sa, _ := newBridge(netip.AddrPort{}, to.addr(), false)
	relayed, relayJit, relayLost := measurePath(t, from.conn, to.conn,
		netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(sa.Port())), n, gap)
	if len(direct) < n/2 || len(relayed) < n/2 {
		t.Fatalf("too few packets arrived: direct %d, relayed %d of %d", len(direct), len(relayed), n)
	}
	t.Logf("%d packets every %v, %d background bridges (%d pkt/s relayed)", n, gap, bridges, bridges*100)
	for _, r := range []struct {
		name string
		d    delays
		jit  float64
		lost int
	}{{"direct", direct, directJit, directLost}, {"relayed", relayed, relayJit, relayLost}} {
		t.Logf("%-8s delay p50 %v p99 %v max %v, spread p99−p50 %v, stddev %v, RFC 3550 jitter %.3f ms, lost %d",
			r.name, r.d.quantile(0.5), r.d.quantile(0.99), r.d.quantile(1), r.d.spread(), r.d.stddev(), r.jit, r.lost)
	}
	added := relayed.spread() - direct.spread()
	t.Logf("relay adds: delay p50 %v, spread %v, RFC 3550 jitter %.3f ms",
		relayed.quantile(0.5)-direct.quantile(0.5), added, relayJit-directJit)
	// A loose bound, for a shared CI machine: a jitter buffer is 40–60 ms.
	if relayed.spread() > 20*time.Millisecond {
		t.Errorf("relayed delay spread %v, want well under a jitter buffer", relayed.spread())
	}
}
