package web

// GET /api/v1/events: the live events a user may watch, as server-sent
// events (docs/architecture.md, "Live events"). Consoles open it with EventSource and
// never poll.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/alo-dialer/alo/live"
)

// Defaults of LiveConfig.
const (
	// DefaultHeartbeat: proxies and load balancers close connections idle
	// for 30-60 s; a comment every 15 s keeps an idle stream open. The timer
	// is the server's: a browser throttles a hidden tab's timers.
	DefaultHeartbeat = 15 * time.Second
	// DefaultRetry is how long EventSource waits before reconnecting.
	DefaultRetry = 2 * time.Second
	// streamWriteTimeout bounds one write to a stream: a client that stopped
	// reading (its TCP window full) is let go rather than holding the
	// handler forever. The bus drops it meanwhile; it resumes on reconnect.
	streamWriteTimeout = 30 * time.Second
	// maxWriteBatch bounds the events written before one flush.
	maxWriteBatch = 256
)

// LiveConfig is what the event stream needs; ServerConfig.Live.
type LiveConfig struct {
	// Bus is the node's live event bus; nil answers the route with 503.
	Bus EventBus
	// Snapshots gives the state a fresh stream starts from; nil sends a
	// snapshot event without data.
	Snapshots Snapshotter
	// Agents tells which agent a user with role agent is; nil, or no agent,
	// refuses their stream (403): an agent's stream is filtered by it.
	Agents AgentLookup
	// Heartbeat and Retry: DefaultHeartbeat and DefaultRetry when zero.
	Heartbeat time.Duration
	Retry     time.Duration
	// Done, when closed, ends every open stream. http.Server.Shutdown
	// neither cancels nor waits out a stream (it is never idle), so close it
	// from http.Server.RegisterOnShutdown. Nil: streams end with their
	// client or the bus.
	Done <-chan struct{}
	// Clock stamps snapshots; nil means time.Now.
	Clock func() time.Time
}

// EventBus is what the stream needs of the bus; *live.Bus satisfies it.
type EventBus interface {
	Subscribe(name string, f live.Filter) (*live.Subscription, error)
	Resume(name, lastID string, f live.Filter) (*live.Subscription, []live.Event, error)
}

// Viewer is who watches a stream, as its filter and its snapshot see them.
type Viewer struct {
	User User
	// AgentID is the agent a user with role agent is; 0 for other roles.
	AgentID int64
}

// Snapshotter gives the state a console shows, read when a stream starts
// fresh (its events are the changes after it). The console that knows what
// it shows supplies it. The value is sent as JSON.
type Snapshotter interface {
	Snapshot(ctx context.Context, v Viewer) (any, error)
}

// AgentLookup tells which agent a user with role agent is.
type AgentLookup interface {
	// AgentOf returns u's agent id, 0 when u is linked to none.
	AgentOf(ctx context.Context, u User) (int64, error)
}

func (s *Server) eventRoutes() {
	s.handle("GET /api/v1/events", everyone, s.events)
}

// visible decides which events a viewer's stream carries (invariant 8:
// each role sees only its own). Lists of types, not exclusions, so that a
// type added later reaches only admins and supervisors until someone
// decides who else may see it.
func visible(v Viewer, e live.Event) bool {
	if e.ClientID != 0 && !v.User.SeesClient(e.ClientID) {
		return false // another client's campaign, as in the API (docs/roles.md)
	}
	switch v.User.Role {
	case RoleAdmin, RoleSupervisor:
		return true // the whole floor
	case RoleMarketer:
		// Their campaigns live: counters, the pacer, calls; not agents'
		// states and pause reasons.
		return campaignWide(e) || e.Type == live.TypeCallOffered || e.Type == live.TypeCallBridged || e.Type == live.TypeCallEnded
	case RoleCompliance:
		return campaignWide(e) // abandonment against the cap is in the counters
	case RoleAgent:
		if v.AgentID == 0 {
			return false
		}
		// Their own state and calls, and what concerns a whole campaign
		// without naming a contact or another agent.
		return e.AgentID == v.AgentID || campaignWide(e)
	}
	return false
}

// campaignWide reports whether e is about a campaign as a whole: it names
// no contact and no agent.
func campaignWide(e live.Event) bool {
	switch e.Type {
	case live.TypeCampaignCounters, live.TypeCampaignState, live.TypePacerDecision:
		return e.AgentID == 0
	}
	return false
}

// lastEventID is where the client asks to resume: the Last-Event-ID header
// EventSource sends when it reconnects, else ?last_event_id= (a page that
// reloads puts the id it kept in the URL). The header wins: EventSource
// reconnects to the same URL, so the query holds an older id than the header.
func lastEventID(r *http.Request) string {
	if id := r.Header.Get("Last-Event-ID"); id != "" {
		return id
	}
	return r.URL.Query().Get("last_event_id")
}

// events streams what u may see: a snapshot then the changes, or, when the
// client sends an id the bus can resume from, the events it missed then
// the changes.
func (s *Server) events(w http.ResponseWriter, r *http.Request, u User) error {
	lc := s.cfg.Live
	if lc.Bus == nil {
		return errStatus(http.StatusServiceUnavailable, "live events are not available on this server")
	}
	ctx := r.Context()
	v := Viewer{User: u, AgentID: u.AgentID}
	if u.Role == RoleAgent {
		if lc.Agents != nil {
			id, err := lc.Agents.AgentOf(ctx, u)
			if err != nil {
				return fmt.Errorf("agent of user %s: %w", u.Name, err)
			}
			v.AgentID = id
		}
		if v.AgentID == 0 {
			return errStatus(http.StatusForbidden, fmt.Sprintf("user %s has role agent but is not linked to an agent", u.Name))
		}
	}
	filter := func(e live.Event) bool { return visible(v, e) }
	name := "sse " + u.Name

	var (
		sub     *live.Subscription
		backlog []live.Event
		err     error
		resumed bool
	)
	if last := lastEventID(r); last != "" {
		sub, backlog, err = lc.Bus.Resume(name, last, filter)
		switch {
		case err == nil:
			resumed = true
		case errors.Is(err, live.ErrCannotResume):
			s.log.Debug("event stream starts afresh", "user", u.Name, "reason", err)
		default:
			return busError(err)
		}
	}
	if sub == nil {
		if sub, err = lc.Bus.Subscribe(name, filter); err != nil {
			return busError(err)
		}
		// Subscribed first, then read: a change racing the snapshot comes
		// after it too, and applying it twice is harmless (payloads are
		// states, not deltas), while missing it would not be.
		snap, err := s.snapshot(ctx, lc, v, sub.After())
		if err != nil {
			sub.Close()
			return err
		}
		backlog = []live.Event{snap}
	}
	defer sub.Close()

	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
	w.WriteHeader(http.StatusOK)

	st := &sseStream{w: w, rc: http.NewResponseController(w)}
	retry := orDuration(lc.Retry, DefaultRetry)
	fmt.Fprintf(&st.buf, "retry: %d\n\n", retry.Milliseconds())
	for _, e := range backlog {
		if err := st.event(e); err != nil {
			return fmt.Errorf("encode event %s: %w", e.ID, err)
		}
	}
	sent := len(backlog)
	end := func(why string, err error) error {
		s.log.Info("event stream ended", "user", u.Name, "role", u.Role, "resumed", resumed, "events", sent, "why", why, "err", err)
		return nil // the response has begun: nothing more to say in JSON
	}
	if err := st.flush(); err != nil {
		return end("write failed", err)
	}

	every := orDuration(lc.Heartbeat, DefaultHeartbeat)
	heartbeat := time.NewTicker(every)
	defer heartbeat.Stop()
	for {
		select {
		case <-ctx.Done():
			return end("client gone", nil)
		case <-lc.Done:
			st.comment("server shutting down")
			_ = st.flush()
			return end("server shutting down", nil)
		case <-heartbeat.C:
			st.comment("heartbeat")
			if err := st.flush(); err != nil {
				return end("write failed", err)
			}
		case e, ok := <-sub.C():
			// Write what is waiting (up to a batch), then flush once. Only
			// this goroutine receives, so a non-empty channel never blocks.
			for n := 1; ok; n++ {
				if err := st.event(e); err != nil {
					return end("encode failed", err)
				}
				sent++
				if n == maxWriteBatch || len(sub.C()) == 0 {
					break
				}
				e, ok = <-sub.C()
			}
			if !ok {
				// The bus ended the subscription (too slow, a gap, closing):
				// EventSource reconnects and resumes or starts afresh.
				why := sub.Err()
				st.comment(fmt.Sprintf("stream ended: %v", why))
				_ = st.flush()
				return end("bus ended the subscription", why)
			}
			if err := st.flush(); err != nil {
				return end("write failed", err)
			}
			heartbeat.Reset(every) // the stream is not idle
		}
	}
}

// snapshot builds the stream's first event; its id is where the bus stood
// when the subscription began, so a client that drops right after it
// resumes from there.
func (s *Server) snapshot(ctx context.Context, lc LiveConfig, v Viewer, after string) (live.Event, error) {
	now := time.Now
	if lc.Clock != nil {
		now = lc.Clock
	}
	e := live.Event{ID: after, Type: live.TypeSnapshot, At: now()}
	if lc.Snapshots == nil {
		return e, nil
	}
	snap, err := lc.Snapshots.Snapshot(ctx, v)
	if err != nil {
		return live.Event{}, fmt.Errorf("snapshot for %s: %w", v.User.Name, err)
	}
	if e.Data, err = json.Marshal(snap); err != nil {
		return live.Event{}, fmt.Errorf("encode snapshot for %s: %w", v.User.Name, err)
	}
	return e, nil
}

// busError maps a bus that refuses subscribers (it is closing) to 503.
func busError(err error) error {
	if errors.Is(err, live.ErrClosed) {
		return errStatus(http.StatusServiceUnavailable, "live events are shutting down on this server; reconnect")
	}
	return fmt.Errorf("subscribe to live events: %w", err)
}

func orDuration(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// sseStream writes the text/event-stream format: per event an "id:" (the
// bus's id, which EventSource sends back as Last-Event-ID), an "event:"
// (the type) and one "data:" line, the payload itself with no envelope
// (web/console/view.go: what the pages read), and a blank line; ":" starts
// a comment.
type sseStream struct {
	w   http.ResponseWriter
	rc  *http.ResponseController
	buf bytes.Buffer
}

func (st *sseStream) event(e live.Event) error {
	data := []byte(e.Data)
	if len(data) == 0 {
		// EventSource drops an event whose data is empty.
		data = []byte("{}")
	} else if bytes.ContainsAny(data, "\r\n") {
		// Valid JSON (the bus checked it) may still be indented; a newline
		// would end the data line. Compacting removes only whitespace
		// between tokens: strings cannot hold a raw newline.
		var c bytes.Buffer
		if err := json.Compact(&c, data); err != nil {
			return err
		}
		data = c.Bytes()
	}
	// The bus made the id and checked the type: neither holds a newline.
	st.buf.WriteString("id: ")
	st.buf.WriteString(e.ID)
	st.buf.WriteString("\nevent: ")
	st.buf.WriteString(e.Type)
	st.buf.WriteString("\ndata: ")
	st.buf.Write(data)
	st.buf.WriteString("\n\n")
	return nil
}

func (st *sseStream) comment(text string) {
	st.buf.WriteString(": ")
	st.buf.WriteString(text)
	st.buf.WriteString("\n\n")
}

// flush sends what is buffered and pushes it through to the client.
func (st *sseStream) flush() error {
	// Not every writer supports deadlines (httptest's recorder does not);
	// the stream works without, a stuck client then holds it longer.
	_ = st.rc.SetWriteDeadline(time.Now().Add(streamWriteTimeout))
	if _, err := st.w.Write(st.buf.Bytes()); err != nil {
		return err
	}
	st.buf.Reset()
	return st.rc.Flush()
}

// Unwrap lets http.ResponseController reach the connection under the
// access log's wrapper, for Flush and write deadlines. It belongs beside
// statusWriter in server.go; it is here to keep this change's edit of
// server.go to the route and config lines.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
