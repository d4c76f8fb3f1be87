package campaigns

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/alo-dialer/alo/compliance"
	"github.com/alo-dialer/alo/input"
	"github.com/alo-dialer/alo/sqldb"
)

// callbackWorld is a store at a fixed time with one campaign (09:00–18:00
// in Tashkent, ending in 30 days) whose answered calls by agent 7 a test
// disposes.
type callbackWorld struct {
	t     *testing.T
	s     *Store
	clock *testClock
	camp  Campaign
	n     int
}

// tashkent10am is 10:00 in Tashkent (UTC+5) on a Thursday.
var tashkent10am = time.Date(2027, 1, 14, 5, 0, 0, 0, time.UTC)

func newCallbackWorld(t *testing.T, db *sqldb.DB) *callbackWorld {
	t.Helper()
	ctx := context.Background()
	clock := &testClock{now: tashkent10am}
	w := &callbackWorld{t: t, s: NewStore(db, clock.Now), clock: clock}
	cl, err := w.s.CreateClient(ctx, "Bank")
	if err != nil {
		t.Fatal(err)
	}
	ends := tashkent10am.Add(30 * 24 * time.Hour)
	w.camp, err = w.s.CreateCampaign(ctx, Campaign{ClientID: cl.ID, Name: "cards", TimeZone: "Asia/Tashkent",
		DailyStart: 9 * 60, DailyEnd: 18 * 60, EndsAt: &ends})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// answered adds a contact and returns its first attempt, answered by agent 7 and ended.
func (w *callbackWorld) answered(nc NewContact) Attempt {
	w.t.Helper()
	ctx := context.Background()
	w.n++
	if nc.Phone == "" {
		nc.Phone = fmt.Sprintf("+9989012%05d", w.n)
	}
	res, err := w.s.UpsertContacts(ctx, w.camp.ID, []NewContact{nc})
	if err != nil {
		w.t.Fatal(err)
	}
	if _, err := w.s.QueueDue(ctx, w.camp.ID, w.clock.Now(), 0); err != nil {
		w.t.Fatal(err)
	}
	a, err := w.s.BeginDialing(ctx, AttemptKey{CampaignID: w.camp.ID, ContactID: res.Added[0].ID, Number: 1}, DialingInfo{AgentID: 7})
	if err != nil {
		w.t.Fatal(err)
	}
	if err := w.s.MarkAnswered(ctx, a.ID, w.clock.Now()); err != nil {
		w.t.Fatal(err)
	}
	if err := w.s.Finish(ctx, a.ID, Result{Outcome: OutcomeHuman}); err != nil {
		w.t.Fatal(err)
	}
	return a
}

func at(d time.Duration) *time.Time { t := tashkent10am.Add(d); return &t }

// TestCallbackFor: "me" (or nothing) offers the callback to the agent who
// took the call, "anyone" to the pool, anything else is refused naming
// callback_for; a later disposition of the callback settles the promise.
func TestCallbackFor(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		w := newCallbackWorld(t, db)
		cases := []struct {
			name, forWhom string
			wantAgent     int64
			bad           bool
		}{
			{"default is me", "", 7, false},
			{"me", CallbackForMe, 7, false},
			{"anyone", CallbackForAnyone, 0, false},
			{"someone else", "boss", 0, true},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				a := w.answered(NewContact{})
				_, err := w.s.Dispose(ctx, DisposeRequest{AttemptID: a.ID, Code: "callback", CallbackAt: at(2 * time.Hour), CallbackFor: c.forWhom})
				if c.bad {
					var ie *input.Error
					if !errors.As(err, &ie) || ie.Problems[0].Field != "callback_for" {
						t.Fatalf("callback_for %q: %v", c.forWhom, err)
					}
					if ct, _ := w.s.GetContact(ctx, a.ContactID); ct.State != ContactDone || ct.CallbackAt != nil {
						t.Fatalf("a refused callback changed the contact: %+v", ct)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				ct, err := w.s.GetContact(ctx, a.ContactID)
				if err != nil {
					t.Fatal(err)
				}
				if ct.CallbackAgentID != c.wantAgent || ct.CallbackAt == nil || !ct.CallbackAt.Equal(*at(2 * time.Hour)) ||
					ct.Priority != callbackPriority || !ct.NextDueAt.Equal(*at(2 * time.Hour)) {
					t.Fatalf("contact after callback for %q: %+v", c.forWhom, ct)
				}
			})
		}

		// The callback is made and answered: its disposition settles it.
		a := w.answered(NewContact{})
		if _, err := w.s.Dispose(ctx, DisposeRequest{AttemptID: a.ID, Code: "callback", CallbackAt: at(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		w.clock.Advance(time.Hour)
		due, err := w.s.QueueDue(ctx, w.camp.ID, w.clock.Now(), 0)
		if err != nil || len(due) != 1 || due[0].Key.ContactID != a.ContactID {
			t.Fatalf("due %+v %v", due, err)
		}
		cb, err := w.s.BeginDialing(ctx, due[0].Key, DialingInfo{AgentID: 7})
		if err != nil {
			t.Fatal(err)
		}
		_ = w.s.MarkAnswered(ctx, cb.ID, w.clock.Now())
		if err := w.s.Finish(ctx, cb.ID, Result{Outcome: OutcomeHuman}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.s.Dispose(ctx, DisposeRequest{AttemptID: cb.ID, Code: "retry"}); err != nil {
			t.Fatal(err)
		}
		ct, _ := w.s.GetContact(ctx, a.ContactID)
		if ct.CallbackAgentID != 0 || ct.CallbackAt != nil || ct.Priority != 0 || ct.State != ContactScheduled {
			t.Fatalf("after the callback was disposed retry: %+v", ct)
		}
	})
}

// windowFunc is a WindowCheck answering d (or err).
func windowFunc(d compliance.Decision, err error) WindowCheck {
	return func(context.Context, compliance.Request) (compliance.Decision, error) { return d, err }
}

// TestCallbackTime: a callback's time must be in the future, within 90
// days, before the campaign's end and the contact's deadline, and inside
// the calling window: the campaign's hours in the contact's zone without a
// gate, the gate's verdict with one (whose error does not block).
func TestCallbackTime(t *testing.T) {
	deadline := tashkent10am.Add(48 * time.Hour)
	next := time.Date(2027, 1, 15, 4, 0, 0, 0, time.UTC)
	cases := []struct {
		name    string
		at      time.Duration
		zone    string // the contact's
		window  WindowCheck
		reasons []string // in the refusal; none: accepted
	}{
		{"in an hour", time.Hour, "", nil, nil},
		{"now", 0, "", nil, []string{"in the future"}},
		{"an hour ago", -time.Hour, "", nil, []string{"in the future"}},
		{"too far ahead", 91 * 24 * time.Hour, "", nil, []string{"more than 90 days"}},
		{"after the campaign ends", 31 * 24 * time.Hour, "", nil, []string{"after the campaign ends"}},
		{"after the contact's deadline", 72 * time.Hour, "", nil, []string{"last calling time", "2027-01-16 10:00 +05"}},
		{"after the campaign's hours", 9 * time.Hour, "", nil, []string{"outside the campaign's calling hours", "19:00", "09:00–18:00 in Asia/Tashkent"}},
		{"inside the hours in the contact's own zone", 9 * time.Hour, "Europe/Moscow", nil, nil}, // 17:00 in Moscow
		{"the gate allows", 9 * time.Hour, "", windowFunc(compliance.Decision{Allow: true, Verdict: compliance.Allow}, nil), nil},
		{"the gate defers", time.Hour, "", windowFunc(compliance.Decision{Verdict: compliance.Defer, NextAllowed: next,
			Reasons: []compliance.Reason{{Rule: compliance.RuleHoliday, Detail: "Uzbekistan public holiday"}}}, nil),
			[]string{"outside the times", "Uzbekistan public holiday", "earliest allowed is 2027-01-15 09:00", "2027-01-15T09:00:00+05:00"}},
		{"no common hours", time.Hour, "", windowFunc(compliance.Decision{Verdict: compliance.Deny,
			Reasons: []compliance.Reason{{Rule: compliance.RuleNoCommonHours, Detail: "no instant in the next 14 days"}}}, nil),
			[]string{"no instant in the next 14 days"}},
		{"denied for DNC: the dial's gate decides", time.Hour, "", windowFunc(compliance.Decision{Verdict: compliance.Deny,
			Reasons: []compliance.Reason{{Rule: compliance.RuleDNC, Detail: "listed"}}}, nil), nil},
		{"the gate fails: accepted", time.Hour, "", windowFunc(compliance.Decision{Verdict: compliance.Deny}, errors.New("tz data")), nil},
	}
	w := newCallbackWorld(t, newMigratedSQLiteDB(t))
	ctx := context.Background()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w.s.CheckCallbacksWith(c.window)
			a := w.answered(NewContact{TimeZone: c.zone})
			if _, err := w.s.db.ExecContext(ctx, `UPDATE contacts SET deadline_at = $1 WHERE id = $2`, ms(deadline), a.ContactID); err != nil {
				t.Fatal(err)
			}
			_, err := w.s.Dispose(ctx, DisposeRequest{AttemptID: a.ID, Code: "callback", CallbackAt: at(c.at)})
			if len(c.reasons) == 0 {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var ie *input.Error
			if !errors.As(err, &ie) || len(ie.Problems) != 1 || ie.Problems[0].Field != "callback_at" {
				t.Fatalf("want a callback_at problem, got %v", err)
			}
			for _, r := range c.reasons {
				if !strings.Contains(ie.Problems[0].Reason, r) {
					t.Errorf("reason %q lacks %q", ie.Problems[0].Reason, r)
				}
			}
			if got, _ := w.s.GetAttempt(ctx, a.ID); got.Disposition != "" {
				t.Fatalf("a refused callback was recorded: %+v", got)
			}
		})
	}
}

// TestCallbacks: an agent's open callbacks in a day, earliest first; not
// another agent's, not the pool's, not settled ones, not other days.
func TestCallbacks(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		w := newCallbackWorld(t, db)
		promise := func(name string, in time.Duration, forWhom string) Attempt {
			t.Helper()
			a := w.answered(NewContact{Name: name})
			if _, err := w.s.Dispose(ctx, DisposeRequest{AttemptID: a.ID, Code: "callback", CallbackAt: at(in), CallbackFor: forWhom}); err != nil {
				t.Fatal(err)
			}
			return a
		}
		promise("Late", 7*time.Hour, "")
		promise("Early", 2*time.Hour, "")
		promise("Pool", 3*time.Hour, CallbackForAnyone)
		promise("Tomorrow", 24*time.Hour, "")
		kept := promise("Kept", 4*time.Hour, "")
		if _, err := w.s.db.ExecContext(ctx, `UPDATE contacts SET state = 'done' WHERE id = $1`, kept.ContactID); err != nil {
			t.Fatal(err)
		}
		loc, _ := time.LoadLocation("Asia/Tashkent")
		from := time.Date(2027, 1, 14, 0, 0, 0, 0, loc)
		got, err := w.s.Callbacks(ctx, 7, from, from.AddDate(0, 0, 1))
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, cb := range got {
			names = append(names, cb.Name)
			if cb.CampaignName != "cards" || cb.CampaignID != w.camp.ID || cb.Phone == "" || cb.State != ContactScheduled || cb.ClientID == 0 {
				t.Errorf("callback %+v", cb)
			}
		}
		if strings.Join(names, ",") != "Early,Late" || !got[0].At.Equal(*at(2 * time.Hour)) {
			t.Fatalf("callbacks of agent 7 today: %v (%+v)", names, got)
		}
		if other, err := w.s.Callbacks(ctx, 8, from, from.AddDate(0, 0, 1)); err != nil || len(other) != 0 {
			t.Fatalf("agent 8: %+v %v", other, err)
		}
	})
}
