package media

import (
	"bytes"
	"log/slog"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/pion/rtp"

	"github.com/alo-dialer/alo/internal/testenv"
)

// peer is a fake RTP endpoint: a local UDP socket.
type peer struct {
	t    *testing.T
	conn *net.UDPConn
}

func newPeer(t *testing.T) *peer {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &peer{t: t, conn: c}
}

func (p *peer) addr() netip.AddrPort { return p.conn.LocalAddr().(*net.UDPAddr).AddrPort() }

func (p *peer) send(to *Stream, h rtp.Header, payload []byte) {
	p.t.Helper()
	h.Version = 2
	buf, err := (&rtp.Packet{Header: h, Payload: payload}).Marshal()
	if err != nil {
		p.t.Fatal(err)
	}
	dst := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(to.Port()))
	if _, err := p.conn.WriteToUDPAddrPort(buf, dst); err != nil {
		p.t.Fatal(err)
	}
}

func (p *peer) recv() rtp.Packet {
	p.t.Helper()
	buf := make([]byte, 1500)
	_ = p.conn.SetReadDeadline(time.Now().Add(2 * time.Second))
	n, err := p.conn.Read(buf)
	if err != nil {
		p.t.Fatalf("no packet: %v", err)
	}
	var pkt rtp.Packet
	if err := pkt.Unmarshal(buf[:n]); err != nil {
		p.t.Fatal(err)
	}
	return pkt
}

func (p *peer) expectNothing() {
	p.t.Helper()
	buf := make([]byte, 1500)
	_ = p.conn.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	if n, err := p.conn.Read(buf); err == nil {
		p.t.Fatalf("unexpected packet of %d bytes", n)
	}
}

func testStream(t *testing.T, pool *PortPool, codec string, remote netip.AddrPort) *Stream {
	t.Helper()
	s, err := NewStream(pool, testenv.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	pt := uint8(PayloadPCMU)
	if codec == CodecPCMA {
		pt = PayloadPCMA
	}
	s.Start(Remote{Addr: remote, Codec: codec, PT: pt, DTMFPT: 101})
	t.Cleanup(func() { s.Close(); s.Wait() })
	return s
}

// A nailed-up agent leg hears customer A, then customer B: its outgoing
// stream keeps one SSRC, consecutive sequence numbers, a timestamp that only
// moves forward, the marker bit at each source switch, and PCMA is
// transcoded to the agent's PCMU.
func TestRelaySourceSwitch(t *testing.T) {
	pool := NewPortPool("127.0.0.1", PortRange{Min: testenv.EvenPorts(t, 8), Max: 0})
	pool.rng.Max = pool.rng.Min + 7
	custA, custB, agent := newPeer(t), newPeer(t), newPeer(t)
	sA := testStream(t, pool, CodecPCMA, custA.addr())
	sB := testStream(t, pool, CodecPCMU, custB.addr())
	sAgent := testStream(t, pool, CodecPCMU, agent.addr())

	silenceA := bytes.Repeat([]byte{0xd5}, 160) // A-law silence
	silenceU := bytes.Repeat([]byte{0xff}, 160) // μ-law silence
	transcodedA := bytes.Repeat([]byte{0xfe}, 160)

	// Nothing is connected: packets are counted and dropped.
	custA.send(sA, rtp.Header{PayloadType: 8, SequenceNumber: 1, Timestamp: 1, SSRC: 0xA}, silenceA)
	agent.expectNothing()

	Connect(sA, sAgent)
	var got []rtp.Packet
	for i := range 3 {
		custA.send(sA, rtp.Header{PayloadType: 8, SequenceNumber: uint16(100 + i), Timestamp: uint32(5000 + 160*i), SSRC: 0xA}, silenceA)
		got = append(got, agent.recv())
	}
	Connect(sB, sAgent) // atomic switch to customer B
	Disconnect(sA)
	for i := range 3 {
		custB.send(sB, rtp.Header{PayloadType: 0, SequenceNumber: uint16(60000 + i), Timestamp: uint32(9_000_000 + 160*i), SSRC: 0xB}, silenceU)
		got = append(got, agent.recv())
	}
	custA.send(sA, rtp.Header{PayloadType: 8, SequenceNumber: 103, Timestamp: 5480, SSRC: 0xA}, silenceA)
	agent.expectNothing()

	for i, p := range got {
		if p.SSRC != got[0].SSRC {
			t.Errorf("packet %d: SSRC %x, want %x", i, p.SSRC, got[0].SSRC)
		}
		want := silenceU
		if i < 3 {
			want = transcodedA // A-law silence is +8, μ-law 0xfe
		}
		if p.PayloadType != 0 || !bytes.Equal(p.Payload, want) {
			t.Errorf("packet %d: PT %d payload % x…, want PCMU % x…", i, p.PayloadType, p.Payload[:4], want[:4])
		}
		wantMarker := i == 0 || i == 3
		if p.Marker != wantMarker {
			t.Errorf("packet %d: marker %v, want %v", i, p.Marker, wantMarker)
		}
		if i == 0 {
			continue
		}
		if p.SequenceNumber != got[i-1].SequenceNumber+1 {
			t.Errorf("packet %d: seq %d after %d", i, p.SequenceNumber, got[i-1].SequenceNumber)
		}
		step := p.Timestamp - got[i-1].Timestamp
		if i == 3 {
			if step < SamplesPerFrame || step > 8000 {
				t.Errorf("switch: timestamp step %d, want one frame up to 1 s", step)
			}
		} else if step != SamplesPerFrame {
			t.Errorf("packet %d: timestamp step %d, want %d", i, step, SamplesPerFrame)
		}
	}

	st := sA.Stats()
	if st.PacketsIn != 5 || st.Dropped != 2 {
		t.Errorf("customer A stats %+v, want 5 in, 2 dropped", st)
	}
	if st := sAgent.Stats(); st.PacketsOut != 6 || st.BytesOut != 6*172 {
		t.Errorf("agent stats %+v, want 6 packets / %d bytes out", st, 6*172)
	}
}

// Symmetric RTP: once the peer sends from an address other than its SDP
// one, alo answers there; RFC 4733 events keep the peer's payload type.
func TestRelayLatchAndDTMF(t *testing.T) {
	pool := NewPortPool("127.0.0.1", PortRange{Min: testenv.EvenPorts(t, 4), Max: 0})
	pool.rng.Max = pool.rng.Min + 3
	cust, agentSDP, agentReal := newPeer(t), newPeer(t), newPeer(t)
	sCust := testStream(t, pool, CodecPCMU, cust.addr())
	sAgent := testStream(t, pool, CodecPCMU, agentSDP.addr())
	Connect(sCust, sAgent)

	audio := bytes.Repeat([]byte{0x7e}, 160)
	cust.send(sCust, rtp.Header{PayloadType: 0, SequenceNumber: 1, Timestamp: 160, SSRC: 1}, audio)
	if p := agentSDP.recv(); !bytes.Equal(p.Payload, audio) {
		t.Fatalf("payload changed without transcoding")
	}
	// The agent's phone speaks from another port (NAT): alo latches on it.
	agentReal.send(sAgent, rtp.Header{PayloadType: 0, SequenceNumber: 1, Timestamp: 1, SSRC: 2}, audio)
	waitFor(t, func() bool { return sAgent.Remote() == agentReal.addr() })
	event := []byte{5, 0x0a, 0x00, 0xa0} // digit 5, volume 10, duration 160
	cust.send(sCust, rtp.Header{PayloadType: 101, SequenceNumber: 2, Timestamp: 320, SSRC: 1, Marker: true}, event)
	p := agentReal.recv()
	if p.PayloadType != 101 || !bytes.Equal(p.Payload, event) {
		t.Fatalf("dtmf: PT %d payload % x", p.PayloadType, p.Payload)
	}
	agentSDP.expectNothing()
}

// waitFor polls a condition with a deadline (the reader goroutine sets it).
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in 2s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// The forwarding path allocates nothing per packet.
func BenchmarkRelay(b *testing.B) {
	pool := NewPortPool("127.0.0.1", PortRange{Min: 47000, Max: 47099})
	log := slog.New(slog.DiscardHandler)
	src, err := NewStream(pool, log)
	if err != nil {
		b.Skip(err)
	}
	dst, err := NewStream(pool, log)
	if err != nil {
		b.Skip(err)
	}
	sink, _ := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	defer sink.Close()
	defer src.Close()
	defer dst.Close()
	src.codec, src.pt = CodecPCMA, PayloadPCMA
	addr := sink.LocalAddr().(*net.UDPAddr).AddrPort()
	dst.remote.Store(&addr)
	h := rtp.Header{Version: 2, PayloadType: 8, SSRC: 9}
	payload := bytes.Repeat([]byte{0xd5}, 160)
	out := make([]byte, MTU)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		h.SequenceNumber, h.Timestamp = uint16(i), uint32(160*i)
		dst.relayFrom(src, &h, payload, out)
	}
}
