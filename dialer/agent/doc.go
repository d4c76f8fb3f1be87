// Package agent is the registry of agents: their definitions in SQL and
// their live states on this node (ready, reserved, on a call, wrap-up,
// paused, phone down, and a pause asked for after the call), the
// nailed-up leg to each logged-in agent's phone, and the reservations a
// pacer takes on them. It also keeps the floor's teams and the reasons
// agents pause with, which are the agents' own SQL.
package agent
