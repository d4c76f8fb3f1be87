package agent

import "time"

// Change is an agent's live state as it just became: what a console shows
// of them. The registry is the one writer of an agent's state
// (docs/architecture.md, "Seams inside dialer"), so it announces every
// change itself.
type Change struct {
	AgentID int64
	Name    string
	State   State
	// Reason is the pause reason while State is paused.
	Reason string
	// At is when the agent entered State (a change that is not a new state,
	// such as a pause asked for during a call, keeps it).
	At time.Time
	// WrapUpEndsAt is when the campaign's wrap-up limit ends the agent's
	// wrap_up; zero outside wrap-up or without a limit.
	WrapUpEndsAt time.Time
	// PauseNext says the agent asked, while busy, to be paused with
	// PauseNextReason once the call ends.
	PauseNext       bool
	PauseNextReason string
	CampaignIDs     []int64
}

// changeBuffer is how many changes may wait for one subscriber; beyond it
// changes are dropped for that subscriber (and logged), never waited for:
// state changes happen on the call path.
const changeBuffer = 4096

// Changes returns a channel that receives every change of an agent's live
// state on this node, in order, from now on (offline when they log out,
// phone_down the moment their phone's leg drops). Each call is a new
// subscriber; one that falls behind by more than changeBuffer misses
// changes. Subscribe before Restore to see the agents logged back in.
func (a *Registry) Changes() <-chan Change {
	ch := make(chan Change, changeBuffer)
	a.changeMu.Lock()
	a.changeSubs = append(a.changeSubs, ch)
	a.changeMu.Unlock()
	return ch
}

// Status returns the live state of an agent logged in on this node, as
// Changes reports it; false when they are not logged in here.
func (a *Registry) Status(id int64) (Change, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	s, ok := a.sessions[id]
	if !ok {
		return Change{}, false
	}
	return s.change(), true
}

// change is the session's state as a Change; a.mu is held.
func (s *agentSession) change() Change {
	c := Change{AgentID: s.agent.ID, Name: s.agent.Name, State: s.state, At: s.since, CampaignIDs: s.agent.CampaignIDs}
	switch s.state {
	case Paused:
		c.Reason = s.pause
	case Reserved, OnCall, WrapUp:
		c.PauseNext, c.PauseNextReason = s.pausing, s.pause
	}
	if s.state == WrapUp {
		c.WrapUpEndsAt = s.wrapEnds
	}
	return c
}

// setLocked moves s to st (keeping since when st is its state already) and
// announces it; a.mu is held.
func (a *Registry) setLocked(s *agentSession, st State) { a.setAtLocked(s, st, a.cfg.Clock()) }

// setAtLocked is setLocked with the time of the change.
func (a *Registry) setAtLocked(s *agentSession, st State, now time.Time) {
	if s.state != st || s.since.IsZero() {
		s.state, s.since = st, now
	}
	if st != WrapUp {
		s.wrapEnds = time.Time{}
	}
	a.announceLocked(s.change())
}

// announceLocked hands c to every Changes subscriber without waiting;
// a.mu is held, which keeps the order.
func (a *Registry) announceLocked(c Change) {
	a.changeMu.Lock()
	defer a.changeMu.Unlock()
	for _, ch := range a.changeSubs {
		select {
		case ch <- c:
		default:
			a.changeDrops++
			if n := a.changeDrops; n&(n-1) == 0 { // the 1st, 2nd, 4th … drop
				a.cfg.Log.Warn("agent state change dropped: a subscriber is too slow", "agent", c.AgentID, "state", c.State, "dropped_total", n)
			}
		}
	}
}
