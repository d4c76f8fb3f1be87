package prompt

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"github.com/alo-dialer/alo/dialer/audio"
	"github.com/alo-dialer/alo/input"
)

// wavOf is a valid prompt file of n samples of value v.
func wavOf(t *testing.T, n int, v int16) []byte {
	t.Helper()
	s := make([]int16, n)
	for i := range s {
		s[i] = v
	}
	var b bytes.Buffer
	if err := audio.WriteWAV(&b, 1, s); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestPromptLibrary: uploads are checked, stored by language and name,
// served over the shipped prompts (a replacement seen at once) and listed.
func TestPromptLibrary(t *testing.T) {
	l := NewLibrary(t.TempDir(), Builtin(), "en")
	if _, err := l.Prompts().For("event_moved", "ru"); err == nil {
		t.Fatal("a prompt nobody uploaded was found")
	}
	info, err := l.Save("ru", "event_moved", wavOf(t, 8000, 100))
	if err != nil {
		t.Fatal(err)
	}
	if info.Millis != 1000 || !info.Uploaded || info.Language != "ru" {
		t.Errorf("info = %+v", info)
	}
	p, err := l.Prompts().For("event_moved", "ru")
	if err != nil || len(p.Samples) != 8000 {
		t.Fatalf("uploaded prompt: %v, %v", p, err)
	}
	if _, err := l.Save("ru", "event_moved", wavOf(t, 4000, 200)); err != nil {
		t.Fatal(err)
	}
	if p, _ := l.Prompts().For("event_moved", "ru"); p == nil || len(p.Samples) != 4000 {
		t.Fatal("a replaced upload is not the one played")
	}
	// An upload of a shipped name replaces it; the others stay.
	if _, err := l.Save("en", "notice", wavOf(t, 160, 1)); err != nil {
		t.Fatal(err)
	}
	if p, _ := l.Prompts().For("notice", "en"); p == nil || len(p.Samples) != 160 {
		t.Fatal("the uploaded notice does not replace the shipped one")
	}
	if _, err := l.Prompts().For("hold", "en"); err != nil {
		t.Fatalf("shipped prompt lost: %v", err)
	}
	list, err := l.List()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]Info{}
	for _, i := range list {
		key := i.Language + "/" + i.Name
		if _, dup := seen[key]; dup {
			t.Errorf("%s listed twice", key)
		}
		seen[key] = i
	}
	if i := seen["en/notice"]; !i.Uploaded || i.Millis != 20 {
		t.Errorf("en/notice = %+v, want the upload", i)
	}
	if i := seen["ru/hold"]; i.Uploaded || i.Millis == 0 {
		t.Errorf("ru/hold = %+v, want the shipped prompt", i)
	}
	if i := seen["ru/event_moved"]; !i.Uploaded || i.Millis != 500 {
		t.Errorf("ru/event_moved = %+v", i)
	}
}

// TestPromptLibraryRefuses: a bad name or a file alo cannot play is
// refused with the reason, and nothing is stored.
func TestPromptLibraryRefuses(t *testing.T) {
	stereo := wavOf(t, 8000, 1)
	binary.LittleEndian.PutUint16(stereo[22:], 2) // channels
	tests := []struct {
		name, lang, prompt string
		wav                []byte
		want               string
	}{
		{"path in the name", "en", "../x", wavOf(t, 10, 1), "name"},
		{"bad language", "en/../..", "x", wavOf(t, 10, 1), "language"},
		{"not a WAV", "en", "x", []byte("ID3 mp3 data"), "8 kHz mono 16-bit"},
		{"stereo", "en", "x", stereo, "channel"},
		{"empty", "en", "x", wavOf(t, 0, 0), "no"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := NewLibrary(t.TempDir(), Builtin(), "en")
			_, err := l.Save(tt.lang, tt.prompt, tt.wav)
			if !errors.Is(err, input.ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Save: %v, want ErrInvalid mentioning %q", err, tt.want)
			}
			if _, err := l.Prompts().For("x", "en"); err == nil {
				t.Error("a refused prompt is served")
			}
		})
	}
}
