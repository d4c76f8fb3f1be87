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
}

// Decision is how many calls to launch now, and why.
type Decision struct {
	Launch int
	Reason string
}

// Policy turns a snapshot into a decision.
type Policy interface {
	Name() string
	Decide(s Snapshot) Decision
}

// Progressive launches one call per ready agent not already covered by a
// call in progress, so every answered call has an agent waiting (no
// abandonment by construction).
type Progressive struct{}

// Name returns "progressive".
func (Progressive) Name() string { return "progressive" }

// Decide launches ReadyAgents − Dialing calls, bounded by what is queued.
func (Progressive) Decide(s Snapshot) Decision {
	n := s.ReadyAgents - s.Dialing
	switch {
	case s.ReadyAgents == 0:
		return Decision{0, "no ready agent"}
	case n <= 0:
		return Decision{0, fmt.Sprintf("%d ready agents covered by %d calls dialing", s.ReadyAgents, s.Dialing)}
	case s.Queued == 0:
		return Decision{0, "ready set empty"}
	}
	if n > s.Queued {
		n = s.Queued
	}
	return Decision{n, fmt.Sprintf("1:1 for %d ready agents, %d dialing", s.ReadyAgents, s.Dialing)}
}

// ByName returns the policy a campaign names; the empty name is progressive.
func ByName(name string) (Policy, error) {
	switch name {
	case "", "progressive":
		return Progressive{}, nil
	}
	return nil, fmt.Errorf("unknown pacing policy %q", name)
}
