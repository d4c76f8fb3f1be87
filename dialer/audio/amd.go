package audio

import (
	"errors"
	"fmt"
)

// Answering-machine detection by energy and cadence, after the method
// Asterisk documents for its AMD application (reimplemented here from that
// documentation): people answer with a short word or two and then wait for
// the caller; machines start later or talk longer. Each 20 ms frame is
// judged voice or silence (by the VAD's adaptive floor rather than a fixed
// level, so a noisy line is not one long word); runs of voice of at least
// MinWordMs are words, separated by at least BetweenWordsSilenceMs of
// silence. The first rule to fire decides:
//
//   - no word within InitialSilenceMs of the answer: MACHINE (INITIALSILENCE)
//   - more than GreetingMs of voice in the greeting: MACHINE (LONGGREETING)
//   - more than MaxWords words: MACHINE (MAXWORDS)
//   - one word longer than MaxWordMs: MACHINE (MAXWORDLENGTH)
//   - AfterGreetingSilenceMs of silence after the greeting: HUMAN
//   - TotalAnalysisMs reached undecided: NOTSURE (TOOLONG), treated as human

// AMDConfig holds a campaign's AMD thresholds, in milliseconds; a zero field
// takes the default given, which are those of Asterisk's documented
// amd.conf, except MaxWords (3, not 2, so "yes, hello, who's this" stays a
// person).
type AMDConfig struct {
	InitialSilenceMs       int       // default 2500
	GreetingMs             int       // default 1500
	AfterGreetingSilenceMs int       // default 800
	TotalAnalysisMs        int       // default 5000
	MinWordMs              int       // default 100
	BetweenWordsSilenceMs  int       // default 50
	MaxWords               int       // default 3
	MaxWordMs              int       // default 5000
	VAD                    VADConfig // frame classification; Asterisk's fixed silence_threshold has no equivalent
}

// WithDefaults returns c with every zero field set to its default.
func (c AMDConfig) WithDefaults() AMDConfig {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&c.InitialSilenceMs, 2500)
	def(&c.GreetingMs, 1500)
	def(&c.AfterGreetingSilenceMs, 800)
	def(&c.TotalAnalysisMs, 5000)
	def(&c.MinWordMs, 100)
	def(&c.BetweenWordsSilenceMs, 50)
	def(&c.MaxWords, 3)
	def(&c.MaxWordMs, 5000)
	c.VAD = c.VAD.withDefaults()
	return c
}

// Validate reports every threshold out of range, by field name, so a
// campaign's settings are refused when saved rather than on a call.
func (c AMDConfig) Validate() error {
	var errs []error
	check := func(name string, v, lo, hi int) {
		if v != 0 && (v < lo || v > hi) {
			errs = append(errs, fmt.Errorf("%s %d: want %d to %d", name, v, lo, hi))
		}
	}
	check("initial_silence_ms", c.InitialSilenceMs, 100, 10000)
	check("greeting_ms", c.GreetingMs, 100, 10000)
	check("after_greeting_silence_ms", c.AfterGreetingSilenceMs, 100, 5000)
	check("total_analysis_ms", c.TotalAnalysisMs, 500, 30000)
	check("min_word_ms", c.MinWordMs, 20, 1000)
	check("between_words_silence_ms", c.BetweenWordsSilenceMs, 20, 1000)
	check("max_words", c.MaxWords, 1, 100)
	check("max_word_ms", c.MaxWordMs, 100, 30000)
	if len(errs) > 0 {
		return fmt.Errorf("audio: AMD settings: %w", errors.Join(errs...))
	}
	return nil
}

// AMDVerdict is what the answer turned out to be.
type AMDVerdict int

// The verdicts. NotSure is treated as a person by the dialer: wrongly
// hanging up on a person is worse than connecting a machine.
const (
	Undecided AMDVerdict = iota
	Human
	Machine
	NotSure
)

// String returns the verdict as Asterisk's AMDSTATUS spells it.
func (v AMDVerdict) String() string {
	switch v {
	case Human:
		return "HUMAN"
	case Machine:
		return "MACHINE"
	case NotSure:
		return "NOTSURE"
	}
	return "UNDECIDED"
}

// AMDCause names the rule that decided, as Asterisk's AMDCAUSE does.
type AMDCause string

// The causes.
const (
	CauseHuman          AMDCause = "HUMAN"
	CauseInitialSilence AMDCause = "INITIALSILENCE"
	CauseLongGreeting   AMDCause = "LONGGREETING"
	CauseMaxWords       AMDCause = "MAXWORDS"
	CauseMaxWordLength  AMDCause = "MAXWORDLENGTH"
	CauseTooLong        AMDCause = "TOOLONG"
)

// AMDResult is a decision and the evidence for it.
type AMDResult struct {
	Verdict       AMDVerdict
	Cause         AMDCause
	At            int64 // sample offset of the decision, from the first sample given
	GreetingStart int64 // sample offset of the first word; -1 if none
	Words         int
	VoiceMs       int // voice in the greeting
}

// AMD runs the detection over the first seconds of an answered call.
type AMD struct {
	cfg     AMDConfig
	cls     frameClassifier
	pending []int16
	elapsed int // ms since the first sample
	result  AMDResult

	greeting   bool // the first word has been heard
	inWord     bool
	voiceRun   int // ms of voice since the last word gap
	silenceRun int // ms of silence since the last voice frame
	voice      int // ms of voice in the greeting
}

// NewAMD returns a detector with cfg's thresholds (defaults for zero
// fields), or an error naming every threshold out of range.
func NewAMD(cfg AMDConfig) (*AMD, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.WithDefaults()
	return &AMD{
		cfg:     cfg,
		cls:     frameClassifier{cfg: cfg.VAD},
		pending: make([]int16, 0, FrameSamples),
		result:  AMDResult{GreetingStart: -1},
	}, nil
}

// Process consumes samples (any size; decisions fall on 20 ms frames) and
// returns the result once decided. After that it returns the same result
// without further work.
func (a *AMD) Process(samples []int16) (AMDResult, bool) {
	for len(samples) > 0 && a.result.Verdict == Undecided {
		n := min(FrameSamples-len(a.pending), len(samples))
		a.pending = append(a.pending, samples[:n]...)
		samples = samples[n:]
		if len(a.pending) == FrameSamples {
			a.frame(a.pending)
			a.pending = a.pending[:0]
		}
	}
	return a.result, a.result.Verdict != Undecided
}

// Result returns the decision so far (Verdict Undecided until there is one).
func (a *AMD) Result() AMDResult { return a.result }

// frameMs is the length of one frame in milliseconds.
const frameMs = FrameSamples * 1000 / SampleRate

// frame advances the state machine by one 20 ms frame.
func (a *AMD) frame(f []int16) {
	speech, _ := a.cls.classify(f)
	a.elapsed += frameMs
	c := &a.cfg
	if speech {
		a.voiceRun += frameMs
		a.silenceRun = 0
		if a.greeting {
			a.voice += frameMs
		}
		if !a.inWord && a.voiceRun >= c.MinWordMs {
			a.inWord = true
			a.result.Words++
			if !a.greeting {
				a.greeting = true
				a.voice = a.voiceRun
				a.result.GreetingStart = int64(MillisToSamples(a.elapsed - a.voiceRun))
			}
		}
		switch {
		case a.greeting && a.voice > c.GreetingMs:
			a.decide(Machine, CauseLongGreeting)
		case a.result.Words > c.MaxWords:
			a.decide(Machine, CauseMaxWords)
		case a.voiceRun > c.MaxWordMs:
			a.decide(Machine, CauseMaxWordLength)
		}
	} else {
		a.silenceRun += frameMs
		if a.silenceRun >= c.BetweenWordsSilenceMs {
			a.inWord, a.voiceRun = false, 0
		}
		switch {
		case !a.greeting && a.elapsed >= c.InitialSilenceMs:
			a.decide(Machine, CauseInitialSilence)
		case a.greeting && a.silenceRun >= c.AfterGreetingSilenceMs:
			a.decide(Human, CauseHuman)
		}
	}
	if a.result.Verdict == Undecided && a.elapsed >= c.TotalAnalysisMs {
		a.decide(NotSure, CauseTooLong)
	}
}

// decide records the verdict at the current frame.
func (a *AMD) decide(v AMDVerdict, cause AMDCause) {
	a.result.Verdict, a.result.Cause = v, cause
	a.result.At = int64(MillisToSamples(a.elapsed))
	a.result.VoiceMs = a.voice
}
