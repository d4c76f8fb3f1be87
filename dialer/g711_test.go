package dialer

import "testing"

// Golden values from the ITU-T G.711 reference behaviour (as produced by
// Python's audioop.lin2ulaw/lin2alaw and ulaw2lin/alaw2lin).
func TestG711Encode(t *testing.T) {
	tests := []struct {
		in         int16
		ulaw, alaw byte
	}{
		{-32768, 0x00, 0x2a},
		{-32767, 0x00, 0x2a},
		{-12345, 0x17, 0x3d},
		{-1000, 0x4e, 0x7a},
		{-100, 0x72, 0x53},
		{-8, 0x7e, 0x55},
		{-1, 0x7e, 0x55},
		{0, 0xff, 0xd5},
		{1, 0xff, 0xd5},
		{7, 0xfe, 0xd5},
		{8, 0xfe, 0xd5},
		{100, 0xf2, 0xd3},
		{1000, 0xce, 0xfa},
		{12345, 0x97, 0xbd},
		{32767, 0x80, 0xaa},
	}
	for _, tt := range tests {
		if got := LinearToULaw(tt.in); got != tt.ulaw {
			t.Errorf("LinearToULaw(%d) = %#02x, want %#02x", tt.in, got, tt.ulaw)
		}
		if got := LinearToALaw(tt.in); got != tt.alaw {
			t.Errorf("LinearToALaw(%d) = %#02x, want %#02x", tt.in, got, tt.alaw)
		}
	}
}

func TestG711Decode(t *testing.T) {
	tests := []struct {
		code       byte
		ulaw, alaw int16
	}{
		{0x00, -32124, -5504},
		{0x7f, 0, -848},
		{0x80, 32124, 5504},
		{0xff, 0, 848},
		{0x55, -716, -8},
		{0xd5, 716, 8},
		{0x2a, -5372, -32256},
		{0xaa, 5372, 32256},
	}
	for _, tt := range tests {
		if got := ULawToLinear(tt.code); got != tt.ulaw {
			t.Errorf("ULawToLinear(%#02x) = %d, want %d", tt.code, got, tt.ulaw)
		}
		if got := ALawToLinear(tt.code); got != tt.alaw {
			t.Errorf("ALawToLinear(%#02x) = %d, want %d", tt.code, got, tt.alaw)
		}
	}
}

// Every code decodes to a value that encodes back to the same code; μ-law
// has two zeros (0x7f is "negative zero") and encodes 0 as 0xff.
func TestG711RoundTrip(t *testing.T) {
	for i := range 256 {
		c := byte(i)
		want := c
		if c == 0x7f {
			want = 0xff
		}
		if got := LinearToULaw(ULawToLinear(c)); got != want {
			t.Errorf("μ-law %#02x → %d → %#02x", c, ULawToLinear(c), got)
		}
		if got := LinearToALaw(ALawToLinear(c)); got != c {
			t.Errorf("A-law %#02x → %d → %#02x", c, ALawToLinear(c), got)
		}
	}
}

// Transcoding keeps the signal: PCMU → PCMA → PCMU lands within one step of
// the original (the laws quantise differently near zero and at the top).
func TestTranscode(t *testing.T) {
	src := make([]byte, 256)
	for i := range src {
		src[i] = byte(i)
	}
	a := make([]byte, 256)
	u := make([]byte, 256)
	if n := TranscodeULawToALaw(a, src); n != 256 {
		t.Fatalf("wrote %d bytes", n)
	}
	TranscodeALawToULaw(u, a)
	for i := range src {
		orig, back := int(ULawToLinear(src[i])), int(ULawToLinear(u[i]))
		diff := max(orig-back, back-orig)
		limit := max(abs(orig)/8, 64)
		if diff > limit {
			t.Errorf("μ %#02x (%d) → A %#02x → μ %#02x (%d): off by %d", src[i], orig, a[i], u[i], back, diff)
		}
	}
	if a[0xff] != 0xd5 {
		t.Errorf("μ-law silence 0xff → A-law %#02x, want 0xd5", a[0xff])
	}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
