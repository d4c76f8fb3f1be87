package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/alo-dialer/alo/campaigns"
	"github.com/alo-dialer/alo/dialer/agent"
	"github.com/alo-dialer/alo/input"
)

// Teams of agents and the reasons agents pause with: admins manage both;
// the floor (supervisors) and the agents' consoles read them.

func (s *Server) teamRoutes() {
	admin := roles(RoleAdmin)
	s.handle("GET /api/v1/teams", roles(RoleAdmin, RoleMarketer, RoleSupervisor), s.listTeams)
	s.handle("POST /api/v1/teams", admin, s.createTeam)
	s.handle("PATCH /api/v1/teams/{id}", admin, s.renameTeam)
	s.handle("DELETE /api/v1/teams/{id}", admin, s.deleteTeam)
	s.handle("PUT /api/v1/agents/{id}/teams", admin, s.setAgentTeams)

	s.handle("GET /api/v1/pause-reasons", everyone, s.listPauseReasons)
	s.handle("POST /api/v1/pause-reasons", admin, s.savePauseReason)
	s.handle("DELETE /api/v1/pause-reasons/{id}", admin, s.deletePauseReason)
}

func (s *Server) teams() (TeamService, error) {
	if s.cfg.Teams == nil {
		return nil, errStatus(http.StatusServiceUnavailable, "teams are not configured on this node")
	}
	return s.cfg.Teams, nil
}

func (s *Server) pauseReasons() (PauseReasonService, error) {
	if s.cfg.PauseReasons == nil {
		return nil, errStatus(http.StatusServiceUnavailable, "pause reasons are not configured on this node")
	}
	return s.cfg.PauseReasons, nil
}

// teamRequest is the body of POST /teams and PATCH /teams/{id}.
type teamRequest struct {
	Name string `json:"name" validate:"required,max=100,nocontrol"`
}

func (s *Server) listTeams(w http.ResponseWriter, r *http.Request, _ User) error {
	svc, err := s.teams()
	if err != nil {
		return err
	}
	ts, err := svc.ListTeams(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ts)
	return nil
}

func (s *Server) createTeam(w http.ResponseWriter, r *http.Request, u User) error {
	svc, err := s.teams()
	if err != nil {
		return err
	}
	return serveBody(s, w, r, http.StatusCreated, func(ctx context.Context, req teamRequest) (agent.Team, error) {
		t, err := svc.CreateTeam(ctx, req.Name)
		if err == nil {
			s.log.Info("team created", "team", t.ID, "name", t.Name, "user", u.Name)
		}
		return t, err
	})
}

func (s *Server) renameTeam(w http.ResponseWriter, r *http.Request, u User) error {
	svc, err := s.teams()
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	return serveBody(s, w, r, http.StatusOK, func(ctx context.Context, req teamRequest) (agent.Team, error) {
		t, err := svc.RenameTeam(ctx, id, req.Name)
		if err == nil {
			s.log.Info("team renamed", "team", id, "name", t.Name, "user", u.Name)
		}
		return t, err
	})
}

func (s *Server) deleteTeam(w http.ResponseWriter, r *http.Request, u User) error {
	svc, err := s.teams()
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := svc.DeleteTeam(r.Context(), id); err != nil {
		return err
	}
	s.log.Info("team deleted", "team", id, "user", u.Name)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// agentTeamsRequest is the body of PUT /agents/{id}/teams: every team the
// agent belongs to ([] for none).
type agentTeamsRequest struct {
	TeamIDs []int64 `json:"team_ids" validate:"required,max=100,dive,gt=0"`
}

func (s *Server) setAgentTeams(w http.ResponseWriter, r *http.Request, u User) error {
	svc, err := s.teams()
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	return serveBody(s, w, r, http.StatusOK, func(ctx context.Context, req agentTeamsRequest) (agent.Agent, error) {
		a, err := svc.SetAgentTeams(ctx, id, req.TeamIDs)
		if err == nil {
			s.log.Info("agent teams set", "agent", id, "teams", fmt.Sprint(a.TeamIDs), "user", u.Name)
		}
		return a, err
	})
}

// listPauseReasons answers the list; ?campaign_id= keeps the reasons
// offered in that campaign, and an agent gets those offered in the
// campaigns they work.
func (s *Server) listPauseReasons(w http.ResponseWriter, r *http.Request, u User) error {
	svc, err := s.pauseReasons()
	if err != nil {
		return err
	}
	var only []int64
	if v := r.URL.Query().Get("campaign_id"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return errFields(FieldError{Field: "campaign_id", Reason: "must be a positive whole number"})
		}
		if err := s.requireCampaign(r.Context(), u, id); err != nil {
			return err
		}
		only = []int64{id}
	} else if u.Role == RoleAgent {
		if only, err = s.agentCampaigns(r.Context(), u); err != nil {
			return err
		}
	}
	all, err := svc.PauseReasons(r.Context())
	if err != nil {
		return err
	}
	filter := only != nil || u.Role == RoleAgent
	out := all[:0]
	for _, p := range all {
		if !filter || p.AppliesTo(only) {
			out = append(out, p)
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// pauseReasonRequest is the body of POST /pause-reasons; a code that
// exists is replaced (label and campaigns). The registry checks the
// fields (agent.PauseReason.Check) and the API the campaigns' existence,
// and every fault of both is named at once.
type pauseReasonRequest struct {
	Code        string  `json:"code"`
	Label       string  `json:"label"`
	CampaignIDs []int64 `json:"campaign_ids" validate:"max=100"`
}

func (s *Server) savePauseReason(w http.ResponseWriter, r *http.Request, u User) error {
	svc, err := s.pauseReasons()
	if err != nil {
		return err
	}
	req, err := jsonBody[pauseReasonRequest](s, w, r)
	if err != nil {
		return err
	}
	in := agent.PauseReason{Code: req.Code, Label: req.Label, CampaignIDs: req.CampaignIDs}
	var ps input.Problems
	ps.AddErr(in.Check())
	missing, err := s.missingCampaigns(r.Context(), u, "campaign_ids", req.CampaignIDs)
	if err != nil {
		return err
	}
	if ps = append(ps, missing...); len(ps) > 0 {
		return errFields(ps...)
	}
	p, created, err := svc.SavePauseReason(r.Context(), in)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	s.log.Info("pause reason saved", "code", p.Code, "created", created, "user", u.Name)
	writeJSON(w, status, p)
	return nil
}

// missingCampaigns names every positive id of ids (field[i]) that is no
// campaign u may see: the registry does not know campaigns, and a reason
// or an agent for a campaign that does not exist would silently never
// apply.
func (s *Server) missingCampaigns(ctx context.Context, u User, field string, ids []int64) ([]FieldError, error) {
	var bad []FieldError
	for i, id := range ids {
		if id <= 0 {
			continue // the id's form is the caller's check
		}
		err := s.requireCampaign(ctx, u, id)
		if err == nil && !scoped(u) {
			_, err = s.cfg.Campaigns.GetCampaign(ctx, id)
		}
		if errors.Is(err, campaigns.ErrNotFound) {
			bad = append(bad, FieldError{Field: fmt.Sprintf("%s[%d]", field, i), Reason: fmt.Sprintf("no campaign with id %d", id)})
			continue
		}
		if err != nil {
			return nil, err
		}
	}
	return bad, nil
}

func (s *Server) deletePauseReason(w http.ResponseWriter, r *http.Request, u User) error {
	svc, err := s.pauseReasons()
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := svc.DeletePauseReason(r.Context(), id); err != nil {
		return err
	}
	s.log.Info("pause reason deleted", "pause_reason", id, "user", u.Name)
	w.WriteHeader(http.StatusNoContent)
	return nil
}
