package dialer

// G.711 (ITU-T) companding: 8-bit μ-law (PCMU, North America and Japan) and
// A-law (PCMA, everywhere else). Trunks in alo's markets answer with either,
// while desk phones often prefer PCMU, so the relay transcodes between the
// two through 16-bit linear PCM. The encoders follow the segment layout of
// the standard and agree bit for bit with the reference implementation that
// Python's audioop used.

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

// g711Tables holds the byte-to-byte transcoding tables, so the relay turns a
// PCMU payload into PCMA (or back) with one lookup per sample.
type g711Tables struct {
	ulawToAlaw [256]byte
	alawToUlaw [256]byte
}

// transcode is computed once when the package loads; it is pure data.
var transcode = func() *g711Tables {
	t := &g711Tables{}
	for i := range 256 {
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
		dst[i] = transcode.ulawToAlaw[src[i]]
	}
	return n
}

// TranscodeALawToULaw converts a PCMA payload to PCMU; dst must be at least
// as long as src. It returns the number of bytes written.
func TranscodeALawToULaw(dst, src []byte) int {
	n := min(len(dst), len(src))
	for i := range n {
		dst[i] = transcode.alawToUlaw[src[i]]
	}
	return n
}
