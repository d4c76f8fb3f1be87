package web

import (
	"io"
	"net/http"
	"time"
)

// Timeouts bound how long a client may hold a connection without making
// progress. Long requests stay open as long as they move: each write to a
// response (an event stream's heartbeat, a block of a CSV download) gives
// the next one Write again, and an upload gets Read again each time
// another UploadStep bytes have arrived; a client that stalls is cut.
type Timeouts struct {
	// ReadHeader is how long a client has to send a request's headers.
	ReadHeader time.Duration
	// Read is how long a request body may take to arrive, per UploadStep.
	Read time.Duration
	// Write is how long each write of a response may take.
	Write time.Duration
	// Idle is how long a kept-alive connection may wait for its next request.
	Idle time.Duration
	// UploadStep is how many bytes of a body earn another Read of time:
	// with the defaults an upload must move at least 1 MiB a minute.
	UploadStep int64
	// Clock sets the deadlines; nil is time.Now.
	Clock func() time.Time
}

// DefaultTimeouts are alo's: a slow-body or idle client is cut within a
// minute, a stalled download or event stream within 30 s of its last write.
func DefaultTimeouts() Timeouts {
	return Timeouts{ReadHeader: 10 * time.Second, Read: time.Minute, Write: 30 * time.Second,
		Idle: time.Minute, UploadStep: 1 << 20}
}

// NewHTTPServer is the http.Server for h with t's timeouts.
func NewHTTPServer(h http.Handler, t Timeouts) *http.Server {
	if t.Clock == nil {
		t.Clock = time.Now
	}
	if t.UploadStep <= 0 {
		t.UploadStep = DefaultTimeouts().UploadStep
	}
	return &http.Server{Handler: t.wrap(h), ReadHeaderTimeout: t.ReadHeader, ReadTimeout: t.Read,
		WriteTimeout: t.Write, IdleTimeout: t.Idle}
}

// wrap makes the per-write and per-upload-step deadlines. The server sets
// the first read and write deadlines itself; net/http lifts the read
// deadline once a body is read (or at once without one), when it starts
// the background read that notices a client hanging up, so a long event
// stream or download is not cut by Read.
func (t Timeouts) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		if r.Body != nil && r.Body != http.NoBody && t.Read > 0 {
			r.Body = &deadlineBody{ReadCloser: r.Body, rc: rc, t: t}
		}
		if t.Write > 0 {
			w = &deadlineWriter{ResponseWriter: w, rc: rc, t: t}
		}
		h.ServeHTTP(w, r)
	})
}

// deadlineWriter gives each write of a response t.Write to complete.
type deadlineWriter struct {
	http.ResponseWriter
	rc *http.ResponseController
	t  Timeouts
}

func (w *deadlineWriter) extend() { _ = w.rc.SetWriteDeadline(w.t.Clock().Add(w.t.Write)) }

// Write extends the deadline, then writes.
func (w *deadlineWriter) Write(b []byte) (int, error) {
	w.extend()
	return w.ResponseWriter.Write(b)
}

// FlushError extends the deadline, then flushes.
func (w *deadlineWriter) FlushError() error {
	w.extend()
	return http.NewResponseController(w.ResponseWriter).Flush()
}

// Unwrap lets http.ResponseController reach the connection.
func (w *deadlineWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// deadlineBody extends a body's read deadline by t.Read each time another
// t.UploadStep bytes have been read.
type deadlineBody struct {
	io.ReadCloser
	rc    *http.ResponseController
	t     Timeouts
	since int64 // bytes since the last extension
}

// Read reads, extending the deadline on progress.
func (b *deadlineBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.since += int64(n)
	if b.since >= b.t.UploadStep && err == nil {
		b.since = 0
		_ = b.rc.SetReadDeadline(b.t.Clock().Add(b.t.Read))
	}
	return n, err
}
