package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/alo-dialer/alo/campaigns"
	"github.com/alo-dialer/alo/input"
)

// rule is who may call a route: anyone (public), or the roles listed, and
// then the checks of the object the route names (the caller's own agent,
// a campaign of their clients). Every route declares one where it is
// registered; handle enforces it, and docs/roles.md is the same matrix in
// words (TestRoleMatrix holds the two together).
type rule struct {
	public bool
	roles  []Role
	checks []check
}

// check looks at the request's object for an authenticated user that has
// one of the route's roles; an error is the answer (403, or 404 to hide
// another client's objects).
type check func(s *Server, r *http.Request, u User) error

// public routes need no credentials (health checks, signing in).
var public = rule{public: true}

// roles lets users of the roles listed call a route.
func roles(rs ...Role) rule { return rule{roles: rs} }

// The role sets most routes use.
var (
	// everyone signed in, whatever their role.
	everyone = roles(RoleAdmin, RoleMarketer, RoleSupervisor, RoleCompliance, RoleAgent)
	// staff reads campaigns and their figures: everyone but agents, whose
	// console needs only their own.
	staff = roles(RoleAdmin, RoleMarketer, RoleSupervisor, RoleCompliance)
)

// and adds checks of the route's object.
func (r rule) and(cs ...check) rule {
	r.checks = append(slices.Clip(r.checks), cs...)
	return r
}

// allows reports whether role may call the route at all.
func (r rule) allows(role Role) bool { return r.public || slices.Contains(r.roles, role) }

// authorize applies rl to u: the role first, then the object checks.
func (s *Server) authorize(r *http.Request, rl rule, u User) error {
	if !rl.allows(u.Role) {
		names := make([]string, len(rl.roles))
		for i, role := range rl.roles {
			names[i] = string(role)
		}
		return errStatus(http.StatusForbidden, fmt.Sprintf("role %s may not do this: %s needed", u.Role, strings.Join(names, " or ")))
	}
	for _, c := range rl.checks {
		if err := c(s, r, u); err != nil {
			return err
		}
	}
	return nil
}

// authInfo is who a request was authenticated as: the user, and the
// session cookie's value when it came with one.
type authInfo struct {
	user    User
	session string
}

type authKey struct{}

func withAuth(ctx context.Context, a authInfo) context.Context {
	return context.WithValue(ctx, authKey{}, a)
}

// UserFrom returns the user a request was authenticated as (by bearer
// token or session cookie: the same User either way), for handlers and
// pages registered behind the route table. ok is false on public routes.
func UserFrom(ctx context.Context) (u User, ok bool) {
	a, ok := ctx.Value(authKey{}).(authInfo)
	return a.user, ok
}

// sessionFrom returns the session cookie's value the request was
// authenticated by, or "" (a bearer token, or no authentication).
func sessionFrom(ctx context.Context) string {
	a, _ := ctx.Value(authKey{}).(authInfo)
	return a.session
}

// Limited reports whether u sees only some clients.
func (u User) Limited() bool { return len(u.ClientIDs) > 0 }

// SeesClient reports whether u may see client id's campaigns.
func (u User) SeesClient(id int64) bool { return !u.Limited() || slices.Contains(u.ClientIDs, id) }

// scoped reports whether a user's view of campaigns is narrowed: limited
// to clients, or an agent (who sees the campaigns they work).
func scoped(u User) bool { return u.Limited() || u.Role == RoleAgent }

// campaignVisible reports whether u may see campaign c: one of their
// clients', and for an agent one they are logged in to.
func (s *Server) campaignVisible(ctx context.Context, u User, c campaigns.Campaign) (bool, error) {
	if !u.SeesClient(c.ClientID) {
		return false, nil
	}
	if u.Role != RoleAgent {
		return true, nil
	}
	ids, err := s.agentCampaigns(ctx, u)
	if err != nil {
		return false, err
	}
	return slices.Contains(ids, c.ID), nil
}

// agentCampaigns returns the campaigns an agent user's agent works.
func (s *Server) agentCampaigns(ctx context.Context, u User) ([]int64, error) {
	if u.AgentID == 0 || s.cfg.Agents == nil {
		return nil, nil
	}
	a, err := s.cfg.Agents.GetAgent(ctx, u.AgentID)
	if errors.Is(err, input.ErrNotFound) {
		return nil, nil // an agent whose record is gone works nothing
	}
	if err != nil {
		return nil, fmt.Errorf("the agent of user %s: %w", u.Name, err)
	}
	return a.CampaignIDs, nil
}

// visibleCampaigns filters a list of campaigns to those u may see.
func (s *Server) visibleCampaigns(ctx context.Context, u User, cs []campaigns.Campaign) ([]campaigns.Campaign, error) {
	if !scoped(u) {
		return cs, nil
	}
	out := cs[:0:0]
	for _, c := range cs {
		ok, err := s.campaignVisible(ctx, u, c)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, c)
		}
	}
	return out, nil
}

// campaignNotFound is the answer for a campaign u may not see: the same as
// for one that does not exist.
func campaignNotFound(id int64) error {
	return fmt.Errorf("campaign %d: %w", id, campaigns.ErrNotFound)
}

// requireCampaign checks that u may see campaign id.
func (s *Server) requireCampaign(ctx context.Context, u User, id int64) error {
	if !scoped(u) {
		return nil
	}
	c, err := s.cfg.Campaigns.GetCampaign(ctx, id)
	if err != nil {
		return err
	}
	ok, err := s.campaignVisible(ctx, u, c)
	if err != nil {
		return err
	}
	if !ok {
		return campaignNotFound(id)
	}
	return nil
}

// campaignIn checks the campaign the path parameter names.
func campaignIn(param string) check {
	return func(s *Server, r *http.Request, u User) error {
		if !scoped(u) {
			return nil
		}
		id, err := pathID(r, param)
		if err != nil {
			return err
		}
		return s.requireCampaign(r.Context(), u, id)
	}
}

// clientIn checks the client the path parameter names.
func clientIn(param string) check {
	return func(_ *Server, r *http.Request, u User) error {
		if !u.Limited() {
			return nil
		}
		id, err := pathID(r, param)
		if err != nil {
			return err
		}
		if !u.SeesClient(id) {
			return fmt.Errorf("client %d: %w", id, campaigns.ErrNotFound)
		}
		return nil
	}
}

// unlimited refuses users limited to some clients (creating a client, for
// one: it would be nobody's they could see).
func unlimited(_ *Server, _ *http.Request, u User) error {
	if u.Limited() {
		return errStatus(http.StatusForbidden, "a user limited to some clients may not do this")
	}
	return nil
}

// importIn checks the campaign of the import job the path names.
func importIn(param string) check {
	return func(s *Server, r *http.Request, u User) error {
		if !scoped(u) || s.cfg.Imports == nil {
			return nil
		}
		id, err := pathID(r, param)
		if err != nil {
			return err
		}
		job, err := s.cfg.Imports.Get(r.Context(), id)
		if err != nil {
			return err
		}
		if err := s.requireCampaign(r.Context(), u, job.CampaignID); err != nil {
			return fmt.Errorf("import %d: %w", id, campaigns.ErrNotFound)
		}
		return nil
	}
}

// deliveryIn checks the campaign of the webhook event the path names.
func deliveryIn(param string) check {
	return func(s *Server, r *http.Request, u User) error {
		if !scoped(u) || s.cfg.Webhooks == nil {
			return nil
		}
		id, err := pathID(r, param)
		if err != nil {
			return err
		}
		e, err := s.cfg.Webhooks.WebhookEvent(r.Context(), id)
		if err != nil {
			return err
		}
		if err := s.requireCampaign(r.Context(), u, e.CampaignID); err != nil {
			return fmt.Errorf("webhook event %d: %w", id, campaigns.ErrNotFound)
		}
		return nil
	}
}

// ownAgent lets an agent user act only on their own agent record; other
// roles pass.
func ownAgent(param string) check {
	return func(_ *Server, r *http.Request, u User) error {
		if u.Role != RoleAgent {
			return nil
		}
		id, err := pathID(r, param)
		if err != nil {
			return err
		}
		if u.AgentID == 0 || id != u.AgentID {
			return errStatus(http.StatusForbidden, fmt.Sprintf("an agent may act only as themselves (agent %d)", u.AgentID))
		}
		return nil
	}
}

// ownAttempt lets an agent user touch only attempts bridged to their
// agent, and a limited user only attempts of their clients' campaigns.
func ownAttempt(param string) check {
	return func(s *Server, r *http.Request, u User) error {
		if !scoped(u) {
			return nil
		}
		if s.cfg.Attempts == nil {
			return errStatus(http.StatusServiceUnavailable, "attempts cannot be read on this node")
		}
		id, err := pathID(r, param)
		if err != nil {
			return err
		}
		a, err := s.cfg.Attempts.GetAttempt(r.Context(), id)
		if err != nil {
			return err
		}
		if u.Limited() {
			c, err := s.cfg.Campaigns.GetCampaign(r.Context(), a.CampaignID)
			if err != nil {
				return err
			}
			if !u.SeesClient(c.ClientID) {
				return fmt.Errorf("attempt %d: %w", id, campaigns.ErrNotFound)
			}
		}
		if u.Role == RoleAgent && (u.AgentID == 0 || a.AgentID != u.AgentID) {
			return errStatus(http.StatusForbidden, fmt.Sprintf("attempt %d was not bridged to you", id))
		}
		return nil
	}
}
