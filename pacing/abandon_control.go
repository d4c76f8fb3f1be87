package pacing

import "math"

// SafetyMargin is how far below the legal cap the predictive policy aims.
// Abandons come in bursts whose relative size shrinks as √agents grows, so
// a small team needs a wider margin to stay under the cap in every window.
func SafetyMargin(limit float64, agents int) float64 {
	n := float64(max(agents, 1))
	return limit * (0.05 + 0.6/math.Sqrt(n))
}

// Aim is the abandonment rate the policy steers at: the cap less the
// safety margin, lowered further while the window so far runs above it so
// the window's own rate comes back under (the budget left shrinks the aim).
func Aim(b Budget, agents int) float64 {
	aim := b.Cap - SafetyMargin(b.Cap, agents)
	if b.LiveAnswers >= 200 {
		if r := b.Rate(); r > aim {
			aim = max(aim-(r-aim), aim/4)
		}
	}
	return aim
}

// AbandonControl turns the observed abandonment into the risk the model
// may take on each call it launches. The model's risk is only an estimate
// of the abandonment it will cause (its horizon is approximate, agents
// pause, answers drift), so a slow integral loop corrects it: every live
// answer raises the risk a little, every abandon lowers it by 1/aim times
// as much, which balances exactly when abandons run at the aim.
type AbandonControl struct {
	logRisk float64
	gain    float64
}

// NewAbandonControl starts at risk start with the given gain per answer.
func NewAbandonControl(start, gain float64) *AbandonControl {
	return &AbandonControl{logRisk: math.Log(start), gain: gain}
}

// Observe records one live answer (abandoned or not) against the aim.
func (c *AbandonControl) Observe(abandoned bool, aim float64) {
	if aim <= 0 {
		return
	}
	c.logRisk += c.gain
	if abandoned {
		c.logRisk -= c.gain / aim
	}
	c.logRisk = min(max(c.logRisk, math.Log(aim/50)), math.Log(min(4*aim, 0.3)))
}

// Risk is the per-call abandonment risk to take now.
func (c *AbandonControl) Risk() float64 { return math.Exp(c.logRisk) }
