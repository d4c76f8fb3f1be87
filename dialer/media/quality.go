package media

// StreamQuality is one leg's media quality: what we received (packets,
// bytes, lost, interarrival jitter), what we sent, what the peer reported
// about what we sent (RTCP receiver reports), and the RTCP exchanged. It is
// kept on the attempt for each leg (attempts.media_stats).
type StreamQuality struct {
	PacketsIn  uint64 `json:"packets_in"`
	PacketsOut uint64 `json:"packets_out"`
	// BytesIn and BytesOut are RTP bytes, headers included.
	BytesIn  uint64 `json:"bytes_in"`
	BytesOut uint64 `json:"bytes_out"`
	// Lost and JitterMs are of the peer's current source (RFC 3550 A.3,
	// A.8): a new SSRC starts them again.
	Lost     uint32  `json:"lost"`
	JitterMs float64 `json:"jitter_ms"`
	// The Peer fields are the peer's last receiver report about our
	// stream; zero until one arrives.
	PeerLost         uint32  `json:"peer_lost"`
	PeerFractionLost float64 `json:"peer_fraction_lost"`
	PeerJitterMs     float64 `json:"peer_jitter_ms"`
	RTCPSent         uint64  `json:"rtcp_sent"`
	RTCPReceived     uint64  `json:"rtcp_received"`
}

// Quality returns the stream's media quality so far.
func (m *Stream) Quality() StreamQuality {
	q := StreamQuality{PacketsIn: m.packetsIn.Load(), PacketsOut: m.packetsOut.Load(),
		BytesIn: m.bytesIn.Load(), BytesOut: m.bytesOut.Load()}
	m.rx.mu.Lock()
	if m.rx.started {
		q.Lost = m.rx.lost()
		q.JitterMs = m.rx.jitter * 1000 / clockRate
	}
	q.PeerLost, q.PeerFractionLost = m.rx.peerLost, float64(m.rx.peerFrac)/256
	q.PeerJitterMs = float64(m.rx.peerJit) * 1000 / clockRate
	m.rx.mu.Unlock()
	if s := m.rtcp; s != nil {
		s.mu.Lock()
		q.RTCPSent, q.RTCPReceived = s.sent, s.received
		s.mu.Unlock()
	}
	return q
}

// Since is q less what start had already counted: one call's share of a
// nailed-up agent leg, which lives on from call to call. Counts are
// differences (a count that went back, after the peer's source changed,
// is taken whole); jitter and the peer's fraction lost are estimates of
// now and stay as they are.
func (q StreamQuality) Since(start StreamQuality) StreamQuality {
	sub64 := func(now, then uint64) uint64 {
		if now < then {
			return now
		}
		return now - then
	}
	sub32 := func(now, then uint32) uint32 {
		if now < then {
			return now
		}
		return now - then
	}
	q.PacketsIn = sub64(q.PacketsIn, start.PacketsIn)
	q.PacketsOut = sub64(q.PacketsOut, start.PacketsOut)
	q.BytesIn = sub64(q.BytesIn, start.BytesIn)
	q.BytesOut = sub64(q.BytesOut, start.BytesOut)
	q.Lost = sub32(q.Lost, start.Lost)
	q.PeerLost = sub32(q.PeerLost, start.PeerLost)
	q.RTCPSent = sub64(q.RTCPSent, start.RTCPSent)
	q.RTCPReceived = sub64(q.RTCPReceived, start.RTCPReceived)
	return q
}
