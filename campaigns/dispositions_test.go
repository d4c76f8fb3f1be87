package campaigns

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/alo-dialer/alo/sqldb"
)

// TestDispose: each meaning applied to the contact on both engines, the
// codes a campaign adds, and the refusals (unknown code, unanswered or
// running attempt, a second different code).
func TestDispose(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s, clock := newTestStore(t, db)
		cl, _ := s.CreateClient(ctx, "Bank")
		// Round the clock: the callbacks below are promised for the wall
		// clock's "in two hours", whatever the hour the test runs at.
		camp, _ := s.CreateCampaign(ctx, Campaign{ClientID: cl.ID, Name: "list", MaxAttempts: 3, RetryDelay: 10 * time.Minute,
			DailyStart: 0, DailyEnd: 24 * 60})
		// call dials contact nc once and ends it with o (answered unless no_answer).
		call := func(nc NewContact, o Outcome) Attempt {
			t.Helper()
			res, err := s.UpsertContacts(ctx, camp.ID, []NewContact{nc})
			if err != nil {
				t.Fatal(err)
			}
			ct := res.Added[0]
			if _, err := s.QueueDue(ctx, camp.ID, clock.Now(), 0); err != nil {
				t.Fatal(err)
			}
			a, err := s.BeginDialing(ctx, AttemptKey{CampaignID: camp.ID, ContactID: ct.ID, Number: 1}, DialingInfo{AgentID: 7})
			if err != nil {
				t.Fatal(err)
			}
			if o != OutcomeNoAnswer {
				if err := s.MarkAnswered(ctx, a.ID, clock.Now()); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.Finish(ctx, a.ID, Result{Outcome: o}); err != nil {
				t.Fatal(err)
			}
			return a
		}
		contactOf := func(a Attempt) Contact {
			t.Helper()
			c, err := s.GetContact(ctx, a.ContactID)
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		in := func(d time.Duration) *time.Time { v := clock.Now().Add(d); return &v }

		// Callback: scheduled at the promised time, for the same agent first.
		a := call(NewContact{Phone: "+77011000101"}, OutcomeHuman)
		got, err := s.Dispose(ctx, DisposeRequest{AttemptID: a.ID, Code: "callback", Notes: "after 6 pm", By: 3, CallbackAt: in(2 * time.Hour)})
		if err != nil || got.Meaning != MeaningCallback || got.Attempt.Disposition != "callback" || got.Attempt.DispositionNotes != "after 6 pm" {
			t.Fatalf("callback: %+v %v", got, err)
		}
		var cbAgent int64
		var prio int
		if err := db.QueryRow(`SELECT callback_agent_id, priority FROM contacts WHERE id = $1`, a.ContactID).Scan(&cbAgent, &prio); err != nil {
			t.Fatal(err)
		}
		if c := contactOf(a); c.State != ContactScheduled || !c.NextDueAt.Equal(*in(2 * time.Hour)) || cbAgent != 7 || prio != callbackPriority {
			t.Fatalf("after callback: %+v agent %d priority %d", c, cbAgent, prio)
		}
		if _, err := s.Dispose(ctx, DisposeRequest{AttemptID: a.ID, Code: "callback", CallbackAt: in(2 * time.Hour)}); err != nil {
			t.Fatalf("same code again: %v", err)
		}
		if _, err := s.Dispose(ctx, DisposeRequest{AttemptID: a.ID, Code: "completed"}); !errors.Is(err, ErrConflict) {
			t.Fatalf("another code: %v", err)
		}

		// Do not call: done, and the number handed back for the DNC list.
		a = call(NewContact{Phone: "+77011000102"}, OutcomeHuman)
		got, err = s.Dispose(ctx, DisposeRequest{AttemptID: a.ID, Code: "do_not_call"})
		if err != nil || got.Phone != "+77011000102" || contactOf(a).CloseReason != CloseDoNotCall {
			t.Fatalf("dnc: %+v %v %+v", got, err, contactOf(a))
		}

		// Wrong number: the contact's next number, due now.
		a = call(NewContact{Phone: "+77011000103", MorePhones: []string{"+77021000103"}}, OutcomeHuman)
		if _, err := s.Dispose(ctx, DisposeRequest{AttemptID: a.ID, Code: "wrong_number"}); err != nil {
			t.Fatal(err)
		}
		if c := contactOf(a); c.State != ContactScheduled || c.Phone != "+77021000103" {
			t.Fatalf("wrong number: %+v", c)
		}

		// A campaign's own code with a meaning; retry after the delay.
		if _, err := s.SetDispositions(ctx, camp.ID, []Disposition{{Code: "card_activated", Label: "Card activated", Meaning: MeaningSuccess},
			{Code: "busy_now", Meaning: MeaningRetry}, {Code: "callback", Label: "Перезвонить"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SetDispositions(ctx, camp.ID, []Disposition{{Code: "callback", Meaning: MeaningSuccess}}); !errors.Is(err, ErrInvalid) {
			t.Fatalf("re-meaning a built-in code: %v", err)
		}
		if _, err := s.SetDispositions(ctx, camp.ID, []Disposition{{Code: "Bad Code", Meaning: MeaningSuccess}}); !errors.Is(err, ErrInvalid) {
			t.Fatalf("bad code: %v", err)
		}
		ds, _ := s.Dispositions(ctx, camp.ID)
		labels := map[string]string{}
		for _, d := range ds {
			labels[d.Code] = d.Label
		}
		if labels["callback"] != "Перезвонить" || labels["card_activated"] != "Card activated" {
			t.Fatalf("dispositions %+v", ds)
		}
		a = call(NewContact{Phone: "+77011000104"}, OutcomeHuman)
		if _, err := s.Dispose(ctx, DisposeRequest{AttemptID: a.ID, Code: "busy_now"}); err != nil {
			t.Fatal(err)
		}
		if c := contactOf(a); c.State != ContactScheduled || !c.NextDueAt.Equal(*in(10 * time.Minute)) {
			t.Fatalf("retry: %+v", c)
		}

		// Refusals.
		answered := a
		a = call(NewContact{Phone: "+77011000105"}, OutcomeNoAnswer)
		if _, err := s.Dispose(ctx, DisposeRequest{AttemptID: a.ID, Code: "completed"}); !errors.Is(err, ErrConflict) {
			t.Fatalf("unanswered: %v", err)
		}
		if _, err := s.Dispose(ctx, DisposeRequest{AttemptID: a.ID, Code: "nope"}); !errors.Is(err, ErrInvalid) {
			t.Fatalf("unknown code: %v", err)
		}
		if _, err := s.Dispose(ctx, DisposeRequest{AttemptID: answered.ID, Code: "callback"}); !errors.Is(err, ErrInvalid) {
			t.Fatalf("callback without time: %v", err)
		}
	})
}

// TestDisposeReschedule: a reminder moved to a new appointment is due again
// its lead time before it.
func TestDisposeReschedule(t *testing.T) {
	db := newMigratedSQLiteDB(t)
	ctx := context.Background()
	s, clock := newTestStore(t, db)
	cl, _ := s.CreateClient(ctx, "Clinic")
	camp, _ := s.CreateCampaign(ctx, Campaign{ClientID: cl.ID, Name: "r", Type: TypeAppointmentReminder})
	appt := clock.Now().Add(25 * time.Hour)
	res, _ := s.UpsertContacts(ctx, camp.ID, []NewContact{{Phone: "+77011000201", AppointmentAt: &appt}})
	clock.Advance(time.Hour)
	due, _ := s.QueueDue(ctx, camp.ID, clock.Now(), 0)
	a, err := s.BeginDialing(ctx, due[0].Key, DialingInfo{})
	if err != nil {
		t.Fatal(err)
	}
	_ = s.MarkAnswered(ctx, a.ID, clock.Now())
	if err := s.Finish(ctx, a.ID, Result{Outcome: OutcomeHuman}); err != nil {
		t.Fatal(err)
	}
	moved := appt.Add(72 * time.Hour)
	if _, err := s.Dispose(ctx, DisposeRequest{AttemptID: a.ID, Code: "reschedule", AppointmentAt: &moved}); err != nil {
		t.Fatal(err)
	}
	c, _ := s.GetContact(ctx, res.Added[0].ID)
	if c.State != ContactScheduled || !c.NextDueAt.Equal(moved.Add(-24*time.Hour)) || !c.AppointmentAt.Equal(moved) ||
		!c.DeadlineAt.Equal(moved.Add(-2*time.Hour)) {
		t.Fatalf("rescheduled: %+v", c)
	}
}
