package audio

import "math"

// Beep detection, for the campaign action "on a machine, wait for the beep
// and then play the message": a voicemail beep is one steady tone, commonly
// 400-2000 Hz for a fifth of a second to a second, where speech is a moving
// mix of harmonics. Each 20 ms frame's frequency is estimated from its zero
// crossings and checked with Goertzel filters around it: a frame is tonal
// when one frequency carries most of its energy. A run of tonal frames at a
// steady frequency lasting MinMs is a beep; it is reported when it ends, the
// moment to start speaking into the recording.

// BeepConfig tunes a BeepDetector; a zero field takes the default given.
type BeepConfig struct {
	MinMs    int     // shortest beep, default 200
	MinLevel float64 // weakest beep in dBFS, default -40
	MinHz    float64 // default 300
	MaxHz    float64 // default 3000
}

// Beep is a tone found in the audio.
type Beep struct {
	Start, End int64   // sample offsets of the tone's first frame and of the frame after its last
	Hz         float64 // its frequency, to about 10 Hz
}

// BeepDetector finds beeps in a stream of 8 kHz samples fed in any sizes.
type BeepDetector struct {
	cfg     BeepConfig
	minRun  int // frames
	pending []int16
	offset  int64
	run     int     // consecutive tonal frames at a steady frequency
	runHz   float64 // frequency of the run's first frame
	start   int64
}

// NewBeepDetector returns a detector with cfg's thresholds.
func NewBeepDetector(cfg BeepConfig) *BeepDetector {
	if cfg.MinMs <= 0 {
		cfg.MinMs = 200
	}
	if cfg.MinLevel == 0 {
		cfg.MinLevel = -40
	}
	if cfg.MinHz <= 0 {
		cfg.MinHz = 300
	}
	if cfg.MaxHz <= 0 {
		cfg.MaxHz = 3000
	}
	return &BeepDetector{cfg: cfg, minRun: max(1, cfg.MinMs/frameMs), pending: make([]int16, 0, FrameSamples)}
}

// Process consumes samples and appends each beep that has ended to dst.
func (b *BeepDetector) Process(dst []Beep, samples []int16) []Beep {
	for len(samples) > 0 {
		n := min(FrameSamples-len(b.pending), len(samples))
		b.pending = append(b.pending, samples[:n]...)
		samples = samples[n:]
		if len(b.pending) == FrameSamples {
			dst = b.frame(dst, b.pending)
			b.pending = b.pending[:0]
		}
	}
	return dst
}

// frame classifies one frame and extends or ends the current run.
func (b *BeepDetector) frame(dst []Beep, f []int16) []Beep {
	at := b.offset
	b.offset += FrameSamples
	hz, tonal := b.tone(f)
	if tonal && b.run > 0 && math.Abs(hz-b.runHz) <= 0.05*b.runHz {
		b.run++
		return dst
	}
	if b.run >= b.minRun {
		dst = append(dst, Beep{Start: b.start, End: at, Hz: b.runHz})
	}
	b.run = 0
	if tonal {
		b.run, b.runHz, b.start = 1, hz, at
	}
	return dst
}

// tone estimates the frame's frequency and whether one tone dominates it.
func (b *BeepDetector) tone(f []int16) (float64, bool) {
	if FrameLevel(f) < b.cfg.MinLevel {
		return 0, false
	}
	crossings := 0
	for i := 1; i < len(f); i++ {
		if (f[i-1] < 0) != (f[i] < 0) {
			crossings++
		}
	}
	est := float64(crossings) * SampleRate / float64(2*len(f))
	if est < b.cfg.MinHz || est > b.cfg.MaxHz {
		return 0, false
	}
	var energy float64
	for _, s := range f {
		energy += float64(s) * float64(s)
	}
	// Zero crossings are good to about one crossing (25 Hz in 20 ms), so
	// look around the estimate in 10 Hz steps and keep the strongest.
	best, bestHz := 0.0, est
	for d := -30.0; d <= 30; d += 10 {
		if p := goertzelPower(f, est+d); p > best {
			best, bestHz = p, est+d
		}
	}
	return bestHz, best >= 0.6*energy
}

// goertzelPower is the energy a sine at hz contributes to f, by one
// Goertzel filter.
func goertzelPower(f []int16, hz float64) float64 {
	c := 2 * math.Cos(2*math.Pi*hz/SampleRate)
	var s1, s2 float64
	for _, x := range f {
		s1, s2 = float64(x)+c*s1-s2, s1
	}
	return 2 * (s1*s1 + s2*s2 - c*s1*s2) / float64(len(f))
}

// TonePower is the energy a sine at hz contributes to the samples (one
// Goertzel filter): what a check of a recording's channel needs.
func TonePower(samples []int16, hz float64) float64 { return goertzelPower(samples, hz) }
