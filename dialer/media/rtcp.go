package media

import (
	"errors"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/pion/rtcp"
)

// rtcpInterval is how often each stream sends its report (RFC 3550 asks
// for about 5 s at these rates).
const rtcpInterval = 5 * time.Second

// clockRate is G.711's RTP clock.
const clockRate = 8000

// RFC 3550 A.1's bounds: a jump forward of maxDropout or more is not
// taken as loss until confirmed; one back of up to maxMisorder is a late
// packet.
const (
	maxDropout  = 3000
	maxMisorder = 100
)

// receiveStats are the RFC 3550 (A.1, A.3, A.8) counts of one stream's
// received RTP: the highest sequence seen with its wrap count, packets
// received, the interarrival jitter, and what the peer's last sender
// report said, for the reception report block we send back.
type receiveStats struct {
	mu        sync.Mutex
	started   bool
	ssrc      uint32
	baseSeq   uint16
	maxSeq    uint16
	cycles    uint32
	received  uint32
	transit   int64
	jitter    float64 // in RTP timestamp units
	expPrior  uint32
	recPrior  uint32
	lastSR    uint32    // middle 32 bits of the peer's last SR NTP time
	lastSRAt  time.Time // when it arrived
	t0        time.Time // arrival clock origin
	badSeq    uint16    // the sequence that would confirm a jump as a restart
	badSeqSet bool
	peerLost  uint32 // what the peer reported about our stream
	peerFrac  uint8
	peerJit   uint32
	peerRepAt time.Time
}

// update counts one received RTP packet that arrived at now.
func (r *receiveStats) update(seq uint16, ts uint32, ssrc uint32, now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.started || ssrc != r.ssrc {
		// A new source: counts start again (RFC 3550 A.1 init_seq).
		// (The mutex is held: reset field by field, never the struct.)
		r.started, r.ssrc, r.baseSeq, r.maxSeq, r.cycles, r.t0, r.badSeqSet = true, ssrc, seq, seq, 0, now, false
		r.received, r.jitter, r.expPrior, r.recPrior = 1, 0, 0, 0
		r.transit = int64(0) - int64(ts)
		return
	}
	switch d := seq - r.maxSeq; {
	case d < maxDropout:
		// In order, with a permissible gap.
		if seq < r.maxSeq {
			r.cycles += 1 << 16
		}
		r.maxSeq = seq
	case d <= 1<<16-maxMisorder:
		// A jump too far to be loss: a stray packet, unless the next one
		// follows it, when the peer restarted its sequence without a new
		// SSRC and the counts start again there (RFC 3550 A.1).
		if !r.badSeqSet || seq != r.badSeq {
			r.badSeq, r.badSeqSet = seq+1, true
			return
		}
		r.baseSeq, r.maxSeq, r.cycles = seq, seq, 0
		r.received, r.expPrior, r.recPrior = 0, 0, 0
	default:
		// A duplicate or a packet from before maxSeq (reordered).
	}
	r.badSeqSet = false
	r.received++
	arrival := int64(now.Sub(r.t0) * clockRate / time.Second)
	transit := arrival - int64(ts)
	d := transit - r.transit
	r.transit = transit
	if d < 0 {
		d = -d
	}
	r.jitter += (float64(d) - r.jitter) / 16
}

// extendedMax is the highest sequence number with its wrap count.
func (r *receiveStats) extendedMax() uint32 { return r.cycles + uint32(r.maxSeq) }

// lost is the cumulative number of packets lost (may be negative with
// duplicates; clamped at 0).
func (r *receiveStats) lost() uint32 {
	expected := r.extendedMax() - uint32(r.baseSeq) + 1
	if r.received >= expected {
		return 0
	}
	return expected - r.received
}

// report builds the reception report block for the peer's stream and
// moves the fraction-lost interval on.
func (r *receiveStats) report(now time.Time) (rtcp.ReceptionReport, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.started {
		return rtcp.ReceptionReport{}, false
	}
	expected := r.extendedMax() - uint32(r.baseSeq) + 1
	expInt, recInt := expected-r.expPrior, r.received-r.recPrior
	r.expPrior, r.recPrior = expected, r.received
	var frac uint8
	if expInt > 0 && recInt < expInt {
		frac = uint8((expInt - recInt) << 8 / expInt)
	}
	rr := rtcp.ReceptionReport{SSRC: r.ssrc, FractionLost: frac, TotalLost: r.lost() & 0xFFFFFF,
		LastSequenceNumber: r.extendedMax(), Jitter: uint32(r.jitter), LastSenderReport: r.lastSR}
	if !r.lastSRAt.IsZero() {
		rr.Delay = uint32(now.Sub(r.lastSRAt) * 65536 / time.Second)
	}
	return rr, true
}

// ntpTime is t as a 64-bit NTP timestamp.
func ntpTime(t time.Time) uint64 {
	secs := uint64(t.Unix()) + 2208988800
	frac := uint64(t.Nanosecond()) << 32 / uint64(time.Second)
	return secs<<32 | frac
}

// rtcpSession is a stream's RTCP socket on its port + 1: it sends a sender
// or receiver report every rtcpInterval and reads the peer's.
type rtcpSession struct {
	m        *Stream
	conn     *net.UDPConn
	stop     chan struct{}
	done     chan struct{}
	mu       sync.Mutex
	sent     uint64
	received uint64
	peer     netip.AddrPort // latched from the peer's RTCP
}

// startRTCP binds port+1 next to the stream's RTP port; nil when it is
// taken (the call goes on without RTCP).
func startRTCP(m *Stream, host netip.Addr) *rtcpSession {
	conn, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(host, uint16(m.port+1))))
	if err != nil {
		m.log.Debug("rtcp port taken; no RTCP on this stream", "port", m.port+1, "err", err)
		return nil
	}
	s := &rtcpSession{m: m, conn: conn, stop: make(chan struct{}), done: make(chan struct{})}
	go s.read()
	go s.send()
	return s
}

// close ends the session with a last report and a BYE (RFC 3550 6.6): the
// peer gets the final counts of a call shorter than one report interval,
// and learns at once that our source has left.
func (s *rtcpSession) close() {
	close(s.stop)
	<-s.done
	s.sendReport(time.Now(), true)
	_ = s.conn.Close()
}

// dest is where reports go: the peer's RTCP source once seen, else its RTP
// address + 1.
func (s *rtcpSession) dest() (netip.AddrPort, bool) {
	s.mu.Lock()
	p := s.peer
	s.mu.Unlock()
	if p.IsValid() {
		return p, true
	}
	r := s.m.Remote()
	if !r.IsValid() || r.Port() == 0 {
		return netip.AddrPort{}, false
	}
	return netip.AddrPortFrom(r.Addr(), r.Port()+1), true
}

func (s *rtcpSession) send() {
	defer close(s.done)
	t := time.NewTicker(rtcpInterval)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
		}
		s.sendReport(time.Now(), false)
	}
}

// sendReport sends one SR (when we sent RTP) or RR with the reception
// report of the peer's stream, and a BYE after it when bye is set.
func (s *rtcpSession) sendReport(now time.Time, bye bool) {
	to, ok := s.dest()
	if !ok {
		return
	}
	m := s.m
	m.wmu.Lock()
	ssrc, ts := m.ssrc, m.ts
	m.wmu.Unlock()
	var reports []rtcp.ReceptionReport
	if rr, ok := m.rx.report(now); ok {
		reports = append(reports, rr)
	}
	var pkt rtcp.Packet
	if n := m.packetsOut.Load(); n > 0 {
		pkt = &rtcp.SenderReport{SSRC: ssrc, NTPTime: ntpTime(now), RTPTime: ts, PacketCount: uint32(n),
			OctetCount: uint32(m.bytesOut.Load() - 12*n), Reports: reports}
	} else {
		pkt = &rtcp.ReceiverReport{SSRC: ssrc, Reports: reports}
	}
	// RFC 3550 6.1: every compound packet carries an SDES CNAME; strict
	// peers drop reports without one. Ours names the stream, which is the
	// only one of its SSRC.
	compound := []rtcp.Packet{pkt, rtcp.NewCNAMESourceDescription(ssrc, "alo-"+strconv.FormatUint(uint64(ssrc), 16))}
	if bye {
		compound = append(compound, &rtcp.Goodbye{Sources: []uint32{ssrc}})
	}
	b, err := rtcp.Marshal(compound)
	if err != nil {
		return
	}
	if _, err := s.conn.WriteToUDPAddrPort(b, to); err == nil {
		s.mu.Lock()
		s.sent++
		s.mu.Unlock()
	}
}

func (s *rtcpSession) read() {
	buf := make([]byte, 1500)
	for {
		n, src, err := s.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		pkts, err := rtcp.Unmarshal(buf[:n])
		if err != nil {
			continue
		}
		now := time.Now()
		s.mu.Lock()
		s.received++
		s.peer = src
		s.mu.Unlock()
		for _, p := range pkts {
			s.m.rx.peerReport(p, s.m.ssrcOut(), now)
		}
	}
}

// peerReport takes what an RTCP packet from the peer says: its sender
// report time (for our LSR/DLSR) and its reception report of our stream.
func (r *receiveStats) peerReport(p rtcp.Packet, ours uint32, now time.Time) {
	var reports []rtcp.ReceptionReport
	switch p := p.(type) {
	case *rtcp.SenderReport:
		r.mu.Lock()
		r.lastSR, r.lastSRAt = uint32(p.NTPTime>>16), now
		r.mu.Unlock()
		reports = p.Reports
	case *rtcp.ReceiverReport:
		reports = p.Reports
	}
	for _, rr := range reports {
		if rr.SSRC != ours {
			continue
		}
		r.mu.Lock()
		r.peerLost, r.peerFrac, r.peerJit, r.peerRepAt = rr.TotalLost, rr.FractionLost, rr.Jitter, now
		r.mu.Unlock()
	}
}
