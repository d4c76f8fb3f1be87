package campaigns

import (
	"context"
	"testing"
	"time"

	"github.com/alo-dialer/alo/sqldb"
)

// TestAgentDayAndHistory: an agent's day counts the calls bridged to them
// and their talk time, their success and callback dispositions (by the
// campaign's meanings), and the callbacks promised to them that are due;
// a contact's history lists its attempts newest first.
func TestAgentDayAndHistory(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s, clock := newTestStore(t, db)
		cl, _ := s.CreateClient(ctx, "Bank")
		// Calling all day: a callback is refused outside the calling
		// hours, and this test's clock starts at the wall clock's time.
		camp, _ := s.CreateCampaign(ctx, Campaign{ClientID: cl.ID, Name: "list", MaxAttempts: 3, RetryDelay: time.Minute, DailyStart: 0, DailyEnd: 1440})
		if _, err := s.SetDispositions(ctx, camp.ID, []Disposition{{Code: "card_activated", Meaning: MeaningSuccess}}); err != nil {
			t.Fatal(err)
		}
		dayStart := clock.Now()
		// call bridges contact ct's next attempt to agent for talk, ends it
		// and disposes it with code.
		call := func(ct Contact, number int, agent int64, talk time.Duration, code string, cbAt *time.Time) Attempt {
			t.Helper()
			if _, err := s.QueueDue(ctx, camp.ID, clock.Now().Add(4*time.Hour), 0); err != nil {
				t.Fatal(err)
			}
			a, err := s.BeginDialing(ctx, AttemptKey{CampaignID: camp.ID, ContactID: ct.ID, Number: number}, DialingInfo{AgentID: agent})
			if err != nil {
				t.Fatal(err)
			}
			if err := s.MarkAnswered(ctx, a.ID, clock.Now()); err != nil {
				t.Fatal(err)
			}
			if err := s.MarkBridged(ctx, a.ID, agent, clock.Now()); err != nil {
				t.Fatal(err)
			}
			clock.Advance(talk)
			if err := s.Finish(ctx, a.ID, Result{Outcome: OutcomeHuman}); err != nil {
				t.Fatal(err)
			}
			if code != "" {
				if _, err := s.Dispose(ctx, DisposeRequest{AttemptID: a.ID, Code: code, CallbackAt: cbAt}); err != nil {
					t.Fatal(err)
				}
			}
			return a
		}
		added, err := s.AddContacts(ctx, camp.ID, []NewContact{{Phone: "+77011000201"}, {Phone: "+77011000202"}, {Phone: "+77011000203"}})
		if err != nil {
			t.Fatal(err)
		}
		cb := clock.Now().Add(3 * time.Hour)
		first := call(added[0], 1, 7, 90*time.Second, "callback", &cb)
		call(added[1], 1, 7, 30*time.Second, "card_activated", nil)
		call(added[2], 1, 8, 45*time.Second, "completed", nil)  // another agent's
		second := call(added[0], 2, 7, 20*time.Second, "", nil) // the callback, not yet disposed

		tests := []struct {
			name     string
			agent    int64
			from, to time.Time
			want     AgentDay
		}{
			{"agent 7 today", 7, dayStart, dayStart.Add(24 * time.Hour),
				AgentDay{Calls: 3, Talk: 140 * time.Second, Successes: 1, CallbacksSet: 1, CallbacksDue: 0}},
			{"agent 8 today", 8, dayStart, dayStart.Add(24 * time.Hour), AgentDay{Calls: 1, Talk: 45 * time.Second, Successes: 1}},
			{"agent 7 yesterday", 7, dayStart.Add(-24 * time.Hour), dayStart, AgentDay{}},
		}
		for _, tt := range tests {
			got, err := s.AgentDay(ctx, tt.agent, tt.from, tt.to)
			if err != nil || got != tt.want {
				t.Errorf("%s: %+v, %v; want %+v", tt.name, got, err, tt.want)
			}
		}
		// A callback promised and not yet called is due.
		if _, err := s.Dispose(ctx, DisposeRequest{AttemptID: second.ID, Code: "callback", CallbackAt: &cb}); err != nil {
			t.Fatal(err)
		}
		if got, err := s.AgentDay(ctx, 7, dayStart, dayStart.Add(24*time.Hour)); err != nil || got.CallbacksDue != 1 || got.CallbacksSet != 2 {
			t.Errorf("after a second callback: %+v, %v; want 1 due, 2 set", got, err)
		}
		if got, _ := s.AgentDay(ctx, 7, dayStart, cb); got.CallbacksDue != 0 {
			t.Errorf("a callback due after the span counted: %+v", got)
		}

		hist, err := s.ContactHistory(ctx, added[0].ID, 0)
		if err != nil || len(hist) != 2 || hist[0].ID != second.ID || hist[1].ID != first.ID || hist[1].Disposition != "callback" {
			t.Fatalf("history %+v, %v; want the callback's attempt then the first", hist, err)
		}
	})
}
