package audio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// wavBytes builds a WAV file with the given format fields and data.
func wavBytes(tag, channels uint16, rate uint32, bits uint16, data []byte, extra ...[]byte) []byte {
	var b bytes.Buffer
	b.WriteString("RIFF")
	binary.Write(&b, binary.LittleEndian, uint32(0)) // size: ReadWAV ignores it, as players do
	b.WriteString("WAVE")
	for _, x := range extra {
		b.Write(x)
	}
	b.WriteString("fmt ")
	binary.Write(&b, binary.LittleEndian, uint32(16))
	binary.Write(&b, binary.LittleEndian, tag)
	binary.Write(&b, binary.LittleEndian, channels)
	binary.Write(&b, binary.LittleEndian, rate)
	binary.Write(&b, binary.LittleEndian, rate*uint32(channels)*uint32(bits)/8)
	binary.Write(&b, binary.LittleEndian, channels*bits/8)
	binary.Write(&b, binary.LittleEndian, bits)
	b.WriteString("data")
	binary.Write(&b, binary.LittleEndian, uint32(len(data)))
	b.Write(data)
	return b.Bytes()
}

func TestReadWAV(t *testing.T) {
	data := []byte{0x01, 0x00, 0xff, 0xff, 0x00, 0x80}   // 1, -1, -32768
	list := append([]byte("LIST\x03\x00\x00\x00abc"), 0) // odd chunk with its pad byte
	tests := []struct {
		name    string
		file    []byte
		want    []int16
		problem string // substring of the WAVError problem; "" for success
	}{
		{"pcm", wavBytes(1, 1, 8000, 16, data), []int16{1, -1, -32768}, ""},
		{"skips other chunks", wavBytes(1, 1, 8000, 16, data, list), []int16{1, -1, -32768}, ""},
		{"16 kHz", wavBytes(1, 1, 16000, 16, data), nil, "sample rate 16000 Hz, want 8000 Hz"},
		{"stereo", wavBytes(1, 2, 8000, 16, data[:4]), nil, "2 channels, want 1"},
		{"8 bit", wavBytes(1, 1, 8000, 8, data), nil, "8 bits per sample, want 16"},
		{"μ-law", wavBytes(7, 1, 8000, 8, data), nil, "encoding μ-law, want PCM"},
		{"everything wrong", wavBytes(3, 2, 44100, 32, data), nil, "encoding IEEE float, want PCM; sample rate 44100 Hz, want 8000 Hz; 2 channels, want 1 (mono); 32 bits per sample, want 16"},
		{"not RIFF", []byte("ID3\x03\x00\x00\x00\x00\x00\x00\x00\x00mp3"), nil, "not a RIFF/WAVE file"},
		{"empty", nil, nil, "not a RIFF/WAVE file (0 bytes)"},
		{"AVI", []byte("RIFF\x00\x00\x00\x00AVI LIST"), nil, "not a RIFF/WAVE file"},
		{"truncated data", wavBytes(1, 1, 8000, 16, data)[:48], nil, "truncated: data chunk declares 6 bytes, 4 present"},
		{"odd data", wavBytes(1, 1, 8000, 16, data[:5]), nil, "odd length"},
		{"no data", wavBytes(1, 1, 8000, 16, data)[:36], nil, "no data chunk"},
		{"truncated header", wavBytes(1, 1, 8000, 16, data)[:30], nil, "truncated: fmt chunk declares 16 bytes, 10 present"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadWAV(bytes.NewReader(tt.file), "prompts/en/abandon.wav")
			if tt.problem == "" {
				if err != nil {
					t.Fatal(err)
				}
				if !equalSamples(got, tt.want) {
					t.Errorf("samples %v, want %v", got, tt.want)
				}
				return
			}
			var we *WAVError
			if !errors.As(err, &we) {
				t.Fatalf("err = %v, want a *WAVError", err)
			}
			if we.File != "prompts/en/abandon.wav" || !strings.Contains(we.Problem, tt.problem) {
				t.Errorf("WAVError{%q, %q}, want file named and problem containing %q", we.File, we.Problem, tt.problem)
			}
			if !strings.Contains(err.Error(), "prompts/en/abandon.wav") {
				t.Errorf("message does not name the file: %v", err)
			}
		})
	}
}

func TestWriteWAVRoundTrip(t *testing.T) {
	samples := []int16{0, 1, -1, 32767, -32768, 1234}
	var b bytes.Buffer
	if err := WriteWAV(&b, 1, samples); err != nil {
		t.Fatal(err)
	}
	got, err := ReadWAV(&b, "round trip")
	if err != nil {
		t.Fatal(err)
	}
	if !equalSamples(got, samples) {
		t.Errorf("got %v, want %v", got, samples)
	}
	// Two channels are written (recordings) but not accepted as a prompt.
	b.Reset()
	if err := WriteWAV(&b, 2, samples); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadWAV(&b, "stereo"); err == nil || !strings.Contains(err.Error(), "2 channels") {
		t.Errorf("stereo read: %v", err)
	}
	if err := WriteWAV(&b, 2, samples[:5]); err == nil {
		t.Error("5 samples in 2 channels accepted")
	}
}

// Files made by sox, the tool the README tells operators to convert with:
// its 8 kHz output loads, its 16 kHz output is refused with the reason.
func TestReadWAVFromSox(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.wav")
	wide := filepath.Join(dir, "wide.wav")
	run(t, "sox", "-n", "-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer", good, "synth", "0.5", "sine", "440")
	run(t, "sox", "-n", "-r", "16000", "-c", "1", "-b", "16", good+".16k.wav", "synth", "0.5", "sine", "440")
	run(t, "sox", "-n", "-r", "8000", "-c", "2", "-b", "16", wide, "synth", "0.5", "sine", "440")
	if s := loadWAV(t, good); len(s) != 4000 {
		t.Errorf("0.5 s at 8 kHz gave %d samples", len(s))
	}
	for file, problem := range map[string]string{good + ".16k.wav": "sample rate 16000 Hz", wide: "2 channels"} {
		if _, err := ReadWAV(bytes.NewReader(mustRead(t, file)), file); err == nil || !strings.Contains(err.Error(), problem) {
			t.Errorf("%s: err %v, want %q", file, err, problem)
		}
	}
}

func equalSamples(a, b []int16) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
