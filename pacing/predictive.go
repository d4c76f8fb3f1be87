package pacing

import (
	"math"
	"time"
)

// Decision reasons of the predictive policy (stable: they label metrics).
const (
	ReasonModel       = "model: expected free agents cover expected answers"
	ReasonProgressive = "model asks less than progressive: progressive"
	ReasonEmptyQueue  = "ready set empty"
	ReasonNoAgent     = "no agent working"
	ReasonSmallTeam   = "small team: progressive"
	ReasonColdStart   = "cold start: progressive while learning"
	ReasonBudget      = "abandonment budget binds: progressive"
	ReasonNoLedger    = "no abandonment ledger: progressive"
)

// PredictiveConfig tunes the predictive policy; zero values take defaults.
type PredictiveConfig struct {
	// PriorAnswerRate is the cold-start guess of the live-answer rate.
	PriorAnswerRate float64
	// MinAgents: with fewer working agents the policy is progressive (one
	// surplus answer is then a large share of the calls).
	MinAgents int
	// ColdDials and ColdHandles are how many resolved dials and finished
	// calls it sees before trusting its model.
	ColdDials, ColdHandles int
	// Reserve is how many abandons the window must still allow before the
	// policy overdials at all.
	Reserve float64
	// MaxLinesPerAgent bounds calls dialing per working agent (trunks).
	MaxLinesPerAgent float64
	// Gain is the abandonment loop's step per live answer.
	Gain float64

	// Known-parameter mode, for the simulator's ceiling: the true answer
	// rate over time and the true distributions, no learning, no budget
	// guard, and a fixed risk per call.
	KnownAnswerRate      func(time.Time) float64
	KnownRing, KnownFail *DurationDist
	KnownHandle          *DurationDist
	KnownDelay           time.Duration
	FixedRisk            float64
}

func (c *PredictiveConfig) defaults() {
	if c.PriorAnswerRate == 0 {
		c.PriorAnswerRate = 0.25
	}
	if c.MinAgents == 0 {
		c.MinAgents = 3
	}
	if c.ColdDials == 0 {
		c.ColdDials = 100
	}
	if c.ColdHandles == 0 {
		c.ColdHandles = 20
	}
	if c.Reserve == 0 {
		c.Reserve = 2
	}
	if c.MaxLinesPerAgent == 0 {
		c.MaxLinesPerAgent = 4
	}
	if c.Gain == 0 {
		c.Gain = 0.002
	}
}

// Predictive launches calls so that the answers they are expected to
// produce meet agents expected to be free, with the chance that the last
// call launched finds no agent held to a risk set from the abandonment
// budget. Its model: the live-answer rate; the ring-time distribution of
// answered calls and the length of failed ones (a call that has rung long
// is less likely to be answered); each busy agent's elapsed time against
// the handle-time distribution (the chance they free up in time); and the
// greeting and machine-detection delay. It learns all of these from the
// events in each snapshot. It is not safe for concurrent use.
type Predictive struct {
	cfg    PredictiveConfig
	rate   *AnswerRate
	ring   *DurationDist // launch → live answer
	fail   *DurationDist // launch → end of a failed attempt
	handle *DurationDist // bridge → agent free
	delay  float64       // answer → ready for an agent, seconds (moving mean)
	ctrl   *AbandonControl
	aim    float64
	active bool // the model drove the previous decision

	horizonAt int // ring count when horizons were computed
	horizons  [4]float64
	freeAt    int       // handle count when freeOdds was built
	freeOdds  []float64 // chance a busy agent frees by the horizon, per second elapsed
	// horizonAtFree is freeAt while the horizons are those freeOdds used.
	horizonAtFree int
}

// NewPredictive returns a predictive policy that learns from scratch (or
// knows its parameters, in known-parameter mode).
func NewPredictive(cfg PredictiveConfig) *Predictive {
	cfg.defaults()
	p := &Predictive{
		cfg:       cfg,
		rate:      NewAnswerRate(cfg.PriorAnswerRate, 20, 1500, 300),
		ring:      NewDurationDist(250*time.Millisecond, 120*time.Second, 1000),
		fail:      NewDurationDist(250*time.Millisecond, 120*time.Second, 2000),
		handle:    NewDurationDist(time.Second, time.Hour, 2000),
		delay:     1.5,
		horizonAt: -1,
		freeAt:    -1,
	}
	if cfg.KnownRing != nil {
		p.ring, p.fail, p.handle, p.delay = cfg.KnownRing, cfg.KnownFail, cfg.KnownHandle, cfg.KnownDelay.Seconds()
	}
	p.ctrl = NewAbandonControl(0.01, cfg.Gain)
	return p
}

// Name returns "predictive".
func (p *Predictive) Name() string { return "predictive" }

func (p *Predictive) known() bool { return p.cfg.KnownRing != nil }

// learn folds the snapshot's events into the estimates.
func (p *Predictive) learn(events []Event) {
	for _, e := range events {
		switch e.Kind {
		case LiveAnswer:
			if p.active {
				p.ctrl.Observe(false, p.aim)
			}
			if p.known() {
				continue
			}
			p.rate.Observe(true)
			p.ring.Observe(e.Ring)
			p.delay += 0.02 * (e.Delay.Seconds() - p.delay)
		case Failed:
			if p.known() {
				continue
			}
			p.rate.Observe(false)
			p.fail.Observe(e.Ring)
		case Handled:
			if !p.known() {
				p.handle.Observe(e.Handle)
			}
		case Abandoned:
			if p.active {
				p.ctrl.Observe(true, p.aim)
			}
		}
	}
}

// Decide learns from the snapshot's events and decides.
func (p *Predictive) Decide(s Snapshot) Decision {
	p.learn(s.Events)
	prog := progressiveLaunch(s)
	ex := Explanation{Ready: s.ReadyAgents, Busy: len(s.Busy), Dialing: s.Dialing, Progressive: prog,
		WindowRate: s.Budget.Rate()}
	fallback := func(reason string) Decision {
		p.active = false
		return Decision{Launch: prog, Reason: reason, Detail: ex}
	}
	if s.Queued == 0 {
		// An empty list is not under-dialing: nothing ramps up meanwhile.
		return Decision{Reason: ReasonEmptyQueue, Detail: ex}
	}
	working := s.ReadyAgents
	for _, b := range s.Busy {
		if !b.PauseNext {
			working++
		}
	}
	if working == 0 {
		p.active = false
		return Decision{Reason: ReasonNoAgent, Detail: ex}
	}
	if working < p.cfg.MinAgents {
		return fallback(ReasonSmallTeam)
	}
	if !p.known() && (p.rate.Dials() < float64(p.cfg.ColdDials) || p.handle.Count() < p.cfg.ColdHandles ||
		p.ring.Count() < 20 || p.fail.Count() < 20) {
		return fallback(ReasonColdStart)
	}
	var risk float64
	if p.cfg.FixedRisk > 0 {
		risk = p.cfg.FixedRisk
	} else {
		if s.Budget.Cap <= 0 {
			return fallback(ReasonNoLedger)
		}
		p.aim = Aim(s.Budget, working)
		ex.Aim = p.aim
		if s.Budget.Left() < p.cfg.Reserve {
			return fallback(ReasonBudget)
		}
		risk = min(p.ctrl.Risk(), 4*p.aim)
	}
	ex.Risk = risk

	var pa float64
	if p.cfg.KnownAnswerRate != nil {
		pa = p.cfg.KnownAnswerRate(s.Now)
	} else {
		pa = p.rate.Upper(1)
	}
	ex.AnswerRate = pa

	// Expected live answers still to come: waiting ones for sure, each call
	// dialing by how likely a person answers after it has rung this long.
	xm, xv := float64(s.Waiting), 0.0
	for i := 0; i < s.Dialing; i++ {
		q := pa
		if i < len(s.DialingElapsed) {
			e := s.DialingElapsed[i].Seconds()
			sr, sf := pa*p.ring.Survival(e), (1-pa)*p.fail.Survival(e)
			if sr+sf > 0 {
				q = sr / (sr + sf)
			} else {
				q = 0
			}
		}
		xm += q
		xv += q * (1 - q)
	}
	ex.Answers = xm

	// Expected free agents when a call launched now is answered: ready ones,
	// and each busy one by the chance their call ends by then, averaged over
	// the spread of ring times.
	h := p.horizonPoints()
	ex.Horizon = time.Duration((h[0] + h[1] + h[2] + h[3]) / 4 * float64(time.Second))
	odds := p.freeTable()
	ym, yv := float64(s.ReadyAgents), 0.0
	for _, b := range s.Busy {
		if b.PauseNext {
			continue
		}
		var q float64
		if a := b.Elapsed.Seconds(); a < float64(len(odds)-1) {
			i := int(a)
			q = odds[i] + (odds[i+1]-odds[i])*(a-float64(i))
		} else {
			q = p.freeOdds1(a)
		}
		ym += q
		yv += q * (1 - q)
	}
	ex.FreeAgents = ym

	// Launch while the next call's answer would find an agent with
	// probability at least 1 − risk (normal approximation of answers minus
	// free agents, with a continuity correction).
	z := normalQuantile(risk)
	maxLaunch := min(s.Queued, int(p.cfg.MaxLinesPerAgent*float64(working))-s.Dialing)
	k := 0
	for ; k < maxLaunch; k++ {
		mu := xm + float64(k)*pa - ym
		sd := math.Sqrt(xv + float64(k)*pa*(1-pa) + yv)
		if sd == 0 {
			if mu+0.5 > 0 {
				break
			}
			continue
		}
		if (mu+0.5)/sd > z {
			break
		}
	}
	ex.Model = k
	p.active = true
	if k < prog {
		return Decision{Launch: prog, Reason: ReasonProgressive, Detail: ex}
	}
	return Decision{Launch: k, Reason: ReasonModel, Detail: ex}
}

// freeOdds1 is the chance an agent busy for a seconds is free by the
// horizon, averaged over the four horizon points.
func (p *Predictive) freeOdds1(a float64) float64 {
	h := p.horizons
	return (p.handle.Residual(a, h[0]) + p.handle.Residual(a, h[1]) +
		p.handle.Residual(a, h[2]) + p.handle.Residual(a, h[3])) / 4
}

// freeTable tabulates freeOdds1 by the second over the first half hour of
// a call, rebuilt as the handle times or horizons move: with a hundred
// agents busy the model would otherwise spend its time there.
func (p *Predictive) freeTable() []float64 {
	n := p.handle.Count()
	if p.freeOdds != nil && p.freeAt >= 0 && n-p.freeAt < 32 && p.freeAt == p.horizonAtFree {
		return p.freeOdds
	}
	p.freeAt, p.horizonAtFree = n, n
	if p.freeOdds == nil {
		p.freeOdds = make([]float64, 1801)
	}
	for i := range p.freeOdds {
		p.freeOdds[i] = p.freeOdds1(float64(i))
	}
	return p.freeOdds
}

// horizonPoints are four times from launch to needing an agent: the ring
// time's octile midpoints plus the greeting and detection delay, plus a
// second of the threshold's slack.
func (p *Predictive) horizonPoints() [4]float64 {
	n := p.ring.Count()
	if p.horizonAt < 0 || n-p.horizonAt >= 16 {
		p.horizonAt = n
		p.horizonAtFree = -1 // the free-agent table depends on the horizons
		for i, q := range [4]float64{0.125, 0.375, 0.625, 0.875} {
			p.horizons[i] = p.ring.Quantile(q) + p.delay + 1
		}
	}
	return p.horizons
}
