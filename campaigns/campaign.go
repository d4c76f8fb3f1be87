// Package campaigns owns clients, campaigns, contacts and attempts: their
// tables in SQL, the attempt state machine, the feeder that turns due
// contacts into asynq tasks, the ready sets and claims in Redis, and the
// reconciler that rebuilds Redis from SQL.
package campaigns

import (
	"errors"
	"time"
)

// Sentinel errors; callers test them with errors.Is.
var (
	ErrNotFound      = errors.New("not found")
	ErrInvalid       = errors.New("invalid")
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

// The statuses of a campaign.
const (
	StatusDraft   Status = "draft"
	StatusRunning Status = "running"
	StatusPaused  Status = "paused"
)

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
	AMD       AMDSettings `json:"amd"`
	CreatedAt time.Time   `json:"created_at"`
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
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   *time.Time `json:"updated_at,omitempty"`
}

// Stats counts a campaign's contacts by state and attempts by outcome.
type Stats struct {
	CampaignID int64                  `json:"campaign_id"`
	Contacts   map[ContactState]int64 `json:"contacts"`
	Attempts   int64                  `json:"attempts"`
	ByOutcome  map[Outcome]int64      `json:"by_outcome"`
}
