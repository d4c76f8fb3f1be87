package sim

import (
	"math"
	"time"

	"github.com/alo-dialer/alo/pacing"
)

// knownModel is the simulator's truth in the form the predictive model
// takes: the answer rate over time and the distributions of ring time,
// failed-call length and handle time, tabulated from many draws of the same
// generator on a separate stream.
type knownModel struct {
	ring, fail, handle *pacing.DurationDist
	delay              time.Duration
}

func newKnownModel(cfg Config) knownModel {
	c := cfg
	c.Seed = cfg.Seed ^ 0x5bd1e9955bd1e995
	d := newLeadDraws(c)
	k := knownModel{
		ring:   pacing.NewDurationDist(250*time.Millisecond, 120*time.Second, 0),
		fail:   pacing.NewDurationDist(250*time.Millisecond, 120*time.Second, 0),
		handle: pacing.NewDurationDist(time.Second, time.Hour, 0),
	}
	sec := func(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
	var delay float64
	const n = 100000
	for i := range n {
		l := d.lead(i)
		delay += l.greet + l.silence
		k.ring.Observe(sec(l.ring))
		k.handle.Observe(sec(l.talk + l.wrap))
		// A failed attempt given no person: the shares of each failure.
		switch d.outcome(l, 0) {
		case machine:
			k.fail.Observe(sec(l.ring + l.amd))
		case busy, invalid:
			k.fail.Observe(sec(l.short))
		default:
			k.fail.Observe(cfg.NoAnswerTimeout)
		}
	}
	k.delay = sec(delay / n)
	// Build the tables now: afterwards they are only read, so concurrent
	// ceiling runs can share them.
	k.ring.Survival(1)
	k.fail.Survival(1)
	k.handle.Survival(1)
	return k
}

// newCeiling is the known-parameter policy: the predictive model fed the
// true answer rate and distributions, without learning or budget guards,
// at a fixed per-call risk (searched to land on the cap).
func newCeiling(cfg Config, k knownModel, risk float64) pacing.Policy {
	c := cfg
	c.Defaults()
	p := pacing.NewPredictive(pacing.PredictiveConfig{
		KnownRing: k.ring, KnownFail: k.fail, KnownHandle: k.handle, KnownDelay: k.delay,
		FixedRisk: risk,
		KnownAnswerRate: func(t time.Time) float64 {
			p := c.AnswerRate
			if c.Drift {
				s := t.Sub(epoch).Seconds()
				in := s - math.Floor(s/day)*day
				p *= 0.7 + 0.8*math.Min(in/c.Shift.Seconds(), 1)
			}
			return math.Min(p, 0.95)
		},
	})
	return named{p, "ceiling"}
}

// named renames a policy in results.
type named struct {
	pacing.Policy
	name string
}

func (n named) Name() string { return n.name }
