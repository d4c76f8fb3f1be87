package sim

import (
	"slices"
)

// Result is one policy's figures over a run. Abandonment counts people
// only: machines passed to agents by a detection error are not live
// answers, and people hung up on by detection are counted apart.
type Result struct {
	Policy string `json:"policy"`
	// Param is the searched setting: the dial level of the best compliant
	// fixed ratio, the per-call risk of the ceiling.
	Param float64 `json:"param,omitempty"`
	// Occupancy is talk time over logged-in time.
	Occupancy float64 `json:"occupancy"`
	// AbandonRate is abandoned over live answers for the whole run.
	AbandonRate float64 `json:"abandon_rate"`
	// Worst30dAbandonRate is the worst successive 30-day period (the whole
	// run if shorter; a shorter last period counts too).
	Worst30dAbandonRate float64 `json:"worst_30d_abandon_rate"`
	WorstDayAbandonRate float64 `json:"worst_day_abandon_rate"`
	LiveAnswers         int     `json:"live_answers"`
	Dials               int     `json:"dials"`
	Abandons            int     `json:"abandons"`
	AgentWaitP95        float64 `json:"agent_wait_p95_s"`
	AgentWaitMean       float64 `json:"agent_wait_mean_s"`
	AMDFalsePositives   int     `json:"amd_false_positives"`
	PeakLines           int     `json:"peak_lines"`
	Day1AbandonRate     float64 `json:"day1_abandon_rate"`
}

func rate(a, l int) float64 {
	if l == 0 {
		return 0
	}
	return float64(a) / float64(l)
}

func (f *floor) finish() {
	r := &f.res
	r.Occupancy = f.talk / (float64(f.cfg.Agents) * f.cfg.Shift.Seconds() * float64(f.cfg.Days))
	r.AbandonRate = rate(r.Abandons, r.LiveAnswers)
	for start := 0; start < f.cfg.Days; start += 30 {
		a, l := 0, 0
		for d := start; d < min(start+30, f.cfg.Days+1); d++ {
			a += f.dayAbandons[d]
			l += f.dayLive[d]
		}
		r.Worst30dAbandonRate = max(r.Worst30dAbandonRate, rate(a, l))
	}
	for d := range f.dayLive {
		r.WorstDayAbandonRate = max(r.WorstDayAbandonRate, rate(f.dayAbandons[d], f.dayLive[d]))
	}
	r.Day1AbandonRate = rate(f.dayAbandons[0], f.dayLive[0])
	if len(f.waits) > 0 {
		slices.Sort(f.waits)
		r.AgentWaitP95 = float64(f.waits[int(0.95*float64(len(f.waits)-1))])
		sum := 0.0
		for _, w := range f.waits {
			sum += float64(w)
		}
		r.AgentWaitMean = sum / float64(len(f.waits))
	}
}
