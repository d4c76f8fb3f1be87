package console

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/http"
	"sort"
	"strings"
	"time"
)

// assets serves the embedded CSS and scripts under /assets/<version>/<name>,
// where version is a hash of all of them together: one version for the
// whole set lets the ES modules import each other by relative paths
// ("./live.js") and still be cached forever.
type assets struct {
	version string
	files   map[string][]byte
	etags   map[string]string
	modTime time.Time
}

func loadAssets(fsys fs.FS) (*assets, error) {
	a := &assets{files: map[string][]byte{}, etags: map[string]string{}}
	var names []string
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		a.files[p] = b
		sum := sha256.Sum256(b)
		a.etags[p] = `"` + hex.EncodeToString(sum[:8]) + `"`
		names = append(names, p)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("console assets: %w", err)
	}
	sort.Strings(names)
	h := sha256.New()
	for _, n := range names {
		fmt.Fprintf(h, "%s\x00%d\x00", n, len(a.files[n]))
		h.Write(a.files[n])
	}
	a.version = hex.EncodeToString(h.Sum(nil)[:6])
	return a, nil
}

// url is the versioned address of asset name.
func (a *assets) url(name string) string { return "/assets/" + a.version + "/" + name }

// ServeHTTP serves <version>/<name>. A request for another version (a page
// from a node running another build, during a rolling upgrade) gets
// today's file, revalidated rather than cached forever.
func (a *assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	version, name, ok := strings.Cut(r.URL.Path, "/")
	b, found := a.files[name]
	if !ok || !found {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	if version == a.version {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	h.Set("ETag", a.etags[name])
	// ServeContent sets the type from the extension (text/javascript for
	// .js, which ES modules require) and answers If-None-Match with 304.
	http.ServeContent(w, r, name, a.modTime, bytes.NewReader(b))
}
