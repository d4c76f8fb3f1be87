package agent

import (
	"time"
)

// State is what an agent is doing now (docs/architecture.md, "Agents").
type State string

// The states of an agent.
const (
	Offline   State = "offline"    // not logged in
	PhoneDown State = "phone_down" // logged in, but the nailed-up leg is not up
	Ready     State = "ready"      // leg up, idle: pacing counts them
	Reserved  State = "reserved"   // a call is being placed for them
	OnCall    State = "on_call"    // bridged to a customer
	WrapUp    State = "wrap_up"    // after a call, before the next
	Paused    State = "paused"     // logged in, not taking calls (with a reason)
)

// Agent is a person who takes connected calls on a SIP phone.
type Agent struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	// SIPURI is where alo calls the agent's phone to nail up the leg.
	SIPURI      string  `json:"sip_uri"`
	CampaignIDs []int64 `json:"campaign_ids"`
	TeamIDs     []int64 `json:"team_ids"`
	State       State   `json:"state"`
	PauseReason string  `json:"pause_reason,omitempty"`
	// PauseAfterCall says a pause (with PauseAfterCallReason) waits for
	// the end of the call the agent is on, reserved for or wrapping up.
	PauseAfterCall       bool   `json:"pause_after_call"`
	PauseAfterCallReason string `json:"pause_after_call_reason,omitempty"`
	// CallID is the nailed-up leg's SIP Call-ID while it is up.
	CallID    string    `json:"call_id,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// NewAgent is what it takes to create an agent.
type NewAgent struct {
	Name        string  `json:"name" validate:"required,max=200"`
	SIPURI      string  `json:"sip_uri" validate:"required,max=500"`
	CampaignIDs []int64 `json:"campaign_ids" validate:"required,min=1"`
}
