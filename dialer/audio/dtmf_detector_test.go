package audio

import (
	"math"
	"math/rand/v2"
	"path/filepath"
	"testing"
)

// dbfs converts a level in dB relative to full scale to a sine's peak.
func dbfs(db float64) float64 { return 32767 * math.Pow(10, db/20) }

// keys renders a digit string as tones of on ms separated by off ms.
func keys(t *testing.T, digits string, on, off int, level float64) []int16 {
	t.Helper()
	s := AppendSilence(nil, MillisToSamples(off))
	for _, d := range digits {
		var err error
		if s, err = AppendDTMF(s, d, MillisToSamples(on), dbfs(level)); err != nil {
			t.Fatal(err)
		}
		s = AppendSilence(s, MillisToSamples(off))
	}
	return s
}

// detect runs samples through a default detector in RTP-sized pieces.
func detect(samples []int16) (string, []DetectedDigit) {
	d := NewDTMFDetector(DTMFDetectorConfig{})
	var got []DetectedDigit
	for len(samples) > 0 {
		n := min(FrameSamples, len(samples))
		got = d.Process(got, samples[:n])
		samples = samples[n:]
	}
	var s []rune
	for _, g := range got {
		s = append(s, g.Digit)
	}
	return string(s), got
}

func TestDTMFDetector(t *testing.T) {
	tone := func(row, col float64, ms int, rowDB, colDB float64) []int16 {
		s := AppendSilence(nil, 400)
		n := MillisToSamples(ms)
		a := AppendTone(nil, n, dbfs(rowDB), row)
		b := AppendTone(nil, n, dbfs(colDB), col)
		for i := range a {
			s = append(s, clamp16(float64(a[i])+float64(b[i])))
		}
		return AppendSilence(s, 400)
	}
	withNoise := func(s []int16, db float64) []int16 {
		r := rand.New(rand.NewPCG(1, 2))
		out := make([]int16, len(s))
		for i := range s {
			out[i] = clamp16(float64(s[i]) + r.NormFloat64()*dbfs(db))
		}
		return out
	}
	dropout := keys(t, "5", 100, 60, -10)
	for i := MillisToSamples(100); i < MillisToSamples(110); i++ {
		dropout[i] = 0 // 10 ms lost mid-tone: still one key
	}
	tests := []struct {
		name    string
		samples []int16
		want    string
	}{
		{"every key", keys(t, "123A456B789C*0#D", 50, 50, -10), "123A456B789C*0#D"},
		{"minimum 40 ms", keys(t, "0819", 40, 40, -10), "0819"},
		{"20 ms is too short", keys(t, "5", 20, 100, -10), ""},
		{"repeated key needs the pause", keys(t, "999", 60, 50, -10), "999"},
		{"dropout", dropout, "5"},
		{"quiet but in range", keys(t, "7", 60, 60, -30), "7"},
		{"too quiet", keys(t, "7", 60, 60, -40), ""},
		{"normal twist 6 dB", tone(852, 1477, 60, -16, -10), "9"},
		{"normal twist 12 dB", tone(852, 1477, 60, -22, -10), ""},
		{"reverse twist 3 dB", tone(852, 1477, 60, -10, -13), "9"},
		{"reverse twist 8 dB", tone(852, 1477, 60, -10, -18), ""},
		{"one tone alone", tone(852, 1477, 100, -10, -90), ""},
		{"in noise, 15 dB SNR", withNoise(keys(t, "3#", 60, 60, -10), -25), "3#"},
		{"dial tone 350+440", AppendTone(nil, 8000, dbfs(-13), 350, 440), ""},
		{"1 kHz test tone", AppendTone(nil, 8000, dbfs(-10), 1000), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, all := detect(tt.samples); got != tt.want {
				t.Errorf("detected %q, want %q (%+v)", got, tt.want, all)
			}
		})
	}
}

// The detector reports where a key began, to within a block, and keys
// survive G.711 in both laws (what a trunk actually delivers).
func TestDTMFDetectorOffsetsAndG711(t *testing.T) {
	pcm := keys(t, "159", 60, 80, -10) // keys begin at 80, 220, 360 ms
	for _, c := range []Codec{PCMU, PCMA} {
		enc, _ := c.Encode(nil, pcm)
		dec, _ := c.Decode(nil, enc)
		got, all := detect(dec)
		if got != "159" {
			t.Fatalf("%v: detected %q", c, got)
		}
		for i, ms := range []int64{80, 220, 360} {
			if d := all[i].Offset - int64(MillisToSamples(int(ms))); d < -dtmfBlock || d > dtmfBlock {
				t.Errorf("%v: %q at sample %d, want %d ± %d", c, all[i].Digit, all[i].Offset, MillisToSamples(int(ms)), dtmfBlock)
			}
		}
	}
}

// A digit sequence made by sox (two sines per key, mixed) is read back, and
// espeak-ng speech, which has energy at DTMF frequencies, makes no key.
func TestDTMFDetectorSoxAndSpeech(t *testing.T) {
	dir := t.TempDir()
	freqs := map[rune][2]string{'4': {"770", "1209"}, '2': {"697", "1336"}, '#': {"941", "1477"}, '0': {"941", "1336"}}
	var parts []string
	for i, d := range "42#0" {
		f := filepath.Join(dir, string('a'+rune(i))+".wav")
		run(t, "sox", "-n", "-r", "8000", "-b", "16", "-e", "signed-integer", f,
			"synth", "0.07", "sine", freqs[d][0], "sine", freqs[d][1], "remix", "1,2", "vol", "0.4", "pad", "0.05", "0.05")
		parts = append(parts, f)
	}
	all := filepath.Join(dir, "all.wav")
	run(t, "sox", append(parts, all)...)
	if got, _ := detect(loadWAV(t, all)); got != "42#0" {
		t.Errorf("sox sequence: detected %q, want \"42#0\"", got)
	}
	talk := speech(t, "Hello, this is Anna from the clinic. Press nine, or call one eight hundred, four five six, seven eight nine.", "en-us", 0.2, 0.2, 0)
	if got, all := detect(talk); got != "" {
		t.Errorf("speech detected as keys %q (%+v)", got, all)
	}
}
