package web

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/alo-dialer/alo/dialer/agent"
	"github.com/alo-dialer/alo/dialer/registrar"
)

// createAgentRequest is the body of POST /api/v1/agents.
type createAgentRequest struct {
	Name        string  `json:"name" validate:"required,max=200,nocontrol"`
	SIPURI      string  `json:"sip_uri" validate:"required,max=500"`
	CampaignIDs []int64 `json:"campaign_ids" validate:"required,min=1,max=100,dive,gt=0"`
}

// pauseAgentRequest is the optional body of POST /api/v1/agents/{id}/pause.
type pauseAgentRequest struct {
	Reason string `json:"reason" validate:"max=200,nocontrol"`
}

func (s *Server) createAgent(w http.ResponseWriter, r *http.Request, u User) error {
	var req createAgentRequest
	if err := s.decodeValid(w, r, &req); err != nil {
		return err
	}
	if err := agent.ValidateSIPURI(req.SIPURI); err != nil {
		return err // names sip_uri and what is wrong with it (headers, a parameter …)
	}
	// The registry does not know campaigns; an agent logged in to one that
	// does not exist would silently never get a call.
	if bad, err := s.missingCampaigns(r.Context(), u, "campaign_ids", req.CampaignIDs); err != nil || bad != nil {
		if err != nil {
			return err
		}
		return errFields(bad...)
	}
	a, err := s.cfg.Agents.CreateAgent(r.Context(), agent.NewAgent{
		Name: strings.TrimSpace(req.Name), SIPURI: req.SIPURI, CampaignIDs: req.CampaignIDs,
	})
	if err != nil {
		return err
	}
	s.log.Info("agent created", "agent", a.ID, "user", u.Name)
	writeJSON(w, http.StatusCreated, a)
	return nil
}

func (s *Server) listAgents(w http.ResponseWriter, r *http.Request, _ User) error {
	as, err := s.cfg.Agents.ListAgents(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, nonNil(as))
	return nil
}

func (s *Server) getAgent(w http.ResponseWriter, r *http.Request, _ User) error {
	return serveByID(w, r, s.cfg.Agents.GetAgent, nil)
}

// agentReady logs the agent in and wakes the pacers of their campaigns:
// one more ready agent means one more call to place now.
func (s *Server) agentReady(w http.ResponseWriter, r *http.Request, u User) error {
	return s.agentLogin(w, r, u, agent.Ready)
}

func (s *Server) agentPause(w http.ResponseWriter, r *http.Request, u User) error {
	return s.agentLogin(w, r, u, agent.Paused)
}

func (s *Server) agentOffline(w http.ResponseWriter, r *http.Request, u User) error {
	return s.agentLogin(w, r, u, agent.Offline)
}

// agentLogin is the one handler of an agent's ready, paused (with an
// optional reason) and offline: the registry applies it, the pacers of a
// ready agent's campaigns are woken, and the agent as it now is answers.
func (s *Server) agentLogin(w http.ResponseWriter, r *http.Request, u User, want agent.State) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var a agent.Agent
	switch want {
	case agent.Ready:
		a, err = s.cfg.Agents.SetReady(r.Context(), id)
	case agent.Paused:
		var req pauseAgentRequest
		if err := decodeJSON(w, r, &req); err != nil && !isEmptyBody(err) {
			return err
		}
		if err := s.check(&req); err != nil {
			return err
		}
		a, err = s.cfg.Agents.SetPaused(r.Context(), id, strings.TrimSpace(req.Reason))
	default:
		a, err = s.cfg.Agents.SetOffline(r.Context(), id)
	}
	if err != nil {
		return err
	}
	s.log.Info("agent "+string(want), "agent", id, "user", u.Name)
	if want == agent.Ready && s.cfg.Waker != nil {
		for _, c := range a.CampaignIDs {
			s.cfg.Waker.Wake(c)
		}
	}
	writeJSON(w, http.StatusOK, a)
	return nil
}

// pauseAfterCallRequest is the body of PUT /agents/{id}/pause-after-call.
type pauseAfterCallRequest struct {
	PauseAfterCall *bool  `json:"pause_after_call" validate:"required"`
	Reason         string `json:"reason" validate:"max=200,nocontrol"`
}

// agentPauseAfterCall asks for the agent to be paused when their current
// call (or its wrap-up) ends, or withdraws that; with no call the pause is
// at once. The agent themselves, supervisors and admins may.
func (s *Server) agentPauseAfterCall(w http.ResponseWriter, r *http.Request, u User) error {
	return serveBodyByID(s, w, r, func(ctx context.Context, id int64, req pauseAfterCallRequest) (agent.Agent, error) {
		a, err := s.cfg.Agents.PauseAfterCall(ctx, id, *req.PauseAfterCall, strings.TrimSpace(req.Reason))
		if err == nil {
			s.log.Info("agent pause after call", "agent", id, "pause_after_call", *req.PauseAfterCall, "state", a.State, "user", u.Name)
		}
		return a, err
	})
}

// agentCallbacks lists the open callbacks an agent promised for one day
// (?day=YYYY-MM-DD, default today) in a zone (?tz=, default the caller's
// profile zone, else UTC), earliest first, with times in that zone.
func (s *Server) agentCallbacks(w http.ResponseWriter, r *http.Request, u User) error {
	svc, err := s.dispositions()
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	from, loc, err := s.dayParams(r, u)
	if err != nil {
		return err
	}
	if _, err := s.cfg.Agents.GetAgent(r.Context(), id); err != nil {
		return err
	}
	cbs, err := svc.Callbacks(r.Context(), id, from, from.AddDate(0, 0, 1))
	if err != nil {
		return err
	}
	out := cbs[:0]
	for _, cb := range cbs {
		if u.SeesClient(cb.ClientID) {
			cb.At = cb.At.In(loc)
			out = append(out, cb)
		}
	}
	writeJSON(w, http.StatusOK, nonNil(out))
	return nil
}

// dayParams reads ?day and ?tz: the start of that day in that zone, naming
// every bad parameter.
func (s *Server) dayParams(r *http.Request, u User) (time.Time, *time.Location, error) {
	q := r.URL.Query()
	var bad []FieldError
	zone := q.Get("tz")
	if zone == "" {
		zone = u.TimeZone
	}
	loc := time.UTC
	if zone != "" {
		l, err := time.LoadLocation(zone)
		if err != nil || zone == "Local" {
			bad = append(bad, FieldError{Field: "tz", Reason: "must be an IANA time zone such as Asia/Tashkent"})
		} else {
			loc = l
		}
	}
	now := s.clock().In(loc)
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	if v := q.Get("day"); v != "" {
		d, err := time.ParseInLocation(time.DateOnly, v, loc)
		if err != nil {
			bad = append(bad, FieldError{Field: "day", Reason: "must be a date as YYYY-MM-DD"})
		}
		day = d
	}
	if bad != nil {
		return time.Time{}, nil, errFields(bad...)
	}
	return day, loc, nil
}

// isEmptyBody reports whether decodeJSON failed only because there was no
// body, which an optional body allows.
func isEmptyBody(err error) bool {
	var ae *apiError
	return errors.As(err, &ae) && ae.msg == errEmptyBody
}

// SIPAccountService sets the SIP account an agent's phone registers with;
// *dialer.Registrar satisfies it. Only a digest hash of the password is
// kept, so there is nothing to read back.
type SIPAccountService interface {
	SetCredentials(ctx context.Context, agentID int64, user, password string) error
}

// sipAccountRequest is the body of PUT /api/v1/agents/{id}/sip-account. The
// password is write-only: no response or log line carries it.
type sipAccountRequest struct {
	User     string `json:"sip_user" validate:"required,max=64,nocontrol"`
	Password string `json:"password" validate:"required,min=8,max=200,nocontrol"`
}

// sipAccountResponse says what the phone registers as and the sip_uri that
// makes alo call it where it registered.
type sipAccountResponse struct {
	AgentID int64  `json:"agent_id"`
	User    string `json:"sip_user"`
	// RegisteredURI is sip:<user>@alo: an agent whose sip_uri is this is
	// called at the contact of their phone's last REGISTER.
	RegisteredURI string `json:"registered_uri"`
}

// setAgentSIPAccount gives an agent's phone its registrar credentials,
// replacing any earlier ones. Admins only: whoever holds them receives the
// agent's calls.
func (s *Server) setAgentSIPAccount(w http.ResponseWriter, r *http.Request, u User) error {
	if s.cfg.SIPAccounts == nil {
		return errStatus(http.StatusServiceUnavailable, "the registrar is not available on this node")
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var req sipAccountRequest
	if err := s.decodeValid(w, r, &req); err != nil {
		return err
	}
	if _, err := s.cfg.Agents.GetAgent(r.Context(), id); err != nil {
		return err
	}
	if err := s.cfg.SIPAccounts.SetCredentials(r.Context(), id, req.User, req.Password); err != nil {
		return err
	}
	s.log.Info("agent sip account set", "agent", id, "sip_user", req.User, "user", u.Name)
	writeJSON(w, http.StatusOK, sipAccountResponse{AgentID: id, User: req.User,
		RegisteredURI: "sip:" + req.User + "@" + registrar.Domain})
	return nil
}
