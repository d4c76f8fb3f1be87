package pacing

import (
	"fmt"
	"math"
)

// Ratio keeps Level lines per working agent (VICIdial's RATIO method):
// lines = round(Level × (ready + talking agents)), less the calls already
// up (dialing, waiting and talking). Agents wrapping up (their call is
// dead) or pausing after it are not counted. Level 1 is progressive; higher
// levels overdial blindly, so the abandonment they cause depends on the
// answer rate and the team size.
type Ratio struct {
	Level float64
}

// Name returns "ratio:<level>".
func (r Ratio) Name() string { return fmt.Sprintf("ratio:%.2f", r.Level) }

// Decide launches the lines missing from the target.
func (r Ratio) Decide(s Snapshot) Decision {
	if s.ReadyAgents == 0 && len(s.Busy) == 0 {
		return Decision{Reason: "no agent"}
	}
	if s.Queued == 0 {
		return Decision{Reason: "ready set empty"}
	}
	counted, talking := s.ReadyAgents, 0
	for _, b := range s.Busy {
		if !b.Wrapping {
			talking++ // its call is up whoever the agent is
			if !b.PauseNext {
				counted++
			}
		}
	}
	target := int(math.Round(r.Level * float64(counted)))
	n := min(target-s.Dialing-s.Waiting-talking, s.Queued)
	if n <= 0 {
		return Decision{Reason: "lines at target"}
	}
	return Decision{Launch: n, Reason: "fixed ratio"}
}
