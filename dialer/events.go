package dialer

import (
	"time"

	"github.com/alo-dialer/alo/campaigns"
)

// CallEvents hears the moments of a bridged call that people watch live
// (docs/architecture.md, "Live events"): the bridge, which pops the contact on the
// agent's screen, and the end. Both are called on the call path, so an
// implementation must return at once: queue the work, never wait for SQL or
// the network. The agent's states come from the agent registry's Changes.
type CallEvents interface {
	CallBridged(CallBridged)
	CallEnded(CallEnded)
}

// CallBridged is a customer connected to an agent.
type CallBridged struct {
	AttemptID int64
	AgentID   int64
	// Campaign and Contact are the claimed attempt's, as loaded for the
	// call: everything the screen pop shows of them needs no SQL.
	Campaign campaigns.Campaign
	Contact  campaigns.Contact
	// At is the bridge, the instant written as the attempt's bridged_at.
	At time.Time
}

// CallEnded is a bridged call's end, after its outcome is recorded (the
// agent may dispose it from then on).
type CallEnded struct {
	AttemptID  int64
	AgentID    int64
	CampaignID int64
	ClientID   int64
	Outcome    campaigns.Outcome
	BridgedAt  time.Time
	At         time.Time
	// WrapUpEndsAt is when the campaign's wrap-up limit returns the agent
	// to work; zero without a limit.
	WrapUpEndsAt time.Time
}

// noCallEvents hears nothing (EngineConfig.Events unset).
type noCallEvents struct{}

func (noCallEvents) CallBridged(CallBridged) {}
func (noCallEvents) CallEnded(CallEnded)     {}
