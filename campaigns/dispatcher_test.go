package campaigns

import (
	"errors"
	"testing"
	"time"

	"github.com/alo-dialer/alo/sqldb"
)

func TestDispatcher(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		w := newTestWorld(t, db)
		camp, _ := w.campaign(t, Campaign{}, 3)
		w.feed(t, 3)
		w.drainAttemptTasks(t)
		d := w.dispatcher(t, "node-a", time.Minute)
		if n, err := d.QueueLen(w.ctx, camp.ID); err != nil || n != 3 {
			t.Fatalf("QueueLen = %d, %v", n, err)
		}
		got, err := d.Claim(w.ctx, camp.ID, 3)
		if err != nil || len(got) != 3 || got[0].Campaign.ID != camp.ID || got[0].Contact.State != ContactQueued {
			t.Fatalf("Claim = %+v, %v", got, err)
		}

		// Unclaim: back to ready, claimable again.
		if err := d.Unclaim(w.ctx, got[0]); err != nil {
			t.Fatal(err)
		}
		if n, _ := d.QueueLen(w.ctx, camp.ID); n != 1 {
			t.Fatalf("QueueLen after Unclaim = %d, want 1", n)
		}
		// Block: the gate said no; the claim ends, the contact waits.
		nextOpen := w.clock.Now().Add(12 * time.Hour)
		a, err := d.Block(w.ctx, got[1], `{"allow":false}`, "outside calling hours", &nextOpen)
		if err != nil || a.Outcome != OutcomeBlocked || a.Phone != got[1].Contact.Phone {
			t.Fatalf("Block = %+v, %v", a, err)
		}
		if cl, _ := w.ready.Claimed(w.ctx, got[1].Key); cl {
			t.Fatal("claim kept after Block")
		}
		if c := w.contact(t, got[1].Key.ContactID); c.State != ContactScheduled || !c.NextDueAt.Equal(nextOpen) {
			t.Fatalf("blocked contact = %+v", c)
		}
		if _, err := d.Dial(w.ctx, got[1], DialingInfo{}); !errors.Is(err, ErrAlreadyDialed) {
			t.Fatalf("Dial after Block err = %v, want ErrAlreadyDialed", err)
		}

		// A paused campaign gives its claims back.
		if err := w.store.SetStatus(w.ctx, camp.ID, StatusPaused); err != nil {
			t.Fatal(err)
		}
		if got, err := d.Claim(w.ctx, camp.ID, 3); !errors.Is(err, ErrConflict) || len(got) != 0 {
			t.Fatalf("Claim of a paused campaign = %+v, %v; want ErrConflict", got, err)
		}
		if n, _ := d.QueueLen(w.ctx, camp.ID); n != 1 {
			t.Fatalf("QueueLen after a paused Claim = %d, want 1 (given back)", n)
		}
		if err := w.store.SetStatus(w.ctx, camp.ID, StatusRunning); err != nil {
			t.Fatal(err)
		}
		again, err := d.Claim(w.ctx, camp.ID, 3)
		if err != nil || len(again) != 1 || again[0].Key != got[0].Key {
			t.Fatalf("Claim after resume = %+v, %v", again, err)
		}
		a, err = d.Dial(w.ctx, again[0], DialingInfo{AgentID: 3})
		if err != nil || a.Node != "node-a" || a.AgentID != 3 {
			t.Fatalf("Dial = %+v, %v", a, err)
		}
		if err := d.Finish(w.ctx, a.ID, Result{Outcome: OutcomeHuman, SIPCode: 200}); err != nil {
			t.Fatal(err)
		}
		if cl, _ := w.ready.Claimed(w.ctx, again[0].Key); cl {
			t.Fatal("claim kept after Dial")
		}
	})
}
