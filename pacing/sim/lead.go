package sim

import (
	"math"
	"math/rand/v2"
)

// outcome is what a dial ends in.
type outcome uint8

const (
	human outcome = iota
	machine
	busy
	invalid
	noAnswer
)

// lead is one contact's fate, drawn once from its own stream: whichever
// policy dials it, and whenever, the same person answers after the same
// ring and talks for the same time.
type lead struct {
	u       float64 // outcome draw, compared with the answer rate at dial time
	v       float64 // which failure, given no person
	ring    float64 // launch → answer (person or machine), seconds
	greet   float64 // the person's greeting
	silence float64 // after the greeting, until detection says "person"
	amd     float64 // answer → machine verdict
	short   float64 // busy / invalid signalling time
	talk    float64
	wrap    float64
	amdErr  float64 // detection error draw
	mtalk   float64 // agent time on a machine passed through by mistake
}

// leadDraws generates leads for one seed.
type leadDraws struct {
	seed              uint64
	talkMu, talkSigma float64
	wrapMu, wrapSigma float64
	timeout           float64
	machineShare      float64
}

func newLeadDraws(c Config) leadDraws {
	// 15 % of calls are quick hang-ups of 5–15 s (mean 10 s); the rest are
	// lognormal with CV 1 so the overall mean is TalkMean.
	rest := (c.TalkMean.Seconds() - 0.15*10) / 0.85
	s2 := math.Log(2) // CV 1
	w := math.Max(c.WrapMean.Seconds(), 0.001)
	w2 := math.Log(1 + 0.25) // CV 0.5
	return leadDraws{seed: c.Seed,
		talkMu: math.Log(rest) - s2/2, talkSigma: math.Sqrt(s2),
		wrapMu: math.Log(w) - w2/2, wrapSigma: math.Sqrt(w2),
		timeout: c.NoAnswerTimeout.Seconds(), machineShare: c.MachineShare}
}

// lead i's draws, always in the same order from its own stream.
func (d leadDraws) lead(i int) lead {
	r := rand.New(rand.NewPCG(d.seed, uint64(i)))
	var l lead
	l.u = r.Float64()
	l.v = r.Float64()
	// Ring time of answered calls: bimodal (6–10 s and 18–22 s) with a few
	// instant pick-ups, as call logs show.
	switch m := r.Float64(); {
	case m < 0.65:
		l.ring = math.Exp(math.Log(8) + 0.15*r.NormFloat64())
	case m < 0.90:
		l.ring = math.Exp(math.Log(20) + 0.06*r.NormFloat64())
	default:
		l.ring = 0.5 + 2.5*r.Float64()
	}
	l.ring = math.Min(l.ring, d.timeout-0.5)
	l.greet = 0.5 + r.Float64()
	l.silence = 0.3 + 0.7*r.Float64()
	l.amd = 1.5 + 3.5*r.Float64()
	l.short = 2 + 3*r.Float64()
	if r.Float64() < 0.15 {
		l.talk = 5 + 10*r.Float64()
	} else {
		l.talk = math.Exp(d.talkMu + d.talkSigma*r.NormFloat64())
	}
	l.wrap = math.Exp(d.wrapMu + d.wrapSigma*r.NormFloat64())
	l.amdErr = r.Float64()
	l.mtalk = 3 + 7*r.Float64()
	return l
}

// outcome at answer rate p: a person when u < p; otherwise the failure
// shares apply to the rest.
func (d leadDraws) outcome(l lead, p float64) outcome {
	if l.u < p {
		return human
	}
	switch {
	case l.v < d.machineShare:
		return machine
	case l.v < d.machineShare+0.05:
		return busy
	case l.v < d.machineShare+0.08:
		return invalid
	}
	return noAnswer
}
