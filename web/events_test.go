package web

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/alo-dialer/alo/internal/testenv"
	"github.com/alo-dialer/alo/live"
	"github.com/alo-dialer/alo/sqldb"
)

func TestVisible(t *testing.T) {
	user := func(r Role) User { return User{Name: string(r), Role: r} }
	agent7 := Viewer{User: user(RoleAgent), AgentID: 7}
	unlinked := Viewer{User: user(RoleAgent)}
	ev := func(typ string, agent int64) live.Event { return live.Event{Type: typ, AgentID: agent, CampaignID: 1} }
	clientEv := func(typ string, client int64) live.Event {
		return live.Event{Type: typ, AgentID: 8, CampaignID: 1, ClientID: client}
	}
	limited := func(r Role, clients ...int64) Viewer {
		return Viewer{User: User{Name: "l", Role: r, ClientIDs: clients}}
	}
	tests := []struct {
		name string
		v    Viewer
		e    live.Event
		want bool
	}{
		{"admin sees an agent's state", Viewer{User: user(RoleAdmin)}, ev(live.TypeAgentState, 8), true},
		{"admin sees an unknown type", Viewer{User: user(RoleAdmin)}, ev("trunk.state", 0), true},
		{"supervisor sees a screen pop", Viewer{User: user(RoleSupervisor)}, ev(live.TypeCallBridged, 8), true},
		{"marketer sees counters", Viewer{User: user(RoleMarketer)}, ev(live.TypeCampaignCounters, 0), true},
		{"marketer sees calls", Viewer{User: user(RoleMarketer)}, ev(live.TypeCallEnded, 8), true},
		{"marketer does not see agents' states", Viewer{User: user(RoleMarketer)}, ev(live.TypeAgentState, 8), false},
		{"marketer does not see an unknown type", Viewer{User: user(RoleMarketer)}, ev("trunk.state", 0), false},
		{"compliance sees counters", Viewer{User: user(RoleCompliance)}, ev(live.TypeCampaignCounters, 0), true},
		{"compliance sees the pacer", Viewer{User: user(RoleCompliance)}, ev(live.TypePacerDecision, 0), true},
		{"compliance does not see screen pops", Viewer{User: user(RoleCompliance)}, ev(live.TypeCallBridged, 8), false},
		{"compliance does not see agents", Viewer{User: user(RoleCompliance)}, ev(live.TypeAgentState, 8), false},
		{"agent sees their state", agent7, ev(live.TypeAgentState, 7), true},
		{"agent sees their screen pop", agent7, ev(live.TypeCallBridged, 7), true},
		{"agent sees their call's end", agent7, ev(live.TypeCallEnded, 7), true},
		{"agent does not see another's state", agent7, ev(live.TypeAgentState, 8), false},
		{"agent does not see another's screen pop", agent7, ev(live.TypeCallBridged, 8), false},
		{"agent does not see a call waiting with its contact", agent7, ev(live.TypeCallOffered, 0), false},
		{"agent does not see an unowned call ending", agent7, ev(live.TypeCallEnded, 0), false},
		{"agent sees campaign counters", agent7, ev(live.TypeCampaignCounters, 0), true},
		{"agent sees the campaign's state", agent7, ev(live.TypeCampaignState, 0), true},
		{"agent sees the pacer's decision", agent7, ev(live.TypePacerDecision, 0), true},
		{"agent does not see an unknown campaign-wide type", agent7, ev("campaign.contacts", 0), false},
		{"unlinked agent sees nothing", unlinked, ev(live.TypeCampaignCounters, 0), false},
		{"unlinked agent does not match events without agent", unlinked, ev(live.TypeCallEnded, 0), false},
		{"unknown role sees nothing", Viewer{User: user("guest")}, ev(live.TypeCampaignCounters, 0), false},
		{"marketer of client 5 sees its calls", limited(RoleMarketer, 5), clientEv(live.TypeCallBridged, 5), true},
		{"marketer of client 5 does not see client 6's calls", limited(RoleMarketer, 5), clientEv(live.TypeCallBridged, 6), false},
		{"supervisor of client 5 does not see client 6's counters", limited(RoleSupervisor, 5), clientEv(live.TypeCampaignCounters, 6), false},
		{"unlimited marketer sees client 6's calls", Viewer{User: user(RoleMarketer)}, clientEv(live.TypeCallBridged, 6), true},
	}
	for _, tt := range tests {
		if got := visible(tt.v, tt.e); got != tt.want {
			t.Errorf("%s: visible = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// liveAPI is the server with a real bus and users, over HTTP.
type liveAPI struct {
	bus    *live.Bus
	url    string
	tokens map[Role]string
	done   chan struct{} // LiveConfig.Done
	served chan struct{} // a value each time an events request's handler returns
}

type fakeSnapshots struct{ err error }

func (f fakeSnapshots) Snapshot(_ context.Context, v Viewer) (any, error) {
	if f.err != nil {
		return nil, f.err
	}
	return map[string]any{"role": v.User.Role, "agent_id": v.AgentID}, nil
}

// fakeAgentLookup links the user named "agent-user" to agent 7.
type fakeAgentLookup struct{}

func (fakeAgentLookup) AgentOf(_ context.Context, u User) (int64, error) {
	if u.Name == "agent-user" {
		return 7, nil
	}
	return 0, nil
}

func newLiveAPI(t testing.TB, lc LiveConfig, busCfg live.Config) *liveAPI {
	t.Helper()
	ctx := context.Background()
	db := testenv.SQLite(t)
	if err := sqldb.Migrate(ctx, db, "web", Migrations); err != nil {
		t.Fatal(err)
	}
	users := NewUsers(db, func() time.Time { return testTime })
	a := &liveAPI{tokens: map[Role]string{}, done: make(chan struct{}), served: make(chan struct{}, 1000)}
	for _, r := range Roles {
		nu := NewUser{Name: string(r) + "-user", Role: r, Token: true}
		if r == RoleAgent {
			nu.AgentID = 7
		}
		_, tok, err := users.Create(ctx, nu)
		if err != nil {
			t.Fatal(err)
		}
		a.tokens[r] = tok
	}
	if busCfg.Node == "" {
		busCfg.Node = "n1"
	}
	bus, err := live.NewBus(busCfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(bus.Close)
	a.bus = bus
	switch lc.Bus.(type) {
	case nil:
		lc.Bus = bus
	case noBusConfigured:
		lc.Bus = nil
	}
	if lc.Done == nil {
		lc.Done = a.done
	}
	if lc.Agents == nil {
		lc.Agents = fakeAgentLookup{}
	}
	srv := NewServer(ServerConfig{Users: users, Live: lc})
	h := srv.Handler()
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r)
		if r.URL.Path == "/api/v1/events" {
			a.served <- struct{}{}
		}
	}))
	t.Cleanup(hs.Close)
	a.url = hs.URL
	return a
}

// frame is one message of an event stream: an event, or a comment.
type frame struct {
	id, event, data, comment string
	retry                    string
}

// sseClient reads one stream.
type sseClient struct {
	resp   *http.Response
	frames chan frame
	cancel context.CancelFunc
}

// open starts a stream as role; header and query are added to the request.
func (a *liveAPI) open(t testing.TB, role Role, lastIDHeader, query string) *sseClient {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, a.url+"/api/v1/events"+query, nil)
	req.Header.Set("Authorization", "Bearer "+a.tokens[role])
	req.Header.Set("Accept", "text/event-stream")
	if lastIDHeader != "" {
		req.Header.Set("Last-Event-ID", lastIDHeader)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	c := &sseClient{resp: resp, frames: make(chan frame, 10000), cancel: cancel}
	t.Cleanup(func() { cancel(); resp.Body.Close() })
	if resp.StatusCode != http.StatusOK {
		return c
	}
	go c.read()
	return c
}

// read parses the stream into frames until it ends, then closes frames.
func (c *sseClient) read() {
	defer close(c.frames)
	sc := bufio.NewScanner(c.resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var f frame
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			if f != (frame{}) {
				c.frames <- f
			}
			f = frame{}
			continue
		}
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch field {
		case "":
			f.comment = value
		case "id":
			f.id = value
		case "event":
			f.event = value
		case "data":
			f.data = value
		case "retry":
			f.retry = value
		}
	}
}

// next returns the next event frame, skipping comments and the retry line.
func (c *sseClient) next(t testing.TB) frame {
	t.Helper()
	for {
		f := c.nextFrame(t)
		if f.event != "" {
			return f
		}
	}
}

func (c *sseClient) nextFrame(t testing.TB) frame {
	t.Helper()
	select {
	case f, ok := <-c.frames:
		if !ok {
			t.Fatal("stream ended")
		}
		return f
	case <-time.After(10 * time.Second):
		t.Fatal("no frame in 10 s")
	}
	return frame{}
}

// ends waits for the stream to end and returns its last comment.
func (c *sseClient) ends(t testing.TB) string {
	t.Helper()
	var last string
	timeout := time.After(10 * time.Second)
	for {
		select {
		case f, ok := <-c.frames:
			if !ok {
				return last
			}
			if f.comment != "" {
				last = f.comment
			}
		case <-timeout:
			t.Fatal("stream did not end in 10 s")
		}
	}
}

// decode is the event a frame carries: its id and type from their lines,
// its data the payload itself (no envelope). AgentID is read back from the
// payload (agent_id, or id for agent.state) so tests tell whose it is.
func (f frame) decode(t testing.TB) live.Event {
	t.Helper()
	var scope struct {
		AgentID int64 `json:"agent_id"`
		ID      int64 `json:"id"`
	}
	if err := json.Unmarshal([]byte(f.data), &scope); err != nil {
		t.Fatalf("frame data %q: %v", f.data, err)
	}
	e := live.Event{ID: f.id, Type: f.event, Data: json.RawMessage(f.data), AgentID: scope.AgentID}
	if f.event == live.TypeAgentState {
		e.AgentID = scope.ID
	}
	return e
}

func publishEvent(t testing.TB, b *live.Bus, p live.Payload) {
	t.Helper()
	e, err := live.NewEvent(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Publish(context.Background(), e); err != nil {
		t.Fatal(err)
	}
}

func TestEventsSnapshotThenChanges(t *testing.T) {
	a := newLiveAPI(t, LiveConfig{Snapshots: fakeSnapshots{}, Retry: 3 * time.Second}, live.Config{})
	c := a.open(t, RoleAdmin, "", "")
	if c.resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", c.resp.StatusCode)
	}
	for k, want := range map[string]string{"Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-store", "X-Accel-Buffering": "no"} {
		if got := c.resp.Header.Get(k); got != want {
			t.Errorf("%s: %q, want %q", k, got, want)
		}
	}
	if f := c.nextFrame(t); f.retry != "3000" {
		t.Errorf("first frame %+v, want retry: 3000", f)
	}
	snap := c.next(t)
	if snap.event != live.TypeSnapshot || snap.id != a.bus.Epoch()+"-0" {
		t.Fatalf("first event %+v, want a snapshot with id %s-0", snap, a.bus.Epoch())
	}
	if e := snap.decode(t); string(e.Data) != `{"agent_id":0,"role":"admin"}` {
		t.Errorf("snapshot data %s", e.Data)
	}
	publishEvent(t, a.bus, live.AgentState{AgentID: 3, Name: "Aziz", State: "ready", Since: testTime})
	f := c.next(t)
	if want := `{"id":3,"name":"Aziz","state":"ready","since":"` + testTime.Format(time.RFC3339Nano) + `","pause_after_call":false}`; f.data != want {
		t.Errorf("data line %s, want the payload itself: %s", f.data, want)
	}
	e := f.decode(t)
	var st live.AgentState
	if err := e.Decode(&st); err != nil || f.event != live.TypeAgentState || e.AgentID != 3 || st.Name != "Aziz" || !st.Since.Equal(testTime) {
		t.Errorf("event %+v (%+v, %v)", f, st, err)
	}
}

// TestEventsResume: a client coming back with the id of the last event it
// saw gets what it missed, without a snapshot; with an id the bus cannot
// resume from, it gets a fresh snapshot.
func TestEventsResume(t *testing.T) {
	// setup: a client saw the snapshot and one event, left, and missed two.
	setup := func(t *testing.T) (a *liveAPI, seen string) {
		a = newLiveAPI(t, LiveConfig{Snapshots: fakeSnapshots{}}, live.Config{})
		c := a.open(t, RoleSupervisor, "", "")
		c.next(t) // snapshot
		publishEvent(t, a.bus, live.AgentState{AgentID: 1, State: "ready"})
		seen = c.next(t).id
		c.cancel()
		<-a.served // the handler has returned: its subscription is closed
		publishEvent(t, a.bus, live.AgentState{AgentID: 2, State: "ready"})
		publishEvent(t, a.bus, live.CampaignCounters{CampaignID: 4, Bridged: 1})
		return a, seen
	}
	other, err := live.NewBus(live.Config{Node: "n2"})
	if err != nil {
		t.Fatal(err)
	}
	missed := []string{"agent.state", "campaign.counters"}
	tests := []struct {
		name          string
		header, query func(a *liveAPI, seen string) string
		want          []string // event types after the reconnect
	}{
		{"header", func(_ *liveAPI, seen string) string { return seen }, nil, missed},
		{"query", nil, func(_ *liveAPI, seen string) string { return "?last_event_id=" + seen }, missed},
		{"header wins over an older query",
			func(_ *liveAPI, seen string) string { return seen },
			func(a *liveAPI, _ string) string { return "?last_event_id=" + a.bus.Epoch() + "-0" }, missed},
		{"foreign id", func(*liveAPI, string) string { return other.Epoch() + "-2" }, nil, []string{"snapshot"}},
		{"garbage id", func(*liveAPI, string) string { return "not-an-id" }, nil, []string{"snapshot"}},
		{"restarted node's old id", func(*liveAPI, string) string { return "n1.zzzzzzzz.0-2" }, nil, []string{"snapshot"}},
		{"id ahead of the bus", func(a *liveAPI, _ string) string { return a.bus.Epoch() + "-99" }, nil, []string{"snapshot"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, seen := setup(t)
			var header, query string
			if tt.header != nil {
				header = tt.header(a, seen)
			}
			if tt.query != nil {
				query = tt.query(a, seen)
			}
			c := a.open(t, RoleSupervisor, header, query)
			var got []string
			for range tt.want {
				got = append(got, c.next(t).event)
			}
			if strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Fatalf("after reconnecting got %v, want %v", got, tt.want)
			}
			// Then live events follow.
			publishEvent(t, a.bus, live.AgentState{AgentID: 100, State: "paused"})
			if e := c.next(t).decode(t); e.AgentID != 100 {
				t.Fatalf("live event after reconnecting: agent %d, want 100", e.AgentID)
			}
		})
	}
}

// TestEventsAgentFilter: an agent's stream carries their own events and
// campaign-wide ones, not other agents'.
func TestEventsAgentFilter(t *testing.T) {
	a := newLiveAPI(t, LiveConfig{Snapshots: fakeSnapshots{}}, live.Config{})
	c := a.open(t, RoleAgent, "", "")
	if e := c.next(t).decode(t); string(e.Data) != `{"agent_id":7,"role":"agent"}` {
		t.Fatalf("agent's snapshot %s, want it for agent 7", e.Data)
	}
	publishEvent(t, a.bus, live.CallBridged{AttemptID: 1, CampaignID: 2, ContactID: 3, AgentID: 8})   // not theirs
	publishEvent(t, a.bus, live.AgentState{AgentID: 8, State: "ready"})                               // not theirs
	publishEvent(t, a.bus, live.CallOffered{AttemptID: 1, CampaignID: 2, ContactID: 3})               // contact, no agent
	publishEvent(t, a.bus, live.CallBridged{AttemptID: 5, CampaignID: 2, ContactID: 6, AgentID: 7})   // theirs
	publishEvent(t, a.bus, live.CampaignCounters{CampaignID: 2, Bridged: 2})                          // campaign-wide
	publishEvent(t, a.bus, live.CallEnded{AttemptID: 5, CampaignID: 2, AgentID: 7, Outcome: "human"}) // theirs
	var got []string
	for range 3 {
		f := c.next(t)
		got = append(got, fmt.Sprintf("%s/%d", f.event, f.decode(t).AgentID))
	}
	if want := "call.bridged/7 campaign.counters/0 call.ended/7"; strings.Join(got, " ") != want {
		t.Errorf("agent 7's stream: %v, want %s", got, want)
	}
}

func TestEventsRefused(t *testing.T) {
	a := newLiveAPI(t, LiveConfig{}, live.Config{})
	noBus := newLiveAPI(t, LiveConfig{Bus: noBusConfigured{}}, live.Config{})
	failing := newLiveAPI(t, LiveConfig{Snapshots: fakeSnapshots{err: errors.New("database away")}}, live.Config{})
	get := func(api *liveAPI, token string) (int, string) {
		req, _ := http.NewRequest(http.MethodGet, api.url+"/api/v1/events", nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	// An agent user not linked to an agent: the lookup knows only "agent-user",
	// so use a lookup that links no one.
	unlinked := newLiveAPI(t, LiveConfig{Agents: noAgents{}}, live.Config{})
	closed := newLiveAPI(t, LiveConfig{}, live.Config{})
	closed.bus.Close()
	tests := []struct {
		name   string
		api    *liveAPI
		token  string
		status int
		msg    string
	}{
		{"no token", a, "", http.StatusUnauthorized, "bearer"},
		{"no bus", noBus, noBus.tokens[RoleAdmin], http.StatusServiceUnavailable, "not available"},
		{"agent linked to no agent", unlinked, unlinked.tokens[RoleAgent], http.StatusForbidden, "not linked to an agent"},
		{"snapshot fails", failing, failing.tokens[RoleAdmin], http.StatusInternalServerError, "internal error"},
		{"bus closed", closed, closed.tokens[RoleAdmin], http.StatusServiceUnavailable, "shutting down"},
	}
	for _, tt := range tests {
		status, body := get(tt.api, tt.token)
		if status != tt.status || !strings.Contains(body, tt.msg) {
			t.Errorf("%s: %d %s, want %d saying %q", tt.name, status, body, tt.status, tt.msg)
		}
	}
}

// noBusConfigured asks newLiveAPI for a server without a bus.
type noBusConfigured struct{ EventBus }

type noAgents struct{}

func (noAgents) AgentOf(context.Context, User) (int64, error) { return 0, nil }

func TestEventsHeartbeat(t *testing.T) {
	a := newLiveAPI(t, LiveConfig{Heartbeat: 10 * time.Millisecond}, live.Config{})
	c := a.open(t, RoleAdmin, "", "")
	if f := c.next(t); f.data != "{}" {
		t.Errorf("snapshot without a Snapshotter: data %q, want {} (EventSource drops an event with empty data)", f.data)
	}
	for {
		if f := c.nextFrame(t); f.comment == "heartbeat" {
			break
		}
	}
}

// TestEventsEnd: a stream ends when its client goes, when the server shuts
// down, and when the bus drops it (then EventSource reconnects).
func TestEventsEnd(t *testing.T) {
	t.Run("client gone", func(t *testing.T) {
		a := newLiveAPI(t, LiveConfig{}, live.Config{})
		c := a.open(t, RoleAdmin, "", "")
		c.next(t)
		c.cancel()
		<-a.served
		if n := a.bus.Stats().Subscribers; n != 0 {
			t.Errorf("%d subscribers left after the client went", n)
		}
	})
	t.Run("server shutdown", func(t *testing.T) {
		a := newLiveAPI(t, LiveConfig{}, live.Config{})
		c := a.open(t, RoleAdmin, "", "")
		c.next(t)
		close(a.done)
		if last := c.ends(t); last != "server shutting down" {
			t.Errorf("last comment %q", last)
		}
	})
	t.Run("too slow", func(t *testing.T) {
		a := newLiveAPI(t, LiveConfig{}, live.Config{Buffer: 1})
		c := a.open(t, RoleAdmin, "", "")
		snap := c.next(t)
		// Publishing faster than the handler can write overflows its
		// one-event buffer sooner or later.
		for i := 0; a.bus.Stats().SlowDrops == 0; i++ {
			publishEvent(t, a.bus, live.AgentState{AgentID: int64(i), State: "ready"})
		}
		if last := c.ends(t); !strings.Contains(last, "too slow") {
			t.Errorf("last comment %q", last)
		}
		// It resumes from the ring where it stood.
		c2 := a.open(t, RoleAdmin, snap.id, "")
		if f := c2.next(t); f.event != live.TypeAgentState || f.decode(t).AgentID != 0 {
			t.Errorf("resumed with %+v, want agent 0's event", f)
		}
	})
}
