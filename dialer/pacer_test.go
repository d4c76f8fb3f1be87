package dialer

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/alo-dialer/alo/campaigns"
	"github.com/alo-dialer/alo/compliance"
	"github.com/alo-dialer/alo/dialer/agent"
	"github.com/alo-dialer/alo/dialer/media"
	"github.com/alo-dialer/alo/dialer/sipua"
	"github.com/alo-dialer/alo/input"
	"github.com/alo-dialer/alo/internal/testenv"
	"github.com/alo-dialer/alo/pacing"
	"github.com/alo-dialer/alo/sqldb"
)

// fakeAttempts records the transitions the pacer asks of the campaigns side.
type fakeAttempts struct {
	mu        sync.Mutex
	queue     []campaigns.Claimed
	dialErr   error
	dialed    []campaigns.AttemptKey
	blocked   []string
	unclaimed int
	finished  []campaigns.Result
	done      chan struct{}
}

func (f *fakeAttempts) Claim(_ context.Context, _ int64, n int) ([]campaigns.Claimed, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n = min(n, len(f.queue))
	out := f.queue[:n]
	f.queue = f.queue[n:]
	return out, nil
}

func (f *fakeAttempts) Dial(_ context.Context, c campaigns.Claimed, _ campaigns.DialingInfo) (campaigns.Attempt, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.dialErr != nil {
		f.signal()
		return campaigns.Attempt{}, f.dialErr
	}
	f.dialed = append(f.dialed, c.Key)
	return campaigns.Attempt{ID: int64(len(f.dialed)), CampaignID: c.Key.CampaignID, ContactID: c.Key.ContactID, Number: c.Key.Number}, nil
}

func (f *fakeAttempts) Unclaim(context.Context, campaigns.Claimed) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.unclaimed++
	f.signal()
	return nil
}

func (f *fakeAttempts) Block(_ context.Context, _ campaigns.Claimed, evidence, reason string, _ *time.Time) (campaigns.Attempt, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.blocked = append(f.blocked, reason+"|"+evidence)
	f.signal()
	return campaigns.Attempt{}, nil
}

func (f *fakeAttempts) Finish(_ context.Context, _ int64, r campaigns.Result) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.finished = append(f.finished, r)
	f.signal()
	return nil
}

func (f *fakeAttempts) QueueLen(context.Context, int64) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return int64(len(f.queue)), nil
}

func (f *fakeAttempts) signal() {
	select {
	case f.done <- struct{}{}:
	default:
	}
}

type fakeGate struct{ allow bool }

func (g fakeGate) Check(_ context.Context, r compliance.Request) (compliance.Decision, error) {
	if g.allow {
		return compliance.Decision{Allow: true, Reason: "ok", RuleSet: "test"}, nil
	}
	return compliance.Decision{Reason: "outside calling hours", RuleSet: "test"}, nil
}

// fakeCustomers refuses every call with a fixed result.
type fakeCustomers struct {
	mu    sync.Mutex
	calls []string
	res   sipua.DialResult
}

func (f *fakeCustomers) DialCustomer(_ context.Context, number string, _ sipua.DialOptions) (*sipua.Leg, sipua.DialResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, number)
	return nil, f.res, nil
}

type fakePhoneLeg struct{ done chan struct{} }

func (l *fakePhoneLeg) CallID() string               { return "agent-leg" }
func (l *fakePhoneLeg) Media() *media.Stream         { return nil }
func (l *fakePhoneLeg) Done() <-chan struct{}        { return l.done }
func (l *fakePhoneLeg) Hangup(context.Context) error { return nil }
func (l *fakePhoneLeg) KeepAlive(context.Context) error {
	if l.isUp() {
		return nil
	}
	return errors.New("481")
}
func (l *fakePhoneLeg) close() { close(l.done) }
func (l *fakePhoneLeg) isUp() bool {
	select {
	case <-l.Done():
		return false
	default:
		return true
	}
}

var _ agent.PhoneLeg = (*fakePhoneLeg)(nil)

// testDB is an SQLite database with the dialer migrations applied.
func testDB(t *testing.T) *sqldb.DB {
	t.Helper()
	db := testenv.SQLite(t)
	if err := sqldb.Migrate(context.Background(), db, "dialer", Migrations); err != nil {
		t.Fatal(err)
	}
	return db
}

// readyAgent creates one agent for campaign 1, logs it in and waits until
// its (fake) phone leg is up.
func readyAgent(t *testing.T, db *sqldb.DB) *agent.Registry {
	t.Helper()
	up := make(chan struct{}, 1)
	ag := agent.NewRegistry(agent.Config{
		DB: db,
		Dial: func(context.Context, string) (agent.PhoneLeg, error) {
			return &fakePhoneLeg{done: make(chan struct{})}, nil
		},
		Clock: time.Now,
		Log:   slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	onReady(t, ag, func([]int64) {
		select {
		case up <- struct{}{}:
		default:
		}
	})
	t.Cleanup(ag.Close)
	a, err := ag.CreateAgent(context.Background(), agent.NewAgent{Name: "A", SIPURI: "sip:a@127.0.0.1", CampaignIDs: []int64{1}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ag.SetReady(context.Background(), a.ID); err != nil {
		t.Fatal(err)
	}
	<-up
	return ag
}

func TestPacerAttemptPaths(t *testing.T) {
	claim := campaigns.Claimed{
		Key:      campaigns.AttemptKey{CampaignID: 1, ContactID: 7, Number: 1},
		Campaign: campaigns.Campaign{ID: 1, DailyStart: 0, DailyEnd: 1440, TimeZone: "UTC", RingTimeout: 15 * time.Second},
		Contact:  campaigns.Contact{ID: 7, CampaignID: 1, Phone: "+998901234567"},
	}
	tests := []struct {
		name        string
		gate        bool
		dialErr     error
		res         sipua.DialResult
		wantCalls   int
		wantBlocked int
		wantOutcome campaigns.Outcome
	}{
		{name: "gate denies: blocked, no INVITE", gate: false, wantBlocked: 1},
		{name: "already dialed: no INVITE", gate: true, dialErr: campaigns.ErrAlreadyDialed},
		{name: "busy", gate: true, res: sipua.DialResult{End: sipua.EndFinal, Code: 486, CallID: "c1"}, wantCalls: 1, wantOutcome: campaigns.OutcomeBusy},
		{name: "no answer", gate: true, res: sipua.DialResult{End: sipua.EndCancelledFinal, Code: 487, CallID: "c2"}, wantCalls: 1, wantOutcome: campaigns.OutcomeNoAnswer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			agents := readyAgent(t, testDB(t))
			src := &fakeAttempts{queue: []campaigns.Claimed{claim}, dialErr: tt.dialErr, done: make(chan struct{}, 8)}
			cust := &fakeCustomers{res: tt.res}
			e := NewEngine(EngineConfig{Node: "n1", Attempts: src, Gate: fakeGate{allow: tt.gate}, Agents: agents,
				SIP: cust, Clock: time.Now, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
			p := newPacer(context.Background(), e, claim.Campaign, pacing.Progressive{})
			p.step(context.Background())
			<-src.done
			p.calls.Wait()
			if len(cust.calls) != tt.wantCalls {
				t.Errorf("INVITEs = %d, want %d", len(cust.calls), tt.wantCalls)
			}
			if len(src.blocked) != tt.wantBlocked {
				t.Errorf("blocked = %v, want %d", src.blocked, tt.wantBlocked)
			}
			if tt.wantOutcome != "" && (len(src.finished) != 1 || src.finished[0].Outcome != tt.wantOutcome) {
				t.Errorf("finished = %+v, want one %s", src.finished, tt.wantOutcome)
			}
			if got := p.dialing.Load(); got != 0 {
				t.Errorf("dialing = %d after the attempt ended", got)
			}
			// The agent is free again for the next call.
			if n := agents.ReadyFor(1); n != 1 {
				t.Errorf("ReadyFor = %d after the attempt, want 1", n)
			}
		})
	}
}

func TestPacerNoAgentUnclaims(t *testing.T) {
	agents := agent.NewRegistry(agent.Config{DB: testDB(t), Clock: time.Now, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	src := &fakeAttempts{done: make(chan struct{}, 1)}
	e := NewEngine(EngineConfig{Attempts: src, Agents: agents, Clock: time.Now, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	p := newPacer(context.Background(), e, campaigns.Campaign{ID: 1}, pacing.Progressive{})
	p.attempt(context.Background(), campaigns.Claimed{Key: campaigns.AttemptKey{CampaignID: 1, ContactID: 1, Number: 1}})
	if src.unclaimed != 1 {
		t.Fatalf("unclaimed = %d, want 1: a claim with no agent goes back to the ready set", src.unclaimed)
	}
}

func TestAgentsReservation(t *testing.T) {
	agents := readyAgent(t, testDB(t))
	r, ok := agents.Reserve(1)
	if !ok {
		t.Fatal("no agent reserved")
	}
	if _, ok := agents.Reserve(1); ok {
		t.Fatal("the only agent was reserved twice")
	}
	if _, ok := agents.Reserve(2); ok {
		t.Fatal("an agent of campaign 1 was reserved for campaign 2")
	}
	if !agents.StartCall(r) {
		t.Fatal("StartCall refused a live reservation")
	}
	if n := agents.ReadyFor(1); n != 0 {
		t.Fatalf("ReadyFor = %d while on call", n)
	}
	if _, err := agents.SetPaused(context.Background(), r.AgentID, "break"); err != nil {
		t.Fatal(err)
	}
	agents.EndCall(r)
	a, err := agents.GetAgent(context.Background(), r.AgentID)
	if err != nil || a.State != agent.Paused || a.PauseReason != "break" {
		t.Fatalf("after a pause asked during a call: %+v, %v", a, err)
	}
	if _, err := agents.GetAgent(context.Background(), 999); !errors.Is(err, input.ErrNotFound) {
		t.Fatalf("unknown agent: %v", err)
	}
}

func TestAgentsPhoneDropGoesPhoneDown(t *testing.T) {
	legs := make(chan *fakePhoneLeg, 4)
	up := make(chan struct{}, 4)
	ag := agent.NewRegistry(agent.Config{
		DB: testDB(t),
		Dial: func(context.Context, string) (agent.PhoneLeg, error) {
			l := &fakePhoneLeg{done: make(chan struct{})}
			legs <- l
			return l, nil
		},
		Clock: time.Now, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		RedialMin: time.Millisecond,
	})
	onReady(t, ag, func([]int64) { up <- struct{}{} })
	defer ag.Close()
	a, err := ag.CreateAgent(context.Background(), agent.NewAgent{Name: "A", SIPURI: "sip:a@127.0.0.1", CampaignIDs: []int64{1}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ag.SetReady(context.Background(), a.ID); err != nil {
		t.Fatal(err)
	}
	first := <-legs
	<-up
	first.close() // the phone hung up
	second := <-legs
	<-up // placed again and ready
	if !second.isUp() || ag.ReadyFor(1) != 1 {
		t.Fatal("leg not placed again after it dropped")
	}
	if _, err := ag.CreateAgent(context.Background(), agent.NewAgent{Name: "B", SIPURI: "http://x", CampaignIDs: []int64{1}}); !errors.Is(err, input.ErrInvalid) {
		t.Fatalf("bad sip uri: %v", err)
	}
}
