package audio

import (
	"math/rand/v2"
	"testing"
)

// speechExtent returns the first and last sample above a small amplitude
// in a clean clip: where the speech really is.
func speechExtent(s []int16) (first, last int64) {
	first, last = -1, -1
	for i, x := range s {
		if x > 400 || x < -400 {
			if first < 0 {
				first = int64(i)
			}
			last = int64(i)
		}
	}
	return first, last
}

// addNoise mixes Gaussian noise at an RMS level in dBFS into a copy of s.
func addNoise(s []int16, db float64, seed uint64) []int16 {
	r := rand.New(rand.NewPCG(seed, 1))
	n := noise(nil, r, len(s), db)
	out := make([]int16, len(s))
	for i := range s {
		out[i] = clamp16(float64(s[i]) + float64(n[i]))
	}
	return out
}

// The greeting's end is found within 120 ms of where espeak-ng's speech
// really ends, in quiet and on a noisy line, through μ-law, and is decided
// the greeting silence later.
func TestGreetingEndSpeech(t *testing.T) {
	tests := []struct {
		name, text, voice string
		before            float64
		noiseDB           float64 // 0: none
	}{
		{"hello", "Hello?", "en-us", 0.6, 0},
		{"hello noisy line", "Hello?", "en-us", 0.6, -42},
		{"yes hello", "Yes, hello?", "en-gb", 1.2, -50},
		{"name", "Hi, this is Mark.", "en-us+m3", 0.4, 0},
		{"russian", "Алло, слушаю.", "ru", 0.8, -45},
		{"voicemail", "Hi, you have reached the voicemail of John Miller. I can't take your call right now. Please leave your name and number after the tone.", "en-us", 0.5, -48},
	}
	const tol = int64(120 * SampleRate / 1000)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clean := speech(t, tt.text, tt.voice, tt.before, 2.0, 0)
			first, last := speechExtent(clean)
			in := clean
			if tt.noiseDB != 0 {
				in = addNoise(clean, tt.noiseDB, 3)
			}
			enc, _ := PCMU.Encode(nil, in)
			in, _ = PCMU.Decode(nil, enc)
			g := NewGreetingDetector(VADConfig{}, 0)
			var got GreetingEnd
			var ok bool
			for i := 0; i < len(in) && !ok; i += FrameSamples {
				got, ok = g.Process(in[i:min(i+FrameSamples, len(in))])
			}
			if !ok {
				t.Fatalf("no greeting end found (speech %d..%d of %d samples)", first, last, len(in))
			}
			if d := got.SpeechStart - first; d < -tol || d > tol {
				t.Errorf("speech start %d ms, real %d ms", SamplesToMillis(got.SpeechStart), SamplesToMillis(first))
			}
			if d := got.End - last; d < -tol || d > tol {
				t.Errorf("greeting end %d ms, real %d ms", SamplesToMillis(got.End), SamplesToMillis(last))
			}
			if lag := SamplesToMillis(got.DecidedAt - got.End); lag < DefaultGreetingSilenceMs || lag > DefaultGreetingSilenceMs+40 {
				t.Errorf("decided %d ms after the end, want %d", lag, DefaultGreetingSilenceMs)
			}
			t.Logf("speech %d–%d ms, found %d–%d ms, decided at %d ms",
				SamplesToMillis(first), SamplesToMillis(last), SamplesToMillis(got.SpeechStart), SamplesToMillis(got.End), SamplesToMillis(got.DecidedAt))
		})
	}
}

// No speech, no greeting end: the clock then starts by the rule set's other
// means (the caller's timeout), not by a guess.
func TestGreetingEndSilence(t *testing.T) {
	g := NewGreetingDetector(VADConfig{}, 0)
	r := rand.New(rand.NewPCG(1, 1))
	if got, ok := g.Process(noise(nil, r, MillisToSamples(4000), -50)); ok {
		t.Errorf("greeting end %+v in noise", got)
	}
	if g.Speaking() {
		t.Error("speaking in noise")
	}
}
