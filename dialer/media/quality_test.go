package media

import (
	"encoding/binary"
	"math"
	"net"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pion/rtp"

	"github.com/alo-dialer/alo/internal/testenv"
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

// probePath is one way for the measured packets: where to send them and the
// socket they arrive on.
type probePath struct {
	dst  netip.AddrPort
	recv *net.UDPConn
}

// pathResult is one path's per-packet delays (receive time − send time),
// the receiver's RFC 3550 jitter estimate and the packets that never came.
type pathResult struct {
	d      delays
	jitter float64 // ms
	lost   int
}

// measurePaths sends n RTP packets every gap from src down each path in
// turn, the paths' sends spread evenly over the gap, so that every path
// sees the same load at the same time. The packet's index travels in its
// payload, so reordering and loss are seen as such.
func measurePaths(t *testing.T, src *net.UDPConn, n int, gap time.Duration, paths ...probePath) []pathResult {
	t.Helper()
	// The receivers note arrivals only; delays are worked out once they
	// are done (the send times are the sender's until then).
	sent := make([][]time.Time, len(paths))
	arrived := make([][]time.Time, len(paths))
	rx := make([]receiveStats, len(paths))
	counts := make(chan [2]int, len(paths))
	for k, p := range paths {
		sent[k], arrived[k] = make([]time.Time, n), make([]time.Time, n)
		go func() {
			buf := make([]byte, MTU)
			var pkt rtp.Packet
			count := 0
			_ = p.recv.SetReadDeadline(time.Now().Add(time.Duration(n)*gap + 2*time.Second))
			for count < n {
				m, err := p.recv.Read(buf)
				if err != nil {
					break
				}
				now := time.Now()
				if pkt.Unmarshal(buf[:m]) != nil || len(pkt.Payload) < 4 {
					continue
				}
				i := int(binary.BigEndian.Uint32(pkt.Payload))
				if i >= n || !arrived[k][i].IsZero() {
					continue // a duplicate
				}
				arrived[k][i] = now
				rx[k].update(pkt.SequenceNumber, pkt.Timestamp, pkt.SSRC, now)
				count++
			}
			counts <- [2]int{k, count}
		}()
	}
	payload := make([]byte, 160)
	tick := time.NewTicker(gap / time.Duration(len(paths)))
	defer tick.Stop()
	for i := range n {
		binary.BigEndian.PutUint32(payload, uint32(i))
		b, _ := (&rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: PayloadPCMU, SequenceNumber: uint16(i),
			Timestamp: uint32(i) * uint32(gap/(time.Second/clockRate)), SSRC: 0x7E57}, Payload: payload}).Marshal()
		for k, p := range paths {
			<-tick.C
			sent[k][i] = time.Now()
			if _, err := src.WriteToUDPAddrPort(b, p.dst); err != nil {
				t.Fatal(err)
			}
		}
	}
	out := make([]pathResult, len(paths))
	for range paths {
		c := <-counts
		k := c[0]
		out[k].lost = n - c[1]
		for i, at := range arrived[k] {
			if !at.IsZero() {
				out[k].d = append(out[k].d, at.Sub(sent[k][i]))
			}
		}
		out[k].jitter = rx[k].jitter * 1000 / clockRate
	}
	return out
}

// processCPU is the CPU time this process has used (user and system).
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
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
	gap := FrameInterval
	if n <= 200 {
		gap = 5 * time.Millisecond // CI: the same path, sooner
	}
	pool := NewPortPool("127.0.0.1", PortRange{Min: 30000, Max: 30000 + 8*(bridges+2)})
	log := testenv.Logger(t)
	// newBridge bridges a stream towards a (PCMA when transcode, else
	// PCMU) with one towards b (PCMU).
	newBridge := func(a, b netip.AddrPort, transcode bool) (*Stream, *Stream) {
		t.Helper()
		sa, err := NewStream(pool, log)
		if err != nil {
			t.Fatal(err)
		}
		sb, err := NewStream(pool, log)
		if err != nil {
			t.Fatal(err)
		}
		ra := Remote{Addr: a, Codec: CodecPCMU, PT: PayloadPCMU}
		if transcode {
			ra = Remote{Addr: a, Codec: CodecPCMA, PT: PayloadPCMA}
		}
		sa.Start(ra)
		sb.Start(Remote{Addr: b, Codec: CodecPCMU, PT: PayloadPCMU})
		t.Cleanup(func() { sa.Close(); sb.Close(); sa.Wait(); sb.Wait() })
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
			}{{cust, sa, PayloadPCMA}, {agent, sb, PayloadPCMU}} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					dst := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(leg.to.Port()))
					tick := time.NewTicker(FrameInterval)
					defer tick.Stop()
					for i := 0; ; i++ {
						select {
						case <-stop:
							return
						case <-tick.C:
						}
						b, _ := (&rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: leg.pt, SequenceNumber: uint16(i),
							Timestamp: uint32(i * SamplesPerFrame), SSRC: 1}, Payload: make([]byte, 160)}).Marshal()
						_, _ = leg.p.conn.WriteToUDPAddrPort(b, dst)
					}
				}()
			}
		}
		time.Sleep(time.Second) // let the background settle into its 20 ms rhythm
	}

	// The measured packets go straight to one socket and, interleaved,
	// through a bridge (PCMU both sides: the packet's index rides in its
	// payload; transcoding costs ≈ 0.2 µs a frame, docs/benchmarks.md) to
	// another.
	from, direct, relayed := newPeer(t), newPeer(t), newPeer(t)
	sa, _ := newBridge(netip.AddrPort{}, relayed.addr(), false)
	cpu0, wall0 := processCPU(), time.Now()
	res := measurePaths(t, from.conn, n, gap,
		probePath{dst: direct.addr(), recv: direct.conn},
		probePath{dst: netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(sa.Port())), recv: relayed.conn})
	d, r := res[0], res[1]
	if len(d.d) < n/2 || len(r.d) < n/2 {
		t.Fatalf("too few packets arrived: direct %d, relayed %d of %d", len(d.d), len(r.d), n)
	}
	t.Logf("%d packets every %v, %d background bridges (%d pkt/s relayed); this process used %.0f %% of one core (generator and relay)",
		n, gap, bridges, bridges*100, 100*float64(processCPU()-cpu0)/float64(time.Since(wall0)))
	for _, p := range []struct {
		name string
		r    pathResult
	}{{"direct", d}, {"relayed", r}} {
		t.Logf("%-8s delay p50 %v p99 %v max %v, spread p99−p50 %v, stddev %v, RFC 3550 jitter %.3f ms, lost %d",
			p.name, p.r.d.quantile(0.5), p.r.d.quantile(0.99), p.r.d.quantile(1), p.r.d.spread(), p.r.d.stddev(), p.r.jitter, p.r.lost)
	}
	t.Logf("relay adds: delay p50 %v, spread %v, RFC 3550 jitter %.3f ms",
		r.d.quantile(0.5)-d.d.quantile(0.5), r.d.spread()-d.d.spread(), r.jitter-d.jitter)
	// A loose bound, for a shared CI machine (its stalls hit both paths):
	// a jitter buffer is 40–60 ms.
	if r.d.spread() > d.d.spread()+20*time.Millisecond {
		t.Errorf("relayed delay spread %v (direct %v), want well under a jitter buffer", r.d.spread(), d.d.spread())
	}
}
