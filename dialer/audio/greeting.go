package audio

// The end of the greeting starts the abandonment clock under the US rule
// (the FCC counts two seconds from the called party's "completed
// greeting"), so it is found on every live answer, AMD or not: the first
// speech followed by at least a set silence. Gaps shorter than that are
// pauses inside the greeting ("Hello? ... Hello?").

// DefaultGreetingSilenceMs is the silence that ends a greeting when the
// campaign sets none: long enough to bridge the pause between "hello" and a
// name, short enough to leave most of the two seconds for an agent.
const DefaultGreetingSilenceMs = 500

// GreetingEnd is where a greeting ended.
type GreetingEnd struct {
	SpeechStart int64 // sample offset where the first speech began
	End         int64 // sample offset where the greeting's last speech ended: the clock start
	DecidedAt   int64 // sample offset at which the silence was long enough to say so
}

// GreetingDetector watches the start of an answered call for the end of
// the greeting.
type GreetingDetector struct {
	vad    *VAD
	events []VADEvent
	start  int64
	spoke  bool
	done   bool
	result GreetingEnd
}

// NewGreetingDetector returns a detector where silenceMs of silence after
// the first speech ends the greeting (DefaultGreetingSilenceMs if 0). The
// VAD's own HangoverMs is replaced by silenceMs.
func NewGreetingDetector(cfg VADConfig, silenceMs int) *GreetingDetector {
	if silenceMs <= 0 {
		silenceMs = DefaultGreetingSilenceMs
	}
	cfg.HangoverMs = silenceMs
	return &GreetingDetector{vad: NewVAD(cfg)}
}

// Process consumes samples and reports the greeting's end once found; later
// calls keep returning it without further work.
func (g *GreetingDetector) Process(samples []int16) (GreetingEnd, bool) {
	if g.done {
		return g.result, true
	}
	g.events = g.vad.Process(g.events[:0], samples)
	for _, e := range g.events {
		if e.Speech && !g.spoke {
			g.spoke, g.start = true, e.Offset
		}
		if !e.Speech && g.spoke {
			g.done = true
			g.result = GreetingEnd{SpeechStart: g.start, End: e.Offset, DecidedAt: e.DecidedAt}
			return g.result, true
		}
	}
	return GreetingEnd{}, false
}

// Speaking reports whether speech has begun and the greeting has not yet
// been found to end.
func (g *GreetingDetector) Speaking() bool { return g.spoke && !g.done }
