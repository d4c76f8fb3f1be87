package prompt

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/alo-dialer/alo/dialer/audio"
	"github.com/alo-dialer/alo/input"
)

// Library is the set of recorded messages alo plays: the ones an
// operator uploaded (a campaign's notice, a place name), kept in a
// directory as <lang>/<name>.wav, over the ones shipped with alo. An
// uploaded prompt of a shipped name replaces it.
type Library struct {
	dir      string
	builtin  fs.FS
	fallback []string

	mu  sync.Mutex // serialises saves
	cur atomic.Pointer[audio.Prompts]
}

// Info describes one prompt of the library.
type Info struct {
	Name     string `json:"name"`
	Language string `json:"language"`
	Millis   int64  `json:"duration_ms"`
	// Uploaded is false for a prompt shipped with alo.
	Uploaded bool `json:"uploaded"`
}

// NewLibrary returns the library of uploads in dir over builtin
// (BuiltinPrompts()), with the fallback languages of audio.NewPrompts.
// dir is created on the first upload.
func NewLibrary(dir string, builtin fs.FS, fallback ...string) *Library {
	l := &Library{dir: dir, builtin: builtin, fallback: fallback}
	l.cur.Store(audio.NewPrompts(l.fsys(), fallback...))
	return l
}

// Prompts is the current prompt set (EngineConfig.Library hands it to
// calls). A save replaces it, so a replaced file is not served from the
// old set's cache.
func (l *Library) Prompts() *audio.Prompts { return l.cur.Load() }

// fsys layers the upload directory over the shipped prompts.
func (l *Library) fsys() fs.FS {
	if l.dir == "" {
		return l.builtin
	}
	return overlayFS{upper: os.DirFS(l.dir), lower: l.builtin}
}

// Save checks wav (8 kHz mono 16-bit PCM, as every prompt must be) and
// stores it as lang/name, replacing any earlier upload of that name. A bad
// name or file is ErrInvalid with the reason (the WAV's problem and how to
// convert it).
func (l *Library) Save(lang, name string, wav []byte) (Info, error) {
	lang = strings.ToLower(strings.ReplaceAll(strings.TrimSpace(lang), "_", "-"))
	switch {
	case l.dir == "":
		return Info{}, fmt.Errorf("prompts: no upload directory configured: %w", input.ErrInvalid)
	case !promptName(name):
		return Info{}, fmt.Errorf("name %q: want letters, digits, '-' or '_' (at most 64): %w", name, input.ErrInvalid)
	case !promptName(lang):
		return Info{}, fmt.Errorf("language %q: want a language tag such as en or ru: %w", lang, input.ErrInvalid)
	}
	samples, err := audio.ReadWAV(bytes.NewReader(wav), name+".wav")
	var bad *audio.WAVError
	switch {
	case errors.As(err, &bad):
		return Info{}, fmt.Errorf("%w: %s", input.ErrInvalid, bad.Error())
	case err != nil:
		return Info{}, fmt.Errorf("prompt %s/%s: %w", lang, name, err)
	case len(samples) == 0:
		return Info{}, fmt.Errorf("prompt %s/%s: no audio in the file: %w", lang, name, input.ErrInvalid)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	dir := filepath.Join(l.dir, lang)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Info{}, fmt.Errorf("prompt %s/%s: %w", lang, name, err)
	}
	// Written aside and renamed, so a call never reads half a file.
	tmp, err := os.CreateTemp(dir, "."+name+"-*.tmp")
	if err != nil {
		return Info{}, fmt.Errorf("prompt %s/%s: %w", lang, name, err)
	}
	defer os.Remove(tmp.Name()) // after the rename: nothing there
	if _, err := tmp.Write(wav); err != nil {
		tmp.Close()
		return Info{}, fmt.Errorf("prompt %s/%s: write: %w", lang, name, err)
	}
	if err := tmp.Close(); err != nil {
		return Info{}, fmt.Errorf("prompt %s/%s: write: %w", lang, name, err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, name+".wav")); err != nil {
		return Info{}, fmt.Errorf("prompt %s/%s: %w", lang, name, err)
	}
	l.cur.Store(audio.NewPrompts(l.fsys(), l.fallback...))
	return Info{Name: name, Language: lang, Millis: audio.SamplesToMillis(int64(len(samples))), Uploaded: true}, nil
}

// List returns every prompt, uploaded and shipped (an upload hiding a
// shipped prompt of its name is listed once, as uploaded), by language and
// name. A file that no longer loads is listed without its length.
func (l *Library) List() ([]Info, error) {
	files, err := fs.Glob(l.fsys(), "*/*.wav")
	if err != nil {
		return nil, fmt.Errorf("list prompts: %w", err)
	}
	pr := l.Prompts()
	out := make([]Info, 0, len(files))
	for _, f := range files {
		lang, file := path.Split(f)
		lang, name := strings.TrimSuffix(lang, "/"), strings.TrimSuffix(file, ".wav")
		if !promptName(name) {
			continue
		}
		info := Info{Name: name, Language: lang, Uploaded: l.uploaded(f)}
		if p, err := pr.For(name, lang); err == nil && p.Lang == lang {
			info.Millis = p.Millis()
		}
		out = append(out, info)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Language != out[j].Language {
			return out[i].Language < out[j].Language
		}
		return out[i].Name < out[j].Name
	})
	return out, nil
}

// uploaded reports whether the file lang/name.wav is in the upload directory.
func (l *Library) uploaded(file string) bool {
	if l.dir == "" {
		return false
	}
	_, err := os.Stat(filepath.Join(l.dir, filepath.FromSlash(file)))
	return err == nil
}

// promptName keeps names to one short path element (what audio.Prompts
// accepts), so an upload cannot write outside its directory.
func promptName(s string) bool {
	if s == "" || len(s) > 64 {
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

// overlayFS reads from upper, then from lower where upper has no such
// file; directories list both.
type overlayFS struct{ upper, lower fs.FS }

// Open implements fs.FS.
func (o overlayFS) Open(name string) (fs.File, error) {
	f, err := o.upper.Open(name)
	if err == nil {
		st, serr := f.Stat()
		if serr == nil && !st.IsDir() {
			return f, nil
		}
		f.Close()
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	return o.lower.Open(name)
}

// ReadDir implements fs.ReadDirFS: the entries of both, upper first.
func (o overlayFS) ReadDir(name string) ([]fs.DirEntry, error) {
	up, uerr := fs.ReadDir(o.upper, name)
	low, lerr := fs.ReadDir(o.lower, name)
	if uerr != nil && lerr != nil {
		return nil, lerr
	}
	seen := make(map[string]bool, len(up))
	out := make([]fs.DirEntry, 0, len(up)+len(low))
	for _, e := range up {
		if strings.HasPrefix(e.Name(), ".") {
			continue // a save in progress
		}
		seen[e.Name()] = true
		out = append(out, e)
	}
	for _, e := range low {
		if !seen[e.Name()] {
			out = append(out, e)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name() < out[j].Name() })
	return out, nil
}
