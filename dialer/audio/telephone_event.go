package audio

import (
	"encoding/binary"
	"fmt"
)

// RFC 4733 telephone events: DTMF sent as RTP packets of their own payload
// type (negotiated in the SDP as telephone-event/8000, often 101) instead of
// as tones, which G.711 carries but low-bit-rate codecs and echo cancellers
// mangle. One key press is one event: every packet of it has the RTP
// timestamp of its start, the first has the marker bit, updates grow the
// duration, and the end packet is sent three times because a lost end would
// leave the key held down.

// TelephoneEvent is the 4-byte RFC 4733 payload.
type TelephoneEvent struct {
	Event    uint8  // 0-9, 10 = '*', 11 = '#', 12-15 = 'A'-'D'
	End      bool   // the E bit: the event has ended
	Volume   uint8  // power level in -dBm0, 0-63 (DTMF is commonly sent at 10)
	Duration uint16 // in RTP timestamp units (samples) since the event's timestamp
}

// TelephoneEventSize is the length of one event payload.
const TelephoneEventSize = 4

// Append appends the wire form of e to b.
func (e TelephoneEvent) Append(b []byte) []byte {
	flags := e.Volume & 0x3F
	if e.End {
		flags |= 0x80
	}
	b = append(b, e.Event, flags)
	return binary.BigEndian.AppendUint16(b, e.Duration)
}

// ParseTelephoneEvent decodes an RFC 4733 payload. Bytes beyond the first
// four (a sender packing several events, RFC 4733 section 2.5.1.5) are
// ignored; the reserved R bit is ignored as the RFC requires.
func ParseTelephoneEvent(b []byte) (TelephoneEvent, error) {
	if len(b) < TelephoneEventSize {
		return TelephoneEvent{}, fmt.Errorf("audio: telephone-event payload of %d bytes, want %d", len(b), TelephoneEventSize)
	}
	return TelephoneEvent{
		Event:    b[0],
		End:      b[1]&0x80 != 0,
		Volume:   b[1] & 0x3F,
		Duration: binary.BigEndian.Uint16(b[2:]),
	}, nil
}

// dtmfDigits maps RFC 4733 event codes 0-15 to the keys.
const dtmfDigits = "0123456789*#ABCD"

// DigitEvent returns the RFC 4733 event code of a DTMF key ('0'-'9', '*',
// '#', 'A'-'D', lower-case letters accepted).
func DigitEvent(digit rune) (uint8, bool) {
	if digit >= 'a' && digit <= 'd' {
		digit -= 'a' - 'A'
	}
	for i, d := range dtmfDigits {
		if d == digit {
			return uint8(i), true
		}
	}
	return 0, false
}

// EventDigit returns the DTMF key of an RFC 4733 event code; codes above 15
// (fax tones, line events) are not keys.
func EventDigit(event uint8) (rune, bool) {
	if int(event) >= len(dtmfDigits) {
		return 0, false
	}
	return rune(dtmfDigits[event]), true
}

// EventPacket is one RTP packet of an outgoing telephone event. The RTP
// engine adds its own sequence number and SSRC and sends it Offset samples
// after the event began.
type EventPacket struct {
	Offset    int    // samples after the event's start at which to send
	Timestamp uint32 // RTP timestamp: the event's start, the same in every packet
	Marker    bool   // set on the first packet only
	Payload   [TelephoneEventSize]byte
}

// DigitPackets lays out the packets for one key press starting at RTP
// timestamp ts: a start packet with the marker, an update every interval
// samples (160 for 20 ms) whose duration covers the time up to the end of
// its interval, and the end packet three times, one interval apart, all
// with the final duration. duration is in samples (RFC 4733 advises at
// least 40 ms, 320; the field holds at most 65535, about 8 s).
func DigitPackets(digit rune, ts uint32, duration, interval int, volume uint8) ([]EventPacket, error) {
	ev, ok := DigitEvent(digit)
	if !ok {
		return nil, fmt.Errorf("audio: %q is not a DTMF key", digit)
	}
	if interval <= 0 || duration <= 0 || duration > 0xFFFF {
		return nil, fmt.Errorf("audio: DTMF %q: duration %d and interval %d samples: want 0 < interval, 0 < duration <= 65535", digit, duration, interval)
	}
	if volume > 63 {
		return nil, fmt.Errorf("audio: DTMF %q: volume -%d dBm0, want 0-63", digit, volume)
	}
	pkts := make([]EventPacket, 0, duration/interval+4)
	at := 0
	for ; at+interval < duration; at += interval { // the last interval is the end packets'
		e := TelephoneEvent{Event: ev, Volume: volume, Duration: uint16(at + interval)}
		pkts = append(pkts, packet(e, ts, at, at == 0))
	}
	end := TelephoneEvent{Event: ev, End: true, Volume: volume, Duration: uint16(duration)}
	for i := range 3 {
		pkts = append(pkts, packet(end, ts, at+i*interval, at == 0 && i == 0))
	}
	return pkts, nil
}

// packet builds one EventPacket.
func packet(e TelephoneEvent, ts uint32, at int, marker bool) EventPacket {
	p := EventPacket{Offset: at, Timestamp: ts, Marker: marker}
	e.Append(p.Payload[:0])
	return p
}

// KeyEvent is a key press seen by a DTMFReceiver: once when it begins and
// once when it ends.
type KeyEvent struct {
	Digit     rune
	Timestamp uint32 // RTP timestamp of the event (its start)
	End       bool   // false: key down; true: key up
	Duration  int    // samples, as last reported by the sender
}

// DTMFReceiver turns the received RFC 4733 packets of one RTP stream into key
// presses: one begin and one end per event, whatever the retransmissions,
// duplicates and losses. An event whose end packets are all lost is ended
// when the next event begins.
type DTMFReceiver struct {
	cur      uint32 // timestamp of the event in progress or last ended
	have     bool   // cur is set
	ended    bool   // the event at cur has ended
	digit    rune
	duration int
}

// Receive takes the RTP timestamp and payload of one telephone-event packet
// and appends the key events it causes to dst. Events other than DTMF keys
// (fax tones) are ignored.
func (r *DTMFReceiver) Receive(dst []KeyEvent, ts uint32, payload []byte) ([]KeyEvent, error) {
	e, err := ParseTelephoneEvent(payload)
	if err != nil {
		return dst, err
	}
	digit, ok := EventDigit(e.Event)
	if !ok {
		return dst, nil
	}
	if r.have && ts == r.cur {
		if r.ended {
			return dst, nil // a retransmitted end, or an update arriving late
		}
		r.duration = max(r.duration, int(e.Duration))
		if e.End {
			r.ended = true
			dst = append(dst, KeyEvent{Digit: r.digit, Timestamp: ts, End: true, Duration: r.duration})
		}
		return dst, nil
	}
	if r.have && !r.ended {
		// The previous event's end packets were all lost.
		dst = append(dst, KeyEvent{Digit: r.digit, Timestamp: r.cur, End: true, Duration: r.duration})
	}
	r.cur, r.have, r.ended, r.digit, r.duration = ts, true, e.End, digit, int(e.Duration)
	dst = append(dst, KeyEvent{Digit: digit, Timestamp: ts})
	if e.End {
		dst = append(dst, KeyEvent{Digit: digit, Timestamp: ts, End: true, Duration: r.duration})
	}
	return dst, nil
}
