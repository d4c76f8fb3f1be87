package live

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alo-dialer/alo/internal/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// fakeClock is a settable clock.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func newTestBus(t testing.TB, cfg Config) *Bus {
	t.Helper()
	if cfg.Node == "" {
		cfg.Node = "n1"
	}
	if cfg.Clock == nil {
		cfg.Clock = func() time.Time { return t0 }
	}
	b, err := NewBus(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b
}

func publish(t testing.TB, b *Bus, typ string, agent, campaign int64) {
	t.Helper()
	if err := b.Publish(context.Background(), Event{Type: typ, AgentID: agent, CampaignID: campaign}); err != nil {
		t.Fatalf("publish %s: %v", typ, err)
	}
}

// next receives one event or fails the test after a while (the event was
// published before next is called, so no wait is needed in a passing run).
func next(t testing.TB, s *Subscription) Event {
	t.Helper()
	select {
	case e, ok := <-s.C():
		if !ok {
			t.Fatalf("subscription %s ended: %v", s.name, s.Err())
		}
		return e
	case <-time.After(10 * time.Second):
		t.Fatalf("subscription %s: no event in 10 s", s.name)
	}
	return Event{}
}

// ended waits for s to end and returns why.
func ended(t testing.TB, s *Subscription) error {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case _, ok := <-s.C():
			if !ok {
				return s.Err()
			}
		case <-timeout:
			t.Fatalf("subscription %s did not end in 20 s", s.name)
		}
	}
}

func types(evs []Event) string {
	var b []string
	for _, e := range evs {
		b = append(b, fmt.Sprintf("%s/%d", e.Type, e.AgentID))
	}
	return strings.Join(b, " ")
}

func TestFanOut(t *testing.T) {
	b := newTestBus(t, Config{})
	all, _ := b.Subscribe("all", nil)
	agent7, _ := b.Subscribe("agent7", func(e Event) bool { return e.AgentID == 7 })
	camp, _ := b.Subscribe("campaign", func(e Event) bool { return e.Type == TypeCampaignCounters })

	publish(t, b, TypeAgentState, 7, 0)
	publish(t, b, TypeAgentState, 8, 0)
	publish(t, b, TypeCampaignCounters, 0, 1)
	publish(t, b, TypeCallBridged, 7, 1)

	tests := []struct {
		sub  *Subscription
		want string
	}{
		{all, "agent.state/7 agent.state/8 campaign.counters/0 call.bridged/7"},
		{agent7, "agent.state/7 call.bridged/7"},
		{camp, "campaign.counters/0"},
	}
	for _, tt := range tests {
		n := len(strings.Fields(tt.want))
		var got []Event
		for range n {
			got = append(got, next(t, tt.sub))
		}
		if types(got) != tt.want {
			t.Errorf("%s got %s, want %s", tt.sub.name, types(got), tt.want)
		}
		for i := 1; i < len(got); i++ {
			if got[i].ID == got[i-1].ID {
				t.Errorf("%s: two events with id %s", tt.sub.name, got[i].ID)
			}
		}
		if len(tt.sub.C()) != 0 {
			t.Errorf("%s has %d more events than expected", tt.sub.name, len(tt.sub.C()))
		}
	}
	// Every event got an id of this epoch and the bus's time.
	e := next(t, func() *Subscription { s, _ := b.Subscribe("late", nil); publish(t, b, "x", 0, 0); return s }())
	if !strings.HasPrefix(e.ID, b.Epoch()+"-") || !e.At.Equal(t0) {
		t.Errorf("event id %q at %v, want id in epoch %s at %v", e.ID, e.At, b.Epoch(), t0)
	}
}

// TestSlowSubscriberDropped: a subscriber that does not read is dropped
// when its buffer fills; the publisher and the other subscribers go on.
func TestSlowSubscriberDropped(t *testing.T) {
	b := newTestBus(t, Config{Buffer: 2})
	slow, _ := b.Subscribe("slow", nil)
	fast, _ := b.Subscribe("fast", nil)
	for i := range 5 {
		publish(t, b, TypeAgentState, int64(i), 0) // would block here if Publish waited for slow
		if e := next(t, fast); e.AgentID != int64(i) {
			t.Fatalf("fast got agent %d, want %d", e.AgentID, i)
		}
	}
	// slow keeps the two events it had room for, then ends.
	for i := range 2 {
		if e := next(t, slow); e.AgentID != int64(i) {
			t.Fatalf("slow got agent %d, want %d", e.AgentID, i)
		}
	}
	if err := ended(t, slow); !errors.Is(err, ErrSlowSubscriber) {
		t.Fatalf("slow subscriber ended with %v, want ErrSlowSubscriber", err)
	}
	if got := b.Stats(); got.SlowDrops != 1 || got.Subscribers != 1 || got.Published != 5 {
		t.Errorf("stats %+v, want 5 published, 1 slow drop and 1 subscriber left", got)
	}
	if fast.Err() != nil {
		t.Errorf("fast subscriber: %v", fast.Err())
	}
}

func TestResume(t *testing.T) {
	clk := &fakeClock{now: t0}
	b := newTestBus(t, Config{Ring: 4, MaxAge: time.Hour, Clock: clk.Now})
	rec, _ := b.Subscribe("recorder", nil)
	start := rec.After()
	var ids []string
	for i := range 6 {
		publish(t, b, TypeAgentState, int64(i+1), 0)
		ids = append(ids, next(t, rec).ID)
	}
	// The ring holds the last 4: agents 3..6 (ids[2..5]).
	other := newTestBus(t, Config{Node: "n2"})
	restarted := newTestBus(t, Config{Node: "n1"}) // the same node after a restart: a new epoch

	tests := []struct {
		name   string
		lastID string
		filter Filter
		want   string // the agents replayed, or "" with wantErr
		err    string // substring of the error; "" when resumable
	}{
		{name: "mid ring", lastID: ids[3], want: "agent.state/5 agent.state/6"},
		{name: "oldest kept boundary", lastID: ids[1], want: "agent.state/3 agent.state/4 agent.state/5 agent.state/6"},
		{name: "filtered", lastID: ids[1], filter: func(e Event) bool { return e.AgentID%2 == 0 }, want: "agent.state/4 agent.state/6"},
		{name: "the last one", lastID: ids[5], want: ""},
		{name: "older than the ring", lastID: ids[0], err: "older than the 4 events kept"},
		{name: "before the first event, evicted", lastID: start, err: "older than"},
		{name: "another node", lastID: other.Epoch() + "-1", err: "another node"},
		{name: "earlier epoch of this node", lastID: strings.Replace(ids[5], b.Epoch(), restarted.Epoch(), 1), err: "earlier epoch"},
		{name: "ahead", lastID: b.Epoch() + "-99", err: "ahead"},
		{name: "garbage", lastID: "hello", err: "not an event id"},
		{name: "garbage seq", lastID: b.Epoch() + "-x", err: "not an event id"},
		{name: "empty", lastID: "", err: "not an event id"},
		{name: "huge", lastID: strings.Repeat("a", 300), err: "longer than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := b.Since(tt.lastID, tt.filter)
			if tt.err != "" {
				if !errors.Is(err, ErrCannotResume) || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("Since(%q) = %v, want ErrCannotResume saying %q", tt.lastID, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Since(%q): %v", tt.lastID, err)
			}
			if types(got) != tt.want {
				t.Errorf("Since(%q) replayed %q, want %q", tt.lastID, types(got), tt.want)
			}
		})
	}

	t.Run("too old by age", func(t *testing.T) {
		clk.Add(2 * time.Hour)
		if _, err := b.Since(ids[4], nil); !errors.Is(err, ErrCannotResume) {
			t.Fatalf("resume after the ring's max age: %v, want ErrCannotResume", err)
		}
		// The latest id still resumes (nothing after it was forgotten).
		if got, err := b.Since(ids[5], nil); err != nil || len(got) != 0 {
			t.Fatalf("Since(last) after expiry = %v, %v; want nothing and no error", got, err)
		}
	})
}

// TestResumeThenLive: Resume gives the missed events and then the live
// ones, none lost or repeated.
func TestResumeThenLive(t *testing.T) {
	b := newTestBus(t, Config{})
	first, _ := b.Subscribe("first", nil)
	publish(t, b, TypeAgentState, 1, 0)
	last := next(t, first).ID
	publish(t, b, TypeAgentState, 2, 0) // missed while disconnected
	publish(t, b, TypeAgentState, 3, 0)
	sub, backlog, err := b.Resume("again", last, nil)
	if err != nil {
		t.Fatal(err)
	}
	publish(t, b, TypeAgentState, 4, 0)
	got := append(backlog, next(t, sub))
	if types(got) != "agent.state/2 agent.state/3 agent.state/4" {
		t.Errorf("resumed %s", types(got))
	}
	// A snapshot taken right after subscribing resumes from After.
	fresh, _ := b.Subscribe("fresh", nil)
	publish(t, b, TypeAgentState, 5, 0)
	evs, err := b.Since(fresh.After(), nil)
	if err != nil || types(evs) != "agent.state/5" {
		t.Errorf("Since(After()) = %s, %v; want agent 5", types(evs), err)
	}
	if _, _, err := b.Resume("foreign", "n9.abc.1-3", nil); !errors.Is(err, ErrCannotResume) {
		t.Errorf("Resume of a foreign id: %v", err)
	}
}

func TestPublishInvalid(t *testing.T) {
	b := newTestBus(t, Config{})
	tests := []struct {
		name string
		e    Event
	}{
		{"no type", Event{}},
		{"newline in type", Event{Type: "agent.state\ndata: forged"}},
		{"colon in type", Event{Type: "a:b"}},
		{"long type", Event{Type: strings.Repeat("a", 65)}},
		{"bad data", Event{Type: "x", Data: json.RawMessage(`{"a":`)}},
	}
	for _, tt := range tests {
		if err := b.Publish(context.Background(), tt.e); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: Publish = %v, want ErrInvalid", tt.name, err)
		}
	}
	if _, err := NewBus(Config{Node: "bad node"}); err == nil {
		t.Error("NewBus accepted a node name with a space")
	}
}

func TestClose(t *testing.T) {
	b := newTestBus(t, Config{})
	s, _ := b.Subscribe("s", nil)
	mine, _ := b.Subscribe("mine", nil)
	mine.Close()
	if err := ended(t, mine); err != nil {
		t.Errorf("closed by its owner: Err = %v, want nil", err)
	}
	b.Close()
	if err := ended(t, s); !errors.Is(err, ErrClosed) {
		t.Errorf("after Close: Err = %v, want ErrClosed", err)
	}
	if err := b.Publish(context.Background(), Event{Type: "x"}); !errors.Is(err, ErrClosed) {
		t.Errorf("Publish after Close = %v", err)
	}
	if _, err := b.Subscribe("late", nil); !errors.Is(err, ErrClosed) {
		t.Errorf("Subscribe after Close = %v", err)
	}
}

func TestNewEvent(t *testing.T) {
	tests := []struct {
		p                 Payload
		agent, campaign   int64
		typ, wantDataPart string
	}{
		{AgentState{AgentID: 7, Name: "Dilnoza", State: "paused", Reason: "lunch", Since: t0}, 7, 0, TypeAgentState, `"pause_reason":"lunch"`},
		{CallOffered{AttemptID: 1, CampaignID: 2, ContactID: 3}, 0, 2, TypeCallOffered, `"contact_id":3`},
		{CallBridged{AttemptID: 1, CampaignID: 2, ContactID: 3, AgentID: 7}, 7, 2, TypeCallBridged, `"agent_id":7`},
		{CallEnded{AttemptID: 1, CampaignID: 2, Outcome: "human"}, 0, 2, TypeCallEnded, `"outcome":"human"`},
		{CallDisposed{AttemptID: 1, CampaignID: 2, AgentID: 7, Code: "callback"}, 7, 2, TypeCallDisposed, `"code":"callback"`},
		{AgentDay{AgentID: 7, Calls: 3, TalkMS: 61000}, 7, 0, TypeAgentDay, `"talk_ms":61000`},
		{CampaignCounters{CampaignID: 2, Bridged: 4, AbandonRatio: 0.01}, 0, 2, TypeCampaignCounters, `"bridged":4`},
		{CampaignState{CampaignID: 2, State: "running"}, 0, 2, TypeCampaignState, `"state":"running"`},
		{PacerDecision{CampaignID: 2, Policy: "progressive", Launch: 0, Reason: "no agent ready"}, 0, 2, TypePacerDecision, `"reason":"no agent ready"`},
	}
	for _, tt := range tests {
		e, err := NewEvent(tt.p)
		if err != nil {
			t.Fatal(err)
		}
		if e.Type != tt.typ || e.AgentID != tt.agent || e.CampaignID != tt.campaign || !strings.Contains(string(e.Data), tt.wantDataPart) {
			t.Errorf("NewEvent(%T) = %+v (data %s)", tt.p, e, e.Data)
		}
		if err := checkType(e.Type); err != nil {
			t.Errorf("well-known type %q refused: %v", e.Type, err)
		}
	}
	var got AgentState
	e, _ := NewEvent(AgentState{AgentID: 7, State: "ready", Since: t0})
	if err := e.Decode(&got); err != nil || got.State != "ready" || !got.Since.Equal(t0) {
		t.Errorf("Decode = %+v, %v", got, err)
	}
}
