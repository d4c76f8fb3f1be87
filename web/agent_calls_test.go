package web

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/alo-dialer/alo/dialer"
)

// fakeCalls is the engine's call controls with one bridged call, for
// agent testAgentID, while live is true.
type fakeCalls struct {
	mu       sync.Mutex
	live     bool
	state    dialer.CallControl
	hungUpBy []int64
}

func (f *fakeCalls) find(agentID int64) error {
	if !f.live || agentID != testAgentID {
		return fmt.Errorf("agent %d: %w", agentID, dialer.ErrNoCall)
	}
	return nil
}

func (f *fakeCalls) HangupAgentCall(agentID int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.find(agentID); err != nil {
		return err
	}
	f.live = false
	f.hungUpBy = append(f.hungUpBy, agentID)
	return nil
}

func (f *fakeCalls) set(agentID int64, apply func(*dialer.CallControl)) (dialer.CallControl, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.find(agentID); err != nil {
		return dialer.CallControl{}, err
	}
	apply(&f.state)
	return f.state, nil
}

func (f *fakeCalls) SetAgentMute(agentID int64, on bool) (dialer.CallControl, error) {
	return f.set(agentID, func(c *dialer.CallControl) { c.Muted = on })
}

func (f *fakeCalls) SetAgentHold(agentID int64, on bool) (dialer.CallControl, error) {
	return f.set(agentID, func(c *dialer.CallControl) { c.Held = on })
}

// TestAgentCallControlsAPI: the agent mutes, holds and hangs up their own
// call; a body without "on" names the field; another agent's call is
// forbidden to an agent user; with no call in progress the answer is 409.
func TestAgentCallControlsAPI(t *testing.T) {
	a := newTestAPI(t)
	a.calls.live = true
	a.calls.state = dialer.CallControl{AgentID: testAgentID, AttemptID: 42}
	own := fmt.Sprintf("/api/v1/agents/%d", testAgentID)
	other := fmt.Sprintf("/api/v1/agents/%d", testAgentID+1)
	steps := []struct {
		name       string
		role       Role
		path, body string
		status     int
		want       string
	}{
		{"mute", RoleAgent, own + "/mute", `{"on":true}`, http.StatusOK, `"muted":true`},
		{"hold", RoleSupervisor, own + "/hold", `{"on":true}`, http.StatusOK, `"held":true`},
		{"resume", RoleAdmin, own + "/hold", `{"on":false}`, http.StatusOK, `"held":false`},
		{"no on", RoleAgent, own + "/mute", `{}`, http.StatusBadRequest, `"on"`},
		{"other agent", RoleAgent, other + "/hangup", ``, http.StatusForbidden, "only as themselves"},
		{"marketer", RoleMarketer, own + "/hangup", ``, http.StatusForbidden, ""},
		{"other agent's call, supervisor", RoleSupervisor, other + "/hangup", ``, http.StatusConflict, "no call in progress"},
		{"hang up", RoleAgent, own + "/hangup", ``, http.StatusOK, `"hung_up":true`},
		{"hang up again", RoleAgent, own + "/hangup", ``, http.StatusConflict, "no call in progress"},
		{"mute after", RoleAgent, own + "/mute", `{"on":false}`, http.StatusConflict, "no call in progress"},
	}
	for _, st := range steps {
		r := a.call("POST", st.path, st.role, "application/json", st.body)
		if r.status != st.status || !strings.Contains(r.body, st.want) {
			t.Errorf("%s: %d %s, want %d with %s", st.name, r.status, r.body, st.status, st.want)
		}
	}
	if len(a.calls.hungUpBy) != 1 {
		t.Errorf("hang-ups reached the engine: %v, want one", a.calls.hungUpBy)
	}
}
