package media

import (
	"log/slog"
	"math"
	"net"
	"net/netip"
	"runtime"
	"testing"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"

	"github.com/alo-dialer/alo/internal/testenv"
)

// TestJitterHandWorked follows RFC 3550 A.8 by hand: 20 ms packets, the
// third 25 ms late, then back on time.
func TestJitterHandWorked(t *testing.T) {
	var r receiveStats
	t0 := time.Unix(1000, 0)
	for i, at := range []time.Duration{0, 20, 45, 60} {
		r.update(uint16(100+i), uint32(1000+160*i), 7, t0.Add(at*time.Millisecond))
	}
	// D: 0, 0, 40, 40 units → J = 40/16 = 2.5, then 2.5 + (40-2.5)/16.
	if want := 2.5 + 37.5/16; math.Abs(r.jitter-want) > 1e-9 {
		t.Fatalf("jitter %v, want %v", r.jitter, want)
	}
}

// TestLossAcrossWrapAndReorder: a sequence wrapping at 65535 with one
// packet missing and one arriving late counts one lost.
func TestLossAcrossWrapAndReorder(t *testing.T) {
	var r receiveStats
	now := time.Unix(1000, 0)
	for _, seq := range []uint16{65533, 65534, 65535, 1, 3, 2, 4} { // 0 never comes; 2 after 3
		r.update(seq, 0, 9, now)
	}
	if got := r.extendedMax(); got != 1<<16+4 {
		t.Fatalf("extended max %d", got)
	}
	if r.lost() != 1 || r.received != 7 {
		t.Fatalf("lost %d received %d, want 1 and 7", r.lost(), r.received)
	}
	rr, ok := r.report(now)
	if !ok || rr.TotalLost != 1 || rr.FractionLost != uint8(256/8) || rr.SSRC != 9 {
		t.Fatalf("report %+v", rr)
	}
	// A new source starts the counts again.
	r.update(500, 0, 10, now)
	if r.lost() != 0 || r.received != 1 {
		t.Fatalf("after a new SSRC: lost %d received %d", r.lost(), r.received)
	}
}

// TestSequenceJumps follows RFC 3550 A.1 for jumps too large to be loss:
// one stray packet far ahead is not counted (nor the thousands "missing"
// before it); two in a row mean the peer restarted its sequence without a
// new SSRC, and the counts start again at the second; a packet behind is a
// late one, not a wrap.
func TestSequenceJumps(t *testing.T) {
	tests := []struct {
		name               string
		seqs               []uint16
		wantLost, wantRecv uint32
		wantMax            uint32
	}{
		{name: "stray packet ahead", seqs: []uint16{10, 11, 12, 20000, 13, 14}, wantLost: 0, wantRecv: 5, wantMax: 14},
		{name: "restart confirmed", seqs: []uint16{10, 11, 12, 40000, 40001, 40003}, wantLost: 1, wantRecv: 2, wantMax: 40003},
		{name: "gap under the dropout is loss", seqs: []uint16{10, 11, 2011}, wantLost: 1999, wantRecv: 3, wantMax: 2011},
		{name: "late packet", seqs: []uint16{500, 501, 503, 502, 504}, wantLost: 0, wantRecv: 5, wantMax: 504},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r receiveStats
			now := time.Unix(1000, 0)
			for _, seq := range tt.seqs {
				r.update(seq, 0, 1, now)
			}
			if r.lost() != tt.wantLost || r.received != tt.wantRecv || r.extendedMax() != tt.wantMax {
				t.Fatalf("lost %d received %d max %d, want %d %d %d", r.lost(), r.received, r.extendedMax(), tt.wantLost, tt.wantRecv, tt.wantMax)
			}
		})
	}
}

// TestRTCPRoundTrip on real UDP sockets: a peer sends RTP (with a gap) and
// a sender report to a stream's ports; the stream's receiver report
// carries the loss and echoes the SR's time (LSR); the peer's receiver
// report about the stream's own packets shows in its Quality.
func TestRTCPRoundTrip(t *testing.T) {
	pool := NewPortPool("127.0.0.1", PortRange{Min: 45000, Max: 45999})
	peerRTP, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer peerRTP.Close()
	peerRTCP, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: peerRTP.LocalAddr().(*net.UDPAddr).Port + 1})
	if err != nil {
		t.Skipf("peer RTCP port taken: %v", err)
	}
	defer peerRTCP.Close()
	m, err := NewStream(pool, testenv.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	m.Start(Remote{Addr: peerRTP.LocalAddr().(*net.UDPAddr).AddrPort(), Codec: CodecPCMU, PT: PayloadPCMU})
	defer func() { m.Close(); m.Wait() }()
	if m.rtcp == nil {
		t.Skip("RTCP port of the stream taken")
	}
	to := net.UDPAddrFromAddrPort(netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(m.Port())))
	for i := range 10 {
		if i == 5 {
			continue // lost
		}
		b, _ := (&rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: PayloadPCMU, SequenceNumber: uint16(i), Timestamp: uint32(160 * i), SSRC: 0xCAFE},
			Payload: make([]byte, 160)}).Marshal()
		if _, err := peerRTP.WriteToUDP(b, to); err != nil {
			t.Fatal(err)
		}
	}
	m.sendOwn(make([]byte, 160)) // one packet of ours, so the stream sends an SR
	srTime := ntpTime(time.Now())
	sr, _ := (&rtcp.SenderReport{SSRC: 0xCAFE, NTPTime: srTime, Reports: []rtcp.ReceptionReport{
		{SSRC: m.ssrcOut(), TotalLost: 3, FractionLost: 64, Jitter: 80}}}).Marshal()
	rtcpTo := net.UDPAddrFromAddrPort(netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(m.Port()+1)))
	if _, err := peerRTCP.WriteToUDP(sr, rtcpTo); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(3 * time.Second)
	for m.Quality().RTCPReceived == 0 || m.Quality().PacketsIn < 9 {
		if time.Now().After(deadline) {
			t.Fatalf("stream quality %+v", m.Quality())
		}
		time.Sleep(5 * time.Millisecond) // the stream's readers are other goroutines
	}
	q := m.Quality()
	if q.Lost != 1 || q.PeerLost != 3 || q.PeerFractionLost != 0.25 || q.PeerJitterMs != 10 {
		t.Fatalf("quality %+v", q)
	}
	m.rtcp.sendReport(time.Now(), false)
	buf := make([]byte, 1500)
	_ = peerRTCP.SetReadDeadline(time.Now().Add(3 * time.Second))
	n, _, err := peerRTCP.ReadFromUDP(buf)
	if err != nil {
		t.Fatalf("no report from the stream: %v", err)
	}
	pkts, err := rtcp.Unmarshal(buf[:n])
	if err != nil || len(pkts) != 2 {
		t.Fatalf("report %v %v", pkts, err)
	}
	if err := rtcp.CompoundPacket(pkts).Validate(); err != nil {
		t.Fatalf("not an RFC 3550 compound packet (SR then SDES CNAME): %v", err)
	}
	got, ok := pkts[0].(*rtcp.SenderReport)
	if !ok || got.SSRC != m.ssrcOut() || got.PacketCount != 1 || len(got.Reports) != 1 {
		t.Fatalf("sender report %+v", pkts[0])
	}
	rr := got.Reports[0]
	if rr.SSRC != 0xCAFE || rr.TotalLost != 1 || rr.LastSequenceNumber != 9 || rr.LastSenderReport != uint32(srTime>>16) {
		t.Fatalf("reception report %+v (SR middle bits %x)", rr, uint32(srTime>>16))
	}

	// Closing the stream sends the final counts and a BYE (RFC 3550 6.6),
	// so a call shorter than one report interval still reports.
	m.Close()
	_ = peerRTCP.SetReadDeadline(time.Now().Add(3 * time.Second))
	n, _, err = peerRTCP.ReadFromUDP(buf)
	if err != nil {
		t.Fatalf("no report at close: %v", err)
	}
	pkts, err = rtcp.Unmarshal(buf[:n])
	if err != nil || len(pkts) != 3 {
		t.Fatalf("report at close %v %v", pkts, err)
	}
	if err := rtcp.CompoundPacket(pkts).Validate(); err != nil {
		t.Fatalf("report at close not a compound packet: %v", err)
	}
	if bye, ok := pkts[2].(*rtcp.Goodbye); !ok || len(bye.Sources) != 1 || bye.Sources[0] != m.ssrcOut() {
		t.Fatalf("last packet at close %+v, want a BYE of our SSRC", pkts[2])
	}
	if sr, ok := pkts[0].(*rtcp.SenderReport); !ok || sr.PacketCount != 1 {
		t.Fatalf("first packet at close %+v, want our SR", pkts[0])
	}
}

// BenchmarkRTCPSendReport is one stream's periodic report: its reception
// report block built from the counts, a sender report marshalled and sent
// over a real UDP socket. A stream sends one every 5 s.
func BenchmarkRTCPSendReport(b *testing.B) {
	pool := NewPortPool("127.0.0.1", PortRange{Min: 45000, Max: 45999})
	sink, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		b.Fatal(err)
	}
	defer sink.Close()
	m, err := NewStream(pool, slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	m.Start(Remote{Addr: sink.LocalAddr().(*net.UDPAddr).AddrPort(), Codec: CodecPCMU, PT: PayloadPCMU})
	defer func() { m.Close(); m.Wait() }()
	if m.rtcp == nil {
		b.Skip("RTCP port taken")
	}
	m.rtcp.peer = sink.LocalAddr().(*net.UDPAddr).AddrPort()
	now := time.Now()
	for i := range 100 {
		m.rx.update(uint16(i), uint32(160*i), 1, now.Add(time.Duration(i)*FrameInterval))
	}
	m.packetsOut.Store(100)
	b.ReportAllocs()
	for b.Loop() {
		m.rtcp.sendReport(now, false)
	}
}

// BenchmarkRTCPReadReport is the other half: a peer's sender report with
// one reception block unmarshalled and taken into the stream's counts.
func BenchmarkRTCPReadReport(b *testing.B) {
	var r receiveStats
	pkt, _ := (&rtcp.SenderReport{SSRC: 1, NTPTime: ntpTime(time.Now()), PacketCount: 250, OctetCount: 40000,
		Reports: []rtcp.ReceptionReport{{SSRC: 2, FractionLost: 3, TotalLost: 4, LastSequenceNumber: 300, Jitter: 12}}}).Marshal()
	b.ReportAllocs()
	for b.Loop() {
		ps, err := rtcp.Unmarshal(pkt)
		if err != nil {
			b.Fatal(err)
		}
		for _, p := range ps {
			r.peerReport(p, 2, time.Now())
		}
	}
}

// BenchmarkRTCPFootprint measures what RTCP adds to each stream: started
// streams are counted with and without their RTCP sessions (a socket and
// two goroutines each). Run it once:
//
//	go test ./dialer -run '^$' -bench RTCPFootprint -benchtime 1x
func BenchmarkRTCPFootprint(b *testing.B) {
	const n = 500
	pool := NewPortPool("127.0.0.1", PortRange{Min: 40000, Max: 40000 + 4*n})
	sink, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		b.Fatal(err)
	}
	defer sink.Close()
	measure := func() (uint64, int) {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapInuse + ms.StackInuse, runtime.NumGoroutine()
	}
	for b.Loop() {
		streams := make([]*Stream, 0, n)
		for range n {
			m, err := NewStream(pool, slog.New(slog.DiscardHandler))
			if err != nil {
				b.Fatal(err)
			}
			m.Start(Remote{Addr: sink.LocalAddr().(*net.UDPAddr).AddrPort(), Codec: CodecPCMU, PT: PayloadPCMU})
			streams = append(streams, m)
		}
		with, gWith := measure()
		sessions := 0
		for _, m := range streams {
			if m.rtcp != nil {
				m.rtcp.close()
				m.rtcp = nil
				sessions++
			}
		}
		without, gWithout := measure()
		b.ReportMetric(float64(int64(with)-int64(without))/float64(max(sessions, 1)), "B/stream")
		b.ReportMetric(float64(gWith-gWithout)/float64(max(sessions, 1)), "goroutines/stream")
		for _, m := range streams {
			m.Close()
			m.Wait()
		}
	}
}
