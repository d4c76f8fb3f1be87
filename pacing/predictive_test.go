package pacing

import (
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2025, 1, 6, 9, 0, 0, 0, time.UTC)

// learned returns events for a floor answering 30 % of dials after 8 s,
// failing the rest after 25 s, with calls of 200 s.
func learned() []Event {
	var ev []Event
	for i := range 600 {
		if i%10 < 3 {
			ev = append(ev, Event{Kind: LiveAnswer, Ring: 8 * time.Second, Delay: 1500 * time.Millisecond})
		} else {
			ev = append(ev, Event{Kind: Failed, Ring: 25 * time.Second})
		}
		if i%4 == 0 {
			ev = append(ev, Event{Kind: Handled, Handle: time.Duration(150+i%100) * time.Second})
		}
	}
	return ev
}

// warm is a predictive policy that has learned the floor above.
func warm(t *testing.T) *Predictive {
	t.Helper()
	p := NewPredictive(PredictiveConfig{})
	d := p.Decide(Snapshot{Now: t0, Events: learned(), Queued: 0})
	if d.Launch != 0 {
		t.Fatalf("launched %d with an empty list", d.Launch)
	}
	return p
}

func busy(n int, elapsed time.Duration) []BusyAgent {
	b := make([]BusyAgent, n)
	for i := range b {
		b[i] = BusyAgent{Elapsed: elapsed}
	}
	return b
}

var ledger = Budget{Cap: 0.03, LiveAnswers: 5000, Abandons: 100}

func TestPredictiveGuards(t *testing.T) {
	pausing := busy(20, 190*time.Second)
	for i := range pausing {
		pausing[i].PauseNext = true
	}
	tests := []struct {
		name   string
		cold   bool
		s      Snapshot
		want   int // -1: any number above progressive
		reason string
	}{
		{name: "cold start is progressive", cold: true,
			s:    Snapshot{ReadyAgents: 4, Busy: busy(16, 190*time.Second), Queued: 100, Budget: ledger},
			want: 4, reason: ReasonColdStart},
		{name: "empty ready set launches nothing",
			s:    Snapshot{ReadyAgents: 20, Queued: 0, Budget: ledger},
			want: 0, reason: ReasonEmptyQueue},
		{name: "exhausted budget is progressive",
			s:    Snapshot{ReadyAgents: 4, Busy: busy(16, 190*time.Second), Queued: 100, Budget: Budget{Cap: 0.03, LiveAnswers: 5000, Abandons: 149}},
			want: 4, reason: ReasonBudget},
		{name: "fresh window is progressive until it banks budget",
			s:    Snapshot{ReadyAgents: 4, Busy: busy(16, 190*time.Second), Queued: 100, Budget: Budget{Cap: 0.03, LiveAnswers: 30}},
			want: 4, reason: ReasonBudget},
		{name: "no ledger is progressive",
			s:    Snapshot{ReadyAgents: 4, Busy: busy(16, 190*time.Second), Queued: 100},
			want: 4, reason: ReasonNoLedger},
		{name: "small team is progressive",
			s:    Snapshot{ReadyAgents: 1, Busy: busy(1, 190*time.Second), Queued: 100, Budget: ledger},
			want: 1, reason: ReasonSmallTeam},
		{name: "paused agents are not dialed for",
			s:    Snapshot{ReadyAgents: 0, PausedAgents: 20, Queued: 100, Budget: ledger},
			want: 0, reason: ReasonNoAgent},
		{name: "agents pausing after their call are not counted",
			s:    Snapshot{ReadyAgents: 0, Busy: pausing, Queued: 100, Budget: ledger},
			want: 0, reason: ReasonNoAgent},
		{name: "overdials with budget and a learned model",
			s:    Snapshot{ReadyAgents: 4, Busy: busy(16, 190*time.Second), Queued: 100, Budget: ledger},
			want: -1, reason: ReasonModel},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := warm(t)
			if tt.cold {
				p = NewPredictive(PredictiveConfig{})
			}
			tt.s.Now = t0
			d := p.Decide(tt.s)
			if d.Reason != tt.reason {
				t.Errorf("reason %q, want %q (%s)", d.Reason, tt.reason, d.Detail)
			}
			if tt.want >= 0 && d.Launch != tt.want {
				t.Errorf("Launch = %d, want %d (%s)", d.Launch, tt.want, d.Detail)
			}
			if tt.want < 0 && d.Launch <= tt.s.ReadyAgents {
				t.Errorf("Launch = %d, want more than %d ready agents (%s)", d.Launch, tt.s.ReadyAgents, d.Detail)
			}
		})
	}
}

func TestPredictiveModel(t *testing.T) {
	launch := func(s Snapshot) Decision {
		t.Helper()
		s.Now, s.Queued, s.Budget = t0, 1000, ledger
		return warm(t).Decide(s)
	}
	t.Run("agents near the end of their calls draw more dials", func(t *testing.T) {
		early := launch(Snapshot{ReadyAgents: 2, Busy: busy(18, 10*time.Second)})
		late := launch(Snapshot{ReadyAgents: 2, Busy: busy(18, 190*time.Second)})
		if late.Launch <= early.Launch {
			t.Errorf("launch %d with calls near their end, %d just started", late.Launch, early.Launch)
		}
	})
	t.Run("calls that rang long count less", func(t *testing.T) {
		fresh := make([]time.Duration, 10)
		stale := make([]time.Duration, 10)
		for i := range stale {
			stale[i] = 20 * time.Second
		}
		a := launch(Snapshot{ReadyAgents: 6, Busy: busy(14, 190*time.Second), Dialing: 10, DialingElapsed: fresh})
		b := launch(Snapshot{ReadyAgents: 6, Busy: busy(14, 190*time.Second), Dialing: 10, DialingElapsed: stale})
		if b.Launch <= a.Launch {
			t.Errorf("launch %d beside calls ringing 20 s, %d beside fresh ones", b.Launch, a.Launch)
		}
		if b.Detail.Answers >= a.Detail.Answers {
			t.Errorf("expected answers %.2f from stale calls, %.2f from fresh", b.Detail.Answers, a.Detail.Answers)
		}
	})
	t.Run("waiting answers take agents first", func(t *testing.T) {
		none := launch(Snapshot{ReadyAgents: 5, Busy: busy(15, 100*time.Second)})
		some := launch(Snapshot{ReadyAgents: 5, Busy: busy(15, 100*time.Second), Waiting: 3})
		if some.Launch >= none.Launch {
			t.Errorf("launch %d with 3 answers waiting, %d with none", some.Launch, none.Launch)
		}
	})
	t.Run("never below progressive", func(t *testing.T) {
		d := launch(Snapshot{ReadyAgents: 10, Busy: busy(10, time.Second), Waiting: 8})
		if d.Launch < 10 {
			t.Errorf("Launch = %d, want at least progressive's 10", d.Launch)
		}
	})
	t.Run("explains itself", func(t *testing.T) {
		d := launch(Snapshot{ReadyAgents: 2, Busy: busy(18, 190*time.Second)})
		s := d.Detail.String()
		for _, want := range []string{"p=0.3", "ready=2", "busy=18", "risk="} {
			if !strings.Contains(s, want) {
				t.Errorf("explanation %q lacks %q", s, want)
			}
		}
	})
}

func TestPredictiveLearnsFromAbandons(t *testing.T) {
	p := warm(t)
	s := Snapshot{Now: t0, ReadyAgents: 4, Busy: busy(16, 190*time.Second), Queued: 100, Budget: ledger}
	p.Decide(s)
	before := p.ctrl.Risk()
	var ev []Event
	for range 20 {
		ev = append(ev, Event{Kind: LiveAnswer, Ring: 8 * time.Second}, Event{Kind: Abandoned})
	}
	s.Events = ev
	p.Decide(s)
	if after := p.ctrl.Risk(); after >= before {
		t.Errorf("risk %.4f after 20 abandons, %.4f before", after, before)
	}
}

func TestPredictiveKnownParameters(t *testing.T) {
	ring := NewDurationDist(250*time.Millisecond, 120*time.Second, 0)
	fail := NewDurationDist(250*time.Millisecond, 120*time.Second, 0)
	handle := NewDurationDist(time.Second, time.Hour, 0)
	for _, e := range learned() {
		switch e.Kind {
		case LiveAnswer:
			ring.Observe(e.Ring)
		case Failed:
			fail.Observe(e.Ring)
		case Handled:
			handle.Observe(e.Handle)
		}
	}
	p := NewPredictive(PredictiveConfig{KnownRing: ring, KnownFail: fail, KnownHandle: handle,
		KnownDelay: time.Second, FixedRisk: 0.02, KnownAnswerRate: func(time.Time) float64 { return 0.3 }})
	// No cold start and no ledger needed: it knows its parameters.
	d := p.Decide(Snapshot{Now: t0, ReadyAgents: 4, Busy: busy(16, 190*time.Second), Queued: 100})
	if d.Reason != ReasonModel || d.Launch <= 4 || d.Detail.AnswerRate != 0.3 {
		t.Errorf("Decide = %d %q (%s), want the model overdialing at p=0.3", d.Launch, d.Reason, d.Detail)
	}
}
