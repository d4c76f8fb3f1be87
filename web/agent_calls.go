package web

import (
	"context"
	"errors"
	"net/http"

	"github.com/alo-dialer/alo/dialer"
)

// CallControlService acts on an agent's bridged call; *dialer.Engine
// satisfies it. It knows only the calls of this node.
type CallControlService interface {
	HangupAgentCall(agentID int64) error
	SetAgentMute(agentID int64, on bool) (dialer.CallControl, error)
	SetAgentHold(agentID int64, on bool) (dialer.CallControl, error)
}

// toggleRequest is the body of POST /api/v1/agents/{id}/mute and /hold.
type toggleRequest struct {
	On *bool `json:"on" validate:"required"`
}

func (s *Server) calls() (CallControlService, error) {
	if s.cfg.Calls == nil {
		return nil, errStatus(http.StatusServiceUnavailable, "call controls are not configured on this node")
	}
	return s.cfg.Calls, nil
}

// callErr words the engine's "no call" for the console: a 409 the agent
// understands (the customer may have hung up a moment before).
func callErr(err error) error {
	if errors.Is(err, dialer.ErrNoCall) {
		return errStatus(http.StatusConflict, "no call in progress for this agent")
	}
	return err
}

// agentHangup ends the customer's leg of the agent's current call.
func (s *Server) agentHangup(w http.ResponseWriter, r *http.Request, u User) error {
	svc, err := s.calls()
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := svc.HangupAgentCall(id); err != nil {
		return callErr(err)
	}
	s.log.Info("agent hung up the call", "agent", id, "user", u.Name)
	writeJSON(w, http.StatusOK, map[string]bool{"hung_up": true})
	return nil
}

// agentMute stops or restores the agent's audio to the customer.
func (s *Server) agentMute(w http.ResponseWriter, r *http.Request, u User) error {
	return s.agentToggle(w, r, u, "mute", CallControlService.SetAgentMute)
}

// agentHold holds the customer (no audio either way) or resumes the call.
func (s *Server) agentHold(w http.ResponseWriter, r *http.Request, u User) error {
	return s.agentToggle(w, r, u, "hold", CallControlService.SetAgentHold)
}

func (s *Server) agentToggle(w http.ResponseWriter, r *http.Request, u User, what string,
	set func(CallControlService, int64, bool) (dialer.CallControl, error)) error {
	svc, err := s.calls()
	if err != nil {
		return err
	}
	return serveBodyByID(s, w, r, func(_ context.Context, id int64, req toggleRequest) (dialer.CallControl, error) {
		cc, err := set(svc, id, *req.On)
		if err != nil {
			return cc, callErr(err)
		}
		s.log.Info("agent call "+what, "agent", id, "on", *req.On, "attempt", cc.AttemptID, "user", u.Name)
		return cc, nil
	})
}
