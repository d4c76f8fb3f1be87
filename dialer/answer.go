package dialer

import (
	"sync/atomic"
	"time"

	"github.com/alo-dialer/alo/campaigns"
	"github.com/alo-dialer/alo/dialer/audio"
	"github.com/alo-dialer/alo/dialer/media"
)

// amdDecision is an AMD result placed on the wall clock.
type amdDecision struct {
	audio.AMDResult
	At time.Time
}

// answerWatch listens to a live answer's audio from its first packet: the
// end of the greeting (the US abandonment clock start) on every call, the
// AMD verdict when the campaign asks, then on request a voicemail beep and
// key presses (RFC 4733 when the trunk negotiated telephone-event, in-band
// Goertzel otherwise). It runs as the customer stream's MediaTap, on the
// reader goroutine; what it finds goes out on buffered channels, each
// written without blocking.
type answerWatch struct {
	clock  func() time.Time
	inband bool // the trunk did not negotiate telephone-event

	first   time.Time // wall time of the first audio sample
	samples int64     // audio samples seen
	pcm     []int16

	greet     *audio.GreetingDetector
	greetDone bool
	amd       *audio.AMD // nil: AMD off
	amdDone   bool
	beeper    *audio.BeepDetector
	beeps     []audio.Beep
	dtmf      *audio.DTMFDetector
	digits    []audio.DetectedDigit
	rx        audio.DTMFReceiver
	keyEvents []audio.KeyEvent

	wantBeep atomic.Bool
	wantKeys atomic.Bool

	greeting chan time.Time
	verdict  chan amdDecision
	beep     chan time.Time
	keys     chan rune
}

// newAnswerWatch returns a watch for a stream; amd nil leaves AMD off.
func newAnswerWatch(clock func() time.Time, inband bool, amd *audio.AMD) *answerWatch {
	w := &answerWatch{
		clock:    clock,
		inband:   inband,
		pcm:      make([]int16, 0, audio.FrameSamples),
		greet:    audio.NewGreetingDetector(audio.VADConfig{}, 0),
		amd:      amd,
		beeper:   audio.NewBeepDetector(audio.BeepConfig{}),
		greeting: make(chan time.Time, 1),
		verdict:  make(chan amdDecision, 1),
		beep:     make(chan time.Time, 1),
		keys:     make(chan rune, 8),
	}
	if inband {
		w.dtmf = audio.NewDTMFDetector(audio.DTMFDetectorConfig{})
	}
	return w
}

// amdConfig turns a campaign's AMD settings into the detector's thresholds.
func amdConfig(s campaigns.AMDSettings) audio.AMDConfig {
	return audio.AMDConfig{
		InitialSilenceMs: s.InitialSilenceMs, GreetingMs: s.GreetingMs,
		AfterGreetingSilenceMs: s.AfterGreetingSilenceMs, TotalAnalysisMs: s.TotalAnalysisMs,
		MinWordMs: s.MinWordMs, BetweenWordsSilenceMs: s.BetweenWordsSilenceMs,
		MaxWords: s.MaxWords, MaxWordMs: s.MaxWordMs,
	}
}

// at converts a sample offset from the first audio packet to wall time.
func (w *answerWatch) at(offset int64) time.Time {
	return w.first.Add(time.Duration(offset) * time.Second / audio.SampleRate)
}

// tap is the MediaTap.
func (w *answerWatch) tap(p media.TapPacket) {
	if p.Event {
		if !w.wantKeys.Load() {
			return
		}
		w.keyEvents, _ = w.rx.Receive(w.keyEvents[:0], p.Timestamp, p.Payload)
		for _, k := range w.keyEvents {
			if !k.End {
				w.key(k.Digit)
			}
		}
		return
	}
	c := audio.PCMU
	if p.Codec == media.CodecPCMA {
		c = audio.PCMA
	}
	var err error
	if w.pcm, err = c.Decode(w.pcm[:0], p.Payload); err != nil || len(w.pcm) == 0 {
		return
	}
	if w.first.IsZero() {
		w.first = w.clock()
	}
	w.samples += int64(len(w.pcm))
	if !w.greetDone {
		if g, ok := w.greet.Process(w.pcm); ok {
			w.greetDone = true
			w.greeting <- w.at(g.End)
		}
	}
	if w.amd != nil && !w.amdDone {
		if r, ok := w.amd.Process(w.pcm); ok {
			w.amdDone = true
			w.verdict <- amdDecision{AMDResult: r, At: w.at(r.At)}
		}
	}
	if w.wantBeep.Load() {
		w.beeps = w.beeper.Process(w.beeps[:0], w.pcm)
		if len(w.beeps) > 0 {
			w.wantBeep.Store(false)
			w.beep <- w.at(w.beeps[0].End)
		}
	}
	if w.inband && w.wantKeys.Load() {
		w.digits = w.dtmf.Process(w.digits[:0], w.pcm)
		for _, d := range w.digits {
			w.key(d.Digit)
		}
	}
}

// key passes a key press on, dropping it if eight are already waiting.
func (w *answerWatch) key(d rune) {
	select {
	case w.keys <- d:
	default:
	}
}
