// Package campaigns owns clients, campaigns, contacts and attempts: their
// tables in SQL, the attempt state machine, the feeder that turns due
// contacts into asynq tasks, the ready sets and claims in Redis, and the
// reconciler that rebuilds Redis from SQL.
package campaigns

import (
	"errors"
	"time"

	"github.com/alo-dialer/alo/input"
)

// Sentinel errors; callers test them with errors.Is.
var (
	ErrNotFound = errors.New("not found")
	// ErrInvalid is input.ErrInvalid: every *input.Error matches it, and
	// so do the package's other input errors (PhoneError, CSV headers).
	ErrInvalid       = input.ErrInvalid
	ErrAlreadyDialed = errors.New("attempt already dialed")
	ErrConflict      = errors.New("conflict")
)

// Client is the company on whose behalf campaigns call (an outsourcer serves
// several banks).
type Client struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

// Status is where a campaign is in its life.
type Status string

// The statuses of a campaign: draft → scheduled (waiting for its start
// date) → running ⇄ paused → completed or stopped.
const (
	StatusDraft     Status = "draft"
	StatusScheduled Status = "scheduled"
	StatusRunning   Status = "running"
	StatusPaused    Status = "paused"
	StatusCompleted Status = "completed"
	StatusStopped   Status = "stopped"
)

// Type is what a campaign is for; it decides when contacts are first due
// and when they close (schedule.go).
type Type string

// The campaign types.
const (
	// TypeWelcomeCall: contacts arrive one at a time from the CRM, first
	// call FirstDelay after arrival, closed unreached at Deadline.
	TypeWelcomeCall Type = "welcome_call"
	// TypeAppointmentReminder: each contact has appointment_at; first call
	// LeadTime before it, none from CutOff before it.
	TypeAppointmentReminder Type = "appointment_reminder"
	// TypeNotice: a recorded message to a list (agentless).
	TypeNotice Type = "notice"
	// TypeOutboundList: a plain agent campaign over a list.
	TypeOutboundList Type = "outbound_list"
)

// RecordingSettings turn call recording on for a campaign.
type RecordingSettings struct {
	Enabled bool `json:"enabled"`
	// Disclosure names the prompt telling the customer the call is
	// recorded, played before the agent's voice reaches them; "" plays the
	// shipped "recording_notice", "none" plays nothing (consent obtained
	// otherwise).
	Disclosure string `json:"disclosure,omitempty"`
	// RetentionDays deletes a recording this many days after it was made
	// (data protection rules cap how long a customer's voice is kept); 0
	// keeps recordings until deleted by hand.
	RetentionDays int `json:"retention_days,omitempty"`
}

// MaxRetentionDays bounds RecordingSettings.RetentionDays (ten years).
const MaxRetentionDays = 3650

// DefaultLines is an agentless campaign's calls at once when unset.
const DefaultLines = 10

// MaxLines bounds Lines (a trunk's capacity is the real limit).
const MaxLines = 1000

// Schedule is a campaign type's timing; zero fields are unset.
type Schedule struct {
	// FirstDelay: a welcome call's first attempt this long after the
	// contact arrives (the card must reach its holder first).
	FirstDelay time.Duration `json:"first_delay,omitempty"`
	// Deadline: a welcome call closes unreached this long after arrival.
	Deadline time.Duration `json:"deadline,omitempty"`
	// LeadTime: a reminder's first attempt this long before the appointment.
	LeadTime time.Duration `json:"lead_time,omitempty"`
	// CutOff: no reminder attempt starts later than this before the
	// appointment (a reminder an hour before is a nuisance, not a help).
	CutOff time.Duration `json:"cut_off,omitempty"`
}

// RetryRule says when an outcome gets another attempt: after Delay, at
// most Max attempts in all that ended with this outcome (0: only the
// campaign's MaxAttempts bounds it).
type RetryRule struct {
	Delay time.Duration `json:"delay"`
	Max   int           `json:"max,omitempty"`
}

// RetryRules are a campaign's retry rules by outcome; an outcome without a
// rule uses RetryDelay (if Outcome.Retryable).
type RetryRules map[Outcome]RetryRule

// Prompts names a campaign's recorded messages (files of dialer/prompts or
// uploaded ones), chosen per language by the dialer.
type Prompts struct {
	// Message is the notice or machine message.
	Message string `json:"message,omitempty"`
}

// Campaign is a set of contacts to call with one set of rules.
type Campaign struct {
	ID       int64  `json:"id"`
	ClientID int64  `json:"client_id"`
	Name     string `json:"name"`
	Status   Status `json:"status"`
	// DailyStart and DailyEnd bound calls in the contact's local time, as
	// minutes after midnight ([start, end)).
	DailyStart int `json:"daily_start_min"`
	DailyEnd   int `json:"daily_end_min"`
	// TimeZone is used for contacts whose zone cannot be told from their
	// number or record (IANA name).
	TimeZone string `json:"time_zone"`
	// DefaultRegion is the ISO country used to read numbers written in local
	// form (e.g. "UZ").
	DefaultRegion string        `json:"default_region"`
	MaxAttempts   int           `json:"max_attempts"`
	RetryDelay    time.Duration `json:"retry_delay"`
	RingTimeout   time.Duration `json:"ring_timeout"`
	CallerID      string        `json:"caller_id,omitempty"`
	Pacing        string        `json:"pacing"`
	// Language is the language of the campaign's recorded messages for
	// contacts that have none ("" means the prompts' fallback, en).
	Language string `json:"language,omitempty"`
	// AMD says whether answering-machine detection runs on live answers and
	// what to do with a machine.
	AMD AMDSettings `json:"amd"`
	// Type and the settings it reads.
	Type      Type `json:"type"`
	Agentless bool `json:"agentless,omitempty"`
	// StartsAt: a scheduled campaign starts running then. EndsAt: the
	// campaign completes then, closing what is left.
	StartsAt *time.Time `json:"starts_at,omitempty"`
	EndsAt   *time.Time `json:"ends_at,omitempty"`
	Schedule Schedule   `json:"schedule"`
	Retry    RetryRules `json:"retry,omitempty"`
	// MaxPerNumber bounds the attempts to one number of a contact; then
	// the next number is tried (0: no bound beyond MaxAttempts).
	MaxPerNumber int `json:"max_per_number,omitempty"`
	// Priority orders an agent's campaigns (higher first); reminders
	// default above lists.
	Priority int `json:"priority,omitempty"`
	// Recording says whether bridged calls are recorded (off by default).
	Recording RecordingSettings `json:"recording"`
	// Preview is a preview campaign's offer countdown and its action at zero.
	Preview PreviewSettings `json:"preview,omitzero"`
	// Lines bounds an agentless campaign's calls at once (0: DefaultLines).
	Lines int `json:"lines,omitempty"`
	// WrapUp bounds an agent's wrap-up after a call (0: none).
	WrapUp  time.Duration `json:"wrap_up,omitempty"`
	Prompts Prompts       `json:"prompts"`
	// Script is what agents read on a connected call: plain text with
	// {{placeholders}} (script.go; CheckScript says what is accepted).
	Script string `json:"script,omitempty"`
	// StopReason and EndedAt record why and when it completed or stopped.
	StopReason string     `json:"stop_reason,omitempty"`
	EndedAt    *time.Time `json:"ended_at,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
}

// Actions on an answer judged to be a machine.
const (
	MachineHangup  = "hangup"  // end the call at once
	MachineMessage = "message" // wait for the beep, leave the campaign's message, hang up
	MachineConnect = "connect" // put it through to the agent anyway
)

// AMDSettings are a campaign's answering-machine detection settings; the
// thresholds are dialer/audio.AMDConfig's, in milliseconds, zero meaning
// that package's default. Detection is off unless Enabled.
type AMDSettings struct {
	Enabled                bool   `json:"enabled"`
	MachineAction          string `json:"machine_action,omitempty"` // hangup (default), message or connect
	InitialSilenceMs       int    `json:"initial_silence_ms,omitempty"`
	GreetingMs             int    `json:"greeting_ms,omitempty"`
	AfterGreetingSilenceMs int    `json:"after_greeting_silence_ms,omitempty"`
	TotalAnalysisMs        int    `json:"total_analysis_ms,omitempty"`
	MinWordMs              int    `json:"min_word_ms,omitempty"`
	BetweenWordsSilenceMs  int    `json:"between_words_silence_ms,omitempty"`
	MaxWords               int    `json:"max_words,omitempty"`
	MaxWordMs              int    `json:"max_word_ms,omitempty"`
}

// Contact is a person a campaign calls.
type Contact struct {
	ID         int64  `json:"id"`
	CampaignID int64  `json:"campaign_id"`
	Phone      string `json:"phone"` // E.164
	Name       string `json:"name,omitempty"`
	TimeZone   string `json:"time_zone,omitempty"`
	// Language picks the recorded messages played to the contact (BCP 47
	// primary tag, e.g. "ru"); "" means the campaign's.
	Language string       `json:"language,omitempty"`
	State    ContactState `json:"state"`
	// Attempts is the number of attempts made or in progress; the next
	// attempt is Attempts+1 while scheduled, Attempts while queued or dialing.
	Attempts    int        `json:"attempts"`
	NextDueAt   *time.Time `json:"next_due_at,omitempty"`
	LastOutcome Outcome    `json:"last_outcome,omitempty"`
	// ExternalID is the CRM's id, unique in the campaign: sending it again
	// updates this contact.
	ExternalID string `json:"external_id,omitempty"`
	// Phones lists every number in calling order when there are several;
	// Phone is the one the next attempt dials.
	Phones []string `json:"phones,omitempty"`
	// Region is the contact's state or region (US state windows go by it).
	Region string `json:"region,omitempty"`
	// Fields are custom fields shown to agents.
	Fields map[string]string `json:"fields,omitempty"`
	// AppointmentAt and AppointmentPlace are what a reminder is about.
	AppointmentAt    *time.Time `json:"appointment_at,omitempty"`
	AppointmentPlace string     `json:"appointment_place,omitempty"`
	// DeadlineAt: no attempt starts after it. CloseReason says why a done
	// contact was closed.
	DeadlineAt  *time.Time `json:"deadline_at,omitempty"`
	CloseReason string     `json:"close_reason,omitempty"`
	// CallbackAgentID is the agent who promised a callback: offered the
	// call first. Priority orders due contacts (callbacks highest).
	CallbackAgentID int64 `json:"callback_agent_id,omitempty"`
	Priority        int   `json:"priority,omitempty"`
	// CallbackAt is the time a callback was promised for, while the
	// promise is open (cleared once a later call is disposed).
	CallbackAt *time.Time `json:"callback_at,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  *time.Time `json:"updated_at,omitempty"`
}

// Stats counts a campaign's contacts by state and attempts by outcome.
type Stats struct {
	CampaignID int64                  `json:"campaign_id"`
	Contacts   map[ContactState]int64 `json:"contacts"`
	Attempts   int64                  `json:"attempts"`
	ByOutcome  map[Outcome]int64      `json:"by_outcome"`
}
