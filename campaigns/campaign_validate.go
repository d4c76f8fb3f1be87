package campaigns

import (
	"slices"
	"strings"
	"time"

	"github.com/alo-dialer/alo/input"
)

// A campaign's defaults and its validation: what CreateCampaign applies and
// checks before the store writes anything (store.go is only the SQL).

// Defaults applied by CreateCampaign to fields left at their zero value.
const (
	DefaultDailyStart  = 9 * 60  // 09:00 local
	DefaultDailyEnd    = 20 * 60 // 20:00 local
	DefaultTimeZone    = "UTC"
	DefaultMaxAttempts = 3
	DefaultRetryDelay  = 30 * time.Minute
	DefaultRingTimeout = 30 * time.Second
	DefaultPacing      = "progressive"
)

// withDefaults fills the zero fields of c with the documented defaults.
func withDefaults(c Campaign) Campaign {
	if c.Status == "" {
		c.Status = StatusDraft
	}
	if c.DailyStart == 0 && c.DailyEnd == 0 {
		c.DailyStart, c.DailyEnd = DefaultDailyStart, DefaultDailyEnd
	}
	if c.TimeZone == "" {
		c.TimeZone = DefaultTimeZone
	}
	if c.MaxAttempts == 0 {
		c.MaxAttempts = DefaultMaxAttempts
	}
	if c.RetryDelay == 0 {
		c.RetryDelay = DefaultRetryDelay
	}
	if c.RingTimeout == 0 {
		c.RingTimeout = DefaultRingTimeout
	}
	if c.Pacing == "" {
		c.Pacing = DefaultPacing
	}
	if c.Type == "" {
		c.Type = TypeOutboundList
	}
	if c.Pacing == "preview" {
		c.Preview.normalize()
	}
	if c.Type == TypeNotice {
		c.Agentless = true // a notice is a recorded message by definition
	}
	return c
}

// validType reports whether t is one of the campaign types.
func validType(t Type) bool {
	switch t {
	case TypeWelcomeCall, TypeAppointmentReminder, TypeNotice, TypeOutboundList:
		return true
	}
	return false
}

// validStatus reports whether s is one of the defined statuses.
func validStatus(s Status) bool {
	switch s {
	case StatusDraft, StatusScheduled, StatusRunning, StatusPaused, StatusCompleted, StatusStopped:
		return true
	}
	return false
}

// validMachineAction accepts the machine actions and "" (hang up).
func validMachineAction(a string) bool {
	switch a {
	case "", MachineHangup, MachineMessage, MachineConnect:
		return true
	}
	return false
}

// Validate reports every field of c at fault at once, as an *input.Error
// naming each (it matches ErrInvalid; the API turns it into a 400 with the
// fields). A check that only makes sense once another field is right (the
// order of two durations, agentless for a known type) is skipped while
// that field is wrong, so each mistake is named once.
func (c Campaign) Validate() error {
	var ps input.Problems
	if strings.TrimSpace(c.Name) == "" {
		ps.Add("name", "must not be empty")
	} else if p := input.TextProblem(c.Name); p != "" {
		ps.Add("name", p)
	}
	if !validStatus(c.Status) {
		ps.Addf("status", "%q is not draft, scheduled, running, paused, completed or stopped", c.Status)
	}
	if c.DailyStart < 0 || c.DailyStart >= 1440 {
		ps.Addf("daily_start_min", "%d is not in [0, 1440)", c.DailyStart)
	}
	if c.DailyEnd <= c.DailyStart || c.DailyEnd > 1440 {
		ps.Addf("daily_end_min", "%d must be after daily_start_min (%d) and at most 1440", c.DailyEnd, c.DailyStart)
	}
	if c.MaxAttempts < 1 {
		ps.Addf("max_attempts", "%d is less than 1", c.MaxAttempts)
	}
	if c.RetryDelay < 0 {
		ps.Add("retry_delay", "negative")
	}
	if c.RingTimeout < 0 {
		ps.Add("ring_timeout", "negative")
	}
	if !validMachineAction(c.AMD.MachineAction) {
		ps.Addf("amd.machine_action", "%q is not hangup, message or connect", c.AMD.MachineAction)
	}
	if _, err := time.LoadLocation(c.TimeZone); err != nil {
		ps.Addf("time_zone", "%q is not an IANA zone", c.TimeZone)
	}
	c.checkSettings(&ps)
	return ps.Err()
}

// checkSettings adds what Validate's own checks do not cover: the type and
// the settings it reads.
func (c Campaign) checkSettings(ps *input.Problems) {
	if !validType(c.Type) {
		ps.Addf("type", "%q is not welcome_call, appointment_reminder, notice or outbound_list", c.Type)
	} else if c.Agentless && c.Type != TypeNotice && c.Type != TypeAppointmentReminder {
		ps.Add("agentless", "only notice and appointment_reminder campaigns run without agents")
	}
	sc := c.Schedule
	switch {
	case sc.FirstDelay < 0 || sc.Deadline < 0 || sc.LeadTime < 0 || sc.CutOff < 0:
		ps.Add("schedule", "durations must not be negative")
	case c.Type == TypeWelcomeCall && sc.Deadline > 0 && sc.Deadline <= sc.FirstDelay:
		ps.Add("schedule.deadline", "must be after schedule.first_delay")
	case c.Type == TypeAppointmentReminder && sc.LeadTime > 0 && sc.LeadTime <= sc.CutOff:
		ps.Add("schedule.lead_time", "must be longer than schedule.cut_off")
	}
	if c.StartsAt != nil && c.EndsAt != nil && !c.EndsAt.After(*c.StartsAt) {
		ps.Add("ends_at", "must be after starts_at")
	}
	if c.MaxPerNumber < 0 {
		ps.Add("max_per_number", "negative")
	}
	if c.WrapUp < 0 {
		ps.Add("wrap_up", "negative")
	}
	if c.Lines < 0 || c.Lines > MaxLines {
		ps.Addf("lines", "%d is not in 0…%d", c.Lines, MaxLines)
	}
	c.Recording.check(ps)
	if c.Pacing == "preview" || c.Preview != (PreviewSettings{}) {
		c.Preview.check(ps)
	}
	ps.AddErr(CheckScript(c.Script))
	// In outcome order, so the same campaign always gets the same error.
	outcomes := make([]Outcome, 0, len(c.Retry))
	for o := range c.Retry {
		outcomes = append(outcomes, o)
	}
	slices.Sort(outcomes)
	for _, o := range outcomes {
		r, field := c.Retry[o], "retry["+string(o)+"]"
		if !o.Retryable() && o != OutcomeInvalidNumber {
			ps.Add(field, "not an outcome that is retried (busy, no_answer, machine, congestion, failed, unknown, abandoned, invalid_number)")
		} else if r.Delay < 0 || r.Max < 0 {
			ps.Add(field, "delay and max must not be negative")
		}
	}
}

// check adds the recording settings' problems: the retention's range, and
// that the disclosure could name a prompt file (letters, digits, '-' and
// '_', as dialer/prompts are named), since a name that can never be found
// would leave every call of the campaign unrecorded.
func (r RecordingSettings) check(ps *input.Problems) {
	if r.RetentionDays < 0 || r.RetentionDays > MaxRetentionDays {
		ps.Addf("recording.retention_days", "%d is not within 0-%d", r.RetentionDays, MaxRetentionDays)
	}
	for _, c := range r.Disclosure {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			ps.Addf("recording.disclosure", "%q is not a prompt name (letters, digits, '-', '_') or \"none\"", r.Disclosure)
			return
		}
	}
}
