package audio

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// maxWAVBytes bounds what ReadWAV accepts: ten minutes of 8 kHz 16-bit mono,
// far beyond any prompt, so a wrong file cannot exhaust memory.
const maxWAVBytes = 10 * 60 * SampleRate * 2

// WAVError says which file is unusable and why. alo plays prompts straight
// into 8 kHz G.711 without resampling, so anything other than 8 kHz mono
// 16-bit PCM is refused at load time rather than heard as noise on a call.
type WAVError struct {
	File    string // the name the caller gave, usually a path
	Problem string // what is wrong, e.g. "sample rate 16000 Hz, want 8000 Hz"
}

// Error names the file, the problem and the format alo needs, with a sox
// command that converts it.
func (e *WAVError) Error() string {
	return fmt.Sprintf("audio: %s: %s (prompts must be 8 kHz mono 16-bit PCM WAV; convert with: sox IN -r 8000 -c 1 -b 16 -e signed-integer OUT.wav)", e.File, e.Problem)
}

// ReadWAV reads an 8 kHz mono 16-bit PCM WAV file from r and returns its
// samples. name is used only in errors. Chunks other than "fmt " and "data"
// (LIST, fact, cue) are skipped.
func ReadWAV(r io.Reader, name string) ([]int16, error) {
	raw, err := io.ReadAll(io.LimitReader(r, maxWAVBytes+1024))
	if err != nil {
		return nil, fmt.Errorf("audio: read %s: %w", name, err)
	}
	return parseWAV(raw, name)
}

// parseWAV walks the RIFF chunks of a whole file.
func parseWAV(b []byte, name string) ([]int16, error) {
	bad := func(format string, args ...any) error {
		return &WAVError{File: name, Problem: fmt.Sprintf(format, args...)}
	}
	if len(b) > maxWAVBytes+512 {
		return nil, bad("larger than %d bytes, too long for a prompt", maxWAVBytes)
	}
	if len(b) < 12 {
		return nil, bad("not a RIFF/WAVE file (%d bytes)", len(b))
	}
	if string(b[0:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return nil, bad("not a RIFF/WAVE file (starts with %q)", printable(b[:12]))
	}
	var haveFmt bool
	rest := b[12:]
	for len(rest) > 0 {
		if len(rest) < 8 {
			return nil, bad("truncated: %d stray bytes after the last chunk", len(rest))
		}
		id := string(rest[0:4])
		size := int64(binary.LittleEndian.Uint32(rest[4:8]))
		body := rest[8:]
		switch id {
		case "fmt ":
			if size > int64(len(body)) {
				return nil, bad("truncated: fmt chunk declares %d bytes, %d present", size, len(body))
			}
			if err := checkFormat(body[:size], bad); err != nil {
				return nil, err
			}
			haveFmt = true
		case "data":
			if !haveFmt {
				return nil, bad("data chunk before the fmt chunk")
			}
			if size > int64(len(body)) {
				return nil, bad("truncated: data chunk declares %d bytes, %d present", size, len(body))
			}
			if size%2 != 0 {
				return nil, bad("data chunk has an odd length (%d bytes) for 16-bit samples", size)
			}
			samples := make([]int16, size/2)
			for i := range samples {
				samples[i] = int16(binary.LittleEndian.Uint16(body[2*i:]))
			}
			return samples, nil
		}
		if size > int64(len(body)) {
			return nil, bad("truncated: %q chunk declares %d bytes, %d present", id, size, len(body))
		}
		size += size & 1 // chunks are padded to an even length
		rest = body[min(size, int64(len(body))):]
	}
	if !haveFmt {
		return nil, bad("no fmt chunk")
	}
	return nil, bad("no data chunk")
}

// checkFormat accepts WAVE_FORMAT_PCM, or WAVE_FORMAT_EXTENSIBLE with the PCM
// sub-format (what sox writes for some inputs), at 8 kHz, 1 channel, 16 bits.
func checkFormat(f []byte, bad func(string, ...any) error) error {
	if len(f) < 16 {
		return bad("fmt chunk is %d bytes, want at least 16", len(f))
	}
	tag := binary.LittleEndian.Uint16(f[0:])
	channels := binary.LittleEndian.Uint16(f[2:])
	rate := binary.LittleEndian.Uint32(f[4:])
	bits := binary.LittleEndian.Uint16(f[14:])
	const (
		tagPCM        = 1
		tagExtensible = 0xFFFE
	)
	if tag == tagExtensible {
		// cbSize(2) validBits(2) channelMask(4) then the sub-format GUID,
		// whose first two bytes are the real format tag.
		if len(f) < 26 {
			return bad("extensible fmt chunk is %d bytes, want at least 26", len(f))
		}
		tag = binary.LittleEndian.Uint16(f[24:])
	}
	var problems []error
	if tag != tagPCM {
		problems = append(problems, fmt.Errorf("encoding %s, want PCM", formatName(tag)))
	}
	if rate != SampleRate {
		problems = append(problems, fmt.Errorf("sample rate %d Hz, want %d Hz", rate, SampleRate))
	}
	if channels != 1 {
		problems = append(problems, fmt.Errorf("%d channels, want 1 (mono)", channels))
	}
	if bits != 16 {
		problems = append(problems, fmt.Errorf("%d bits per sample, want 16", bits))
	}
	if len(problems) > 0 {
		msg := problems[0].Error()
		for _, p := range problems[1:] {
			msg += "; " + p.Error()
		}
		return bad("%s", msg)
	}
	return nil
}

// formatName names the WAVE format tags a prompt is likely to arrive in.
func formatName(tag uint16) string {
	switch tag {
	case 3:
		return "IEEE float"
	case 6:
		return "A-law"
	case 7:
		return "μ-law"
	case 0x55:
		return "MP3"
	}
	return fmt.Sprintf("format tag %#x", tag)
}

// printable shows a file's first bytes in an error without control bytes.
func printable(b []byte) string {
	out := make([]byte, len(b))
	for i, c := range b {
		if c < 0x20 || c > 0x7e {
			c = '.'
		}
		out[i] = c
	}
	return string(out)
}

// WriteWAV writes samples as an 8 kHz 16-bit PCM WAV file with the given
// number of interleaved channels (1 for prompts and test clips, 2 for a
// recording with the customer left and the agent right).
func WriteWAV(w io.Writer, channels int, samples []int16) error {
	if channels < 1 || channels > 8 {
		return fmt.Errorf("audio: write WAV: %d channels", channels)
	}
	if len(samples)%channels != 0 {
		return fmt.Errorf("audio: write WAV: %d samples do not split into %d channels", len(samples), channels)
	}
	dataBytes := len(samples) * 2
	if dataBytes > 0xFFFFFFFF-36 {
		return errors.New("audio: write WAV: longer than a RIFF file can hold")
	}
	hdr := make([]byte, 44, 44+dataBytes)
	copy(hdr[0:], "RIFF")
	binary.LittleEndian.PutUint32(hdr[4:], uint32(36+dataBytes))
	copy(hdr[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(hdr[16:], 16)
	binary.LittleEndian.PutUint16(hdr[20:], 1)
	binary.LittleEndian.PutUint16(hdr[22:], uint16(channels))
	binary.LittleEndian.PutUint32(hdr[24:], SampleRate)
	binary.LittleEndian.PutUint32(hdr[28:], uint32(SampleRate*2*channels))
	binary.LittleEndian.PutUint16(hdr[32:], uint16(2*channels))
	binary.LittleEndian.PutUint16(hdr[34:], 16)
	copy(hdr[36:], "data")
	binary.LittleEndian.PutUint32(hdr[40:], uint32(dataBytes))
	buf := hdr
	for _, s := range samples {
		buf = binary.LittleEndian.AppendUint16(buf, uint16(s))
	}
	if _, err := w.Write(buf); err != nil {
		return fmt.Errorf("audio: write WAV: %w", err)
	}
	return nil
}
