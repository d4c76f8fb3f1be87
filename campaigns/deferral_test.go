package campaigns

import (
	"errors"
	"testing"
	"time"

	"github.com/alo-dialer/alo/sqldb"
)

// TestDefer: a deferred attempt goes back to scheduled at the gate's next
// allowed instant without an attempt row, keeps its attempt number, is fed
// and claimed again with that number when due, and the calls placed to a
// number are returned across campaigns for the gate's limits.
func TestDefer(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		w := newTestWorld(t, db)
		camp, contacts := w.campaign(t, Campaign{}, 2)
		w.feed(t, 2)
		w.drainAttemptTasks(t)
		d := w.dispatcher(t, "node-a", time.Minute)
		got, err := d.Claim(w.ctx, camp.ID, 2)
		if err != nil || len(got) != 2 {
			t.Fatalf("Claim = %+v, %v", got, err)
		}
		next := w.clock.Now().Add(3 * time.Hour).Truncate(time.Millisecond)
		if err := d.Defer(w.ctx, got[0], next); err != nil {
			t.Fatal(err)
		}
		if cl, _ := w.ready.Claimed(w.ctx, got[0].Key); cl {
			t.Fatal("claim kept after Defer")
		}
		c := w.contact(t, got[0].Key.ContactID)
		if c.State != ContactScheduled || c.Attempts != 0 || !c.NextDueAt.Equal(next) {
			t.Fatalf("deferred contact = %+v", c)
		}
		if _, err := w.store.FindAttempt(w.ctx, got[0].Key); !errors.Is(err, ErrNotFound) {
			t.Fatalf("deferred attempt has a row: %v", err)
		}
		if err := d.Defer(w.ctx, got[0], next); !errors.Is(err, ErrAlreadyDialed) {
			t.Fatalf("second Defer err = %v, want ErrAlreadyDialed", err)
		}
		if _, err := d.Dial(w.ctx, got[0], DialingInfo{}); !errors.Is(err, ErrAlreadyDialed) {
			t.Fatalf("Dial after Defer err = %v, want ErrAlreadyDialed", err)
		}

		// Nothing is fed before the instant; then the same attempt number.
		w.feed(t, 0)
		w.clock.Advance(3 * time.Hour)
		w.feed(t, 1)
		w.drainAttemptTasks(t)
		again, err := d.Claim(w.ctx, camp.ID, 1)
		if err != nil || len(again) != 1 || again[0].Key != got[0].Key {
			t.Fatalf("Claim after the deferral = %+v, %v; want %v", again, err, got[0].Key)
		}

		// Calls to a number: the dialed one and the blocked one.
		a, err := d.Dial(w.ctx, again[0], DialingInfo{})
		if err != nil {
			t.Fatal(err)
		}
		if err := d.Finish(w.ctx, a.ID, Result{Outcome: OutcomeAbandoned, SIPCode: 200}); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Block(w.ctx, got[1], "{}", "dnc", nil); err != nil {
			t.Fatal(err)
		}
		calls, err := w.store.CallsSince(w.ctx, contacts[0].Phone, w.clock.Now().Add(-time.Hour))
		if err != nil || len(calls) != 1 || calls[0].Outcome != string(OutcomeAbandoned) || calls[0].CampaignID != camp.ID {
			t.Fatalf("CallsSince = %+v, %v", calls, err)
		}
		if calls, _ := w.store.CallsSince(w.ctx, contacts[0].Phone, w.clock.Now().Add(time.Minute)); len(calls) != 0 {
			t.Fatalf("CallsSince after the call = %+v", calls)
		}
		if calls, _ := w.store.CallsSince(w.ctx, contacts[1].Phone, time.Time{}); len(calls) != 1 || calls[0].Outcome != string(OutcomeBlocked) {
			t.Fatalf("CallsSince of the blocked number = %+v", calls)
		}
	})
}
