package web

import "context"

// testAgentID is the agent the test API's agent user is: the first agent
// the fake registry creates.
const testAgentID = 1

// envAgentID is the agent the store env's agent user is; the calls
// TestDispositionsAPI disposes are bridged to it.
const envAgentID = 4

// addRoleUser creates a user of role with a bearer token; an agent user
// is agentID.
func addRoleUser(ctx context.Context, users *Users, name string, role Role, agentID int64) (User, string, error) {
	nu := NewUser{Name: name, Role: role, Token: true}
	if role == RoleAgent {
		nu.AgentID = agentID
	}
	return users.Create(ctx, nu)
}
