package sim

import (
	"math"
	"testing"
	"time"

	"github.com/alo-dialer/alo/pacing"
)

func small(mod func(*Config)) Config {
	c := Config{Agents: 10, AnswerRate: 0.3, Days: 2, Shift: 2 * time.Hour, Seed: 7}
	if mod != nil {
		mod(&c)
	}
	c.Defaults()
	return c
}

func TestLeadsAreCommonRandomNumbers(t *testing.T) {
	d := newLeadDraws(small(nil))
	a, b := d.lead(42), d.lead(42)
	if a != b {
		t.Fatal("the same lead drew differently twice")
	}
	if d.lead(43) == a {
		t.Fatal("two leads drew the same")
	}
	// The outcome is coupled across answer rates: a person at 0.3 is a
	// person at 0.5 too.
	for i := range 1000 {
		l := d.lead(i)
		if d.outcome(l, 0.3) == human && d.outcome(l, 0.5) != human {
			t.Fatalf("lead %d: person at 0.3 but not at 0.5", i)
		}
	}
}

func TestLeadDistributions(t *testing.T) {
	c := small(nil)
	d := newLeadDraws(c)
	var talk, wrap, humans float64
	const n = 40000
	for i := range n {
		l := d.lead(i)
		talk += l.talk
		wrap += l.wrap
		if d.outcome(l, c.AnswerRate) == human {
			humans++
		}
		if l.ring >= c.NoAnswerTimeout.Seconds() {
			t.Fatalf("lead %d rings %.1f s, past the no-answer timeout", i, l.ring)
		}
	}
	tests := []struct {
		name      string
		got, want float64
	}{
		{"talk mean", talk / n, c.TalkMean.Seconds()},
		{"wrap mean", wrap / n, c.WrapMean.Seconds()},
		{"answer rate", humans / n, c.AnswerRate},
	}
	for _, tt := range tests {
		if math.Abs(tt.got-tt.want) > 0.04*tt.want {
			t.Errorf("%s = %.3f, want %.3f", tt.name, tt.got, tt.want)
		}
	}
}

func TestRunIsDeterministic(t *testing.T) {
	c := small(nil)
	a := Run(c, pacing.NewPredictive(pacing.PredictiveConfig{}))
	b := Run(c, pacing.NewPredictive(pacing.PredictiveConfig{}))
	if a != b {
		t.Errorf("two runs differ:\n%+v\n%+v", a, b)
	}
}

func TestProgressiveNeverAbandons(t *testing.T) {
	// Without pauses every dial has its own agent waiting.
	r := Run(small(nil), pacing.Progressive{})
	if r.Abandons != 0 {
		t.Errorf("progressive abandoned %d calls", r.Abandons)
	}
	if r.Occupancy < 0.4 || r.Occupancy > 0.9 {
		t.Errorf("progressive occupancy %.3f out of the plausible range", r.Occupancy)
	}
	if r.PeakLines > 10 {
		t.Errorf("progressive had %d lines up for 10 agents", r.PeakLines)
	}
}

func TestStressVariants(t *testing.T) {
	base := Run(small(nil), pacing.Progressive{})
	tests := []struct {
		name  string
		mod   func(*Config)
		check func(t *testing.T, r Result)
	}{
		{"pauses cut occupancy", func(c *Config) { c.Pauses = true }, func(t *testing.T, r Result) {
			if r.Occupancy >= base.Occupancy {
				t.Errorf("occupancy %.3f with pauses, %.3f without", r.Occupancy, base.Occupancy)
			}
		}},
		{"exhaustion cuts dials", func(c *Config) { c.Exhaust = true }, func(t *testing.T, r Result) {
			if r.Dials >= base.Dials {
				t.Errorf("%d dials with the list dry half an hour a day, %d without", r.Dials, base.Dials)
			}
		}},
		{"detection errors hang up on people", func(c *Config) { c.AMDErrors = true }, func(t *testing.T, r Result) {
			if r.AMDFalsePositives == 0 {
				t.Error("no person hung up on by detection")
			}
		}},
		{"drift raises answers late in the shift", func(c *Config) { c.Drift = true }, func(t *testing.T, r Result) {
			if r.LiveAnswers == base.LiveAnswers {
				t.Error("drift changed nothing")
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.check(t, Run(small(tt.mod), pacing.Progressive{}))
		})
	}
}

func TestPoliciesSameLeads(t *testing.T) {
	// 10 agents, 2 days of 2 hours: the predictive policy beats progressive
	// under the cap, and the VICIdial-style controller runs.
	rs, err := RunPolicies(small(nil), []string{"progressive", "adaptive", "predictive", "ratio:1.5"}, 2)
	if err != nil {
		t.Fatal(err)
	}
	prog, adapt, pred, ratio := rs[0], rs[1], rs[2], rs[3]
	if pred.Occupancy <= prog.Occupancy {
		t.Errorf("predictive occupancy %.3f, progressive %.3f", pred.Occupancy, prog.Occupancy)
	}
	if pred.Worst30dAbandonRate > 0.03 {
		t.Errorf("predictive abandoned %.4f of live answers", pred.Worst30dAbandonRate)
	}
	if adapt.Dials == 0 || ratio.Policy != "ratio:1.50" {
		t.Errorf("baselines did not run: %+v %+v", adapt, ratio)
	}
	if _, err := RunPolicies(small(nil), []string{"bogus"}, 1); err == nil {
		t.Error("unknown policy accepted")
	}
	if _, err := RunPolicies(small(func(c *Config) { c.AnswerRate = 1.5 }), []string{"progressive"}, 1); err == nil {
		t.Error("answer rate 1.5 accepted")
	}
}

func TestSearches(t *testing.T) {
	c := small(func(c *Config) { c.Days = 1 })
	rs, err := RunPolicies(c, []string{"ratio", "ceiling"}, 2)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		if r.Worst30dAbandonRate > c.Cap {
			t.Errorf("%s: searched setting %.4f abandons %.4f, over the cap", r.Policy, r.Param, r.Worst30dAbandonRate)
		}
		if r.Param == 0 {
			t.Errorf("%s: no searched setting reported", r.Policy)
		}
	}
}

func TestAdaptiveBrakes(t *testing.T) {
	a := NewAdaptive(0.03)
	now := epoch.Add(9 * time.Hour)
	busy := make([]pacing.BusyAgent, 10)
	// Agents idle: the level climbs at each 15-s update.
	for i := range 60 {
		a.Decide(pacing.Snapshot{Now: now.Add(time.Duration(i) * time.Second), ReadyAgents: 10, Queued: 1000})
	}
	if a.level <= 1 {
		t.Fatalf("level %.2f with idle agents, want above 1", a.level)
	}
	// Over 50 calls today and drops above 3 % of live answers: hard limit.
	var ev []pacing.Event
	for range 100 {
		ev = append(ev, pacing.Event{Kind: pacing.LiveAnswer})
	}
	for range 10 {
		ev = append(ev, pacing.Event{Kind: pacing.Abandoned})
	}
	a.dayPlaced = 200
	at := now.Add(2 * time.Minute)
	a.Decide(pacing.Snapshot{Now: at, Busy: busy, Queued: 1000, Events: ev})
	a.Decide(pacing.Snapshot{Now: at.Add(16 * time.Second), Busy: busy, Queued: 1000})
	if a.level != 1 {
		t.Errorf("level %.2f after 10 %% drops today, want 1.0", a.level)
	}
}
