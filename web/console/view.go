package console

import "time"

// The agent console's live data: what GET /api/v1/events must send to a
// signed-in agent, and what assets/agent.js reads. Field names follow the
// API's conventions (snake_case, RFC 3339 times with offset, durations in
// milliseconds with the unit in the name).
//
// The stream is server-sent events. Its first event is named "snapshot"
// and carries an AgentView; every later one carries an "id:" line (so
// EventSource resumes with Last-Event-ID) and one of the names below with
// its payload as the whole "data:" JSON (no envelope). An agent's stream
// carries only their own agent and calls.

// Event names of the agent console's stream.
const (
	EventSnapshot   = "snapshot"      // data: AgentView
	EventAgentState = "agent.state"   // data: AgentStatus
	EventBridged    = "call.bridged"  // data: CallPop (the screen pop)
	EventEnded      = "call.ended"    // data: CallEnded
	EventDisposed   = "call.disposed" // data: CallDisposed
	EventDay        = "agent.day"     // data: DayCounters
)

// AgentView is everything the agent console shows, sent as the snapshot.
type AgentView struct {
	// ServerTime is when the snapshot was taken: the page corrects its
	// counters by the difference to the browser's clock.
	ServerTime time.Time   `json:"server_time"`
	Agent      AgentStatus `json:"agent"`
	// PauseReasons are the codes an agent may pause with (the campaigns'
	// pause codes), in the order the select shows them.
	PauseReasons []PauseReason `json:"pause_reasons"`
	// Call is the call on screen (on_call or wrap_up), if any.
	Call *CallPop    `json:"call,omitempty"`
	Day  DayCounters `json:"day"`
	// Offer is a preview offer awaiting the agent (the call.offered
	// payload), if any: a reloaded page shows it again.
	Offer any `json:"offer,omitempty"`
	// Campaigns are the campaigns the agent works, by name.
	Campaigns []CampaignRef `json:"campaigns,omitempty"`
}

// CampaignRef names one campaign.
type CampaignRef struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// AgentStatus is an agent's state; also the agent.state event.
type AgentStatus struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	// State is offline, ready, reserved, on_call, wrap_up, paused or
	// phone_down (the dialer's agent states).
	State string `json:"state"`
	// PauseReason is the code while paused.
	PauseReason string `json:"pause_reason,omitempty"`
	// Since is when the agent entered State: "time in state" counts from it.
	Since time.Time `json:"since"`
	// WrapUpEndsAt is the end of the campaign's wrap-up limit while in
	// wrap_up (none: no limit).
	WrapUpEndsAt *time.Time `json:"wrap_up_ends_at,omitempty"`
	// PauseAfterCall says the agent asked to be paused (with
	// PauseAfterCallReason) when the current call is disposed.
	PauseAfterCall       bool   `json:"pause_after_call"`
	PauseAfterCallReason string `json:"pause_after_call_reason,omitempty"`
}

// PauseReason is one choice of the pause select.
type PauseReason struct {
	Code  string `json:"code"`
	Label string `json:"label"`
}

// CallPop is the screen pop of a bridged call; also the call.bridged event.
type CallPop struct {
	AttemptID    int64     `json:"attempt_id"`
	CampaignID   int64     `json:"campaign_id"`
	CampaignName string    `json:"campaign_name"`
	BridgedAt    time.Time `json:"bridged_at"`
	// EndedAt is set once the customer's leg ended (in wrap-up).
	EndedAt *time.Time  `json:"ended_at,omitempty"`
	Contact ContactCard `json:"contact"`
	// History is the contact's earlier attempts, newest first.
	History []PastAttempt `json:"history"`
	// Script is the campaign's script as written: plain text with
	// {{placeholders}} naming contact fields (name, phone, agent_name and
	// every custom field's key), filled in by the page as text.
	Script string `json:"script,omitempty"`
	// Dispositions are the campaign's codes in hot-key order: the first
	// nine get keys 1 to 9.
	Dispositions []DispositionChoice `json:"dispositions"`
}

// ContactCard is who is on the line.
type ContactCard struct {
	ID    int64  `json:"id"`
	Name  string `json:"name"`
	Phone string `json:"phone"`
	// TimeZone is the contact's zone (their local time is shown).
	TimeZone string `json:"time_zone,omitempty"`
	// Fields are the custom fields, in the order the campaign lists them.
	Fields []Field `json:"fields"`
}

// Field is one custom field; Label falls back to Key.
type Field struct {
	Key   string `json:"key"`
	Label string `json:"label,omitempty"`
	Value string `json:"value"`
}

// PastAttempt is one earlier call to the contact.
type PastAttempt struct {
	At          time.Time `json:"at"`
	Outcome     string    `json:"outcome"`
	Disposition string    `json:"disposition,omitempty"`
	Agent       string    `json:"agent,omitempty"`
	Notes       string    `json:"notes,omitempty"`
}

// DispositionChoice is one disposition button.
type DispositionChoice struct {
	Code  string `json:"code"`
	Label string `json:"label"`
	// Meaning is the campaigns package's: callback asks for a time
	// (callback_at), reschedule for a new appointment (appointment_at).
	Meaning string `json:"meaning"`
}

// CallEnded is the call.ended event: the customer's leg is gone.
type CallEnded struct {
	AttemptID int64     `json:"attempt_id"`
	EndedAt   time.Time `json:"ended_at"`
}

// CallDisposed is the call.disposed event: the call left the screen.
type CallDisposed struct {
	AttemptID int64  `json:"attempt_id"`
	Code      string `json:"code"`
}

// DayCounters are the agent's "my day", since midnight in their zone; also
// the agent.day event.
type DayCounters struct {
	Calls        int   `json:"calls"`
	Successes    int   `json:"successes"`
	CallbacksSet int   `json:"callbacks_set"`
	CallbacksDue int   `json:"callbacks_due"`
	TalkMS       int64 `json:"talk_ms"`
	PauseMS      int64 `json:"pause_ms"`
}

// The agent console's actions, relative to Config.APIBase; {id} is the
// agent, {aid} the attempt. Bodies are JSON.
const (
	// ActionReady: POST, no body.
	ActionReady = "/agents/{id}/ready"
	// ActionPause: POST {"reason": "<pause code>"}.
	ActionPause = "/agents/{id}/pause"
	// ActionPauseAfterCall: PUT {"pause_after_call": bool, "reason": "<code>"}.
	ActionPauseAfterCall = "/agents/{id}/pause-after-call"
	// ActionDispose: POST {"code", "notes", "callback_at", "callback_for":
	// "me"|"anyone", "appointment_at"}; times RFC 3339.
	ActionDispose = "/attempts/{aid}/disposition"
)
