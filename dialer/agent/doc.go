// Package agent is the registry of agents: their definitions in SQL and
// their live states on this node (ready, reserved, on a call, wrap-up,
// paused, phone down), the nailed-up leg to each logged-in agent's phone,
// and the reservations a pacer takes on them.
package agent
