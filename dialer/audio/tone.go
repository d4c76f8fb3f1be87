package audio

import (
	"fmt"
	"math"
)

// dtmfRows and dtmfCols are the DTMF low (row) and high (column) group
// frequencies in Hz; a key sends one of each.
var (
	dtmfRows = [4]float64{697, 770, 852, 941}
	dtmfCols = [4]float64{1209, 1336, 1477, 1633}
)

// dtmfKeypad lays the keys out by row and column.
const dtmfKeypad = "123A456B789C*0#D"

// AppendTone appends n samples of the sum of sine waves at freqs (Hz), each
// with peak amplitude amp (full scale 32767), to dst. Used for the agent's
// "call arriving" beep and to make test signals.
func AppendTone(dst []int16, n int, amp float64, freqs ...float64) []int16 {
	for i := range n {
		v := 0.0
		for _, f := range freqs {
			v += amp * math.Sin(2*math.Pi*f*float64(i)/SampleRate)
		}
		dst = append(dst, clamp16(v))
	}
	return dst
}

// AppendSilence appends n zero samples to dst.
func AppendSilence(dst []int16, n int) []int16 {
	for range n {
		dst = append(dst, 0)
	}
	return dst
}

// AppendDTMF appends n samples of the tone pair for digit, each tone at peak
// amplitude amp, to dst.
func AppendDTMF(dst []int16, digit rune, n int, amp float64) ([]int16, error) {
	row, col, ok := dtmfFreqs(digit)
	if !ok {
		return dst, fmt.Errorf("audio: %q is not a DTMF key", digit)
	}
	return AppendTone(dst, n, amp, row, col), nil
}

// dtmfFreqs returns the two frequencies of a key.
func dtmfFreqs(digit rune) (row, col float64, ok bool) {
	if digit >= 'a' && digit <= 'd' {
		digit -= 'a' - 'A'
	}
	for i, d := range dtmfKeypad {
		if d == digit {
			return dtmfRows[i/4], dtmfCols[i%4], true
		}
	}
	return 0, 0, false
}

// clamp16 rounds v to the nearest 16-bit sample, saturating.
func clamp16(v float64) int16 {
	v = math.Round(v)
	switch {
	case v > math.MaxInt16:
		return math.MaxInt16
	case v < math.MinInt16:
		return math.MinInt16
	}
	return int16(v)
}
