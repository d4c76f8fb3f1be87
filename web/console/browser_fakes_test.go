package console

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeLive is GET /api/v1/events for the browser tests: it sends the
// snapshot, then whatever the test pushes, with ids as the real stream.
type fakeLive struct {
	snapshot func() any
	mu       sync.Mutex
	clients  []chan sseEvent
	nextID   int
	// connected gets a value each time a page opens the stream.
	connected chan struct{}
}

type sseEvent struct {
	id   int
	name string
	data []byte
}

func newFakeLive(snapshot func() any) *fakeLive {
	return &fakeLive{snapshot: snapshot, connected: make(chan struct{}, 16)}
}

func (l *fakeLive) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	fl, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "no flusher", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	ch := make(chan sseEvent, 64)
	l.mu.Lock()
	l.clients = append(l.clients, ch)
	l.mu.Unlock()
	snap, _ := json.Marshal(l.snapshot())
	fmt.Fprintf(w, "event: snapshot\ndata: %s\n\n", snap)
	fl.Flush()
	l.connected <- struct{}{}
	for {
		select {
		case <-r.Context().Done():
			return
		case ev := <-ch:
			fmt.Fprintf(w, "id: %d\nevent: %s\ndata: %s\n\n", ev.id, ev.name, ev.data)
			fl.Flush()
		}
	}
}

// push sends an event to every open stream.
func (l *fakeLive) push(t *testing.T, name string, v any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.nextID++
	for _, ch := range l.clients {
		ch <- sseEvent{id: l.nextID, name: name, data: b}
	}
}

// awaitConnected waits until a page has the stream open.
func (l *fakeLive) awaitConnected(t *testing.T) {
	t.Helper()
	select {
	case <-l.connected:
	case <-time.After(20 * time.Second):
		t.Fatal("the page never opened the event stream")
	}
}

// fakeAPI records the JSON requests the pages send and answers 200 {}.
type fakeAPI struct {
	requests chan apiRequest
	// fail makes every answer a 400 with this error.
	mu   sync.Mutex
	fail string
	// reply, when set, is the body of every successful answer ("{}" else).
	reply string
	// callbacks answers GET /agents/{id}/callbacks ("[]" else); those
	// reads are counted in loads, not sent to requests.
	callbacks string
	loads     chan struct{}
}

type apiRequest struct {
	method, path string
	body         map[string]any
}

func newFakeAPI() *fakeAPI {
	return &fakeAPI{requests: make(chan apiRequest, 16), loads: make(chan struct{}, 16)}
}

func (a *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/callbacks") {
		a.serveCallbacks(w)
		return
	}
	b, _ := io.ReadAll(r.Body)
	req := apiRequest{method: r.Method, path: r.URL.Path}
	if len(b) > 0 {
		if err := json.Unmarshal(b, &req.body); err != nil {
			http.Error(w, `{"error":"invalid JSON"}`, http.StatusBadRequest)
			return
		}
	}
	a.requests <- req
	w.Header().Set("Content-Type", "application/json")
	a.mu.Lock()
	fail, reply := a.fail, a.reply
	a.mu.Unlock()
	if fail != "" {
		w.WriteHeader(http.StatusBadRequest)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": fail})
		return
	}
	if reply == "" {
		reply = "{}"
	}
	_, _ = w.Write([]byte(reply))
}

func (a *fakeAPI) serveCallbacks(w http.ResponseWriter) {
	a.mu.Lock()
	body := a.callbacks
	a.mu.Unlock()
	if body == "" {
		body = "[]"
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(body))
	select {
	case a.loads <- struct{}{}:
	default:
	}
}

// await returns the next request the page sent.
func (a *fakeAPI) await(t *testing.T) apiRequest {
	t.Helper()
	select {
	case r := <-a.requests:
		return r
	case <-time.After(20 * time.Second):
		t.Fatal("the page sent no API request")
		return apiRequest{}
	}
}

// consoleServer is an httptest server with the consoles, a fake event
// stream and a fake API, as cmd/alo will mount them.
type consoleServer struct {
	*httptest.Server
	auth *fakeAuth
	live *fakeLive
	api  *fakeAPI
}

func newConsoleServer(t *testing.T, snapshot func() any) *consoleServer {
	t.Helper()
	auth := newFakeAuth()
	c, err := New(Config{Auth: auth, TimeZone: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	s := &consoleServer{auth: auth, live: newFakeLive(snapshot), api: newFakeAPI()}
	mux := http.NewServeMux()
	mux.Handle("GET /api/v1/events", s.live)
	mux.Handle("/api/v1/", s.api)
	mux.Handle("/", c.Handler())
	s.Server = httptest.NewServer(mux)
	t.Cleanup(func() {
		// The event streams stay open until the browser goes; do not wait.
		s.CloseClientConnections()
		s.Close()
	})
	return s
}
