// Package dialer owns SIP and media: the trunk legs to customers, the
// nailed-up legs to agents' phones, the bridge between them, agents and
// their states, and the pacer loop that turns pacing decisions into calls.
package dialer

import (
	"errors"
	"time"
)

// Sentinel errors of the dialer's stores; callers test them with errors.Is.
var (
	ErrNotFound = errors.New("not found")
	ErrInvalid  = errors.New("invalid")
)

// AgentState is what an agent is doing now (DESIGN.md, "Agents").
type AgentState string

// The states of an agent.
const (
	AgentOffline   AgentState = "offline"    // not logged in
	AgentPhoneDown AgentState = "phone_down" // logged in, but the nailed-up leg is not up
	AgentReady     AgentState = "ready"      // leg up, idle: pacing counts them
	AgentReserved  AgentState = "reserved"   // a call is being placed for them
	AgentOnCall    AgentState = "on_call"    // bridged to a customer
	AgentWrapUp    AgentState = "wrap_up"    // after a call, before the next
	AgentPaused    AgentState = "paused"     // logged in, not taking calls (with a reason)
)

// Agent is a person who takes connected calls on a SIP phone.
type Agent struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	// SIPURI is where alo calls the agent's phone to nail up the leg.
	SIPURI      string     `json:"sip_uri"`
	CampaignIDs []int64    `json:"campaign_ids"`
	State       AgentState `json:"state"`
	PauseReason string     `json:"pause_reason,omitempty"`
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
