// Package pacing decides how many calls a campaign should launch now. Its
// policies are pure: a snapshot of the floor comes in, a number and a reason
// go out; no I/O, and time is passed in.
package pacing

import (
	"fmt"
	"time"
)

// Snapshot is the state of one campaign's floor at one instant.
type Snapshot struct {
	Now time.Time
	// ReadyAgents are logged in, nailed up and not on a call: idle, or
	// reserved for a call being placed. Paused and phone-down agents are
	// never counted.
	ReadyAgents int
	// Dialing counts calls launched and not yet answered or ended.
	Dialing int
	// Queued is the number of attempts waiting in the campaign's ready set.
	Queued int

	// PausedAgents are logged in but paused or with their phone down. No
	// policy dials for them; the VICIdial-style baseline averages them in.
	PausedAgents int
	// Busy lists the agents on a call or in wrap-up: when they will be free
	// again is what a predictive policy dials ahead of.
	Busy []BusyAgent
	// DialingElapsed holds, for calls counted in Dialing, the time since
	// each was launched; a call without an entry counts as just launched.
	// A call that has rung long without an answer is less likely to be
	// answered by a person.
	DialingElapsed []time.Duration
	// Waiting counts live answers waiting for an agent right now; each is
	// an abandonment unless an agent frees up within the threshold.
	Waiting int
	// Events are the outcomes observed since the previous snapshot given to
	// this policy; the predictive policy learns from them.
	Events []Event
	// Budget is the abandonment ledger of the current legal window.
	Budget Budget
}

// BusyAgent is one agent who is talking or wrapping up.
type BusyAgent struct {
	// Elapsed is the time since the agent was bridged to the call (talk and
	// wrap-up so far).
	Elapsed time.Duration
	// Wrapping is set once the customer leg has ended.
	Wrapping bool
	// PauseNext is set when the agent asked to pause after this call: such
	// an agent will not free up for the dialer, so it is never counted.
	PauseNext bool
}

// EventKind names an observed outcome.
type EventKind uint8

// Observed outcomes.
const (
	// LiveAnswer: a person answered (Ring is launch to answer; Delay is
	// answer to the moment the call could go to an agent: greeting and
	// machine detection).
	LiveAnswer EventKind = iota + 1
	// Failed: the call ended without a person (no answer, busy, invalid,
	// machine); Ring is launch to the end of the call.
	Failed
	// Handled: an agent finished a call, wrap-up included (Handle).
	Handled
	// Abandoned: a live answer found no agent within the threshold. It
	// follows the call's LiveAnswer event.
	Abandoned
)

// Event is one observed outcome.
type Event struct {
	Kind   EventKind
	Ring   time.Duration
	Delay  time.Duration
	Handle time.Duration
}

// Budget is the abandonment ledger of the legal window in force (per
// campaign, successive 30 days in the US; a calendar day in the UK).
type Budget struct {
	// Cap is the legal abandoned share of live answers (0.03); zero means
	// no ledger is known and predictive policies stay progressive.
	Cap float64
	// LiveAnswers and Abandons count the window so far.
	LiveAnswers int
	Abandons    int
}

// Left is how many more abandons the window allows at its present size.
func (b Budget) Left() float64 {
	return b.Cap*float64(b.LiveAnswers) - float64(b.Abandons)
}

// Rate is the window's abandoned share so far (0 with no live answer).
func (b Budget) Rate() float64 {
	if b.LiveAnswers == 0 {
		return 0
	}
	return float64(b.Abandons) / float64(b.LiveAnswers)
}

// Decision is how many calls to launch now, and why.
type Decision struct {
	Launch int
	// Reason is a short, stable phrase (it labels metrics).
	Reason string
	// Detail carries the model's inputs behind the decision, for logs and
	// the supervisor's screen; zero for the simple policies.
	Detail Explanation
}

// Policy turns a snapshot into a decision.
type Policy interface {
	Name() string
	Decide(s Snapshot) Decision
}

// ByName returns a new policy for the name a campaign stores; the empty
// name is progressive. Stateful policies must not be shared between
// campaigns, so each call returns a fresh one. "ratio:2.5" is a fixed ratio.
func ByName(name string) (Policy, error) {
	switch name {
	case "predictive":
		return NewPredictive(PredictiveConfig{}), nil
	case "", "progressive":
		return Progressive{}, nil
	case "preview":
		return Preview{}, nil
	}
	var r float64
	if n, err := fmt.Sscanf(name, "ratio:%g", &r); err == nil && n == 1 {
		if r < 1 || r > 5 {
			return nil, fmt.Errorf("pacing ratio %g out of range 1.0–5.0", r)
		}
		return Ratio{Level: r}, nil
	}
	return nil, fmt.Errorf("unknown pacing policy %q", name)
}
