package agent

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alo-dialer/alo/dialer/media"
	"github.com/alo-dialer/alo/dialer/schema"
	"github.com/alo-dialer/alo/internal/testenv"
	"github.com/alo-dialer/alo/sqldb"
)

// testLeg is a phone leg that is up until drop.
type testLeg struct {
	done chan struct{}
	once sync.Once
}

func newTestLeg() *testLeg                         { return &testLeg{done: make(chan struct{})} }
func (l *testLeg) CallID() string                  { return "leg" }
func (l *testLeg) Media() *media.Stream            { return nil }
func (l *testLeg) Done() <-chan struct{}           { return l.done }
func (l *testLeg) Hangup(context.Context) error    { l.drop(); return nil }
func (l *testLeg) KeepAlive(context.Context) error { return nil }
func (l *testLeg) drop()                           { l.once.Do(func() { close(l.done) }) }

// stepClock is a clock that moves one second at each reading, so every
// change has its own time.
type stepClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *stepClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(time.Second)
	return c.now
}

// changesRig is a registry whose phones answer at once (legs are handed to
// the test on legs), with a subscriber to its changes.
type changesRig struct {
	reg     *Registry
	changes <-chan Change
	legs    chan *testLeg
	agent   Agent
}

func newChangesRig(t *testing.T) *changesRig {
	t.Helper()
	db := testenv.SQLite(t)
	if err := sqldb.Migrate(context.Background(), db, "dialer", schema.Migrations); err != nil {
		t.Fatal(err)
	}
	r := &changesRig{legs: make(chan *testLeg, 16)}
	clk := &stepClock{now: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	r.reg = NewRegistry(Config{DB: db, Clock: clk.Now, Log: testenv.Logger(t), RedialMin: time.Millisecond,
		Dial: func(context.Context, string) (PhoneLeg, error) {
			l := newTestLeg()
			r.legs <- l
			return l, nil
		}})
	t.Cleanup(r.reg.Close)
	r.changes = r.reg.Changes()
	var err error
	r.agent, err = r.reg.CreateAgent(context.Background(), NewAgent{Name: "Dilnoza", SIPURI: "sip:d@127.0.0.1", CampaignIDs: []int64{4}})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// next returns the next change (it was announced before next is called,
// or is about to be by the registry's own goroutine).
func (r *changesRig) next(t *testing.T) Change {
	t.Helper()
	select {
	case c := <-r.changes:
		return c
	case <-time.After(10 * time.Second):
		t.Fatal("no change in 10 s")
	}
	return Change{}
}

func (r *changesRig) expect(t *testing.T, want ...string) []Change {
	t.Helper()
	var got []Change
	var states []string
	for range want {
		c := r.next(t)
		got = append(got, c)
		states = append(states, describe(c))
	}
	if strings.Join(states, " ") != strings.Join(want, " ") {
		t.Fatalf("changes %v, want %v", states, want)
	}
	return got
}

// describe is a change as state[/reason][+pause:reason][+wrap].
func describe(c Change) string {
	s := string(c.State)
	if c.Reason != "" {
		s += "/" + c.Reason
	}
	if c.PauseNext {
		s += "+pause:" + c.PauseNextReason
	}
	if !c.WrapUpEndsAt.IsZero() {
		s += "+wrap"
	}
	return s
}

// TestChanges: every change of an agent's state is announced in order with
// the time it began: logging in (phone_down until the phone answers), ready,
// paused with a reason, a call's reservation, the call, a pause asked for
// during it, wrap-up with its end, the pause applied; phone_down the moment
// the leg drops; offline at log-out.
func TestChanges(t *testing.T) {
	r := newChangesRig(t)
	ctx := context.Background()
	id := r.agent.ID
	if _, err := r.reg.SetReady(ctx, id); err != nil {
		t.Fatal(err)
	}
	leg := <-r.legs
	got := r.expect(t, "phone_down", "ready")
	if got[0].AgentID != id || got[0].Name != "Dilnoza" || fmt.Sprint(got[0].CampaignIDs) != "[4]" {
		t.Errorf("change %+v: want agent %d Dilnoza of campaign 4", got[0], id)
	}
	if !got[1].At.After(got[0].At) {
		t.Errorf("ready since %v, not after phone_down since %v", got[1].At, got[0].At)
	}
	if st, ok := r.reg.Status(id); !ok || st.State != Ready || !st.At.Equal(got[1].At) {
		t.Errorf("Status = %+v, %v; want ready since %v", st, ok, got[1].At)
	}

	if _, err := r.reg.SetPaused(ctx, id, "lunch"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.reg.SetReady(ctx, id); err != nil {
		t.Fatal(err)
	}
	r.expect(t, "paused/lunch", "ready")

	res, ok := r.reg.Reserve(4)
	if !ok || !r.reg.StartCall(res) {
		t.Fatal("no call")
	}
	r.expect(t, "reserved", "on_call")
	onCall, _ := r.reg.Status(id)
	if _, err := r.reg.SetPaused(ctx, id, "break"); err != nil {
		t.Fatal(err)
	}
	got = r.expect(t, "on_call+pause:break")
	if !got[0].At.Equal(onCall.At) {
		t.Errorf("a pause asked for during the call moved the call's start: %v, want %v", got[0].At, onCall.At)
	}
	res.WrapUp = time.Hour
	r.reg.EndCall(res)
	got = r.expect(t, "wrap_up+pause:break+wrap")
	if want := got[0].At.Add(time.Hour); !got[0].WrapUpEndsAt.Equal(want) {
		t.Errorf("wrap-up ends at %v, want an hour after it began (%v)", got[0].WrapUpEndsAt, want)
	}
	r.reg.EndWrapUp(id)
	r.expect(t, "paused/break")

	leg.drop()
	r.expect(t, "phone_down")
	<-r.legs // redialled at once (the fake phone answers)
	r.expect(t, "paused/break")

	if _, err := r.reg.SetOffline(ctx, id); err != nil {
		t.Fatal(err)
	}
	r.expect(t, "offline")
	if _, ok := r.reg.Status(id); ok {
		t.Error("Status of an agent logged out reports them logged in")
	}
}

// TestChangesNeverBlock: a subscriber that never reads does not hold up
// state changes; it misses those beyond its buffer.
func TestChangesNeverBlock(t *testing.T) {
	r := newChangesRig(t)
	ctx := context.Background()
	if _, err := r.reg.SetReady(ctx, r.agent.ID); err != nil {
		t.Fatal(err)
	}
	<-r.legs
	r.expect(t, "phone_down", "ready")
	done := make(chan error, 1)
	go func() {
		for range changeBuffer + 10 {
			if _, err := r.reg.SetPaused(ctx, r.agent.ID, "break"); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal(errors.New("state changes blocked on a subscriber that does not read"))
	}
	if n := len(r.changes); n != changeBuffer {
		t.Errorf("%d changes waiting, want the buffer's %d", n, changeBuffer)
	}
}
