package dialer

import (
	"testing"
	"time"

	"github.com/alo-dialer/alo/dialer/agent"
)

// TestAgentWrapUp: a bridged call with a wrap-up limit leaves the agent in
// wrap_up (busy for pacing, not reservable) until they dispose the call or
// the limit passes; without a limit the agent is ready at once; a callback
// goes to the agent who promised it.
func TestAgentWrapUp(t *testing.T) {
	ag := readyAgent(t, testDB(t))
	agentState := func(id int64) agent.State {
		t.Helper()
		st, _ := ag.StateOf(id)
		return st
	}

	// Disposed during wrap-up: ready at once.
	r, ok := ag.ReservePreferred(1, 0)
	if !ok || !ag.StartCall(r) {
		t.Fatal("no call")
	}
	r.WrapUp = time.Hour
	ag.EndCall(r)
	if st := agentState(r.AgentID); st != agent.WrapUp {
		t.Fatalf("after the call: %s, want wrap_up", st)
	}
	if _, ok := ag.Reserve(1); ok {
		t.Fatal("an agent in wrap-up was reserved")
	}
	if busy, _ := ag.FloorFor(1, time.Now()); len(busy) != 1 || !busy[0].Wrapping {
		t.Fatalf("pacing floor in wrap-up: %+v", busy)
	}
	if !ag.EndWrapUp(r.AgentID) || agentState(r.AgentID) != agent.Ready {
		t.Fatalf("after the disposition: %s", agentState(r.AgentID))
	}
	if ag.EndWrapUp(r.AgentID) {
		t.Fatal("ended a wrap-up twice")
	}

	// The limit passes: ready by itself.
	r, _ = ag.ReservePreferred(1, r.AgentID)
	if !ag.StartCall(r) {
		t.Fatal("no call")
	}
	r.WrapUp = 20 * time.Millisecond
	ag.EndCall(r)
	deadline := time.Now().Add(2 * time.Second)
	for agentState(r.AgentID) != agent.Ready {
		if time.Now().After(deadline) {
			t.Fatalf("wrap-up limit passed, agent %s", agentState(r.AgentID))
		}
		time.Sleep(5 * time.Millisecond) // the limit's own timer does the work
	}

	// No limit: ready at once; a reservation never started ends at once too.
	r, _ = ag.Reserve(1)
	ag.StartCall(r)
	ag.EndCall(r)
	if st := agentState(r.AgentID); st != agent.Ready {
		t.Fatalf("no wrap-up limit: %s", st)
	}
	r, _ = ag.Reserve(1)
	r.WrapUp = time.Hour
	ag.EndCall(r)
	if st := agentState(r.AgentID); st != agent.Ready {
		t.Fatalf("a reservation with no call: %s", st)
	}
}
