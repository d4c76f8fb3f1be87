package audio

import "math"

// Voice-activity detection over 20 ms frames. Each frame's RMS level (dB
// relative to a full-scale sine, "dBFS") is compared with a noise floor that
// follows the line: it drops at once to a quieter frame, climbs quickly
// through frames judged noise, and only creeps up through frames judged
// speech, so a long greeting does not become the floor. A frame is speech
// when it stands Threshold dB over the floor and above MinLevel. Speech
// starts after StartFrames speech frames in a row and ends after Hangover
// of frames that are not, so the gaps between words do not split an
// utterance.

// VADConfig tunes voice-activity detection; a zero field takes the default
// given.
type VADConfig struct {
	Threshold    float64 // dB over the noise floor for speech (default 9)
	MinLevel     float64 // dBFS below which nothing is speech (default -48)
	InitialFloor float64 // highest starting noise floor in dBFS (default -40): the first frame's level, capped by this
	StartFrames  int     // speech frames in a row that start speech (default 2, 40 ms)
	HangoverMs   int     // non-speech that ends speech, in ms (default 300)
}

// withDefaults fills the zero fields.
func (c VADConfig) withDefaults() VADConfig {
	if c.Threshold == 0 {
		c.Threshold = 9
	}
	if c.MinLevel == 0 {
		c.MinLevel = -48
	}
	if c.InitialFloor == 0 {
		c.InitialFloor = -40
	}
	if c.StartFrames <= 0 {
		c.StartFrames = 2
	}
	if c.HangoverMs <= 0 {
		c.HangoverMs = 300
	}
	return c
}

// silenceLevel is the level given to an all-zero frame (digital silence,
// which G.711 produces from a muted line), far below any threshold.
const silenceLevel = -120.0

// FrameLevel returns the RMS level of samples in dBFS, where 0 dBFS is a
// full-scale sine (RMS 32767/√2).
func FrameLevel(samples []int16) float64 {
	if len(samples) == 0 {
		return silenceLevel
	}
	var sum float64
	for _, s := range samples {
		x := float64(s)
		sum += x * x
	}
	if sum == 0 {
		return silenceLevel
	}
	const fullScale = 32767.0 * 32767.0 / 2
	return max(silenceLevel, 10*math.Log10(sum/float64(len(samples))/fullScale))
}

// frameClassifier judges frames speech or not against an adaptive noise
// floor; VAD and AMD both use it.
type frameClassifier struct {
	cfg   VADConfig
	floor float64
	begun bool
}

// classify judges one frame and updates the floor.
func (c *frameClassifier) classify(frame []int16) (speech bool, level float64) {
	level = FrameLevel(frame)
	if !c.begun {
		c.begun = true
		c.floor = min(level, c.cfg.InitialFloor)
	}
	speech = level > c.floor+c.cfg.Threshold && level > c.cfg.MinLevel
	switch {
	case level <= c.floor:
		c.floor = max(level, c.cfg.MinLevel-30) // follow quiet lines down at once, but not to -120 on digital silence
	case !speech:
		c.floor += 0.2 * (level - c.floor) // noise: catch up within a few frames
	default:
		c.floor += 0.02 // speech: 1 dB a second, so only a constant sound becomes the floor
	}
	return speech, level
}

// VADEvent is a change between silence and speech.
type VADEvent struct {
	Speech    bool  // true: speech began; false: speech ended
	Offset    int64 // sample offset of the first frame of speech, or of the first frame after it
	DecidedAt int64 // sample offset at the end of the frame that confirmed the change
}

// VAD finds speech in a stream of 8 kHz linear samples fed in any sizes; it
// works on whole 20 ms frames and keeps the remainder for the next call.
type VAD struct {
	cls      frameClassifier
	hangover int // frames
	pending  []int16
	offset   int64 // sample offset of the next frame
	inSpeech bool
	run      int   // consecutive frames disagreeing with inSpeech
	runStart int64 // offset of the first of them
}

// NewVAD returns a VAD with cfg's thresholds.
func NewVAD(cfg VADConfig) *VAD {
	cfg = cfg.withDefaults()
	return &VAD{
		cls:      frameClassifier{cfg: cfg},
		hangover: max(1, cfg.HangoverMs*SampleRate/1000/FrameSamples),
		pending:  make([]int16, 0, FrameSamples),
	}
}

// Process consumes samples and appends speech start and end events to dst.
func (v *VAD) Process(dst []VADEvent, samples []int16) []VADEvent {
	for len(samples) > 0 {
		if len(v.pending) == 0 && len(samples) >= FrameSamples {
			dst = v.frame(dst, samples[:FrameSamples])
			samples = samples[FrameSamples:]
			continue
		}
		n := min(FrameSamples-len(v.pending), len(samples))
		v.pending = append(v.pending, samples[:n]...)
		samples = samples[n:]
		if len(v.pending) == FrameSamples {
			dst = v.frame(dst, v.pending)
			v.pending = v.pending[:0]
		}
	}
	return dst
}

// Offset is the number of samples consumed in whole frames.
func (v *VAD) Offset() int64 { return v.offset }

// InSpeech reports whether speech has started and not yet ended.
func (v *VAD) InSpeech() bool { return v.inSpeech }

// frame handles one 20 ms frame.
func (v *VAD) frame(dst []VADEvent, f []int16) []VADEvent {
	speech, _ := v.cls.classify(f)
	at := v.offset
	v.offset += FrameSamples
	if speech == v.inSpeech {
		v.run = 0
		return dst
	}
	if v.run == 0 {
		v.runStart = at
	}
	v.run++
	need := v.cls.cfg.StartFrames
	if v.inSpeech {
		need = v.hangover
	}
	if v.run < need {
		return dst
	}
	v.inSpeech, v.run = speech, 0
	return append(dst, VADEvent{Speech: speech, Offset: v.runStart, DecidedAt: v.offset})
}
