package pacing

import "testing"

func TestProgressive(t *testing.T) {
	tests := []struct {
		name string
		s    Snapshot
		want int
	}{
		{"no agents", Snapshot{ReadyAgents: 0, Queued: 10}, 0},
		{"one per agent", Snapshot{ReadyAgents: 3, Queued: 10}, 3},
		{"dialing covers", Snapshot{ReadyAgents: 3, Dialing: 3, Queued: 10}, 0},
		{"partly covered", Snapshot{ReadyAgents: 3, Dialing: 1, Queued: 10}, 2},
		{"bounded by queue", Snapshot{ReadyAgents: 5, Queued: 2}, 2},
		{"empty queue", Snapshot{ReadyAgents: 5}, 0},
		{"paused agents never dialed for", Snapshot{ReadyAgents: 0, PausedAgents: 4, Queued: 10}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Progressive{}.Decide(tt.s)
			if d.Launch != tt.want {
				t.Errorf("Launch = %d, want %d (%s)", d.Launch, tt.want, d.Reason)
			}
			if d.Reason == "" {
				t.Error("empty reason")
			}
		})
	}
}

func TestPreview(t *testing.T) {
	tests := []struct {
		name string
		s    Snapshot
		want int
	}{
		{"offer to each ready agent", Snapshot{ReadyAgents: 3, Queued: 10}, 3},
		{"agents with an offer", Snapshot{ReadyAgents: 3, Dialing: 2, Queued: 10}, 1},
		{"paused only", Snapshot{PausedAgents: 2, Queued: 10}, 0},
		{"empty list", Snapshot{ReadyAgents: 3}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if d := (Preview{}).Decide(tt.s); d.Launch != tt.want || d.Reason == "" {
				t.Errorf("Decide = %+v, want %d", d, tt.want)
			}
		})
	}
}

func TestRatio(t *testing.T) {
	busy := func(n int, wrapping, pauseNext bool) []BusyAgent {
		b := make([]BusyAgent, n)
		for i := range b {
			b[i] = BusyAgent{Wrapping: wrapping, PauseNext: pauseNext}
		}
		return b
	}
	tests := []struct {
		name  string
		level float64
		s     Snapshot
		want  int
	}{
		// 10 agents × 2 = 20 lines; 5 talking, 3 dialing → 12.
		{"lines to target", 2, Snapshot{ReadyAgents: 5, Busy: busy(5, false, false), Dialing: 3, Queued: 100}, 12},
		// Wrapping agents' calls are dead: no line for them yet.
		{"wrap-up not counted", 2, Snapshot{ReadyAgents: 1, Busy: busy(4, true, false), Queued: 100}, 2},
		// 3 ready × 2 = 6 lines, less the 2 pausing agents' calls up.
		{"pausing agents not counted", 2, Snapshot{ReadyAgents: 3, Busy: busy(2, false, true), Queued: 100}, 4},
		{"at target", 1, Snapshot{ReadyAgents: 2, Busy: busy(2, false, false), Dialing: 2, Queued: 100}, 0},
		{"bounded by queue", 3, Snapshot{ReadyAgents: 10, Queued: 4}, 4},
		{"empty list", 3, Snapshot{ReadyAgents: 10}, 0},
		{"no agent", 3, Snapshot{PausedAgents: 5, Queued: 9}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if d := (Ratio{Level: tt.level}).Decide(tt.s); d.Launch != tt.want {
				t.Errorf("Launch = %d, want %d (%s)", d.Launch, tt.want, d.Reason)
			}
		})
	}
}

func TestByName(t *testing.T) {
	tests := []struct {
		name, want string
		err        bool
	}{
		{"", "progressive", false},
		{"progressive", "progressive", false},
		{"predictive", "predictive", false},
		{"preview", "preview", false},
		{"ratio:2.5", "ratio:2.50", false},
		{"ratio:9", "", true},
		{"bogus", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ByName(tt.name)
			if (err != nil) != tt.err {
				t.Fatalf("err = %v, want error %v", err, tt.err)
			}
			if err == nil && p.Name() != tt.want {
				t.Errorf("Name = %q, want %q", p.Name(), tt.want)
			}
		})
	}
	a, _ := ByName("predictive")
	b, _ := ByName("predictive")
	if a == b {
		t.Error("ByName shares a stateful policy between campaigns")
	}
}

func TestBudget(t *testing.T) {
	b := Budget{Cap: 0.03, LiveAnswers: 1000, Abandons: 20}
	if got := b.Left(); got < 9.99 || got > 10.01 {
		t.Errorf("Left = %v, want 10", got)
	}
	if got := b.Rate(); got != 0.02 {
		t.Errorf("Rate = %v, want 0.02", got)
	}
	if (Budget{Cap: 0.03}).Rate() != 0 {
		t.Error("Rate of an empty window is not 0")
	}
}
