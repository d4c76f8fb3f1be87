package media

import (
	"errors"
	"net"
	"net/netip"
	"time"

	"github.com/pion/rtp"

	"github.com/alo-dialer/alo/dialer/audio"
)

// Connect makes every packet received on from go out on to, rewritten with
// to's SSRC, sequence number and timestamp, with the marker bit set when to's
// source changes (so the peer's jitter buffer resyncs at once), and
// transcoded when the two legs use different G.711 laws. It replaces any
// earlier target of from in one atomic store, so a nailed-up agent leg can be
// switched from one customer to the next without a gap in its stream.
// Bridging two legs is Connect(a, b) and Connect(b, a).
func Connect(from, to *Stream) {
	if from == nil {
		return
	}
	from.fwd.Store(to)
}

// Forwarding is the stream packets received on m go out on now, nil when
// they are not relayed.
func (m *Stream) Forwarding() *Stream { return m.fwd.Load() }

// OnNewSource has f called, once, with the time the first packet from a
// source other than the current one goes out on m (once it is sent; a send that fails drops the hook). nil removes it.: the
// moment the agent starts hearing a newly bridged customer, which is what
// answer-to-bridged latency is measured to.
func (m *Stream) OnNewSource(f func(at time.Time)) {
	if f == nil {
		m.onNewSource.Store(nil)
		return
	}
	m.onNewSource.Store(&f)
}

// Disconnect stops forwarding packets received on from. Unbridging two legs
// is Disconnect(a) and Disconnect(b).
func Disconnect(from *Stream) {
	if from == nil {
		return
	}
	from.fwd.Store(nil)
}

// rtpMTU bounds one RTP datagram; G.711 at 20 ms is 172 bytes.
const MTU = 1500

// samplesPerFrame is 20 ms of 8 kHz audio, the smallest step of the outgoing
// timestamp when the source changes.
const SamplesPerFrame = 160

// readLoop is the stream's only reader: it counts, latches the peer's
// address and forwards. The buffers are its own, so the hot path allocates
// nothing.
func (m *Stream) readLoop() {
	defer close(m.readDone)
	in := make([]byte, MTU)
	out := make([]byte, MTU)
	var h rtp.Header
	first := true
	for {
		n, src, err := m.conn.ReadFromUDPAddrPort(in)
		if err != nil {
			if m.closed.Load() || errors.Is(err, net.ErrClosed) {
				return
			}
			m.log.Debug("rtp read", "port", m.port, "error", err)
			continue
		}
		now := time.Now()
		if first {
			first = false
			m.firstIn.Store(&now)
		}
		m.packetsIn.Add(1)
		m.bytesIn.Add(uint64(n))
		m.lastIn.Store(now.UnixNano())
		m.latch(src)

		hl, err := h.Unmarshal(in[:n])
		if err != nil || h.Version != 2 {
			m.dropped.Add(1)
			continue
		}
		if h.PayloadType == m.pt {
			// Loss and jitter are of the audio stream; telephone events
			// carry their own timestamps.
			m.rx.update(h.SequenceNumber, h.Timestamp, h.SSRC, now)
		}
		to := m.fwd.Load()
		if to != nil && to.closed.Load() {
			to = nil
		}
		tap := m.tap.Load()
		if to == nil && tap == nil {
			m.dropped.Add(1)
			continue
		}
		end := n
		if h.Padding && n > hl {
			end -= int(in[n-1])
		}
		if end < hl {
			m.dropped.Add(1)
			continue
		}
		if tap != nil {
			m.deliver(*tap, &h, in[hl:end])
		}
		if to == nil {
			if tap == nil {
				m.dropped.Add(1)
			}
			continue
		}
		if !to.relayFrom(m, &h, in[hl:end], out) {
			m.dropped.Add(1)
		}
	}
}

// latch points the stream's output at the address packets really come from
// (symmetric RTP): a peer behind NAT can only be reached there.
func (m *Stream) latch(src netip.AddrPort) {
	src = netip.AddrPortFrom(src.Addr().Unmap(), src.Port())
	if cur := m.remote.Load(); cur != nil && *cur == src {
		return
	}
	m.remote.Store(&src)
}

// relayFrom sends one packet received on src out of m. It reports whether
// the packet was sent.
func (m *Stream) relayFrom(src *Stream, h *rtp.Header, payload []byte, out []byte) bool {
	var pt uint8
	switch {
	case h.PayloadType == src.pt:
		pt = m.pt
	case src.dtmfPT != 0 && h.PayloadType == src.dtmfPT:
		if m.dtmfPT == 0 {
			return false // the peer cannot take RFC 4733 events
		}
		pt = m.dtmfPT
	default:
		return false // comfort noise and the like: not ours to relay
	}
	if len(payload) > len(out)-12 {
		return false
	}

	var over []int16
	if m.play.active.Load() {
		p := &m.play
		p.mu.Lock()
		if len(p.queue) > 0 {
			p.mu.Unlock()
			return false // a prompt is playing into this leg; it has the floor
		}
		if len(p.overlay) > 0 && pt == m.pt {
			n := min(len(p.overlay), len(payload))
			over, p.overlay = p.overlay[:n], p.overlay[n:]
			p.setActive()
		}
		p.mu.Unlock()
	}
	var first *func(time.Time)
	m.wmu.Lock()
	now := time.Now()
	marker := h.Marker
	if m.lastSrc != src || m.srcSSRC != h.SSRC || m.ownLast {
		if m.lastSrc != src {
			first = m.onNewSource.Swap(nil)
		}
		// A new source: keep our own timeline running, advanced by the
		// time since our last packet (at least one frame), and tell the
		// peer with the marker bit.
		next := m.ts
		if !m.lastSent.IsZero() {
			step := uint32(now.Sub(m.lastSent) / (time.Second / 8000))
			next += max(step, SamplesPerFrame)
		}
		m.tsOffset = next - h.Timestamp
		m.lastSrc, m.srcSSRC, m.ownLast = src, h.SSRC, false
		marker = true
	}
	m.seq++
	m.ts = h.Timestamp + m.tsOffset
	m.lastSent = now
	oh := rtp.Header{Version: 2, Marker: marker, PayloadType: pt, SequenceNumber: m.seq, Timestamp: m.ts, SSRC: m.ssrc}
	m.wmu.Unlock()

	hn, err := oh.MarshalTo(out)
	if err != nil {
		return false
	}
	body := out[hn : hn+len(payload)]
	switch {
	case pt != m.pt || src.codec == m.codec:
		copy(body, payload)
	case src.codec == CodecPCMU:
		audio.TranscodeULawToALaw(body, payload)
	default:
		audio.TranscodeALawToULaw(body, payload)
	}
	if over != nil {
		m.audioCodec().Mix(body, over)
	}
	dst := m.remote.Load()
	if dst == nil {
		return false
	}
	n, err := m.conn.WriteToUDPAddrPort(out[:hn+len(payload)], *dst)
	if err != nil {
		return false
	}
	m.packetsOut.Add(1)
	m.bytesOut.Add(uint64(n))
	if first != nil {
		(*first)(now)
	}
	return true
}
