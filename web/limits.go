package web

import (
	"io"
	"net/http"
)

// limitBody bounds r's body to limit bytes: a declared Content-Length over
// it is refused before anything is read, a chunked body when it passes it
// (both a *http.MaxBytesError, answered 413).
func limitBody(w http.ResponseWriter, r *http.Request, limit int64) (io.Reader, error) {
	if r.ContentLength > limit {
		return nil, &http.MaxBytesError{Limit: limit}
	}
	return http.MaxBytesReader(w, r.Body, limit), nil
}
