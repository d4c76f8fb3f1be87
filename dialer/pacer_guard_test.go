package dialer

import (
	"context"
	"testing"
	"time"

	"github.com/alo-dialer/alo/compliance"
	"github.com/alo-dialer/alo/pacing"
)

// TestWorthDeciding: the launch guard before the policy. Reserving
// policies need a ready agent per call dialing; the others may dial ahead
// of ready agents but never for paused agents or an empty floor.
func TestWorthDeciding(t *testing.T) {
	busy := []pacing.BusyAgent{{Elapsed: 30 * time.Second}}
	pausing := []pacing.BusyAgent{{Elapsed: 30 * time.Second, PauseNext: true}}
	tests := []struct {
		name     string
		reserves bool
		snap     pacing.Snapshot
		want     bool
	}{
		{"progressive: ready agent free", true, pacing.Snapshot{ReadyAgents: 2, Dialing: 1}, true},
		{"progressive: every ready agent has a call", true, pacing.Snapshot{ReadyAgents: 2, Dialing: 2}, false},
		{"progressive: busy agents do not count", true, pacing.Snapshot{ReadyAgents: 0, Busy: busy}, false},
		{"predictive: dialing beyond ready agents", false, pacing.Snapshot{ReadyAgents: 2, Dialing: 5}, true},
		{"predictive: dials ahead of a busy agent", false, pacing.Snapshot{Busy: busy}, true},
		{"predictive: empty floor", false, pacing.Snapshot{}, false},
		{"predictive: paused agents only", false, pacing.Snapshot{PausedAgents: 4}, false},
		{"predictive: busy agent pausing next", false, pacing.Snapshot{Busy: pausing, PausedAgents: 1}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := worthDeciding(tt.reserves, tt.snap); got != tt.want {
				t.Errorf("worthDeciding(%v, %+v) = %v, want %v", tt.reserves, tt.snap, got, tt.want)
			}
		})
	}
}

// TestBudgetFromLedger: AMD false positives count against the budget as
// abandoned live calls, rounded up.
func TestBudgetFromLedger(t *testing.T) {
	tests := []struct {
		name string
		w    compliance.LedgerWindow
		want pacing.Budget
	}{
		{"empty window", compliance.LedgerWindow{MaxRate: 0.03}, pacing.Budget{Cap: 0.03}},
		{"counts", compliance.LedgerWindow{MaxRate: 0.03, Live: 200, Abandoned: 3}, pacing.Budget{Cap: 0.03, LiveAnswers: 200, Abandons: 3}},
		{"false positives rounded up", compliance.LedgerWindow{MaxRate: 0.03, Live: 200, Abandoned: 3, FalsePositives: 1.2},
			pacing.Budget{Cap: 0.03, LiveAnswers: 202, Abandons: 5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := BudgetFromLedger(tt.w); got != tt.want {
				t.Errorf("BudgetFromLedger = %+v, want %+v", got, tt.want)
			}
		})
	}
}

// TestAgentsFloorFor: an agent on a call is listed busy with the time
// since the call started, and stops being listed when the call ends; a
// paused agent is counted, never listed busy.
func TestAgentsFloorFor(t *testing.T) {
	ag := readyAgent(t, testDB(t))
	if busy, paused := ag.FloorFor(1, time.Now()); len(busy) != 0 || paused != 0 {
		t.Fatalf("idle floor: busy %+v, paused %d", busy, paused)
	}
	r, ok := ag.Reserve(1)
	if !ok || !ag.StartCall(r) {
		t.Fatal("no call started")
	}
	busy, paused := ag.FloorFor(1, time.Now().Add(10*time.Second))
	if len(busy) != 1 || paused != 0 || busy[0].Elapsed < 10*time.Second || busy[0].Elapsed > 11*time.Second || busy[0].PauseNext {
		t.Fatalf("on call: busy %+v, paused %d; want one busy for about 10 s", busy, paused)
	}
	if busy, _ := ag.FloorFor(2, time.Now()); len(busy) != 0 {
		t.Errorf("agent of campaign 1 listed for campaign 2: %+v", busy)
	}
	ag.EndCall(r)
	if _, err := ag.SetPaused(context.Background(), r.AgentID, "break"); err != nil {
		t.Fatal(err)
	}
	if busy, paused := ag.FloorFor(1, time.Now()); len(busy) != 0 || paused != 1 {
		t.Fatalf("paused floor: busy %+v, paused %d; want none busy, one paused", busy, paused)
	}
}
