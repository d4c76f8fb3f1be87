package campaigns

import (
	"context"
	"testing"
	"time"

	"github.com/alo-dialer/alo/compliance"
	"github.com/alo-dialer/alo/sqldb"
)

// windowGate defers contacts in one zone to a fixed instant and allows the
// rest; the feeder must only move due times, never decide a call.
type windowGate struct {
	closedZone string
	opens      time.Time
	asked      []compliance.Request
}

func (g *windowGate) Check(_ context.Context, r compliance.Request) (compliance.Decision, error) {
	g.asked = append(g.asked, r)
	if r.Zone == g.closedZone {
		return compliance.Decision{Verdict: compliance.Defer, NextAllowed: g.opens, Reason: "calling_window"}, nil
	}
	return compliance.Decision{Allow: true, Verdict: compliance.Allow}, nil
}

func TestFeederMovesDueTimesToTheWindow(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		w := newTestWorld(t, db)
		camp, _ := w.campaign(t, Campaign{}, 0)
		opens := w.clock.Now().Add(3 * time.Hour).Truncate(time.Millisecond)
		gate := &windowGate{closedZone: "America/New_York", opens: opens}
		w.feeder.Gate = gate
		added, err := w.store.AddContacts(w.ctx, camp.ID, []NewContact{
			{Phone: "+998900000301", TimeZone: "Asia/Tashkent"},
			{Phone: "+12125550123", TimeZone: "America/New_York"},
		})
		if err != nil {
			t.Fatal(err)
		}
		n, err := w.feeder.RunOnce(w.ctx)
		if err != nil || n != 1 {
			t.Fatalf("feeder created %d tasks, %v; want 1 (the other is outside its window)", n, err)
		}
		open, closed := w.contact(t, added[0].ID), w.contact(t, added[1].ID)
		if open.State != ContactQueued || open.Attempts != 1 {
			t.Errorf("contact in its window: %s with %d attempts, want queued with 1", open.State, open.Attempts)
		}
		if closed.State != ContactScheduled || closed.Attempts != 0 || closed.NextDueAt == nil || !closed.NextDueAt.Equal(opens) {
			t.Errorf("contact outside its window: %s, %d attempts, due %v; want scheduled, 0 attempts, due %v",
				closed.State, closed.Attempts, closed.NextDueAt, opens)
		}
		// The gate saw the campaign's settings and the contact's own zone.
		if len(gate.asked) != 2 || gate.asked[0].CampaignID != camp.ID || gate.asked[0].Window.End != camp.DailyEnd {
			t.Errorf("gate asked %+v", gate.asked)
		}
		// Nothing more until the window opens; then it is queued.
		if n, _ := w.feeder.RunOnce(w.ctx); n != 0 {
			t.Fatalf("second run created %d tasks before the window opened", n)
		}
		w.clock.Advance(opens.Sub(w.clock.Now()) - time.Minute)
		gate.closedZone = ""
		if n, err := w.feeder.RunOnce(w.ctx); err != nil || n != 1 {
			t.Fatalf("run at the window created %d tasks, %v; want 1", n, err)
		}
		if c := w.contact(t, added[1].ID); c.State != ContactQueued || c.Attempts != 1 {
			t.Errorf("after the window opened: %s with %d attempts", c.State, c.Attempts)
		}
	})
}
