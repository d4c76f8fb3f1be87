package media

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtp"

	"github.com/alo-dialer/alo/dialer/audio"
)

// TapPacket is one RTP packet received on a stream, as a MediaTap sees it.
// Payload is the reader's buffer: a tap that keeps it must copy it.
type TapPacket struct {
	Event     bool   // an RFC 4733 telephone-event packet (the peer's negotiated type)
	Codec     string // the stream's codec, for audio packets: "PCMU" or "PCMA"
	Timestamp uint32
	Payload   []byte
}

// MediaTap listens to a stream's received packets. It runs on the stream's
// reader goroutine, so it must be quick and must not block: decoding a
// 20 ms frame and feeding detectors is fine, waiting on a channel is not.
type MediaTap func(TapPacket)

// SetTap makes tap see every packet received on the stream from now on,
// whether or not it is also relayed; nil removes it.
func (m *Stream) SetTap(tap MediaTap) {
	if tap == nil {
		m.tap.Store(nil)
		return
	}
	m.tap.Store(&tap)
}

// deliver hands one received packet to the tap, audio or telephone event.
func (m *Stream) deliver(tap MediaTap, h *rtp.Header, payload []byte) {
	switch {
	case h.PayloadType == m.pt:
		tap(TapPacket{Codec: m.codec, Timestamp: h.Timestamp, Payload: payload})
	case m.dtmfPT != 0 && h.PayloadType == m.dtmfPT:
		tap(TapPacket{Event: true, Timestamp: h.Timestamp, Payload: payload})
	}
}

// frameInterval is the ptime alo sends at: one G.711 frame every 20 ms.
const FrameInterval = 20 * time.Millisecond

// comfortGap is how long a leg with comfort silence may go without a packet
// before alo fills in: longer than one frame so that relayed audio, which
// arrives with its own jitter, is not interleaved with filler.
const comfortGap = 3 * FrameInterval

// ErrStreamClosed says the stream ended before its playback did.
var ErrStreamClosed = errors.New("stream closed")

// player sends alo's own audio into a stream at 20 ms, driven by the port
// pool's frameClock: queued prompt or tone frames, an overlay mixed into
// relayed audio (the call-arrived pip), and, on a nailed-up agent leg,
// comfort silence whenever nothing else has been sent for a while (an
// agent's phone that hears nothing may decide the call is dead, and the
// agent hears the line is up).
type player struct {
	mu      sync.Mutex
	queue   [][]byte
	overlay []int16    // linear audio laid over relayed packets as they pass (relay.go)
	done    chan error // receives the playback's end, then is dropped
	running bool       // on the frame clock
	comfort bool
	silence []byte
	// active mirrors len(queue) > 0 || len(overlay) > 0 for the relay's
	// hot path, which then takes mu only while alo has audio to add.
	active atomic.Bool
}

// setActive refreshes active. Call with mu held.
func (p *player) setActive() { p.active.Store(len(p.queue) > 0 || len(p.overlay) > 0) }

// stopIfIdle takes the player off the clock when it has nothing left to
// send (or its stream closed) and reports whether it did.
func (p *player) stopIfIdle(closed bool) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if closed || (len(p.queue) == 0 && len(p.overlay) == 0 && !p.comfort) {
		p.running = false
		return true
	}
	return false
}

// Codec returns the stream's G.711 law for audio.Prompt.Frames.
func (m *Stream) audioCodec() audio.Codec {
	if m.codec == CodecPCMA {
		return audio.PCMA
	}
	return audio.PCMU
}

// Play queues a prompt on the stream, in the stream's codec, replacing
// anything still playing (whose channel then receives nil). Relayed audio
// into the stream is held back while it plays. The channel returned
// receives nil once the last frame has gone out, or ErrStreamClosed.
func (m *Stream) Play(p *audio.Prompt) (<-chan error, error) {
	frames, err := p.Frames(m.audioCodec())
	if err != nil {
		return nil, fmt.Errorf("play %s/%s: %w", p.Lang, p.Name, err)
	}
	return m.playFrames(frames), nil
}

// PlaySamples queues linear 8 kHz audio (a tone made in code) like Play.
func (m *Stream) PlaySamples(samples []int16) (<-chan error, error) {
	return m.Play(audio.NewPrompt("samples", "", samples))
}

// Overlay lays linear 8 kHz audio over what the stream relays, without
// holding the relayed audio back: each relayed packet carries the next
// stretch of it, mixed in. While nothing is relayed it goes out alone at
// 20 ms. A later Overlay replaces what is left of an earlier one.
func (m *Stream) Overlay(samples []int16) {
	if m.closed.Load() || len(samples) == 0 {
		return
	}
	m.play.mu.Lock()
	m.play.overlay = samples
	m.play.setActive()
	start := !m.play.running
	m.play.running = true
	m.play.mu.Unlock()
	if start {
		m.pool.frames.add(m)
	}
}

// StopPlayback drops whatever is queued; its channel receives nil.
func (m *Stream) StopPlayback() {
	m.play.mu.Lock()
	m.play.queue = nil
	m.play.setActive()
	m.play.finish(nil)
	m.play.mu.Unlock()
}

// SetComfortSilence turns comfort silence on or off for an idle leg: with
// it on, the leg never goes more than comfortGap without a packet.
func (m *Stream) SetComfortSilence(on bool) {
	m.play.mu.Lock()
	m.play.comfort = on
	if on && m.play.silence == nil {
		m.play.silence = make([]byte, audio.FrameSamples)
	}
	start := on && !m.play.running
	if start {
		m.play.running = true
	}
	m.play.mu.Unlock()
	if start {
		m.pool.frames.add(m)
	}
}

// finish reports the current playback's end. Call with mu held.
func (p *player) finish(err error) {
	if p.done != nil {
		p.done <- err
		p.done = nil
	}
}

func (m *Stream) playFrames(frames [][]byte) <-chan error {
	done := make(chan error, 1)
	if m.closed.Load() {
		done <- ErrStreamClosed
		return done
	}
	m.play.mu.Lock()
	m.play.finish(nil)
	m.play.queue = frames
	m.play.done = done
	if len(frames) == 0 {
		m.play.finish(nil)
	}
	m.play.setActive()
	start := !m.play.running && len(frames) > 0
	if start {
		m.play.running = true
	}
	m.play.mu.Unlock()
	if start {
		m.pool.frames.add(m)
	}
	return done
}

// overlayGap is how long relayed audio may pause before the overlay goes
// out on its own: a frame and a half, so relayed packets arriving with
// ordinary jitter still carry it.
const overlayGap = FrameInterval * 3 / 2

// playTick sends the stream's next frame of its own audio, if any is due,
// on one tick of the frame clock. It reports false when the player has
// nothing left to do (or the stream closed), so the clock can drop it.
func (m *Stream) playTick() bool {
	p := &m.play
	p.mu.Lock()
	if m.closed.Load() {
		p.queue, p.overlay = nil, nil
		p.setActive()
		p.finish(ErrStreamClosed)
		p.mu.Unlock()
		return false
	}
	var frame []byte
	fromQueue := false
	switch {
	case len(p.queue) > 0:
		frame, fromQueue = p.queue[0], true
		p.queue = p.queue[1:]
	case len(p.overlay) > 0:
		if m.relayIdle(overlayGap) {
			n := min(len(p.overlay), audio.FrameSamples)
			frame, _ = m.audioCodec().Encode(make([]byte, 0, n), p.overlay[:n])
			p.overlay = p.overlay[n:]
		}
	case p.comfort:
		if m.sinceLastSent() >= comfortGap {
			if p.silence[0] != m.audioCodec().Silence() {
				for i := range p.silence {
					p.silence[i] = m.audioCodec().Silence()
				}
			}
			frame = p.silence
		}
	default:
		p.mu.Unlock()
		return false
	}
	p.setActive()
	drained := fromQueue && len(p.queue) == 0 && p.done != nil
	p.mu.Unlock()
	if frame != nil {
		m.sendOwn(frame)
	}
	if drained {
		p.mu.Lock()
		if len(p.queue) == 0 {
			p.finish(nil)
		}
		p.mu.Unlock()
	}
	return true
}

// relayIdle says no relayed packet has gone out for gap: the last packet
// was alo's own, or there was none, or it is that old.
func (m *Stream) relayIdle(gap time.Duration) bool {
	m.wmu.Lock()
	defer m.wmu.Unlock()
	return m.ownLast || m.lastSent.IsZero() || time.Since(m.lastSent) >= gap
}

// sinceLastSent is the time since the stream last sent a packet (forever
// if it never has).
func (m *Stream) sinceLastSent() time.Duration {
	m.wmu.Lock()
	defer m.wmu.Unlock()
	if m.lastSent.IsZero() {
		return time.Hour
	}
	return time.Since(m.lastSent)
}

// sendOwn sends one frame of alo's own audio on the stream's timeline: the
// timestamp steps one frame from alo's last own frame, or by the time
// elapsed when it follows relayed audio (then with the marker bit, as for
// any change of source).
func (m *Stream) sendOwn(payload []byte) {
	dst := m.remote.Load()
	if dst == nil || m.closed.Load() {
		return
	}
	var buf [12 + audio.FrameSamples*2]byte
	if len(payload) > len(buf)-12 {
		return
	}
	m.wmu.Lock()
	now := time.Now()
	marker := false
	if !m.ownLast || m.lastSent.IsZero() {
		marker = true
		if !m.lastSent.IsZero() {
			step := uint32(now.Sub(m.lastSent) / (time.Second / 8000))
			m.ts += max(step, SamplesPerFrame)
		}
	} else {
		m.ts += SamplesPerFrame
	}
	m.ownLast, m.lastSrc = true, nil
	m.seq++
	m.lastSent = now
	h := rtp.Header{Version: 2, Marker: marker, PayloadType: m.pt, SequenceNumber: m.seq, Timestamp: m.ts, SSRC: m.ssrc}
	m.wmu.Unlock()
	hn, err := h.MarshalTo(buf[:])
	if err != nil {
		return
	}
	n := copy(buf[hn:], payload)
	w, err := m.conn.WriteToUDPAddrPort(buf[:hn+n], *dst)
	if err != nil {
		return
	}
	m.packetsOut.Add(1)
	m.bytesOut.Add(uint64(w))
}

// callArrivedTone is what the agent hears when a customer is put through:
// two short 1 kHz pips (120 ms in all), quieter than speech, short enough
// to cover little of the customer's first word.
func CallArrivedTone() []int16 {
	s := audio.AppendTone(nil, audio.MillisToSamples(50), 6000, 1000)
	s = audio.AppendSilence(s, audio.MillisToSamples(20))
	return audio.AppendTone(s, audio.MillisToSamples(50), 6000, 1000)
}
