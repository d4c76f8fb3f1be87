package audio

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
)

// readGolden loads one reference file written by testdata/g711/gen.py.
func readGolden(t *testing.T, name string, size int) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "g711", name))
	if err != nil {
		t.Fatalf("reference vectors: %v (regenerate with python3 testdata/g711/gen.py)", err)
	}
	if len(b) != size {
		t.Fatalf("%s: %d bytes, want %d", name, len(b), size)
	}
	return b
}

// Every 16-bit sample encodes as audioop's lin2ulaw/lin2alaw does.
func TestG711EncodeMatchesReference(t *testing.T) {
	tests := []struct {
		file   string
		encode func(int16) byte
	}{
		{"lin2ulaw.bin", LinearToULaw},
		{"lin2alaw.bin", LinearToALaw},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			want := readGolden(t, tt.file, 65536)
			bad := 0
			for i, w := range want {
				s := int16(i - 32768)
				if got := tt.encode(s); got != w {
					if bad++; bad <= 10 {
						t.Errorf("sample %d → %#02x, reference %#02x", s, got, w)
					}
				}
			}
			if bad > 0 {
				t.Errorf("%d of 65536 samples differ", bad)
			}
		})
	}
}

// Every code decodes as audioop's ulaw2lin/alaw2lin does.
func TestG711DecodeMatchesReference(t *testing.T) {
	tests := []struct {
		file   string
		codec  Codec
		decode func(byte) int16
	}{
		{"ulaw2lin.bin", PCMU, ULawToLinear},
		{"alaw2lin.bin", PCMA, ALawToLinear},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			raw := readGolden(t, tt.file, 512)
			codes := make([]byte, 256)
			for i := range codes {
				codes[i] = byte(i)
			}
			table, err := tt.codec.Decode(nil, codes)
			if err != nil {
				t.Fatal(err)
			}
			for i := range 256 {
				want := int16(binary.LittleEndian.Uint16(raw[2*i:]))
				if got := tt.decode(byte(i)); got != want {
					t.Errorf("code %#02x → %d, reference %d", i, got, want)
				}
				if table[i] != want {
					t.Errorf("table decode %#02x → %d, reference %d", i, table[i], want)
				}
			}
		})
	}
}

// The hand-picked values the dialer package has always tested, kept so a
// reader sees the edges (clipping, the two zeros, the segment ends).
func TestG711Edges(t *testing.T) {
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
	if n := TranscodeULawToALaw(a[:3], src); n != 3 {
		t.Errorf("short dst: wrote %d bytes, want 3", n)
	}
}

func TestCodec(t *testing.T) {
	pcm := []int16{0, 1000, -1000, 32767, -32768}
	tests := []struct {
		codec   Codec
		name    string
		silence byte
		encode  func(int16) byte
	}{
		{PCMU, "PCMU", 0xff, LinearToULaw},
		{PCMA, "PCMA", 0xd5, LinearToALaw},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.codec.String() != tt.name || !tt.codec.Valid() {
				t.Errorf("String %q Valid %v", tt.codec.String(), tt.codec.Valid())
			}
			if tt.codec.Silence() != tt.silence {
				t.Errorf("Silence = %#02x, want %#02x", tt.codec.Silence(), tt.silence)
			}
			enc, err := tt.codec.Encode([]byte{0x42}, pcm)
			if err != nil {
				t.Fatal(err)
			}
			if len(enc) != 1+len(pcm) || enc[0] != 0x42 {
				t.Fatalf("Encode did not append: %x", enc)
			}
			for i, s := range pcm {
				if enc[1+i] != tt.encode(s) {
					t.Errorf("Encode[%d] = %#02x, want %#02x", i, enc[1+i], tt.encode(s))
				}
			}
		})
	}
	bad := Codec(18) // G.729: not ours to code
	if _, err := bad.Encode(nil, pcm); err == nil {
		t.Error("Encode with G.729 did not fail")
	}
	if _, err := bad.Decode(nil, []byte{1}); err == nil {
		t.Error("Decode with G.729 did not fail")
	}
	if bad.Valid() || bad.String() != "payload type 18" {
		t.Errorf("G.729: Valid %v String %q", bad.Valid(), bad.String())
	}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func TestCodecMix(t *testing.T) {
	tests := []struct {
		name       string
		codec      Codec
		speech, ov int16
		want       int16 // linear value of the mixed sample, within the law's step
	}{
		{"pcmu adds", PCMU, 1000, 2000, 3000},
		{"pcma adds", PCMA, -1000, 500, -500},
		{"pcmu clips high", PCMU, 30000, 30000, 32124},
		{"pcma clips low", PCMA, -30000, -30000, -32256},
		{"silence plus tone", PCMA, 0, 6000, 6000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			payload, err := tt.codec.Encode(nil, []int16{tt.speech, tt.speech})
			if err != nil {
				t.Fatal(err)
			}
			tt.codec.Mix(payload, []int16{tt.ov}) // one sample: the second is left alone
			got, _ := tt.codec.Decode(nil, payload)
			if d := int(got[0]) - int(tt.want); d < -400 || d > 400 {
				t.Errorf("mixed sample %d, want about %d", got[0], tt.want)
			}
			orig, _ := tt.codec.Decode(nil, payload[1:])
			back, _ := tt.codec.Encode(nil, []int16{tt.speech})
			want, _ := tt.codec.Decode(nil, back)
			if orig[0] != want[0] {
				t.Errorf("sample past the tone changed: %d, want %d", orig[0], want[0])
			}
		})
	}
}
