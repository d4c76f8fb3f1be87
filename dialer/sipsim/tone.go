package sipsim

import (
	"math"
	"time"

	"github.com/alo-dialer/alo/dialer/audio"
)

// Audio framing: G.711 at 8 kHz, one RTP packet per 20 ms (RFC 3551's
// default ptime for PCMU).
const (
	sampleRate    = 8000
	frameDuration = 20 * time.Millisecond
	frameSamples  = sampleRate / 50 // 160 samples, 160 bytes of PCMU
)

// ulawSilence is the PCMU code of a zero sample.
const ulawSilence = 0xFF

// cadence is a speech-like pattern of talk spurts: `on` frames of a tone,
// then `off` frames of silence, repeated. Voice-activity and answering-machine
// detection need pauses to find, which a continuous tone would not give.
type cadence struct {
	tone    []byte // one 20 ms PCMU frame of the tone
	silence []byte
	on, off int
}

// newCadence makes a cadence of freq Hz tone spurts. freq should divide
// 8000/160 = 50 Hz steps so that every frame is the same (400 Hz, 1 kHz).
func newCadence(freq float64, on, off time.Duration) cadence {
	c := cadence{
		tone:    make([]byte, frameSamples),
		silence: make([]byte, frameSamples),
		on:      max(1, int(on/frameDuration)),
		off:     int(off / frameDuration),
	}
	for i := range c.tone {
		// -10 dBm0-ish: loud enough for any energy detector, far from clipping.
		s := 8000 * math.Sin(2*math.Pi*freq*float64(i)/sampleRate)
		c.tone[i] = audio.LinearToULaw(int16(s))
		c.silence[i] = ulawSilence
	}
	return c
}

// frame returns the payload of the n-th frame and whether it starts a talk
// spurt (where RTP sets the marker bit, RFC 3551 §4.1).
func (c cadence) frame(n int) (payload []byte, spurtStart bool) {
	i := n % (c.on + c.off)
	if i < c.on {
		return c.tone, i == 0
	}
	return c.silence, false
}
