package audio

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"testing/fstest"
)

// wavFile encodes samples as a prompt file.
func wavFile(t *testing.T, samples []int16) *fstest.MapFile {
	t.Helper()
	var b bytes.Buffer
	if err := WriteWAV(&b, 1, samples); err != nil {
		t.Fatal(err)
	}
	return &fstest.MapFile{Data: b.Bytes()}
}

// ramp returns n distinct samples, so a test can tell which file was loaded.
func ramp(n int, start int16) []int16 {
	s := make([]int16, n)
	for i := range s {
		s[i] = start + int16(i)
	}
	return s
}

func TestPromptsFor(t *testing.T) {
	fsys := fstest.MapFS{
		"en/abandon.wav":    wavFile(t, ramp(400, 100)),
		"ru/abandon.wav":    wavFile(t, ramp(400, 200)),
		"pt/abandon.wav":    wavFile(t, ramp(400, 300)),
		"pt-br/abandon.wav": wavFile(t, ramp(400, 400)),
		"en/disclosure.wav": wavFile(t, ramp(160, 500)),
		"ru/broken.wav":     {Data: []byte("RIFF\x00\x00\x00\x00WAVEfmt ")},
		"en/broken.wav":     wavFile(t, ramp(160, 600)),
	}
	p := NewPrompts(fsys, "EN")
	tests := []struct {
		name, lang string
		wantLang   string
		wantErr    string
	}{
		{"abandon", "ru", "ru", ""},
		{"abandon", "RU_ru", "ru", ""}, // region falls back to the base language
		{"abandon", "pt_BR", "pt-br", ""},
		{"abandon", "pt-PT", "pt", ""},
		{"abandon", "de", "en", ""},
		{"abandon", "", "en", ""},
		{"disclosure", "ru", "en", ""},
		{"abandon", "../etc", "en", ""}, // not a directory name: ignored, fallback used
		{"missing", "ru", "", "prompt not found"},
		{"broken", "ru", "", "ru/broken.wav"}, // a bad file is reported, not skipped
		{"../en/abandon", "en", "", "prompt name"},
	}
	for _, tt := range tests {
		t.Run(tt.name+"/"+tt.lang, func(t *testing.T) {
			pr, err := p.For(tt.name, tt.lang)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if pr.Lang != tt.wantLang || pr.Name != tt.name {
				t.Errorf("got %s/%s, want %s/%s", pr.Lang, pr.Name, tt.wantLang, tt.name)
			}
		})
	}
	if _, err := p.For("missing", "ru"); !errors.Is(err, ErrNoPrompt) {
		t.Errorf("missing prompt: %v is not ErrNoPrompt", err)
	}
	a, _ := p.For("abandon", "ru")
	b, _ := p.For("abandon", "ru-RU")
	if a != b {
		t.Error("the same file was loaded twice instead of cached")
	}
	err := p.Check()
	if err == nil || !strings.Contains(err.Error(), "ru/broken.wav") || strings.Contains(err.Error(), "en/broken.wav") {
		t.Errorf("Check() = %v, want only ru/broken.wav reported", err)
	}
}

func TestPromptFrames(t *testing.T) {
	samples := ramp(400, 1000) // 2.5 frames
	pr := NewPrompt("beep", "en", samples)
	if pr.Millis() != 50 {
		t.Errorf("Millis = %d, want 50", pr.Millis())
	}
	for _, c := range []Codec{PCMU, PCMA} {
		frames, err := pr.Frames(c)
		if err != nil {
			t.Fatal(err)
		}
		if len(frames) != 3 {
			t.Fatalf("%v: %d frames, want 3", c, len(frames))
		}
		for i, f := range frames {
			if len(f) != FrameSamples {
				t.Errorf("%v frame %d: %d bytes", c, i, len(f))
			}
		}
		want, _ := c.Encode(nil, samples)
		got := bytes.Join(frames, nil)
		if !bytes.Equal(got[:400], want) {
			t.Errorf("%v: frames differ from Encode", c)
		}
		for i, b := range got[400:] {
			if b != c.Silence() {
				t.Fatalf("%v: padding byte %d = %#02x, want silence", c, i, b)
			}
		}
		again, _ := pr.Frames(c)
		if &again[0][0] != &frames[0][0] {
			t.Errorf("%v: frames recomputed instead of cached", c)
		}
	}
	if _, err := pr.Frames(Codec(9)); err == nil {
		t.Error("G.722 frames did not fail")
	}
}
