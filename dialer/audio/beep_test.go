package audio

import (
	"math/rand/v2"
	"testing"
)

func TestBeepDetector(t *testing.T) {
	ms := func(n int) int64 { return int64(MillisToSamples(n)) }
	r := rand.New(rand.NewPCG(5, 5))
	build := func(parts ...func([]int16) []int16) []int16 {
		var s []int16
		for _, p := range parts {
			s = p(s)
		}
		return s
	}
	quiet := func(n int) func([]int16) []int16 {
		return func(s []int16) []int16 { return noise(s, r, MillisToSamples(n), -55) }
	}
	tone := func(n int, hz, db float64) func([]int16) []int16 {
		return func(s []int16) []int16 { return AppendTone(s, MillisToSamples(n), dbfs(db), hz) }
	}
	tests := []struct {
		name string
		in   []int16
		want []Beep
	}{
		{"1 kHz half a second", build(quiet(300), tone(500, 1000, -12), quiet(500)), []Beep{{ms(300), ms(800), 1000}}},
		{"440 Hz quiet", build(quiet(200), tone(300, 440, -35), quiet(500)), []Beep{{ms(200), ms(500), 440}}},
		{"2 kHz", build(quiet(200), tone(400, 2000, -20), quiet(300)), []Beep{{ms(200), ms(600), 2000}}},
		{"too short", build(quiet(200), tone(100, 1000, -12), quiet(500)), nil},
		{"speech-like bursts", syllables(quiet(200)(nil), r, 3000, -20, -55), nil},
		{"dual tone is not a beep", build(quiet(200), func(s []int16) []int16 {
			return AppendTone(s, MillisToSamples(500), dbfs(-14), 697, 1209)
		}, quiet(300)), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := NewBeepDetector(BeepConfig{}).Process(nil, tt.in)
			if len(got) != len(tt.want) {
				t.Fatalf("beeps %+v, want %+v", got, tt.want)
			}
			for i, w := range tt.want {
				g := got[i]
				if abs64(g.Start-w.Start) > FrameSamples || abs64(g.End-w.End) > FrameSamples || g.Hz < w.Hz*0.98 || g.Hz > w.Hz*1.02 {
					t.Errorf("beep %+v, want %+v", g, w)
				}
			}
		})
	}
}

// Spoken greetings hold no beep; the beep sox puts after one is found where
// it is, through μ-law.
func TestBeepAfterSpokenGreeting(t *testing.T) {
	for _, v := range []struct{ voice, text string }{
		{"en-us", "Hi, you've reached John. I can't come to the phone right now. Please leave a message after the tone."},
		{"en-gb+f3", "Hello, you have reached the Smith residence. Please leave your name and number."},
		{"ru", "Здравствуйте. Оставьте сообщение после сигнала."},
	} {
		greeting := speech(t, v.text, v.voice, 0.3, 0.3, 0)
		if got := NewBeepDetector(BeepConfig{}).Process(nil, greeting); len(got) != 0 {
			t.Errorf("%s: beeps in speech: %+v", v.voice, got)
		}
		s := AppendTone(greeting, MillisToSamples(600), dbfs(-10), 1000)
		s = AppendSilence(s, MillisToSamples(500))
		enc, _ := PCMU.Encode(nil, s)
		s, _ = PCMU.Decode(nil, enc)
		got := NewBeepDetector(BeepConfig{}).Process(nil, s)
		start := int64(len(greeting))
		if len(got) != 1 || abs64(got[0].Start-start) > FrameSamples || abs64(got[0].End-start-int64(MillisToSamples(600))) > FrameSamples {
			t.Errorf("%s: beeps %+v, want one at %d..%d", v.voice, got, start, start+int64(MillisToSamples(600)))
		}
	}
}

func abs64(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}
