package pacing

// Preview offers each ready agent one contact; the agent reads it and
// starts the call, so no call is ever placed before a person is waiting
// for it. Launch counts offers to make, not calls.
type Preview struct{}

// Name returns "preview".
func (Preview) Name() string { return "preview" }

// Decide offers a contact to every ready agent without an offer or call.
func (Preview) Decide(s Snapshot) Decision {
	switch {
	case s.ReadyAgents == 0:
		return Decision{Reason: "no ready agent"}
	case s.Queued == 0:
		return Decision{Reason: "ready set empty"}
	}
	n := progressiveLaunch(s)
	if n == 0 {
		return Decision{Reason: "every ready agent has a contact"}
	}
	return Decision{Launch: n, Reason: "offer to ready agents"}
}
