package live

import (
	"encoding/json"
	"fmt"
	"time"
)

// The well-known event types. A type is a short dotted token (letters,
// digits, '.', '_', '-'): it becomes the SSE "event:" line, so it may never
// hold a newline or a colon.
const (
	// TypeSnapshot is the first event of every fresh stream: the whole
	// state a console shows, produced by the console itself (not published
	// on the bus). Events after it are changes to that state.
	TypeSnapshot = "snapshot"

	// TypeAgentState: an agent changed state (payload AgentState).
	TypeAgentState = "agent.state"
	// TypeCallOffered: a customer answered and the call is offered to an
	// agent, or waits for one (payload CallOffered).
	TypeCallOffered = "call.offered"
	// TypeCallBridged: the customer is connected to an agent; the agent's
	// console pops the contact (payload CallBridged).
	TypeCallBridged = "call.bridged"
	// TypeCallEnded: an attempt has its outcome (payload CallEnded).
	TypeCallEnded = "call.ended"
	// TypeCallDisposed: the agent (or a supervisor) disposed a call
	// (payload CallDisposed).
	TypeCallDisposed = "call.disposed"
	// TypeAgentDay: an agent's counters for the day (payload AgentDay).
	TypeAgentDay = "agent.day"
	// TypeCampaignCounters: a campaign's live counts (payload
	// CampaignCounters).
	TypeCampaignCounters = "campaign.counters"
	// TypeCampaignState: a campaign was started, paused or stopped (payload
	// CampaignState).
	TypeCampaignState = "campaign.state"
	// TypePacerDecision: the pacer decided how many calls to launch and why
	// (payload PacerDecision).
	TypePacerDecision = "pacer.decision"
)

// Payloads carry state, not deltas: an agent's state as it now is, a
// campaign's counts as they now are. A console may see an event twice (it
// subscribes before it reads its snapshot, and a resume can replay what the
// snapshot already holds), and applying the same state twice is harmless.
//
// An event's Data is what a console's page receives as the SSE "data:"
// line, as it is (web streams no envelope). The agent console reads the
// agent.state, call.ended, call.disposed and agent.day payloads below as
// they are (web/console/view.go has the page's side; a test in web keeps
// the two in agreement); call.bridged carries CallBridged's fields plus the
// screen pop, which its publisher adds.

// Payload is the data of one well-known event type; NewEvent turns it into
// an Event with its type and scope filled in.
type Payload interface {
	// EventType is the Type of the events carrying this payload.
	EventType() string
	// EventScope is the agent and campaign the event concerns (0: none),
	// which stream filters read without decoding Data.
	EventScope() (agentID, campaignID int64)
}

// NewEvent returns the event carrying p: its Type, AgentID and CampaignID
// from p, Data p's JSON. At and ID are left to the bus (At may be set by
// the caller when the fact happened earlier than its publication), and so
// is ClientID, which the publisher sets when it knows the campaign's client.
func NewEvent(p Payload) (Event, error) {
	data, err := json.Marshal(p)
	if err != nil {
		return Event{}, fmt.Errorf("live: encode %s payload: %w", p.EventType(), err)
	}
	agent, campaign := p.EventScope()
	return Event{Type: p.EventType(), AgentID: agent, CampaignID: campaign, Data: data}, nil
}

// AgentState is an agent's state as it now is (TypeAgentState).
type AgentState struct {
	AgentID int64  `json:"id"`
	Name    string `json:"name"`
	// State is one of offline, ready, reserved, on_call, wrap_up, paused,
	// phone_down (docs/architecture.md, "Agents").
	State string `json:"state"`
	// Reason is why the agent is paused, when there is one.
	Reason string `json:"pause_reason,omitempty"`
	// Since is when the agent entered State, so consoles show time in
	// state without knowing when they first saw it.
	Since time.Time `json:"since"`
	// WrapUpEndsAt is when the campaign's wrap-up limit ends a wrap_up.
	WrapUpEndsAt *time.Time `json:"wrap_up_ends_at,omitempty"`
	// PauseAfterCall: the agent asked, while busy, to be paused (with
	// PauseAfterCallReason) once the call ends.
	PauseAfterCall       bool   `json:"pause_after_call"`
	PauseAfterCallReason string `json:"pause_after_call_reason,omitempty"`
}

// EventType implements Payload.
func (AgentState) EventType() string { return TypeAgentState }

// EventScope implements Payload.
func (p AgentState) EventScope() (int64, int64) { return p.AgentID, 0 }

// CallOffered is an answered call offered to an agent, or waiting for one
// (TypeCallOffered).
type CallOffered struct {
	AttemptID  int64 `json:"attempt_id"`
	CampaignID int64 `json:"campaign_id"`
	ContactID  int64 `json:"contact_id"`
	// AgentID is the agent reserved for the call; 0 while it waits.
	AgentID int64 `json:"agent_id,omitempty"`
	// OfferID, Deadline and AtZero are a preview offer's, made before
	// anything is dialed (AttemptID is then 0): the agent calls or skips
	// by OfferID before Deadline, when AtZero ("call" or "skip") acts.
	OfferID  int64      `json:"offer_id,omitempty"`
	Deadline *time.Time `json:"deadline,omitempty"`
	AtZero   string     `json:"at_zero,omitempty"`
	// Closed marks an offer's end (the agent decided or the deadline did).
	Closed bool `json:"closed,omitempty"`
}

// EventType implements Payload.
func (CallOffered) EventType() string { return TypeCallOffered }

// EventScope implements Payload.
func (p CallOffered) EventScope() (int64, int64) { return p.AgentID, p.CampaignID }

// CallBridged is a customer connected to an agent (TypeCallBridged): the
// fields every reader may rely on. The event's publisher adds the agent's
// screen pop (the contact, their history, the script, the disposition
// codes; web/console's CallPop) to the same object.
type CallBridged struct {
	AttemptID  int64 `json:"attempt_id"`
	CampaignID int64 `json:"campaign_id"`
	ContactID  int64 `json:"contact_id"`
	AgentID    int64 `json:"agent_id"`
}

// EventType implements Payload.
func (CallBridged) EventType() string { return TypeCallBridged }

// EventScope implements Payload.
func (p CallBridged) EventScope() (int64, int64) { return p.AgentID, p.CampaignID }

// CallEnded is an attempt's final outcome (TypeCallEnded).
type CallEnded struct {
	AttemptID  int64 `json:"attempt_id"`
	CampaignID int64 `json:"campaign_id"`
	// AgentID is the agent who had the call; 0 when none did.
	AgentID int64 `json:"agent_id,omitempty"`
	// Outcome is one of the outcomes of docs/architecture.md (human, abandoned,
	// machine, busy, no_answer, declined, invalid_number, congestion,
	// failed, unknown, blocked).
	Outcome string `json:"outcome"`
	// EndedAt is when the call ended.
	EndedAt time.Time `json:"ended_at"`
	// WrapUpEndsAt is when the campaign's wrap-up limit returns the agent
	// to work; none without a limit.
	WrapUpEndsAt *time.Time `json:"wrap_up_ends_at,omitempty"`
}

// EventType implements Payload.
func (CallEnded) EventType() string { return TypeCallEnded }

// EventScope implements Payload.
func (p CallEnded) EventScope() (int64, int64) { return p.AgentID, p.CampaignID }

// CallDisposed is a call's disposition, recorded (TypeCallDisposed): the
// call leaves the agent's screen.
type CallDisposed struct {
	AttemptID  int64  `json:"attempt_id"`
	CampaignID int64  `json:"campaign_id"`
	AgentID    int64  `json:"agent_id,omitempty"`
	Code       string `json:"code"`
}

// EventType implements Payload.
func (CallDisposed) EventType() string { return TypeCallDisposed }

// EventScope implements Payload.
func (p CallDisposed) EventScope() (int64, int64) { return p.AgentID, p.CampaignID }

// AgentDay is an agent's "my day" as it now is, since midnight in their
// zone (TypeAgentDay).
type AgentDay struct {
	AgentID int64 `json:"agent_id"`
	// Calls bridged to the agent; Successes and CallbacksSet among their
	// dispositions; CallbacksDue are the callbacks promised to the agent
	// and due by the end of the day.
	Calls        int `json:"calls"`
	Successes    int `json:"successes"`
	CallbacksSet int `json:"callbacks_set"`
	CallbacksDue int `json:"callbacks_due"`
	// TalkMS is the time on bridged calls, PauseMS the time paused.
	TalkMS  int64 `json:"talk_ms"`
	PauseMS int64 `json:"pause_ms"`
}

// EventType implements Payload.
func (AgentDay) EventType() string { return TypeAgentDay }

// EventScope implements Payload.
func (p AgentDay) EventScope() (int64, int64) { return p.AgentID, 0 }

// CampaignCounters is a campaign's live counts as they now are
// (TypeCampaignCounters). It names no contact, so every role's stream may
// carry it.
type CampaignCounters struct {
	CampaignID int64 `json:"campaign_id"`
	// Calls in progress: ringing (INVITE sent, no answer yet), waiting
	// (a person answered, no agent yet) and bridged (with an agent).
	Ringing int `json:"ringing"`
	Waiting int `json:"waiting"`
	Bridged int `json:"bridged"`
	// Agents logged in to the campaign, by what they are doing.
	AgentsReady  int `json:"agents_ready"`
	AgentsOnCall int `json:"agents_on_call"`
	AgentsPaused int `json:"agents_paused"`
	// The legal window in force: live answers, abandoned among them, the
	// abandoned ratio and the rule set's cap on it.
	Answered        int     `json:"answered"`
	Abandoned       int     `json:"abandoned"`
	AbandonRatio    float64 `json:"abandon_ratio"`
	AbandonCapRatio float64 `json:"abandon_cap_ratio"`
}

// EventType implements Payload.
func (CampaignCounters) EventType() string { return TypeCampaignCounters }

// EventScope implements Payload.
func (p CampaignCounters) EventScope() (int64, int64) { return 0, p.CampaignID }

// CampaignState is a campaign's lifecycle state (TypeCampaignState).
type CampaignState struct {
	CampaignID int64 `json:"campaign_id"`
	// State is the campaign's status (draft, running, paused, stopped …)
	// in campaigns' own words.
	State string `json:"state"`
}

// EventType implements Payload.
func (CampaignState) EventType() string { return TypeCampaignState }

// EventScope implements Payload.
func (p CampaignState) EventScope() (int64, int64) { return 0, p.CampaignID }

// PacerDecision is one pacer tick's decision for a campaign
// (TypePacerDecision): the supervisor's "why is it (not) dialing".
type PacerDecision struct {
	CampaignID int64 `json:"campaign_id"`
	// Policy is the pacing policy that decided (progressive, predictive …).
	Policy string `json:"policy"`
	// Launch is how many calls it decided to place now.
	Launch int `json:"launch"`
	// Reason says why, in a sentence a supervisor understands ("no agent
	// ready", "abandonment budget spent for this window").
	Reason string `json:"reason"`
}

// EventType implements Payload.
func (PacerDecision) EventType() string { return TypePacerDecision }

// EventScope implements Payload.
func (p PacerDecision) EventScope() (int64, int64) { return 0, p.CampaignID }
