package pacing

import "time"

// DurationDist is an online estimate of a duration's distribution (ring
// time of answered calls, length of failed attempts, handle time): a
// histogram of fixed-width bins whose old observations fade, so it follows
// a change in the list or the script. It is not safe for concurrent use.
type DurationDist struct {
	width  float64 // seconds per bin
	bins   []float64
	total  float64
	scale  float64 // weight of the next observation; grows so old ones fade
	fade   float64 // 1 − 1/memory
	n      int     // observations ever
	stale  int     // observations since the survival table was built
	surv   []float64
	sumW   float64 // weighted sum of seconds, for the mean
	maxSec float64
}

// NewDurationDist covers 0..max in bins of width; memory is the number of
// recent observations that carry most of the weight (0: never fade).
func NewDurationDist(width, max time.Duration, memory int) *DurationDist {
	w := width.Seconds()
	n := int(max.Seconds()/w) + 1
	d := &DurationDist{width: w, bins: make([]float64, n), scale: 1, fade: 1, maxSec: max.Seconds()}
	if memory > 0 {
		d.fade = 1 - 1/float64(memory)
	}
	return d
}

// Observe adds one duration (longer than max counts in the last bin).
func (d *DurationDist) Observe(x time.Duration) {
	s := x.Seconds()
	if s < 0 {
		s = 0
	}
	i := min(int(s/d.width), len(d.bins)-1)
	d.scale /= d.fade
	d.bins[i] += d.scale
	d.total += d.scale
	d.sumW += d.scale * min(s, d.maxSec)
	d.n++
	d.stale++
	if d.scale > 1e100 {
		for i := range d.bins {
			d.bins[i] /= d.scale
		}
		d.total /= d.scale
		d.sumW /= d.scale
		d.scale = 1
	}
}

// Count is the number of observations ever made.
func (d *DurationDist) Count() int { return d.n }

// Mean is the weighted mean in seconds (0 before any observation).
func (d *DurationDist) Mean() float64 {
	if d.total == 0 {
		return 0
	}
	return d.sumW / d.total
}

// table rebuilds the survival table once enough has changed: rebuilding on
// every observation would cost a pass over the bins per call.
func (d *DurationDist) table() []float64 {
	if d.surv != nil && d.stale < 16 && d.stale*64 < d.n {
		return d.surv
	}
	if d.surv == nil {
		d.surv = make([]float64, len(d.bins)+1)
	}
	d.stale = 0
	acc := 0.0
	d.surv[len(d.bins)] = 0
	for i := len(d.bins) - 1; i >= 0; i-- {
		acc += d.bins[i]
		if d.total > 0 {
			d.surv[i] = acc / d.total
		} else {
			d.surv[i] = 1
		}
	}
	return d.surv
}

// Survival is P(X > s) for s in seconds, linear within a bin; 1 before any
// observation.
func (d *DurationDist) Survival(s float64) float64 {
	if d.total == 0 || s <= 0 {
		return 1
	}
	t := d.table()
	f := s / d.width
	i := int(f)
	if i >= len(d.bins) {
		return 0
	}
	frac := f - float64(i)
	return t[i] + (t[i+1]-t[i])*frac
}

// Quantile is the smallest s (seconds) with P(X ≤ s) ≥ q.
func (d *DurationDist) Quantile(q float64) float64 {
	if d.total == 0 {
		return 0
	}
	t := d.table()
	for i := 0; i < len(d.bins); i++ {
		if 1-t[i+1] >= q {
			// interpolate inside bin i
			lo, hi := 1-t[i], 1-t[i+1]
			frac := 0.0
			if hi > lo {
				frac = (q - lo) / (hi - lo)
			}
			return (float64(i) + frac) * d.width
		}
	}
	return float64(len(d.bins)) * d.width
}

// Residual is the chance that something already running for a seconds
// ends within the next h seconds: [S(a) − S(a+h)] / S(a). For an agent on a
// call it is the chance they are free by then; long calls are poor bets
// when the distribution has a heavy tail.
func (d *DurationDist) Residual(a, h float64) float64 {
	sa := d.Survival(a)
	if sa < 1e-9 {
		// Beyond everything seen: assume the call ends at the mean rate.
		m := max(d.Mean(), 1)
		return h / (h + m)
	}
	return (sa - d.Survival(a+h)) / sa
}
