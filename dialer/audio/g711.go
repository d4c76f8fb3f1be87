package audio

import "fmt"

// G.711 (ITU-T) companding: 8-bit μ-law (PCMU, North America and Japan) and
// A-law (PCMA, everywhere else). Trunks in alo's markets answer with either,
// while desk phones often prefer PCMU, so the relay transcodes between the
// two through 16-bit linear PCM. The encoders follow the segment layout of
// the standard and agree bit for bit with the reference implementation that
// Python's audioop used (testdata/g711 holds its output for every input).

const (
	ulawBias = 0x84 >> 2 // bias added to the 14-bit magnitude before segmenting
	ulawClip = 8159      // largest 14-bit magnitude μ-law can encode
)

// LinearToULaw encodes one 16-bit linear PCM sample as a μ-law byte.
func LinearToULaw(sample int16) byte {
	v := int(sample) >> 2 // 14-bit resolution; the arithmetic shift floors negatives
	mask := byte(0xFF)
	if v < 0 {
		v = -v
		mask = 0x7F
	}
	if v > ulawClip {
		v = ulawClip
	}
	v += ulawBias
	seg := 0
	for limit := 0x3F; seg < 8 && v > limit; limit = limit<<1 | 1 {
		seg++
	}
	if seg >= 8 {
		return 0x7F ^ mask
	}
	return byte(seg<<4|(v>>(seg+1))&0x0F) ^ mask
}

// ULawToLinear decodes one μ-law byte to 16-bit linear PCM.
func ULawToLinear(code byte) int16 {
	u := ^code
	seg := int(u>>4) & 0x07
	t := (int(u&0x0F)<<3 + 0x84) << seg
	if u&0x80 != 0 {
		return int16(0x84 - t)
	}
	return int16(t - 0x84)
}

// LinearToALaw encodes one 16-bit linear PCM sample as an A-law byte.
func LinearToALaw(sample int16) byte {
	v := int(sample) >> 3 // 13-bit resolution
	mask := byte(0xD5)    // positive values carry the sign bit, then even bits are inverted
	if v < 0 {
		v = -v - 1
		mask = 0x55
	}
	seg := 0
	for limit := 0x1F; seg < 8 && v > limit; limit = limit<<1 | 1 {
		seg++
	}
	if seg >= 8 {
		return 0x7F ^ mask
	}
	var a int
	if seg < 2 {
		a = seg<<4 | (v>>1)&0x0F
	} else {
		a = seg<<4 | (v>>seg)&0x0F
	}
	return byte(a) ^ mask
}

// ALawToLinear decodes one A-law byte to 16-bit linear PCM.
func ALawToLinear(code byte) int16 {
	a := code ^ 0x55
	t := int(a&0x0F) << 4
	switch seg := int(a&0x70) >> 4; seg {
	case 0:
		t += 8
	case 1:
		t += 0x108
	default:
		t = (t + 0x108) << (seg - 1)
	}
	if a&0x80 != 0 {
		return int16(t)
	}
	return int16(-t)
}

// g711Tables holds per-byte lookup tables, so decoding and transcoding a
// 160-byte payload costs one load per sample rather than the bit arithmetic.
type g711Tables struct {
	ulawToLinear [256]int16
	alawToLinear [256]int16
	ulawToAlaw   [256]byte
	alawToUlaw   [256]byte
}

// tables is computed once when the package loads; it is pure, immutable data.
var tables = func() *g711Tables {
	t := &g711Tables{}
	for i := range 256 {
		t.ulawToLinear[i] = ULawToLinear(byte(i))
		t.alawToLinear[i] = ALawToLinear(byte(i))
		t.ulawToAlaw[i] = LinearToALaw(ULawToLinear(byte(i)))
		t.alawToUlaw[i] = LinearToULaw(ALawToLinear(byte(i)))
	}
	return t
}()

// TranscodeULawToALaw converts a PCMU payload to PCMA; dst must be at least
// as long as src. It returns the number of bytes written.
func TranscodeULawToALaw(dst, src []byte) int {
	n := min(len(dst), len(src))
	for i := range n {
		dst[i] = tables.ulawToAlaw[src[i]]
	}
	return n
}

// TranscodeALawToULaw converts a PCMA payload to PCMU; dst must be at least
// as long as src. It returns the number of bytes written.
func TranscodeALawToULaw(dst, src []byte) int {
	n := min(len(dst), len(src))
	for i := range n {
		dst[i] = tables.alawToUlaw[src[i]]
	}
	return n
}

// Codec is a G.711 law, named by its static RTP payload type (RFC 3551), so
// the number in an SDP m= line converts to it directly.
type Codec uint8

// The two G.711 laws with their static payload types.
const (
	PCMU Codec = 0 // μ-law
	PCMA Codec = 8 // A-law
)

// String returns the SDP encoding name.
func (c Codec) String() string {
	switch c {
	case PCMU:
		return "PCMU"
	case PCMA:
		return "PCMA"
	}
	return fmt.Sprintf("payload type %d", uint8(c))
}

// Valid reports whether c is one of the G.711 laws this package codes.
func (c Codec) Valid() bool { return c == PCMU || c == PCMA }

// Silence returns the byte that encodes linear zero in this law (0xFF for
// μ-law, 0xD5 for A-law): what comfort silence and frame padding carry.
func (c Codec) Silence() byte {
	if c == PCMA {
		return LinearToALaw(0)
	}
	return LinearToULaw(0)
}

// Encode appends the G.711 encoding of pcm to dst.
func (c Codec) Encode(dst []byte, pcm []int16) ([]byte, error) {
	switch c {
	case PCMU:
		for _, s := range pcm {
			dst = append(dst, LinearToULaw(s))
		}
	case PCMA:
		for _, s := range pcm {
			dst = append(dst, LinearToALaw(s))
		}
	default:
		return dst, fmt.Errorf("audio: encode: %v is not G.711", c)
	}
	return dst, nil
}

// Decode appends the linear PCM of a G.711 payload to dst.
func (c Codec) Decode(dst []int16, payload []byte) ([]int16, error) {
	var t *[256]int16
	switch c {
	case PCMU:
		t = &tables.ulawToLinear
	case PCMA:
		t = &tables.alawToLinear
	default:
		return dst, fmt.Errorf("audio: decode: %v is not G.711", c)
	}
	for _, b := range payload {
		dst = append(dst, t[b])
	}
	return dst, nil
}

// Mix adds pcm to the G.711 payload in place, sample by sample, clipped to
// the 16-bit range: a tone laid over relayed speech without holding the
// speech back. Samples beyond the shorter of the two are left alone.
func (c Codec) Mix(payload []byte, pcm []int16) {
	n := min(len(payload), len(pcm))
	for i := range n {
		var v int32
		if c == PCMA {
			v = int32(ALawToLinear(payload[i]))
		} else {
			v = int32(ULawToLinear(payload[i]))
		}
		v = min(max(v+int32(pcm[i]), -32768), 32767)
		if c == PCMA {
			payload[i] = LinearToALaw(int16(v))
		} else {
			payload[i] = LinearToULaw(int16(v))
		}
	}
}
