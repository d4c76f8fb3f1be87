package pacing

import (
	"fmt"
	"time"
)

// Explanation is what the predictive policy saw and concluded: the inputs
// of its model, so a supervisor (and a log reader) can see why it launched
// what it did.
type Explanation struct {
	// AnswerRate is the live-answer probability the model used.
	AnswerRate float64
	// Ready, Busy and Dialing are the snapshot's counts.
	Ready, Busy, Dialing int
	// FreeAgents is the expected number of agents free when a call launched
	// now would be answered; Answers the expected live answers from calls
	// already placed (and waiting).
	FreeAgents, Answers float64
	// Horizon is the typical time from launch to needing an agent.
	Horizon time.Duration
	// Risk is the largest chance of abandonment allowed for the last call
	// launched; Aim the abandonment rate steered at; WindowRate the legal
	// window's rate so far.
	Risk, Aim, WindowRate float64
	// Model is the number of calls the model asked for; Progressive what
	// one call per ready agent would have launched.
	Model, Progressive int
}

// String renders the explanation for a log line or a tooltip.
func (e Explanation) String() string {
	return fmt.Sprintf("p=%.3f ready=%d busy=%d dialing=%d free@%s=%.1f answers=%.1f risk=%.4f aim=%.4f window=%.4f model=%d progressive=%d",
		e.AnswerRate, e.Ready, e.Busy, e.Dialing, e.Horizon.Round(100*time.Millisecond), e.FreeAgents, e.Answers,
		e.Risk, e.Aim, e.WindowRate, e.Model, e.Progressive)
}
