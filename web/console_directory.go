package web

import (
	"context"
	"time"

	"github.com/alo-dialer/alo/campaigns"
	"github.com/alo-dialer/alo/dialer/agent"
	"github.com/alo-dialer/alo/web/console"
)

// ConsoleDirectory is console.Directory over the API's stores: the users
// (with their lock-outs and last sign-in), the agents and the clients the
// admin's users page lists. It only reads; the page changes users through
// the /api/v1/users routes.
type ConsoleDirectory struct {
	users  *Users
	signIn *SignIn
	agents interface {
		ListAgents(context.Context) ([]agent.Agent, error)
	}
	clients interface {
		ListClients(context.Context) ([]campaigns.Client, error)
	}
}

// NewConsoleDirectory returns the users page's lists. signIn may be nil
// (no lock-outs to show); agents and clients are the registry and the
// campaigns store the API uses.
func NewConsoleDirectory(users *Users, signIn *SignIn, agents AgentService, clients CampaignService) *ConsoleDirectory {
	return &ConsoleDirectory{users: users, signIn: signIn, agents: agents, clients: clients}
}

// Users lists every user by id.
func (d *ConsoleDirectory) Users(ctx context.Context) ([]console.UserRow, error) {
	list, err := d.users.List(ctx)
	if err != nil {
		return nil, err
	}
	var locks map[string]time.Time
	if d.signIn != nil {
		if locks, err = d.signIn.LockedOut(ctx); err != nil {
			return nil, err
		}
	}
	out := make([]console.UserRow, len(list))
	for i, u := range list {
		row := console.UserRow{ID: u.ID, Name: u.Name, Role: console.Role(u.Role), AgentID: u.AgentID, ClientIDs: u.ClientIDs,
			Language: u.Language, TimeZone: u.TimeZone, Disabled: u.Disabled, HasPassword: u.HasPassword,
			LockedUntil: locks[u.Name]}
		if u.LastSignInAt != nil {
			row.LastSignIn = *u.LastSignInAt
		}
		out[i] = row
	}
	return out, nil
}

// Agents lists the agents a user of role agent may be.
func (d *ConsoleDirectory) Agents(ctx context.Context) ([]console.Choice, error) {
	as, err := d.agents.ListAgents(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]console.Choice, len(as))
	for i, a := range as {
		out[i] = console.Choice{ID: a.ID, Name: a.Name}
	}
	return out, nil
}

// Clients lists the clients a user may be limited to.
func (d *ConsoleDirectory) Clients(ctx context.Context) ([]console.Choice, error) {
	cs, err := d.clients.ListClients(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]console.Choice, len(cs))
	for i, c := range cs {
		out[i] = console.Choice{ID: c.ID, Name: c.Name}
	}
	return out, nil
}
