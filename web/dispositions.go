package web

import (
	"context"
	"net/http"
	"time"

	"github.com/alo-dialer/alo/campaigns"
)

// DispositionService is what the API needs of dispositions;
// *campaigns.Store satisfies it.
type DispositionService interface {
	Dispositions(ctx context.Context, campaignID int64) ([]campaigns.Disposition, error)
	SetDispositions(ctx context.Context, campaignID int64, ds []campaigns.Disposition) ([]campaigns.Disposition, error)
	Dispose(ctx context.Context, r campaigns.DisposeRequest) (campaigns.Disposed, error)
	// Callbacks lists the open callbacks an agent promised for [from, to).
	Callbacks(ctx context.Context, agentID int64, from, to time.Time) ([]campaigns.Callback, error)
}

// WrapUpEnder ends an agent's wrap-up when they dispose their call;
// *dialer.Agents satisfies it.
type WrapUpEnder interface {
	EndWrapUp(agentID int64) bool
}

func (s *Server) dispositionRoutes() {
	s.handle("GET /api/v1/campaigns/{id}/dispositions", everyone.and(campaignIn("id")), s.listDispositions)
	s.handle("PUT /api/v1/campaigns/{id}/dispositions", roles(RoleAdmin, RoleMarketer).and(campaignIn("id")), s.putDispositions)
	// Agents dispose only the calls bridged to them (ownAttempt).
	s.handle("POST /api/v1/attempts/{id}/disposition", roles(RoleAdmin, RoleSupervisor, RoleAgent).and(ownAttempt("id")), s.dispose)
}

func (s *Server) dispositions() (DispositionService, error) {
	if s.cfg.Dispositions == nil {
		return nil, errStatus(http.StatusServiceUnavailable, "dispositions are not configured on this node")
	}
	return s.cfg.Dispositions, nil
}

func (s *Server) listDispositions(w http.ResponseWriter, r *http.Request, _ User) error {
	svc, err := s.dispositions()
	if err != nil {
		return err
	}
	return serveByID(w, r, svc.Dispositions, nil)
}

// putDispositions replaces a campaign's own codes and the built-in codes'
// labels: [{"code": "card_activated", "label": "…", "meaning": "success"}].
func (s *Server) putDispositions(w http.ResponseWriter, r *http.Request, u User) error {
	svc, err := s.dispositions()
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	return serveBody(s, w, r, http.StatusOK, func(ctx context.Context, ds []campaigns.Disposition) ([]campaigns.Disposition, error) {
		out, err := svc.SetDispositions(ctx, id, ds)
		if err == nil {
			s.log.Info("dispositions set", "campaign", id, "count", len(ds), "user", u.Name)
		}
		return out, err
	})
}

// disposeRequest is the body of POST /attempts/{id}/disposition.
type disposeRequest struct {
	Code       string     `json:"code" validate:"required,max=32"`
	Notes      string     `json:"notes" validate:"max=2000"`
	CallbackAt *time.Time `json:"callback_at"`
	// CallbackFor is "me" (the agent who took the call, the default) or
	// "anyone" (the campaign's first free agent).
	CallbackFor   string     `json:"callback_for" validate:"omitempty,oneof=me anyone"`
	AppointmentAt *time.Time `json:"appointment_at"`
}

// dispose records what came of a call (agents, supervisors and admins):
// the contact follows the code's meaning, a do_not_call code puts the
// number on the do-not-call list at once, and the agent's wrap-up ends.
func (s *Server) dispose(w http.ResponseWriter, r *http.Request, u User) error {
	svc, err := s.dispositions()
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	return serveBody(s, w, r, http.StatusOK, func(ctx context.Context, req disposeRequest) (campaigns.Disposed, error) {
		d, err := svc.Dispose(ctx, campaigns.DisposeRequest{AttemptID: id, Code: req.Code, Notes: req.Notes, By: u.ID,
			CallbackAt: req.CallbackAt, CallbackFor: req.CallbackFor, AppointmentAt: req.AppointmentAt})
		if err != nil {
			return d, err
		}
		if d.Meaning == campaigns.MeaningDoNotCall && s.cfg.DNC != nil {
			// At once, not at the next import: the person asked.
			if err := s.cfg.DNC.AddDNC(ctx, d.Phone, "disposition by "+u.Name); err != nil {
				return d, err
			}
		}
		if d.AgentID != 0 && s.cfg.WrapUp != nil {
			s.cfg.WrapUp.EndWrapUp(d.AgentID)
		}
		if s.cfg.Disposals != nil {
			s.cfg.Disposals.CallDisposed(d)
		}
		s.log.Info("attempt disposed", "attempt", id, "code", req.Code, "meaning", d.Meaning, "callback_for", req.CallbackFor, "user", u.Name)
		return d, nil
	})
}
