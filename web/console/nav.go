package console

// navItem is one entry of the header's navigation.
type navItem struct {
	// Key names the entry in the catalog (nav.<Key>) and marks the
	// active page.
	Key, Path string
}

// navFor is the navigation of a role: each role sees its own consoles;
// admin sees every console but the agent's (an admin has no phone leg).
func navFor(r Role) []navItem {
	var keys []string
	switch r {
	case RoleAgent:
		keys = []string{"agent"}
	case RoleMarketer:
		keys = []string{"campaigns", "lists"}
	case RoleSupervisor:
		keys = []string{"floor"}
	case RoleCompliance:
		keys = []string{"compliance"}
	case RoleAdmin:
		keys = []string{"campaigns", "lists", "floor", "compliance", "users", "trunks"}
	}
	out := make([]navItem, len(keys))
	for i, k := range keys {
		out[i] = navItem{Key: k, Path: "/" + k}
	}
	return out
}

// homeOf is where / sends a role: its first console.
func homeOf(r Role) string {
	if n := navFor(r); len(n) > 0 {
		return n[0].Path
	}
	return "/signin"
}

// soonPage is a console that is not built yet: its page says what is
// coming, so the navigation is whole from the start.
type soonPage struct {
	key   string
	path  string
	roles []Role
}

// soonPages are the consoles still to come (admin opens them all).
func soonPages() []soonPage {
	return []soonPage{
		{key: "campaigns", path: "/campaigns", roles: []Role{RoleMarketer}},
		{key: "lists", path: "/lists", roles: []Role{RoleMarketer}},
		{key: "floor", path: "/floor", roles: []Role{RoleSupervisor}},
		{key: "compliance", path: "/compliance", roles: []Role{RoleCompliance}},
		{key: "users", path: "/users", roles: []Role{RoleAdmin}},
		{key: "trunks", path: "/trunks", roles: []Role{RoleAdmin}},
	}
}
