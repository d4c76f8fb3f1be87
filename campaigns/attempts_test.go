package campaigns

import (
	"context"
	"errors"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/alo-dialer/alo/sqldb"
)

// stateMachineFixture is a store with one campaign of contacts due now.
type stateMachineFixture struct {
	ctx      context.Context
	s        *Store
	clock    *testClock
	camp     Campaign
	contacts []Contact
}

func newStateMachineFixture(t *testing.T, db *sqldb.DB, c Campaign, n int) *stateMachineFixture {
	t.Helper()
	f := &stateMachineFixture{ctx: context.Background()}
	f.s, f.clock = newTestStore(t, db)
	cl, err := f.s.CreateClient(f.ctx, "Bank")
	if err != nil {
		t.Fatal(err)
	}
	c.ClientID, c.Name = cl.ID, "sm"
	if f.camp, err = f.s.CreateCampaign(f.ctx, c); err != nil {
		t.Fatal(err)
	}
	in := make([]NewContact, n)
	for i := range in {
		in[i] = NewContact{Phone: "+99890123456" + string(rune('0'+i%10))}
	}
	if f.contacts, err = f.s.AddContacts(f.ctx, f.camp.ID, in); err != nil {
		t.Fatal(err)
	}
	return f
}

// queueOne queues what is due and returns the key of the contact's
// queued attempt.
func (f *stateMachineFixture) queueOne(t *testing.T, contactID int64) AttemptKey {
	t.Helper()
	if _, err := f.s.QueueDue(f.ctx, f.camp.ID, f.clock.Now(), 0); err != nil {
		t.Fatal(err)
	}
	c := f.contact(t, contactID)
	if c.State != ContactQueued {
		t.Fatalf("contact %d not queued: %+v", contactID, c)
	}
	return AttemptKey{CampaignID: c.CampaignID, ContactID: c.ID, Number: c.Attempts}
}

func (f *stateMachineFixture) contact(t *testing.T, id int64) Contact {
	t.Helper()
	c, err := f.s.GetContact(f.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// sameContact compares contacts by value (NextDueAt is a pointer).
func sameContact(a, b Contact) bool {
	ad, bd := a.NextDueAt, b.NextDueAt
	a.NextDueAt, b.NextDueAt = nil, nil
	if !reflect.DeepEqual(a, b) || (ad == nil) != (bd == nil) {
		return false
	}
	return ad == nil || ad.Equal(*bd)
}

func TestQueueDue(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		f := newStateMachineFixture(t, db, Campaign{}, 3)
		now := f.clock.Now()
		soon := now.Add(2 * time.Minute)
		later := now.Add(time.Hour)
		if _, err := f.s.AddContacts(f.ctx, f.camp.ID, []NewContact{
			{Phone: "+998901110001", DueAt: &soon}, {Phone: "+998901110002", DueAt: &later}}); err != nil {
			t.Fatal(err)
		}
		// limit bounds the batch; earliest due first.
		first, err := f.s.QueueDue(f.ctx, f.camp.ID, now.Add(5*time.Minute), 2)
		if err != nil || len(first) != 2 {
			t.Fatalf("QueueDue(limit 2) = %+v, %v", first, err)
		}
		rest, err := f.s.QueueDue(f.ctx, f.camp.ID, now.Add(5*time.Minute), 10)
		if err != nil || len(rest) != 2 {
			t.Fatalf("QueueDue rest = %+v, %v (want the third contact and the one due in 2 min)", rest, err)
		}
		if !rest[1].DueAt.Equal(soon) || rest[1].Key.Number != 1 {
			t.Fatalf("rest[1] = %+v, want due %v attempt 1", rest[1], soon)
		}
		again, err := f.s.QueueDue(f.ctx, f.camp.ID, now.Add(5*time.Minute), 10)
		if err != nil || len(again) != 0 {
			t.Fatalf("QueueDue again = %+v, %v; want nothing (already queued)", again, err)
		}
		c := f.contact(t, first[0].Key.ContactID)
		if c.State != ContactQueued || c.Attempts != 1 {
			t.Fatalf("queued contact = %+v", c)
		}
		q, err := f.s.QueuedContacts(f.ctx, f.camp.ID, now.Add(time.Minute), 0)
		if err != nil || len(q) != 3 {
			t.Fatalf("QueuedContacts(due before +1m) = %+v, %v; want the 3 due now", q, err)
		}
	})
}

func TestAttemptLifecycle(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		tests := []struct {
			name       string
			maxAtt     int
			attempts   int // attempts made before the one that ends with result
			result     Result
			unknown    bool // end with MarkUnknown instead of Finish
			wantState  ContactState
			wantRetry  bool
			wantStored Outcome
		}{
			{name: "busy retries after delay", maxAtt: 3, result: Result{Outcome: OutcomeBusy, SIPCode: 486},
				wantState: ContactScheduled, wantRetry: true, wantStored: OutcomeBusy},
			{name: "human ends contact", maxAtt: 3, result: Result{Outcome: OutcomeHuman, SIPCode: 200, CallID: "abc@alo", MediaToAgent: 250},
				wantState: ContactDone, wantStored: OutcomeHuman},
			{name: "declined ends contact", maxAtt: 3, result: Result{Outcome: OutcomeDeclined, SIPCode: 603},
				wantState: ContactDone, wantStored: OutcomeDeclined},
			{name: "last attempt no answer ends contact", maxAtt: 2, attempts: 1, result: Result{Outcome: OutcomeNoAnswer},
				wantState: ContactDone, wantStored: OutcomeNoAnswer},
			{name: "unknown retries after delay", maxAtt: 3, unknown: true,
				wantState: ContactScheduled, wantRetry: true, wantStored: OutcomeUnknown},
			{name: "unknown on last attempt ends contact", maxAtt: 1, unknown: true,
				wantState: ContactDone, wantStored: OutcomeUnknown},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				f := newStateMachineFixture(t, db, Campaign{MaxAttempts: tt.maxAtt, RetryDelay: 20 * time.Minute}, 1)
				id := f.contacts[0].ID
				var a Attempt
				for i := 0; i <= tt.attempts; i++ {
					key := f.queueOne(t, id)
					var err error
					a, err = f.s.BeginDialing(f.ctx, key, DialingInfo{Node: "n1", Evidence: `{"allow":true}`, AgentID: 7})
					if err != nil {
						t.Fatal(err)
					}
					if c := f.contact(t, id); c.State != ContactDialing {
						t.Fatalf("contact while dialing = %+v", c)
					}
					if i < tt.attempts {
						if err := f.s.Finish(f.ctx, a.ID, Result{Outcome: OutcomeBusy}); err != nil {
							t.Fatal(err)
						}
						f.clock.Advance(20 * time.Minute)
					}
				}
				if a.Number != tt.attempts+1 || a.Phone != f.contacts[0].Phone || a.State != StateDialing {
					t.Fatalf("attempt = %+v", a)
				}
				f.clock.Advance(time.Second)
				if err := f.s.MarkAnswered(f.ctx, a.ID, f.clock.Now()); err != nil {
					t.Fatal(err)
				}
				if err := f.s.MarkBridged(f.ctx, a.ID, 0, f.clock.Now()); err != nil {
					t.Fatal(err)
				}
				if err := f.s.MarkAnswered(f.ctx, a.ID, f.clock.Now()); !errors.Is(err, ErrConflict) {
					t.Fatalf("second MarkAnswered err = %v, want ErrConflict", err)
				}
				f.clock.Advance(time.Minute)
				endAt := f.clock.Now()
				var err error
				if tt.unknown {
					err = f.s.MarkUnknown(f.ctx, a.ID)
				} else {
					err = f.s.Finish(f.ctx, a.ID, tt.result)
				}
				if err != nil {
					t.Fatal(err)
				}
				c := f.contact(t, id)
				if c.State != tt.wantState || c.LastOutcome != tt.wantStored || c.Attempts != tt.attempts+1 {
					t.Fatalf("contact = %+v, want %s after %s", c, tt.wantState, tt.wantStored)
				}
				if tt.wantRetry {
					if c.NextDueAt == nil || !c.NextDueAt.Equal(endAt.Add(20*time.Minute)) {
						t.Fatalf("next due = %v, want %v (retry delay after the end)", c.NextDueAt, endAt.Add(20*time.Minute))
					}
					// Not due at once: nothing to queue until the delay passes.
					if due, _ := f.s.QueueDue(f.ctx, f.camp.ID, endAt.Add(19*time.Minute), 0); len(due) != 0 {
						t.Fatalf("queued before the retry delay: %+v", due)
					}
				} else if c.NextDueAt != nil {
					t.Fatalf("done contact has next due %v", c.NextDueAt)
				}
				got, err := f.s.GetAttempt(f.ctx, a.ID)
				if err != nil {
					t.Fatal(err)
				}
				if got.State != StateDone || got.Outcome != tt.wantStored || got.EndedAt == nil || !got.EndedAt.Equal(endAt) ||
					got.AnsweredAt == nil || got.BridgedAt == nil || got.Evidence != `{"allow":true}` || got.AgentID != 7 ||
					got.Node != "n1" || got.SIPCode != tt.result.SIPCode || got.CallID != tt.result.CallID ||
					got.MediaToAgent != tt.result.MediaToAgent {
					t.Fatalf("stored attempt = %+v", got)
				}
				// Finishing twice is a conflict, not a second transition.
				if err := f.s.Finish(f.ctx, a.ID, Result{Outcome: OutcomeHuman}); !errors.Is(err, ErrConflict) {
					t.Fatalf("second Finish err = %v, want ErrConflict", err)
				}
				if err := f.s.MarkUnknown(f.ctx, a.ID); !errors.Is(err, ErrConflict) {
					t.Fatalf("MarkUnknown after Finish err = %v, want ErrConflict", err)
				}
				if again := f.contact(t, id); !sameContact(again, c) {
					t.Fatalf("contact changed by a refused Finish: %+v -> %+v", c, again)
				}
			})
		}
	})
}

func TestAttemptErrors(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		f := newStateMachineFixture(t, db, Campaign{}, 1)
		tests := []struct {
			name string
			err  error
			want error
		}{
			{"finish unknown attempt", f.s.Finish(f.ctx, 404, Result{Outcome: OutcomeBusy}), ErrNotFound},
			{"finish bad outcome", f.s.Finish(f.ctx, 1, Result{Outcome: "great"}), ErrInvalid},
			{"finish with blocked", f.s.Finish(f.ctx, 1, Result{Outcome: OutcomeBlocked}), ErrInvalid},
			{"answer unknown attempt", f.s.MarkAnswered(f.ctx, 404, time.Now()), ErrNotFound},
			{"unknown of unknown attempt", f.s.MarkUnknown(f.ctx, 404), ErrNotFound},
		}
		_, err := f.s.BeginDialing(f.ctx, AttemptKey{CampaignID: f.camp.ID, ContactID: 404, Number: 1}, DialingInfo{})
		tests = append(tests, struct {
			name string
			err  error
			want error
		}{"dial unknown contact", err, ErrNotFound})
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if !errors.Is(tt.err, tt.want) {
					t.Fatalf("err = %v, want %v", tt.err, tt.want)
				}
			})
		}
	})
}

// TestBeginDialingOnce is invariant 1 at the SQL level: an attempt that
// reached dialing is never dialed again by the same attempt, whoever asks
// and however many ask at once.
func TestBeginDialingOnce(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		f := newStateMachineFixture(t, db, Campaign{}, 2)
		tomorrow := f.clock.Now().Add(24 * time.Hour)
		future, err := f.s.AddContacts(f.ctx, f.camp.ID, []NewContact{{Phone: "+998909999999", DueAt: &tomorrow}})
		if err != nil {
			t.Fatal(err)
		}
		key := f.queueOne(t, f.contacts[0].ID)
		if _, err := f.s.BeginDialing(f.ctx, key, DialingInfo{Node: "n1"}); err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			name string
			key  AttemptKey
		}{
			{"same attempt again", key},
			{"next number while dialing", AttemptKey{CampaignID: key.CampaignID, ContactID: key.ContactID, Number: 2}},
			{"contact still scheduled", AttemptKey{CampaignID: key.CampaignID, ContactID: future[0].ID, Number: 1}},
			{"wrong campaign", AttemptKey{CampaignID: key.CampaignID + 1, ContactID: key.ContactID, Number: 1}},
		}
		for _, tt := range cases {
			t.Run(tt.name, func(t *testing.T) {
				_, err := f.s.BeginDialing(f.ctx, tt.key, DialingInfo{Node: "n2"})
				if !errors.Is(err, ErrAlreadyDialed) && !errors.Is(err, ErrNotFound) {
					t.Fatalf("err = %v, want ErrAlreadyDialed", err)
				}
				if tt.name != "wrong campaign" && !errors.Is(err, ErrAlreadyDialed) {
					t.Fatalf("err = %v, want ErrAlreadyDialed", err)
				}
			})
		}
		// Many racing nodes, one winner.
		key2 := f.queueOne(t, f.contacts[1].ID)
		var wg sync.WaitGroup
		var mu sync.Mutex
		wins, already := 0, 0
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := f.s.BeginDialing(f.ctx, key2, DialingInfo{Node: "racer"})
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					wins++
				case errors.Is(err, ErrAlreadyDialed):
					already++
				default:
					t.Errorf("racer: %v", err)
				}
			}()
		}
		wg.Wait()
		if wins != 1 || already != 7 {
			t.Fatalf("racing BeginDialing: %d won, %d already dialed; want 1 and 7", wins, already)
		}
		list, err := f.s.ListAttempts(f.ctx, AttemptFilter{CampaignID: f.camp.ID})
		if err != nil || len(list) != 2 {
			t.Fatalf("attempt rows = %d, %v; want 2", len(list), err)
		}
	})
}

func TestBlock(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		f := newStateMachineFixture(t, db, Campaign{}, 2)
		nextOpen := f.clock.Now().Add(9 * time.Hour)
		tests := []struct {
			name      string
			contact   int64
			nextDue   *time.Time
			wantState ContactState
		}{
			{"outside window reschedules", f.contacts[0].ID, &nextOpen, ContactScheduled},
			{"dnc ends contact", f.contacts[1].ID, nil, ContactDone},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				key := f.queueOne(t, tt.contact)
				a, err := f.s.Block(f.ctx, key, "", `{"allow":false}`, "denied", tt.nextDue)
				if err != nil {
					t.Fatal(err)
				}
				if a.Outcome != OutcomeBlocked || a.State != StateDone || a.Phone == "" {
					t.Fatalf("blocked attempt = %+v", a)
				}
				c := f.contact(t, tt.contact)
				if c.State != tt.wantState || c.LastOutcome != OutcomeBlocked {
					t.Fatalf("contact = %+v", c)
				}
				if tt.nextDue != nil && !c.NextDueAt.Equal(*tt.nextDue) {
					t.Fatalf("next due = %v, want %v", c.NextDueAt, *tt.nextDue)
				}
				if _, err := f.s.Block(f.ctx, key, "", "", "again", nil); !errors.Is(err, ErrAlreadyDialed) {
					t.Fatalf("second Block err = %v, want ErrAlreadyDialed", err)
				}
				if _, err := f.s.BeginDialing(f.ctx, key, DialingInfo{}); !errors.Is(err, ErrAlreadyDialed) {
					t.Fatalf("BeginDialing after Block err = %v, want ErrAlreadyDialed", err)
				}
			})
		}
		// The rescheduled contact comes back with the next attempt number.
		f.clock.Advance(9 * time.Hour)
		due, err := f.s.QueueDue(f.ctx, f.camp.ID, f.clock.Now(), 0)
		if err != nil || len(due) != 1 || due[0].Key.Number != 2 {
			t.Fatalf("QueueDue after the window opens = %+v, %v", due, err)
		}
		st, _ := f.s.Stats(f.ctx, f.camp.ID)
		if st.ByOutcome[OutcomeBlocked] != 2 || st.Attempts != 2 || st.Contacts[ContactDone] != 1 || st.Contacts[ContactQueued] != 1 {
			t.Fatalf("Stats = %+v", st)
		}
	})
}

func TestListAttempts(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		f := newStateMachineFixture(t, db, Campaign{}, 3)
		for _, c := range f.contacts {
			key := f.queueOne(t, c.ID)
			a, err := f.s.BeginDialing(f.ctx, key, DialingInfo{Node: "n1"})
			if err != nil {
				t.Fatal(err)
			}
			if err := f.s.Finish(f.ctx, a.ID, Result{Outcome: OutcomeHuman}); err != nil {
				t.Fatal(err)
			}
		}
		tests := []struct {
			name string
			f    AttemptFilter
			want int
			err  error
		}{
			{"all", AttemptFilter{}, 3, nil},
			{"campaign", AttemptFilter{CampaignID: f.camp.ID}, 3, nil},
			{"contact", AttemptFilter{ContactID: f.contacts[1].ID}, 1, nil},
			{"page", AttemptFilter{CampaignID: f.camp.ID, Limit: 2, Offset: 2}, 1, nil},
			{"unknown campaign", AttemptFilter{CampaignID: 404}, 0, ErrNotFound},
			{"unknown contact", AttemptFilter{ContactID: 404}, 0, ErrNotFound},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := f.s.ListAttempts(f.ctx, tt.f)
				if !errors.Is(err, tt.err) || len(got) != tt.want {
					t.Fatalf("ListAttempts = %d, %v; want %d, %v", len(got), err, tt.want, tt.err)
				}
			})
		}
		dialing, err := f.s.DialingAttempts(f.ctx)
		if err != nil || len(dialing) != 0 {
			t.Fatalf("DialingAttempts = %+v, %v", dialing, err)
		}
	})
}
