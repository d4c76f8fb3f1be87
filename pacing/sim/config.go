// Package sim is a discrete-event simulator of an outbound floor, used to
// compare pacing policies on the same random streams: each lead's outcome,
// ring, greeting, talk and wrap-up are drawn once from the lead's own
// seeded stream, so every policy meets the same customers in the same order
// and the differences between policies are paired, not noise.
package sim

import (
	"errors"
	"time"
)

// Config describes one simulated campaign.
type Config struct {
	Agents int
	// AnswerRate is the share of dials answered by a person.
	AnswerRate float64
	// TalkMean and WrapMean are the means of talk and wrap-up time.
	TalkMean, WrapMean time.Duration
	// Shift is the logged-in time per day; Days the number of days.
	Shift time.Duration
	Days  int
	Seed  uint64
	// MachineShare is the share of the not-answered-by-a-person dials
	// answered by a machine (busy 5 %, invalid 3 % of it; the rest ring out).
	MachineShare float64
	// NoAnswerTimeout ends a call that nobody answers.
	NoAnswerTimeout time.Duration
	// Threshold is the time from the end of the greeting within which an
	// agent must be bridged (FCC: 2 s).
	Threshold time.Duration
	// Cap is the legal abandoned share of live answers per 30-day period.
	Cap float64
	// Tick is how often the policy is asked besides after every event.
	Tick time.Duration

	// Stress variants.
	// Pauses: two 15-minute breaks, one of 30 minutes and hourly
	// micro-pauses per agent and shift.
	Pauses bool
	// Drift: the answer rate moves from ×0.7 to ×1.5 across each shift.
	Drift bool
	// AMDErrors: machine detection hangs up on 3 % of people and passes
	// 10 % of machines to agents.
	AMDErrors bool
	// Exhaust: the list runs dry at 70 % of each shift, refilled 30 min later.
	Exhaust bool
	// WrongPrior starts a learning policy from a wrong guess of the answer
	// rate (the cold-start case); the simulator only passes it on.
	WrongPrior bool
}

// Defaults fills the zero fields with the defaults.
func (c *Config) Defaults() {
	if c.Agents == 0 {
		c.Agents = 20
	}
	if c.AnswerRate == 0 {
		c.AnswerRate = 0.30
	}
	if c.TalkMean == 0 {
		c.TalkMean = 180 * time.Second
	}
	if c.WrapMean == 0 {
		c.WrapMean = 20 * time.Second
	}
	if c.Shift == 0 {
		c.Shift = 8 * time.Hour
	}
	if c.Days == 0 {
		c.Days = 30
	}
	if c.MachineShare == 0 {
		c.MachineShare = 0.15
	}
	if c.NoAnswerTimeout == 0 {
		c.NoAnswerTimeout = 25 * time.Second
	}
	if c.Threshold == 0 {
		c.Threshold = 2 * time.Second
	}
	if c.Cap == 0 {
		c.Cap = 0.03
	}
	if c.Tick == 0 {
		c.Tick = time.Second
	}
}

// Validate reports a configuration the simulator cannot run.
func (c Config) Validate() error {
	var errs []error
	if c.Agents < 1 || c.Agents > 5000 {
		errs = append(errs, errors.New("agents must be 1–5000"))
	}
	if c.AnswerRate <= 0 || c.AnswerRate >= 1 {
		errs = append(errs, errors.New("answer rate must be in (0, 1)"))
	}
	if c.MachineShare < 0 || c.MachineShare > 0.9 {
		errs = append(errs, errors.New("machine share must be in [0, 0.9]"))
	}
	if c.TalkMean < 20*time.Second {
		errs = append(errs, errors.New("talk mean must be at least 20s"))
	}
	if c.WrapMean < 0 {
		errs = append(errs, errors.New("wrap mean must not be negative"))
	}
	if c.Shift < time.Hour || c.Shift > 24*time.Hour {
		errs = append(errs, errors.New("hours must be 1–24"))
	}
	if c.Days < 1 || c.Days > 3660 {
		errs = append(errs, errors.New("days must be 1–3660"))
	}
	if c.NoAnswerTimeout < 5*time.Second {
		errs = append(errs, errors.New("no-answer timeout must be at least 5s"))
	}
	if c.Cap <= 0 || c.Cap >= 1 {
		errs = append(errs, errors.New("abandon cap must be in (0, 1)"))
	}
	return errors.Join(errs...)
}
