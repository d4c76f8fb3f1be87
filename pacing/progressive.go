package pacing

import "fmt"

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
		return Decision{Launch: 0, Reason: "no ready agent"}
	case n <= 0:
		return Decision{Launch: 0, Reason: fmt.Sprintf("%d ready agents covered by %d calls dialing", s.ReadyAgents, s.Dialing)}
	case s.Queued == 0:
		return Decision{Launch: 0, Reason: "ready set empty"}
	}
	if n > s.Queued {
		n = s.Queued
	}
	return Decision{Launch: n, Reason: fmt.Sprintf("1:1 for %d ready agents, %d dialing", s.ReadyAgents, s.Dialing)}
}

// progressiveLaunch is Progressive's count without the reason's formatting,
// for policies that fall back to it on every tick.
func progressiveLaunch(s Snapshot) int {
	n := min(s.ReadyAgents-s.Dialing, s.Queued)
	return max(n, 0)
}
