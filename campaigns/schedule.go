package campaigns

import (
	"time"

	"github.com/alo-dialer/alo/input"
)

// The defaults of a campaign's schedule by type, when its settings leave
// them at zero.
const (
	// DefaultWelcomeDelay lets a new card reach its holder before the call.
	DefaultWelcomeDelay = 2 * time.Hour
	// DefaultWelcomeDeadline closes a welcome call no one answered.
	DefaultWelcomeDeadline = 7 * 24 * time.Hour
	// DefaultReminderLead is a day before the appointment.
	DefaultReminderLead = 24 * time.Hour
	// DefaultReminderCutOff: no reminder in the last two hours.
	DefaultReminderCutOff = 2 * time.Hour
)

// schedule returns c's schedule with the type's defaults filled in.
func (c Campaign) schedule() Schedule {
	s := c.Schedule
	switch c.Type {
	case TypeWelcomeCall:
		if s.FirstDelay == 0 {
			s.FirstDelay = DefaultWelcomeDelay
		}
		if s.Deadline == 0 {
			s.Deadline = DefaultWelcomeDeadline
		}
	case TypeAppointmentReminder:
		if s.LeadTime == 0 {
			s.LeadTime = DefaultReminderLead
		}
		if s.CutOff == 0 {
			s.CutOff = DefaultReminderCutOff
		}
	}
	return s
}

// expiryReason is the close reason of a contact whose time ran out.
func (c Campaign) expiryReason() string {
	if c.Type == TypeAppointmentReminder {
		return CloseCutOff
	}
	return CloseDeadline
}

// FirstDue returns when a contact arriving at now is first due and the
// deadline after which no attempt may start (nil: none). A welcome call
// waits FirstDelay and expires after Deadline; a reminder is due LeadTime
// before its appointment (at once if that is past) and expires CutOff
// before it; the campaign's end date bounds every deadline. An
// appointment_reminder contact without an appointment is an error naming
// the field. A due time at or after the deadline means the contact can
// never be called: the caller closes it (Expired).
func (c Campaign) FirstDue(ct Contact, now time.Time) (due time.Time, deadline *time.Time, err error) {
	sch := c.schedule()
	due = now
	switch c.Type {
	case TypeWelcomeCall:
		due = now.Add(sch.FirstDelay)
		d := now.Add(sch.Deadline)
		deadline = &d
	case TypeAppointmentReminder:
		if ct.AppointmentAt == nil {
			return time.Time{}, nil, input.Invalid("appointment_at", "an appointment_reminder contact needs one")
		}
		due = ct.AppointmentAt.Add(-sch.LeadTime)
		if due.Before(now) {
			due = now
		}
		d := ct.AppointmentAt.Add(-sch.CutOff)
		deadline = &d
	}
	if c.EndsAt != nil && (deadline == nil || c.EndsAt.Before(*deadline)) {
		d := *c.EndsAt
		deadline = &d
	}
	if c.StartsAt != nil && due.Before(*c.StartsAt) {
		due = *c.StartsAt
	}
	return due, deadline, nil
}

// Expired reports whether an attempt due at due can no longer be made.
func Expired(due time.Time, deadline *time.Time) bool {
	return deadline != nil && !due.Before(*deadline)
}

// retryState is what the retry rules read about a contact after an attempt.
type retryState struct {
	Number      int        // the attempt that just ended (1 for the first)
	SameOutcome int        // attempts of this contact that ended with this outcome, this one included
	OnPhone     int        // attempts to the number just dialed, this one included
	Phone       string     // the number just dialed
	Phones      []string   // every number of the contact, in order (empty: Phone only)
	Deadline    *time.Time // no attempt may start at or after it
}

// nextStep is what happens to a contact after an attempt: scheduled again
// at Due (on Phone, which may be its next number), or done with Reason.
type nextStep struct {
	State  ContactState
	Due    *time.Time
	Phone  string
	Reason string
}

// nextNumber returns the contact's number after phone, if any.
func nextNumber(phones []string, phone string) (string, bool) {
	for i, p := range phones {
		if p == phone && i+1 < len(phones) {
			return phones[i+1], true
		}
	}
	return "", false
}

// afterAttempt applies the retry rules to an attempt that ended with o at
// now: a person reached or a final refusal closes the contact; a number the
// network rejects moves to the contact's next number; a retryable outcome
// is tried again after its rule's delay, on the next number once this one
// has had MaxPerNumber attempts, unless attempts (in all, or of this
// outcome) are used up or the next try would fall past the deadline.
func (c Campaign) afterAttempt(o Outcome, st retryState, now time.Time) nextStep {
	done := func(reason string) nextStep { return nextStep{State: ContactDone, Phone: st.Phone, Reason: reason} }
	switch o {
	case OutcomeHuman:
		return done(CloseSuccess)
	case OutcomeDeclined, OutcomeBlocked:
		return done(CloseFinalFailure)
	}
	if st.Number >= c.MaxAttempts {
		return done(CloseMaxAttempts)
	}
	phone := st.Phone
	if o == OutcomeInvalidNumber {
		next, ok := nextNumber(st.Phones, st.Phone)
		if !ok {
			return done(CloseInvalidNumber)
		}
		phone = next
	} else if !o.Retryable() {
		return done(CloseFinalFailure)
	}
	rule, ok := c.Retry[o]
	delay := c.RetryDelay
	if ok {
		delay = rule.Delay
		if rule.Max > 0 && st.SameOutcome >= rule.Max {
			return done(CloseMaxAttempts)
		}
	}
	if delay <= 0 {
		delay = DefaultRetryDelay // never at once: the line may still be busy
	}
	if phone == st.Phone && c.MaxPerNumber > 0 && st.OnPhone >= c.MaxPerNumber {
		next, ok := nextNumber(st.Phones, st.Phone)
		if !ok {
			return done(CloseMaxAttempts)
		}
		phone = next
	}
	due := now.Add(delay)
	if Expired(due, st.Deadline) {
		return done(c.expiryReason())
	}
	return nextStep{State: ContactScheduled, Due: &due, Phone: phone}
}
