// Package audio is alo's media arithmetic: G.711 coding, prompts read from
// WAV files and cut into 20 ms frames, RFC 4733 telephone events, in-band
// DTMF detection, voice-activity detection and answering-machine detection.
//
// It does no network I/O and reads no clock: time is a count of samples at
// 8 kHz (160 samples = one 20 ms RTP packet), so the RTP engine feeds it the
// payloads it receives and turns the sample offsets it gets back into RTP
// timestamps or wall time. That keeps every decision reproducible in tests.
package audio

// SampleRate is the telephone-band rate alo speaks on every leg (G.711 and
// RFC 4733 events both use an 8 kHz RTP clock).
const SampleRate = 8000

// FrameSamples is one 20 ms packet at SampleRate, the ptime nearly every
// trunk and desk phone uses for G.711.
const FrameSamples = 160

// MillisToSamples converts a duration in milliseconds to samples at SampleRate.
func MillisToSamples(ms int) int { return ms * SampleRate / 1000 }

// SamplesToMillis converts a sample count at SampleRate to milliseconds.
func SamplesToMillis(n int64) int64 { return n * 1000 / SampleRate }
