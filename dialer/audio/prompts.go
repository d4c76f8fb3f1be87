package audio

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"sync"
)

// ErrNoPrompt is returned (wrapped) when no language in the fallback chain
// has the prompt.
var ErrNoPrompt = errors.New("audio: prompt not found")

// Prompt is one recorded message in one language, decoded and ready to be
// cut into RTP payloads.
type Prompt struct {
	Name    string  // file name without .wav, e.g. "abandon"
	Lang    string  // the language directory it came from, e.g. "ru"
	Samples []int16 // 8 kHz linear PCM

	pcmu, pcma func() [][]byte
}

// NewPrompt wraps samples as a prompt; the G.711 frames are computed on first
// use and kept, since the same message is played on many calls.
func NewPrompt(name, lang string, samples []int16) *Prompt {
	p := &Prompt{Name: name, Lang: lang, Samples: samples}
	p.pcmu = sync.OnceValue(func() [][]byte { return frame(samples, PCMU) })
	p.pcma = sync.OnceValue(func() [][]byte { return frame(samples, PCMA) })
	return p
}

// Millis is the prompt's length in milliseconds.
func (p *Prompt) Millis() int64 { return SamplesToMillis(int64(len(p.Samples))) }

// Frames returns the prompt as 20 ms G.711 payloads of FrameSamples bytes
// each, the last one padded with silence so every packet advances the RTP
// timestamp by the same 160. The slices are shared: callers must not modify
// them.
func (p *Prompt) Frames(c Codec) ([][]byte, error) {
	switch c {
	case PCMU:
		return p.pcmu(), nil
	case PCMA:
		return p.pcma(), nil
	}
	return nil, fmt.Errorf("audio: prompt %s/%s: %v is not G.711", p.Lang, p.Name, c)
}

// frame encodes samples into FrameSamples-byte payloads in one backing array.
func frame(samples []int16, c Codec) [][]byte {
	n := (len(samples) + FrameSamples - 1) / FrameSamples
	buf := make([]byte, 0, n*FrameSamples)
	buf, _ = c.Encode(buf, samples) // c is PCMU or PCMA here
	for len(buf) < n*FrameSamples {
		buf = append(buf, c.Silence())
	}
	frames := make([][]byte, n)
	for i := range frames {
		frames[i] = buf[i*FrameSamples : (i+1)*FrameSamples : (i+1)*FrameSamples]
	}
	return frames
}

// Prompts finds and caches prompts laid out as <lang>/<name>.wav in a file
// system (os.DirFS of the configured prompt directory in production, an
// fstest.MapFS in tests). A contact's language picks the directory; when a
// prompt is missing there, its base language ("pt" for "pt-BR") and then the
// fallback languages are tried in order, so a campaign in Russian with only
// an English abandonment message still plays something lawful.
type Prompts struct {
	fsys     fs.FS
	fallback []string

	mu     sync.Mutex
	loaded map[string]*Prompt // by "<lang>/<name>"
}

// NewPrompts returns a prompt set over fsys with the given fallback
// languages (typically the deployment's default language, e.g. "en").
func NewPrompts(fsys fs.FS, fallback ...string) *Prompts {
	fb := make([]string, 0, len(fallback))
	for _, l := range fallback {
		fb = append(fb, normalizeLang(l))
	}
	return &Prompts{fsys: fsys, fallback: fb, loaded: make(map[string]*Prompt)}
}

// For returns the prompt called name in the contact's language lang, or in
// the first fallback language that has it. A file that exists but is not a
// valid 8 kHz mono 16-bit WAV is an error, not a reason to fall back: the
// operator should hear about a broken prompt, not a silent substitute.
func (p *Prompts) For(name, lang string) (*Prompt, error) {
	if !validName(name) {
		return nil, fmt.Errorf("audio: prompt name %q: want letters, digits, '-' or '_'", name)
	}
	tried := make([]string, 0, 4)
	for _, l := range p.chain(lang) {
		pr, err := p.load(l, name)
		if errors.Is(err, fs.ErrNotExist) {
			tried = append(tried, l+"/"+name+".wav")
			continue
		}
		return pr, err
	}
	return nil, fmt.Errorf("%w: %q for language %q (tried %s)", ErrNoPrompt, name, lang, strings.Join(tried, ", "))
}

// Check loads every <lang>/<name>.wav in the file system and returns every
// problem found, so a bad prompt is reported when alo starts rather than on a
// call.
func (p *Prompts) Check() error {
	matches, err := fs.Glob(p.fsys, "*/*.wav")
	if err != nil {
		return fmt.Errorf("audio: list prompts: %w", err)
	}
	var errs []error
	for _, m := range matches {
		lang, file := path.Split(m)
		if _, err := p.load(strings.TrimSuffix(lang, "/"), strings.TrimSuffix(file, ".wav")); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// chain lists the directories to try for lang, without repeats.
func (p *Prompts) chain(lang string) []string {
	out := make([]string, 0, 2+len(p.fallback))
	add := func(l string) {
		if l == "" || !validName(l) {
			return
		}
		for _, have := range out {
			if have == l {
				return
			}
		}
		out = append(out, l)
	}
	l := normalizeLang(lang)
	add(l)
	if base, _, ok := strings.Cut(l, "-"); ok {
		add(base)
	}
	for _, f := range p.fallback {
		add(f)
	}
	return out
}

// load reads one prompt through the cache. Failures are not cached, so a
// prompt fixed on disk is picked up on the next call.
func (p *Prompts) load(lang, name string) (*Prompt, error) {
	key := lang + "/" + name
	p.mu.Lock()
	pr, ok := p.loaded[key]
	p.mu.Unlock()
	if ok {
		return pr, nil
	}
	file := key + ".wav"
	f, err := p.fsys.Open(file)
	if err != nil {
		return nil, fmt.Errorf("audio: prompt %s: %w", file, err)
	}
	defer f.Close()
	samples, err := ReadWAV(f, file)
	if err != nil {
		return nil, err
	}
	if len(samples) == 0 {
		return nil, &WAVError{File: file, Problem: "no samples"}
	}
	pr = NewPrompt(name, lang, samples)
	p.mu.Lock()
	defer p.mu.Unlock()
	if have, ok := p.loaded[key]; ok {
		return have, nil // another call loaded it meanwhile; keep one copy
	}
	p.loaded[key] = pr
	return pr, nil
}

// normalizeLang turns "pt_BR" or "PT-br" into "pt-br".
func normalizeLang(l string) string {
	return strings.ToLower(strings.ReplaceAll(strings.TrimSpace(l), "_", "-"))
}

// validName keeps prompt and language names to one path element, so a
// contact's language field cannot reach outside the prompt directory.
func validName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_'
		if !ok {
			return false
		}
	}
	return true
}
