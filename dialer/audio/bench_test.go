package audio

import (
	"math/rand/v2"
	"testing"
)

// benchFrames is two seconds of speech-like signal in 20 ms frames.
func benchFrames() [][]int16 {
	r := rand.New(rand.NewPCG(1, 1))
	s := syllables(nil, r, 2000, -20, -50)
	var frames [][]int16
	for i := 0; i+FrameSamples <= len(s); i += FrameSamples {
		frames = append(frames, s[i:i+FrameSamples])
	}
	return frames
}

// The per-packet cost of everything the RTP engine runs on a live answer's
// audio: μ-law decode, greeting VAD, AMD, in-band DTMF and beep detection.
// ns/op is per 20 ms frame; a call sends 50 frames a second.
func BenchmarkAnalysisPerFrame(b *testing.B) {
	frames := benchFrames()
	payloads := make([][]byte, len(frames))
	for i, f := range frames {
		payloads[i], _ = PCMU.Encode(nil, f)
	}
	g := NewGreetingDetector(VADConfig{}, 0)
	amd, _ := NewAMD(AMDConfig{TotalAnalysisMs: 30000, GreetingMs: 10000, MaxWords: 100, MaxWordMs: 30000, InitialSilenceMs: 10000})
	dtmf := NewDTMFDetector(DTMFDetectorConfig{})
	beep := NewBeepDetector(BeepConfig{})
	pcm := make([]int16, 0, FrameSamples)
	var digits []DetectedDigit
	var beeps []Beep
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		pcm, _ = PCMU.Decode(pcm[:0], payloads[i%len(payloads)])
		g.Process(pcm)
		amd.Process(pcm)
		digits = dtmf.Process(digits[:0], pcm)
		beeps = beep.Process(beeps[:0], pcm)
	}
}

func BenchmarkDTMFDetectorPerFrame(b *testing.B) {
	frames := benchFrames()
	d := NewDTMFDetector(DTMFDetectorConfig{})
	var out []DetectedDigit
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		out = d.Process(out[:0], frames[i%len(frames)])
	}
}

func BenchmarkTranscodeFrame(b *testing.B) {
	src := make([]byte, FrameSamples)
	for i := range src {
		src[i] = byte(i)
	}
	dst := make([]byte, FrameSamples)
	b.ReportAllocs()
	for b.Loop() {
		TranscodeULawToALaw(dst, src)
	}
}
