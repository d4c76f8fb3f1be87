package agent

// CountByState counts the agents logged in on this node by their live
// state (for metrics; agents not logged in here are not counted).
func (a *Registry) CountByState() map[State]int {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := map[State]int{}
	for _, s := range a.sessions {
		n[s.state]++
	}
	return n
}
