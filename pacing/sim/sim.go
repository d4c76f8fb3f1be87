package sim

import (
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/alo-dialer/alo/pacing"
)

// epoch is day 0 of every run (a Monday, midnight UTC): policies see wall
// time, and day boundaries fall at midnight.
var epoch = time.Date(2025, 1, 6, 0, 0, 0, 0, time.UTC)

const day = 86400.0

// decideGap is the shortest time between two decisions, in seconds.
const decideGap = 0.1

type agentState uint8

const (
	off agentState = iota
	idle
	talking
	wrapping
	paused
)

type agent struct {
	state     agentState
	idleSince float64
	bridgeAt  float64
	wrapFor   float64
	pauseNext bool
	pauseFor  float64
}

type callState uint8

const (
	free callState = iota
	dialing
	waiting
	done
)

type call struct {
	state   callState
	launch  float64
	l       lead
	out     outcome
	passed  bool // a machine detection passed to an agent as a person
	started int  // the day the call was launched
}

// floor is one run of one policy.
type floor struct {
	cfg   Config
	draws leadDraws
	pol   pacing.Policy

	h          eventHeap
	t          float64
	agents     []agent
	calls      []call
	freeCalls  []int32
	inflight   []int32
	waitq      []int32
	nextLead   int
	inShift    bool
	shiftStart float64
	shiftEnd   float64

	lastDecide   float64
	decideQueued bool

	pending    []pacing.Event
	busyBuf    []pacing.BusyAgent
	elapsedBuf []time.Duration

	res         Result
	dayLive     []int
	dayAbandons []int
	ledgerLive  []int // what the dialer knows, per 30-day window
	ledgerAb    []int
	waits       []float32
	talk        float64
}

// Run simulates one policy over the configuration's days and returns its
// figures. The policy must be fresh: stateful policies learn during a run.
func Run(cfg Config, pol pacing.Policy) Result {
	cfg.Defaults()
	f := &floor{cfg: cfg, draws: newLeadDraws(cfg), pol: pol, lastDecide: -decideGap,
		agents:      make([]agent, cfg.Agents),
		dayLive:     make([]int, cfg.Days+1),
		dayAbandons: make([]int, cfg.Days+1),
		ledgerLive:  make([]int, cfg.Days/30+2),
		ledgerAb:    make([]int, cfg.Days/30+2),
	}
	f.res.Policy = pol.Name()
	f.h.push(event{t: 0, kind: evShiftStart, id: 0})
	for f.h.len() > 0 {
		e := f.h.pop()
		f.t = e.t
		f.handle(e)
	}
	f.finish()
	return f.res
}

func (f *floor) handle(e event) {
	switch e.kind {
	case evShiftStart:
		f.startShift(int(e.id))
	case evShiftEnd:
		f.inShift = false
		if d := int(e.id) + 1; d < f.cfg.Days {
			f.h.push(event{t: float64(d) * day, kind: evShiftStart, id: int32(d)})
		}
		f.drainCheck()
	case evTick:
		if !f.inShift {
			return
		}
		if next := f.t + f.cfg.Tick.Seconds(); next < f.shiftEnd {
			f.h.push(event{t: next, kind: evTick})
		}
		f.decide()
	case evResolve:
		f.resolve(e.id)
		f.decide()
	case evDeadline:
		f.deadline(e.id)
		f.decide()
	case evTalkEnd:
		a := &f.agents[e.id]
		a.state = wrapping
		f.h.push(event{t: f.t + a.wrapFor, kind: evFree, id: e.id})
	case evFree:
		f.agentFree(e.id)
		f.decide()
	case evPauseStart:
		f.pauseStart(e.id, e.arg)
		f.decide()
	case evDecide:
		f.decideQueued = false
		f.lastDecide = -decideGap // this one is due: no gap check
		f.decide()
	case evPauseEnd:
		a := &f.agents[e.id]
		if a.state == paused {
			f.makeIdle(e.id)
			f.decide()
		}
	}
}

func (f *floor) startShift(d int) {
	f.inShift = true
	f.shiftStart = f.t
	f.shiftEnd = f.t + f.cfg.Shift.Seconds()
	for i := range f.agents {
		if f.agents[i].state == off {
			f.agents[i] = agent{state: idle, idleSince: f.t}
		}
	}
	if f.cfg.Pauses {
		f.schedulePauses(d)
	}
	f.h.push(event{t: f.shiftEnd, kind: evShiftEnd, id: int32(d)})
	f.h.push(event{t: f.t, kind: evTick})
}

// schedulePauses draws each agent's breaks for day d from the agent's own
// stream (so every policy sees the same breaks): 15, 30 and 15 minutes at a
// quarter, half and three quarters of the shift (±10 min), and a 1–3
// minute micro-pause in most hours.
func (f *floor) schedulePauses(d int) {
	s := f.cfg.Shift.Seconds()
	for i := range f.agents {
		r := rand.New(rand.NewPCG(f.cfg.Seed^0x9e3779b97f4a7c15, uint64(d)<<20|uint64(i)))
		for k, frac := range []float64{0.25, 0.5, 0.75} {
			dur := 900.0
			if k == 1 {
				dur = 1800
			}
			at := f.shiftStart + frac*s + (r.Float64()*2-1)*600
			f.h.push(event{t: at, kind: evPauseStart, id: int32(i), arg: dur})
		}
		for h := 1.0; h*3600 < s; h++ {
			if r.Float64() < 0.75 {
				at := f.shiftStart + (h-1)*3600 + r.Float64()*3000
				f.h.push(event{t: at, kind: evPauseStart, id: int32(i), arg: 60 + 120*r.Float64()})
			}
		}
	}
}

func (f *floor) pauseStart(id int32, dur float64) {
	a := &f.agents[id]
	if !f.inShift {
		return
	}
	switch a.state {
	case idle:
		a.state = paused
		f.h.push(event{t: f.t + dur, kind: evPauseEnd, id: id})
	case talking, wrapping:
		if !a.pauseNext {
			a.pauseNext, a.pauseFor = true, dur
		}
	}
}

// answerRate is the true live-answer rate at time t.
func (f *floor) answerRate(t float64) float64 {
	p := f.cfg.AnswerRate
	if f.cfg.Drift {
		frac := math.Min(math.Max((t-f.shiftStart)/f.cfg.Shift.Seconds(), 0), 1)
		p *= 0.7 + 0.8*frac
	}
	return math.Min(p, 0.95)
}

func (f *floor) queued() int {
	if f.cfg.Exhaust {
		in := f.t - f.shiftStart
		dry := 0.7 * f.cfg.Shift.Seconds()
		if in >= dry && in < dry+1800 {
			return 0
		}
	}
	return 1 << 20
}

func (f *floor) window() int { return int(f.t/day) / 30 }

// decide asks the policy and launches what it asks for.
//
// Decisions are at least decideGap apart, as the dialer's pacer coalesces
// wake-ups: events in between are batched into the next decision.
func (f *floor) decide() {
	if !f.inShift {
		return
	}
	if f.t-f.lastDecide < decideGap {
		if !f.decideQueued {
			f.decideQueued = true
			f.h.push(event{t: f.lastDecide + decideGap, kind: evDecide})
		}
		return
	}
	f.lastDecide = f.t
	s := pacing.Snapshot{Now: epoch.Add(time.Duration(f.t * float64(time.Second))), Queued: f.queued(),
		Waiting: len(f.waitq), Events: f.pending}
	f.busyBuf = f.busyBuf[:0]
	for i := range f.agents {
		a := &f.agents[i]
		switch a.state {
		case idle:
			s.ReadyAgents++
		case paused:
			s.PausedAgents++
		case talking, wrapping:
			f.busyBuf = append(f.busyBuf, pacing.BusyAgent{Elapsed: time.Duration((f.t - a.bridgeAt) * float64(time.Second)),
				Wrapping: a.state == wrapping, PauseNext: a.pauseNext})
		}
	}
	s.Busy = f.busyBuf
	f.elapsedBuf = f.elapsedBuf[:0]
	live := f.inflight[:0]
	for _, id := range f.inflight {
		c := &f.calls[id]
		if c.state != dialing {
			continue
		}
		live = append(live, id)
		f.elapsedBuf = append(f.elapsedBuf, time.Duration((f.t-c.launch)*float64(time.Second)))
	}
	f.inflight = live
	s.Dialing = len(live)
	s.DialingElapsed = f.elapsedBuf
	w := f.window()
	s.Budget = pacing.Budget{Cap: f.cfg.Cap, LiveAnswers: f.ledgerLive[w], Abandons: f.ledgerAb[w]}

	d := f.pol.Decide(s)
	f.pending = f.pending[:0]
	n := min(d.Launch, s.Queued)
	for range n {
		f.launch()
	}
	if l := len(f.inflight); l > f.res.PeakLines {
		f.res.PeakLines = l
	}
}

func (f *floor) launch() {
	var id int32
	if n := len(f.freeCalls); n > 0 {
		id = f.freeCalls[n-1]
		f.freeCalls = f.freeCalls[:n-1]
	} else {
		f.calls = append(f.calls, call{})
		id = int32(len(f.calls) - 1)
	}
	l := f.draws.lead(f.nextLead)
	f.nextLead++
	out := f.draws.outcome(l, f.answerRate(f.t))
	f.calls[id] = call{state: dialing, launch: f.t, l: l, out: out, started: int(f.t / day)}
	var end float64
	switch out {
	case human:
		end = l.ring + l.greet + l.silence
	case machine:
		end = l.ring + l.amd
	case busy, invalid:
		end = l.short
	default:
		end = f.cfg.NoAnswerTimeout.Seconds()
	}
	f.h.push(event{t: f.t + end, kind: evResolve, id: id})
	f.inflight = append(f.inflight, id)
	f.res.Dials++
}

func (f *floor) release(id int32) {
	f.calls[id].state = free
	f.freeCalls = append(f.freeCalls, id)
}

// resolve handles a call's verdict or end.
func (f *floor) resolve(id int32) {
	c := &f.calls[id]
	l := c.l
	elapsed := time.Duration((f.t - c.launch) * float64(time.Second))
	w := f.window()
	switch {
	case c.out == human && f.cfg.AMDErrors && l.amdErr < 0.03:
		// Detection took a person for a machine and hung up.
		f.res.AMDFalsePositives++
	case c.out == human:
		f.res.LiveAnswers++
		f.dayLive[c.started]++
		f.ledgerLive[w]++
		f.pending = append(f.pending, pacing.Event{Kind: pacing.LiveAnswer,
			Ring:  time.Duration(l.ring * float64(time.Second)),
			Delay: time.Duration((l.greet + l.silence) * float64(time.Second))})
		c.state = waiting
		f.waitq = append(f.waitq, id)
		deadline := c.launch + l.ring + l.greet + f.cfg.Threshold.Seconds()
		f.h.push(event{t: deadline, kind: evDeadline, id: id})
		f.serveWaiting()
		return
	case c.out == machine && f.cfg.AMDErrors && l.amdErr < 0.10:
		// Detection passed a machine on: the dialer treats it as a person.
		c.passed = true
		f.ledgerLive[w]++
		f.pending = append(f.pending, pacing.Event{Kind: pacing.LiveAnswer,
			Ring: time.Duration(l.ring * float64(time.Second)), Delay: time.Duration(l.amd * float64(time.Second))})
		c.state = waiting
		f.waitq = append(f.waitq, id)
		f.h.push(event{t: f.t + f.cfg.Threshold.Seconds(), kind: evDeadline, id: id})
		f.serveWaiting()
		return
	}
	f.pending = append(f.pending, pacing.Event{Kind: pacing.Failed, Ring: elapsed})
	c.state = done
	f.release(id)
	f.drainCheck()
}

// deadline abandons a live answer still waiting for an agent.
func (f *floor) deadline(id int32) {
	c := &f.calls[id]
	if c.state != waiting {
		return
	}
	f.waitq = slices.DeleteFunc(f.waitq, func(x int32) bool { return x == id })
	f.ledgerAb[f.window()]++
	if !c.passed {
		f.res.Abandons++
		f.dayAbandons[c.started]++
	}
	f.pending = append(f.pending, pacing.Event{Kind: pacing.Abandoned})
	c.state = done
	f.release(id)
	f.drainCheck()
}

// serveWaiting bridges waiting calls, oldest first, to the agents idle
// longest.
func (f *floor) serveWaiting() {
	for len(f.waitq) > 0 {
		best := -1
		for i := range f.agents {
			a := &f.agents[i]
			if a.state == idle && (best < 0 || a.idleSince < f.agents[best].idleSince) {
				best = i
			}
		}
		if best < 0 {
			return
		}
		id := f.waitq[0]
		f.waitq = f.waitq[1:]
		f.bridge(int32(best), id)
	}
}

func (f *floor) bridge(ai int32, id int32) {
	a := &f.agents[ai]
	c := &f.calls[id]
	if !c.passed {
		f.waits = append(f.waits, float32(f.t-a.idleSince))
	}
	a.state = talking
	a.bridgeAt = f.t
	talk, wrap := c.l.talk, c.l.wrap
	if c.passed {
		talk, wrap = c.l.mtalk, 0
	} else {
		f.talk += math.Max(0, math.Min(f.t+talk, f.shiftEnd)-math.Max(f.t, f.shiftStart))
	}
	a.wrapFor = wrap
	f.h.push(event{t: f.t + talk, kind: evTalkEnd, id: ai})
	c.state = done
	f.release(id)
}

func (f *floor) agentFree(ai int32) {
	a := &f.agents[ai]
	f.pending = append(f.pending, pacing.Event{Kind: pacing.Handled,
		Handle: time.Duration((f.t - a.bridgeAt) * float64(time.Second))})
	if a.pauseNext && f.inShift {
		a.pauseNext = false
		a.state = paused
		f.h.push(event{t: f.t + a.pauseFor, kind: evPauseEnd, id: ai})
		return
	}
	a.pauseNext = false
	f.makeIdle(ai)
}

func (f *floor) makeIdle(ai int32) {
	a := &f.agents[ai]
	a.state = idle
	a.idleSince = f.t
	f.serveWaiting()
	f.drainCheck()
}

// drainCheck logs idle agents out once the shift is over and no call can
// still need them.
func (f *floor) drainCheck() {
	if f.inShift {
		return
	}
	for _, id := range f.inflight {
		if f.calls[id].state == dialing {
			return
		}
	}
	if len(f.waitq) > 0 {
		return
	}
	f.inflight = f.inflight[:0]
	for i := range f.agents {
		if a := &f.agents[i]; a.state == idle || a.state == paused {
			a.state = off
		}
	}
}
