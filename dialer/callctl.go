package dialer

import (
	"errors"
	"fmt"
	"sync"

	"github.com/alo-dialer/alo/dialer/media"
)

// ErrNoCall is returned by the engine's call controls when the agent has no
// bridged call on this node.
var ErrNoCall = errors.New("agent has no call in progress")

// CallControl is an agent's bridged call as its controls left it.
type CallControl struct {
	AgentID   int64 `json:"agent_id"`
	AttemptID int64 `json:"attempt_id"`
	Muted     bool  `json:"muted"`
	Held      bool  `json:"held"`
}

// liveCall is one bridged call the agent's console may act on: end it,
// mute the agent or hold the customer.
type liveCall struct {
	attempt  int64
	cust, ag *media.Stream
	end      chan struct{}
	endOnce  sync.Once
	mu       sync.Mutex
	muted    bool
	held     bool
	closed   bool // the call is over: controls no longer touch its legs
}

// liveCalls keeps each agent's current bridged call.
type liveCalls struct {
	mu    sync.Mutex
	calls map[int64]*liveCall
}

func (l *liveCalls) add(agentID int64, c *liveCall) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.calls == nil {
		l.calls = map[int64]*liveCall{}
	}
	l.calls[agentID] = c
}

// remove forgets c, unless the agent has already moved on to another call.
func (l *liveCalls) remove(agentID int64, c *liveCall) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.calls[agentID] == c {
		delete(l.calls, agentID)
	}
}

func (l *liveCalls) get(agentID int64) (*liveCall, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	c, ok := l.calls[agentID]
	if !ok {
		return nil, fmt.Errorf("agent %d: %w", agentID, ErrNoCall)
	}
	return c, nil
}

// relay sets both directions to what mute and hold leave: on hold nothing
// passes either way; muted, the agent's audio does not reach the customer.
// A side not relayed hears the leg's comfort silence.
func (c *liveCall) relay() {
	if c.held {
		media.Disconnect(c.cust)
	} else {
		media.Connect(c.cust, c.ag)
	}
	if c.held || c.muted {
		media.Disconnect(c.ag)
	} else {
		media.Connect(c.ag, c.cust)
	}
	// Without packets from the other side the legs must still send: the
	// phones would take the silence for a dead line.
	c.cust.SetComfortSilence(true)
	c.ag.SetComfortSilence(true)
}

// apply relays as the controls say, under the call's lock.
func (c *liveCall) apply() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.relay()
}

func (c *liveCall) state(agentID int64) CallControl {
	return CallControl{AgentID: agentID, AttemptID: c.attempt, Muted: c.muted, Held: c.held}
}

// HangupAgentCall ends the customer's leg of the agent's bridged call, as
// if the customer had hung up; the call is then finished as usual.
func (e *Engine) HangupAgentCall(agentID int64) error {
	c, err := e.live.get(agentID)
	if err != nil {
		return err
	}
	c.endOnce.Do(func() { close(c.end) })
	return nil
}

// SetAgentMute stops (on) or restores relaying the agent's audio to the
// customer of the agent's bridged call.
func (e *Engine) SetAgentMute(agentID int64, on bool) (CallControl, error) {
	return e.control(agentID, func(c *liveCall) { c.muted = on })
}

// SetAgentHold puts the customer of the agent's bridged call on hold (no
// audio either way; the customer hears silence) or resumes the call.
func (e *Engine) SetAgentHold(agentID int64, on bool) (CallControl, error) {
	return e.control(agentID, func(c *liveCall) { c.held = on })
}

// AgentCall tells the state of the agent's bridged call.
func (e *Engine) AgentCall(agentID int64) (CallControl, error) {
	return e.control(agentID, nil)
}

func (e *Engine) control(agentID int64, set func(*liveCall)) (CallControl, error) {
	c, err := e.live.get(agentID)
	if err != nil {
		return CallControl{}, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return CallControl{}, fmt.Errorf("agent %d: %w", agentID, ErrNoCall)
	}
	if set != nil {
		set(c)
		c.relay()
	}
	return c.state(agentID), nil
}
