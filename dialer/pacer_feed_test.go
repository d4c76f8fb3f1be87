package dialer

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/alo-dialer/alo/campaigns"
	"github.com/alo-dialer/alo/dialer/sipua"
	"github.com/alo-dialer/alo/pacing"
)

// recordingPolicy is progressive and keeps every snapshot it is shown.
type recordingPolicy struct {
	mu    sync.Mutex
	snaps []pacing.Snapshot
}

func (r *recordingPolicy) Name() string { return "recording" }

func (r *recordingPolicy) Decide(s pacing.Snapshot) pacing.Decision {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.snaps = append(r.snaps, s)
	return pacing.Progressive{}.Decide(s)
}

// TestPacerFeedsPolicy: the outcome of each call reaches the policy's next
// snapshot (what the predictive policy learns from), once.
func TestPacerFeedsPolicy(t *testing.T) {
	claim := campaigns.Claimed{
		Key:      campaigns.AttemptKey{CampaignID: 1, ContactID: 7, Number: 1},
		Campaign: campaigns.Campaign{ID: 1, DailyStart: 0, DailyEnd: 1440, TimeZone: "UTC", RingTimeout: 15 * time.Second},
		Contact:  campaigns.Contact{ID: 7, CampaignID: 1, Phone: "+998901234567"},
	}
	agents := readyAgent(t, testDB(t))
	src := &fakeAttempts{queue: []campaigns.Claimed{claim}, done: make(chan struct{}, 8)}
	cust := &fakeCustomers{res: sipua.DialResult{End: sipua.EndCancelledFinal, Code: 487, CallID: "c1"}}
	e := NewEngine(EngineConfig{Node: "n1", Attempts: src, Gate: fakeGate{allow: true}, Agents: agents,
		SIP: cust, Clock: time.Now, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	pol := &recordingPolicy{}
	p := newPacer(context.Background(), e, claim.Campaign, pol)
	p.step(context.Background())
	<-src.done
	p.calls.Wait()
	p.step(context.Background())
	p.step(context.Background())

	pol.mu.Lock()
	defer pol.mu.Unlock()
	if len(pol.snaps) != 3 {
		t.Fatalf("%d decisions, want 3", len(pol.snaps))
	}
	if n := len(pol.snaps[0].Events); n != 0 {
		t.Errorf("first snapshot has %d events, want none", n)
	}
	got := pol.snaps[1].Events
	if len(got) != 1 || got[0].Kind != pacing.Failed {
		t.Fatalf("second snapshot events %+v, want one failed call", got)
	}
	if len(pol.snaps[2].Events) != 0 {
		t.Errorf("an outcome was given to the policy twice: %+v", pol.snaps[2].Events)
	}
	if n := len(pol.snaps[2].DialingElapsed); n != 0 {
		t.Errorf("%d calls still counted as dialing after the attempt ended", n)
	}
}
