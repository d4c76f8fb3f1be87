package sim

import (
	"math"
	"time"

	"github.com/alo-dialer/alo/pacing"
)

// Adaptive is the VICIdial-style baseline, ADAPT_HARD_LIMIT, as the
// research note describes it (our reading of its documented behaviour, no
// code of theirs): a dial loop every 2.5 s keeps round(level × working
// agents) lines up; once a second it samples ready agents, answered calls
// waiting and logged-in agents (paused included); every 15 s it moves the
// level by the mean imbalance over the last 15 samples, level × (1 + (R −
// Q)/A), within 1.0–3.0; its drop statistics, refreshed every 60 s, brake
// it: the level halves when over half of more than 20 calls in the last
// minute dropped, and falls to 1.0 once today's drops exceed the cap of
// today's live answers (after 50 calls).
type Adaptive struct {
	Max, Cap float64

	level                        float64
	started                      bool
	nextLoop, nextSample         time.Time
	nextUpdate, nextStats        time.Time
	samples                      [][3]float64
	day                          int
	dayPlaced, dayDrops, dayLive int
	minute                       []minuteMark // launches and drops in the last minute
	statMinutePlaced, statMinDrp int
	statDayPlaced                int
	statDayDrops, statDayLive    int
}

type minuteMark struct {
	at     time.Time
	placed int
	drop   bool
}

// NewAdaptive returns the controller at its defaults (max level 3.0).
func NewAdaptive(limit float64) *Adaptive { return &Adaptive{Max: 3, Cap: limit, level: 1} }

// Name returns "adaptive".
func (a *Adaptive) Name() string { return "adaptive" }

// Decide runs whichever of the loops are due.
func (a *Adaptive) Decide(s pacing.Snapshot) pacing.Decision {
	now := s.Now
	if !a.started {
		a.started = true
		a.nextLoop, a.nextSample, a.nextUpdate, a.nextStats = now, now, now.Add(15*time.Second), now
	}
	if d := now.YearDay(); d != a.day {
		a.day, a.dayPlaced, a.dayDrops, a.dayLive = d, 0, 0, 0
	}
	for _, e := range s.Events {
		switch e.Kind {
		case pacing.LiveAnswer:
			a.dayLive++
		case pacing.Abandoned:
			a.dayDrops++
			a.minute = append(a.minute, minuteMark{at: now, drop: true})
		}
	}
	if !now.Before(a.nextStats) {
		a.nextStats = now.Add(time.Minute)
		cut := now.Add(-time.Minute)
		kept := a.minute[:0]
		a.statMinutePlaced, a.statMinDrp = 0, 0
		for _, m := range a.minute {
			if m.at.After(cut) {
				kept = append(kept, m)
				a.statMinutePlaced += m.placed
				if m.drop {
					a.statMinDrp++
				}
			}
		}
		a.minute = kept
		a.statDayPlaced, a.statDayDrops, a.statDayLive = a.dayPlaced, a.dayDrops, a.dayLive
	}
	if !now.Before(a.nextSample) {
		a.nextSample = a.nextSample.Add(time.Second)
		if a.nextSample.Before(now) {
			a.nextSample = now.Add(time.Second)
		}
		all := float64(s.ReadyAgents + len(s.Busy) + s.PausedAgents)
		a.samples = append(a.samples, [3]float64{float64(s.ReadyAgents), float64(s.Waiting), all})
		if len(a.samples) > 15 {
			a.samples = a.samples[len(a.samples)-15:]
		}
	}
	if !now.Before(a.nextUpdate) {
		a.nextUpdate = now.Add(15 * time.Second)
		a.update()
	}
	if now.Before(a.nextLoop) {
		return pacing.Decision{Reason: "between dial loops"}
	}
	a.nextLoop = now.Add(2500 * time.Millisecond)
	n := pacing.Ratio{Level: a.level}.Decide(s).Launch
	if n > 0 {
		a.dayPlaced += n
		a.minute = append(a.minute, minuteMark{at: now, placed: n})
	}
	return pacing.Decision{Launch: n, Reason: "dial loop"}
}

func (a *Adaptive) update() {
	if len(a.samples) > 0 {
		var r, q, all float64
		for _, s := range a.samples {
			r, q, all = r+s[0], q+s[1], all+s[2]
		}
		if all > 0 {
			a.level *= 1 + (r-q)/all
		}
	}
	a.level = math.Min(math.Max(a.level, 1), a.Max)
	if a.statMinutePlaced > 20 && float64(a.statMinDrp) > 0.5*float64(a.statMinutePlaced) {
		a.level = math.Max(a.level/2, 1)
	}
	if a.statDayPlaced > 50 && a.statDayLive > 0 && float64(a.statDayDrops)/float64(a.statDayLive) > a.Cap {
		a.level = 1
	}
}
