package campaigns

import (
	"errors"
	"testing"
	"time"
)

func tp(t time.Time) *time.Time { return &t }

func TestFirstDue(t *testing.T) {
	now := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	appt := now.Add(48 * time.Hour)
	soon := now.Add(90 * time.Minute)
	tests := []struct {
		name         string
		c            Campaign
		ct           Contact
		due          time.Time
		deadline     *time.Time
		expired, err bool
	}{
		{name: "list: now, no deadline", c: Campaign{Type: TypeOutboundList}, due: now},
		{name: "welcome: defaults 2 h, 7 days", c: Campaign{Type: TypeWelcomeCall}, due: now.Add(2 * time.Hour), deadline: tp(now.Add(7 * 24 * time.Hour))},
		{name: "welcome: own delay and deadline", c: Campaign{Type: TypeWelcomeCall, Schedule: Schedule{FirstDelay: time.Minute, Deadline: time.Hour}},
			due: now.Add(time.Minute), deadline: tp(now.Add(time.Hour))},
		{name: "reminder: a day before", c: Campaign{Type: TypeAppointmentReminder}, ct: Contact{AppointmentAt: &appt},
			due: appt.Add(-24 * time.Hour), deadline: tp(appt.Add(-2 * time.Hour))},
		{name: "reminder: lead time already past: now", c: Campaign{Type: TypeAppointmentReminder, Schedule: Schedule{LeadTime: 72 * time.Hour, CutOff: time.Hour}},
			ct: Contact{AppointmentAt: &appt}, due: now, deadline: tp(appt.Add(-time.Hour))},
		{name: "reminder: inside the cut-off: expired", c: Campaign{Type: TypeAppointmentReminder}, ct: Contact{AppointmentAt: &soon},
			due: now, deadline: tp(soon.Add(-2 * time.Hour)), expired: true},
		{name: "reminder without appointment", c: Campaign{Type: TypeAppointmentReminder}, err: true},
		{name: "end date bounds the deadline", c: Campaign{Type: TypeWelcomeCall, EndsAt: tp(now.Add(24 * time.Hour))},
			due: now.Add(2 * time.Hour), deadline: tp(now.Add(24 * time.Hour))},
		{name: "start date delays the first call", c: Campaign{Type: TypeOutboundList, StartsAt: tp(now.Add(3 * time.Hour))}, due: now.Add(3 * time.Hour)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			due, deadline, err := tt.c.FirstDue(tt.ct, now)
			if tt.err {
				if !errors.Is(err, ErrInvalid) {
					t.Fatalf("err = %v, want ErrInvalid", err)
				}
				return
			}
			if err != nil || !due.Equal(tt.due) || (deadline == nil) != (tt.deadline == nil) ||
				(deadline != nil && !deadline.Equal(*tt.deadline)) || Expired(due, deadline) != tt.expired {
				t.Fatalf("FirstDue = %v, %v, %v; want %v, %v, expired %v", due, deadline, err, tt.due, tt.deadline, tt.expired)
			}
		})
	}
}

func TestAfterAttempt(t *testing.T) {
	now := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	list := Campaign{Type: TypeOutboundList, MaxAttempts: 5, RetryDelay: 30 * time.Minute,
		Retry: RetryRules{OutcomeBusy: {Delay: 5 * time.Minute, Max: 2}, OutcomeNoAnswer: {Delay: 2 * time.Hour}}, MaxPerNumber: 2}
	two := []string{"+77011234567", "+77027654321"}
	reminder := Campaign{Type: TypeAppointmentReminder, MaxAttempts: 5, RetryDelay: time.Hour}
	tests := []struct {
		name  string
		c     Campaign
		o     Outcome
		st    retryState
		state ContactState
		due   time.Duration // after now, when scheduled
		phone string
		why   string
	}{
		{"reached", list, OutcomeHuman, retryState{Number: 1, Phone: two[0]}, ContactDone, 0, two[0], CloseSuccess},
		{"declined is final", list, OutcomeDeclined, retryState{Number: 1, Phone: two[0]}, ContactDone, 0, two[0], CloseFinalFailure},
		{"busy: its own delay", list, OutcomeBusy, retryState{Number: 1, SameOutcome: 1, OnPhone: 1, Phone: two[0], Phones: two}, ContactScheduled, 5 * time.Minute, two[0], ""},
		{"busy twice: its max", list, OutcomeBusy, retryState{Number: 2, SameOutcome: 2, OnPhone: 1, Phone: two[0]}, ContactDone, 0, two[0], CloseMaxAttempts},
		{"no answer: per-number max moves on", list, OutcomeNoAnswer, retryState{Number: 2, SameOutcome: 2, OnPhone: 2, Phone: two[0], Phones: two}, ContactScheduled, 2 * time.Hour, two[1], ""},
		{"per-number max, no other number", list, OutcomeNoAnswer, retryState{Number: 2, OnPhone: 2, Phone: two[1], Phones: two}, ContactDone, 0, two[1], CloseMaxAttempts},
		{"machine: campaign delay", list, OutcomeMachine, retryState{Number: 1, OnPhone: 1, Phone: two[0]}, ContactScheduled, 30 * time.Minute, two[0], ""},
		{"invalid number: the next one", list, OutcomeInvalidNumber, retryState{Number: 1, OnPhone: 1, Phone: two[0], Phones: two}, ContactScheduled, 30 * time.Minute, two[1], ""},
		{"invalid, no other number", list, OutcomeInvalidNumber, retryState{Number: 1, Phone: two[1], Phones: two}, ContactDone, 0, two[1], CloseInvalidNumber},
		{"attempts used up", list, OutcomeMachine, retryState{Number: 5, Phone: two[0]}, ContactDone, 0, two[0], CloseMaxAttempts},
		{"retry past the cut-off: closed", reminder, OutcomeBusy, retryState{Number: 1, Phone: two[0], Deadline: tp(now.Add(30 * time.Minute))}, ContactDone, 0, two[0], CloseCutOff},
		{"retry before the cut-off", reminder, OutcomeBusy, retryState{Number: 1, Phone: two[0], Deadline: tp(now.Add(3 * time.Hour))}, ContactScheduled, time.Hour, two[0], ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.c.afterAttempt(tt.o, tt.st, now)
			if got.State != tt.state || got.Phone != tt.phone || got.Reason != tt.why {
				t.Fatalf("afterAttempt = %+v, want %s on %s (%q)", got, tt.state, tt.phone, tt.why)
			}
			if tt.state == ContactScheduled && (got.Due == nil || !got.Due.Equal(now.Add(tt.due))) {
				t.Fatalf("due %v, want now+%s", got.Due, tt.due)
			}
		})
	}
}
