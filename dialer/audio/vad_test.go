package audio

import (
	"math/rand/v2"
	"testing"
)

// noise appends n samples of Gaussian noise at an RMS level in dBFS.
func noise(dst []int16, r *rand.Rand, n int, db float64) []int16 {
	rms := dbfs(db) / 1.4142 // dbfs gives a sine's peak; the sine's RMS is peak/√2
	for range n {
		dst = append(dst, clamp16(r.NormFloat64()*rms))
	}
	return dst
}

// syllables appends speech-like bursts: tones of 120-300 ms at level db with
// 20-40 ms dips (shorter than AMD's word gap and any hangover), over
// background noise.
func syllables(dst []int16, r *rand.Rand, ms int, db, bg float64) []int16 {
	end := len(dst) + MillisToSamples(ms)
	for len(dst) < end {
		on := MillisToSamples(120 + r.IntN(180))
		on = min(on, end-len(dst))
		start := len(dst)
		dst = AppendTone(dst, on, dbfs(db), 150+float64(r.IntN(100)), 700+float64(r.IntN(600)))
		for i := start; i < len(dst); i++ {
			dst[i] = clamp16(float64(dst[i]) + r.NormFloat64()*dbfs(bg)/1.4142)
		}
		if gap := min(MillisToSamples(20+r.IntN(20)), end-len(dst)); gap > 0 {
			dst = noise(dst, r, gap, bg)
		}
	}
	return dst
}

func TestFrameLevel(t *testing.T) {
	tests := []struct {
		name string
		s    []int16
		want float64
	}{
		{"full-scale sine", AppendTone(nil, 800, 32767, 1000), 0},
		{"-20 dBFS sine", AppendTone(nil, 800, dbfs(-20), 1000), -20},
		{"digital silence", make([]int16, 160), silenceLevel},
		{"empty", nil, silenceLevel},
	}
	for _, tt := range tests {
		if got := FrameLevel(tt.s); got < tt.want-0.1 || got > tt.want+0.1 {
			t.Errorf("%s: %.2f dBFS, want %.2f", tt.name, got, tt.want)
		}
	}
}

func TestVAD(t *testing.T) {
	ms := func(n int) int64 { return int64(MillisToSamples(n)) }
	tests := []struct {
		name  string
		build func(r *rand.Rand) []int16
		want  []VADEvent // Offset only; DecidedAt is checked separately
	}{
		{"digital silence", func(r *rand.Rand) []int16 { return make([]int16, MillisToSamples(2000)) }, nil},
		{"line noise only", func(r *rand.Rand) []int16 { return noise(nil, r, MillisToSamples(3000), -45) }, nil},
		// Louder than InitialFloor+Threshold from the first frame (-31 dBFS) would be heard as speech for a while: a known limit.
		{"loud noise only", func(r *rand.Rand) []int16 { return noise(nil, r, MillisToSamples(3000), -34) }, nil},
		{"speech in silence", func(r *rand.Rand) []int16 {
			s := noise(nil, r, MillisToSamples(1000), -60)
			s = syllables(s, r, 800, -20, -60)
			return noise(s, r, MillisToSamples(1000), -60)
		}, []VADEvent{{Speech: true, Offset: ms(1000)}, {Speech: false, Offset: ms(1800)}}},
		{"speech at once, then noise", func(r *rand.Rand) []int16 {
			s := syllables(nil, r, 600, -18, -45)
			return noise(s, r, MillisToSamples(1500), -45)
		}, []VADEvent{{Speech: true, Offset: 0}, {Speech: false, Offset: ms(600)}}},
		{"two utterances", func(r *rand.Rand) []int16 {
			s := noise(nil, r, MillisToSamples(500), -50)
			s = syllables(s, r, 500, -22, -50)
			s = noise(s, r, MillisToSamples(800), -50)
			s = syllables(s, r, 1200, -22, -50)
			return noise(s, r, MillisToSamples(600), -50)
		}, []VADEvent{{Speech: true, Offset: ms(500)}, {Speech: false, Offset: ms(1000)}, {Speech: true, Offset: ms(1800)}, {Speech: false, Offset: ms(3000)}}},
	}
	const tol = 3 * FrameSamples // 60 ms
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			samples := tt.build(rand.New(rand.NewPCG(7, 9)))
			v := NewVAD(VADConfig{})
			var got []VADEvent
			for i := 0; i < len(samples); i += 100 { // odd-sized pieces: framing is the VAD's job
				got = v.Process(got, samples[i:min(i+100, len(samples))])
			}
			if len(got) != len(tt.want) {
				t.Fatalf("events %+v, want %+v", got, tt.want)
			}
			for i, w := range tt.want {
				g := got[i]
				if g.Speech != w.Speech || g.Offset < w.Offset-tol || g.Offset > w.Offset+tol {
					t.Errorf("event %d = %+v, want %+v ± %d", i, g, w, tol)
				}
				if lag := g.DecidedAt - g.Offset; g.Speech && lag > 3*FrameSamples || !g.Speech && lag > int64(MillisToSamples(300)+FrameSamples) {
					t.Errorf("event %d decided %d samples after it happened", i, lag)
				}
			}
		})
	}
}
