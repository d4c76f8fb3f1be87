package pacing

import "math"

// AnswerRate estimates the probability that a dial reaches a live person.
// It starts from a prior (the cold start), forgets old dials so it follows
// the time of day, and watches a short window: when the recent rate moves
// outside what chance explains, the long estimate jumps to it (drift).
type AnswerRate struct {
	long, short         counts
	longFade, shortFade float64
	// Drifts counts the times a drift was detected.
	Drifts int
}

type counts struct{ live, other float64 }

func (c counts) n() float64 { return c.live + c.other }

func (c counts) mean() float64 {
	if c.n() == 0 {
		return 0
	}
	return c.live / c.n()
}

// NewAnswerRate starts at prior with the weight of priorDials dials;
// memory is the long window in dials, short the drift detector's.
func NewAnswerRate(prior float64, priorDials, memory, short int) *AnswerRate {
	w := float64(priorDials)
	return &AnswerRate{
		long:      counts{prior * w, (1 - prior) * w},
		longFade:  1 - 1/float64(memory),
		shortFade: 1 - 1/float64(short),
	}
}

// Observe records one resolved dial.
func (a *AnswerRate) Observe(live bool) {
	a.long.live *= a.longFade
	a.long.other *= a.longFade
	a.short.live *= a.shortFade
	a.short.other *= a.shortFade
	if live {
		a.long.live++
		a.short.live++
	} else {
		a.long.other++
		a.short.other++
	}
	ns := a.short.n()
	if ns < 0.6/(1-a.shortFade) {
		return // the short window is not yet full enough to judge
	}
	ps, pl := a.short.mean(), a.long.mean()
	sd := math.Sqrt(max(ps*(1-ps), 0.01) / ns)
	if math.Abs(ps-pl) > 3*sd+0.01 {
		a.long = a.short
		a.Drifts++
	}
}

// Mean is the current estimate.
func (a *AnswerRate) Mean() float64 { return a.long.mean() }

// Dials is the effective number of dials behind the estimate.
func (a *AnswerRate) Dials() float64 { return a.long.n() }

// Upper is the estimate plus z standard errors: overestimating the answer
// rate makes a dialer launch fewer calls, so it is the safe side.
func (a *AnswerRate) Upper(z float64) float64 {
	p, n := a.long.mean(), a.long.n()
	return min(p+z*math.Sqrt(p*(1-p)/(n+1)), 0.99)
}
