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
	"github.com/alo-dialer/alo/dialer/sipua"
	"github.com/alo-dialer/alo/pacing"
)

// deferringAttempts is fakeAttempts that also reschedules (Defer), as
// *campaigns.Dispatcher does.
type deferringAttempts struct {
	*fakeAttempts
	dmu      sync.Mutex
	deferred []time.Time
	held     []time.Time
}

func (d *deferringAttempts) Hold(_ context.Context, _ campaigns.Claimed, until time.Time) error {
	d.dmu.Lock()
	defer d.dmu.Unlock()
	d.held = append(d.held, until)
	return nil
}

func (d *deferringAttempts) Defer(_ context.Context, _ campaigns.Claimed, next time.Time) error {
	d.dmu.Lock()
	d.deferred = append(d.deferred, next)
	d.dmu.Unlock()
	d.signal()
	return nil
}

// offerSink hands the test each offer as it is made.
type offerSink struct {
	offered chan CallOffered
	closed  chan OfferClosed
}

func (s offerSink) CallOffered(o CallOffered) { s.offered <- o }
func (s offerSink) OfferClosed(c OfferClosed) { s.closed <- c }

// TestPreviewOffer: a preview campaign's contact is offered to the
// reserved agent before the gate and the INVITE; Call dials it, Skip
// reschedules it undialed, and at the deadline the campaign's at_zero acts.
func TestPreviewOffer(t *testing.T) {
	tests := []struct {
		name     string
		atZero   string
		decide   string // "call", "skip" or "" (the deadline decides)
		wantDial bool
	}{
		{"agent calls", campaigns.PreviewSkip, "call", true},
		{"agent skips", campaigns.PreviewCall, "skip", false},
		{"deadline calls", campaigns.PreviewCall, "", true},
		{"deadline skips", campaigns.PreviewSkip, "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
			camp := campaigns.Campaign{ID: 1, DailyStart: 0, DailyEnd: 1440, TimeZone: "UTC", RingTimeout: 15 * time.Second,
				RetryDelay: time.Hour, Pacing: "preview", Preview: campaigns.PreviewSettings{Seconds: 20, AtZero: tc.atZero}}
			claim := campaigns.Claimed{Key: campaigns.AttemptKey{CampaignID: 1, ContactID: 7, Number: 1}, Campaign: camp,
				Contact: campaigns.Contact{ID: 7, CampaignID: 1, Phone: "+998901234567"}}
			agents := readyAgent(t, testDB(t))
			src := &deferringAttempts{fakeAttempts: &fakeAttempts{queue: []campaigns.Claimed{claim}, done: make(chan struct{}, 8)}}
			cust := &fakeCustomers{res: sipua.DialResult{End: sipua.EndCancelledFinal, Code: 487, CallID: "c1"}}
			sink := offerSink{offered: make(chan CallOffered, 1), closed: make(chan OfferClosed, 1)}
			fire := make(chan time.Time, 1)
			var window time.Duration
			e := NewEngine(EngineConfig{Node: "n1", Attempts: src, Gate: fakeGate{allow: true}, Agents: agents,
				SIP: cust, Clock: func() time.Time { return now }, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
				Offers: sink, OfferTimer: func(d time.Duration) (<-chan time.Time, func()) { window = d; return fire, func() {} }})
			p := newPacer(context.Background(), e, camp, pacing.Preview{})
			p.step(context.Background())

			o := <-sink.offered
			if o.Contact.ID != 7 || !o.Deadline.Equal(now.Add(20*time.Second)) || o.AtZero != tc.atZero {
				t.Fatalf("offer %+v, want contact 7, deadline +20s, at_zero %s", o, tc.atZero)
			}
			cust.mu.Lock()
			early := len(cust.calls)
			cust.mu.Unlock()
			if early != 0 {
				t.Fatal("dialed before the agent decided")
			}
			if err := e.DecideOffer(o.AgentID+1, o.OfferID, true); !errors.Is(err, ErrNoOffer) {
				t.Errorf("another agent's decision: %v, want ErrNoOffer", err)
			}
			switch tc.decide {
			case "":
				fire <- now
			default:
				if err := e.DecideOffer(o.AgentID, o.OfferID, tc.decide == "call"); err != nil {
					t.Fatal(err)
				}
			}
			c := <-sink.closed
			p.calls.Wait()
			if c.Timeout != (tc.decide == "") || c.Call != tc.wantDial {
				t.Errorf("closed %+v, want timeout %v call %v", c, tc.decide == "", tc.wantDial)
			}
			if window != 20*time.Second {
				t.Errorf("timer %v, want 20s", window)
			}
			src.dmu.Lock()
			held := src.held
			src.dmu.Unlock()
			if len(held) != 1 || !held[0].Equal(now.Add(20*time.Second+offerHoldMargin)) {
				t.Errorf("claim held %v, want once until the deadline and a minute", held)
			}
			if err := e.DecideOffer(o.AgentID, o.OfferID, true); !errors.Is(err, ErrNoOffer) {
				t.Errorf("decision after the offer closed: %v, want ErrNoOffer", err)
			}
			assertOfferOutcome(t, src, cust, tc.wantDial, now.Add(time.Hour))
		})
	}
}

// assertOfferOutcome checks a called contact was dialed once and a skipped
// one was rescheduled (not lost, not consumed, not dialed).
func assertOfferOutcome(t *testing.T, src *deferringAttempts, cust *fakeCustomers, wantDial bool, due time.Time) {
	t.Helper()
	cust.mu.Lock()
	calls := len(cust.calls)
	cust.mu.Unlock()
	src.mu.Lock()
	dialed, finished, unclaimed := len(src.dialed), len(src.finished), src.unclaimed
	src.mu.Unlock()
	src.dmu.Lock()
	deferred := src.deferred
	src.dmu.Unlock()
	if wantDial {
		if calls != 1 || dialed != 1 || finished != 1 || len(deferred) != 0 {
			t.Errorf("called: %d INVITEs, %d dialing rows, %d outcomes, %d deferrals; want 1, 1, 1, 0", calls, dialed, finished, len(deferred))
		}
		return
	}
	if calls != 0 || dialed != 0 || finished != 0 || unclaimed != 0 {
		t.Errorf("skipped: %d INVITEs, %d dialing rows, %d outcomes, %d unclaims; want none", calls, dialed, finished, unclaimed)
	}
	if len(deferred) != 1 || !deferred[0].Equal(due) {
		t.Errorf("skipped contact rescheduled %v, want once at %v (the retry delay)", deferred, due)
	}
}
