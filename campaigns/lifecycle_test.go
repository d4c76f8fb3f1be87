package campaigns

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/alo-dialer/alo/sqldb"
)

// TestCampaignLife walks campaigns through their life on both engines:
// scheduled until the start date, stopped with every open contact closed
// per contact, a list completing when its last contact is done, an end
// date closing what is left, a welcome call past its deadline closed not
// dialed, a reminder inside its cut-off never called, and no contacts
// accepted by a finished campaign.
func TestCampaignLife(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s, clock := newTestStore(t, db)
		cl, _ := s.CreateClient(ctx, "Bank")
		now := clock.Now()
		mk := func(c Campaign) Campaign {
			t.Helper()
			c.ClientID = cl.ID
			if c.Name == "" {
				c.Name = string(c.Type)
			}
			c, err := s.CreateCampaign(ctx, c)
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		add := func(c Campaign, in ...NewContact) []Contact {
			t.Helper()
			res, err := s.UpsertContacts(ctx, c.ID, in)
			if err != nil {
				t.Fatal(err)
			}
			return res.Added
		}
		status := func(id int64) Campaign {
			t.Helper()
			c, err := s.GetCampaign(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		contact := func(id int64) Contact {
			t.Helper()
			c, err := s.GetContact(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			return c
		}

		// Scheduled until its start date, then running.
		starts := now.Add(time.Hour)
		sched := mk(Campaign{Type: TypeOutboundList, StartsAt: &starts})
		if c, err := s.Start(ctx, sched.ID); err != nil || c.Status != StatusScheduled {
			t.Fatalf("start before the date: %v %v", c.Status, err)
		}
		clock.Advance(time.Hour)
		if err := s.Advance(ctx, clock.Now()); err != nil {
			t.Fatal(err)
		}
		if st := status(sched.ID).Status; st != StatusRunning {
			t.Fatalf("at the start date: %s", st)
		}

		// Stop closes what is scheduled and queued, per contact, with why.
		stop := mk(Campaign{Type: TypeOutboundList})
		cs := add(stop, NewContact{Phone: "+77011000001"}, NewContact{Phone: "+77011000002"}, NewContact{Phone: "+77011000003"})
		if _, err := s.Start(ctx, stop.ID); err != nil {
			t.Fatal(err)
		}
		due, err := s.QueueDue(ctx, stop.ID, clock.Now(), 1)
		if err != nil || len(due) != 1 {
			t.Fatalf("queue: %v %v", due, err)
		}
		a, err := s.BeginDialing(ctx, due[0].Key, DialingInfo{Node: "n1"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.QueueDue(ctx, stop.ID, clock.Now(), 1); err != nil {
			t.Fatal(err)
		}
		c, err := s.Stop(ctx, stop.ID, "client withdrew the list")
		if err != nil || c.Status != StatusStopped || c.StopReason != "client withdrew the list" || c.EndedAt == nil {
			t.Fatalf("stop: %+v %v", c, err)
		}
		for _, ct := range cs[1:] {
			if got := contact(ct.ID); got.State != ContactDone || got.CloseReason != CloseStopped || got.Attempts != 0 {
				t.Fatalf("after stop: %+v", got)
			}
		}
		if got := contact(cs[0].ID); got.State != ContactDialing {
			t.Fatalf("the call in progress: %+v", got)
		}
		if err := s.Finish(ctx, a.ID, Result{Outcome: OutcomeHuman}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Start(ctx, stop.ID); !errors.Is(err, ErrConflict) {
			t.Fatalf("restart a stopped campaign: %v", err)
		}
		if _, err := s.UpsertContacts(ctx, stop.ID, []NewContact{{Phone: "+77011000009"}}); !errors.Is(err, ErrConflict) {
			t.Fatalf("add to a stopped campaign: %v", err)
		}

		// A list completes when its last contact is done.
		list := mk(Campaign{Type: TypeOutboundList})
		one := add(list, NewContact{Phone: "+77011000011"})
		if _, err := s.Start(ctx, list.ID); err != nil {
			t.Fatal(err)
		}
		due, _ = s.QueueDue(ctx, list.ID, clock.Now(), 0)
		a, _ = s.BeginDialing(ctx, due[0].Key, DialingInfo{})
		if err := s.Advance(ctx, clock.Now()); err != nil || status(list.ID).Status != StatusRunning {
			t.Fatalf("completed while dialing: %v", err)
		}
		if err := s.Finish(ctx, a.ID, Result{Outcome: OutcomeHuman}); err != nil {
			t.Fatal(err)
		}
		if err := s.Advance(ctx, clock.Now()); err != nil || status(list.ID).Status != StatusCompleted {
			t.Fatalf("list done: %s %v", status(list.ID).Status, err)
		}
		if got := contact(one[0].ID); got.CloseReason != CloseSuccess {
			t.Fatalf("reached contact: %+v", got)
		}

		// Welcome call: called after the delay, closed at its deadline.
		welcome := mk(Campaign{Type: TypeWelcomeCall, Schedule: Schedule{FirstDelay: time.Minute, Deadline: time.Hour}})
		w := add(welcome, NewContact{Phone: "+77011000021"}, NewContact{Phone: "+77011000022"})
		if _, err := s.Start(ctx, welcome.ID); err != nil {
			t.Fatal(err)
		}
		if due, _ := s.QueueDue(ctx, welcome.ID, clock.Now(), 0); len(due) != 0 {
			t.Fatalf("queued before the delay: %v", due)
		}
		clock.Advance(time.Minute)
		due, _ = s.QueueDue(ctx, welcome.ID, clock.Now(), 1)
		if len(due) != 1 {
			t.Fatalf("after the delay: %v", due)
		}
		clock.Advance(time.Hour)
		if n, err := s.CloseExpired(ctx, welcome, clock.Now()); err != nil || n != 1 {
			t.Fatalf("close expired: %d %v", n, err)
		}
		// The queued one waited past the deadline: refused at dialing, closed.
		if _, err := s.BeginDialing(ctx, due[0].Key, DialingInfo{}); !errors.Is(err, ErrAlreadyDialed) {
			t.Fatalf("dialing past the deadline: %v", err)
		}
		for _, ct := range w {
			if got := contact(ct.ID); got.State != ContactDone || got.CloseReason != CloseDeadline || got.Attempts != 0 {
				t.Fatalf("welcome past deadline: %+v", got)
			}
		}

		// Reminder: one inside the cut-off is never called; one in time is
		// due a day before; a contact without an appointment is refused.
		rem := mk(Campaign{Type: TypeAppointmentReminder})
		soon, later := clock.Now().Add(time.Hour), clock.Now().Add(48*time.Hour)
		r := add(rem, NewContact{Phone: "+77011000031", AppointmentAt: &soon}, NewContact{Phone: "+77011000032", AppointmentAt: &later})
		if r[0].State != ContactDone || r[0].CloseReason != CloseCutOff || r[1].NextDueAt == nil || !r[1].NextDueAt.Equal(later.Add(-24*time.Hour)) {
			t.Fatalf("reminders: %+v", r)
		}
		if _, err := s.UpsertContacts(ctx, rem.ID, []NewContact{{Phone: "+77011000033"}}); !errors.Is(err, ErrInvalid) {
			t.Fatalf("reminder without appointment: %v", err)
		}

		// An end date completes the campaign and closes what is left.
		ends := clock.Now().Add(time.Hour)
		ending := mk(Campaign{Type: TypeOutboundList, Name: "ending", EndsAt: &ends})
		e := add(ending, NewContact{Phone: "+77011000041"})
		if _, err := s.Start(ctx, ending.ID); err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Hour)
		if err := s.Advance(ctx, clock.Now()); err != nil {
			t.Fatal(err)
		}
		if c := status(ending.ID); c.Status != StatusCompleted || contact(e[0].ID).CloseReason != CloseEnded {
			t.Fatalf("end date: %+v %+v", c, contact(e[0].ID))
		}
	})
}
