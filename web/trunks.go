package web

import (
	"context"
	"net/http"
	"strings"

	"github.com/alo-dialer/alo/dialer/trunk"
)

// TrunkService manages carrier trunks and which group a campaign dials
// through. *dialer.Trunks satisfies it.
type TrunkService interface {
	Create(ctx context.Context, t trunk.Trunk) (trunk.Trunk, error)
	Update(ctx context.Context, t trunk.Trunk) (trunk.Trunk, error)
	Delete(ctx context.Context, id int64) error
	Status() []trunk.Status
	StatusOf(id int64) (trunk.Status, error)
	SetCampaignGroup(ctx context.Context, campaignID int64, group string) error
	CampaignGroup(campaignID int64) string
}

// trunkRequest is the body of POST /api/v1/trunks and PUT /api/v1/trunks/{id}.
// The password is write-only: no response carries it, and an update
// without one keeps the stored password.
type trunkRequest struct {
	Name          string  `json:"name" validate:"required,max=200,nocontrol"`
	Group         string  `json:"group" validate:"max=64,nocontrol"`
	Priority      int     `json:"priority" validate:"min=0,max=1000"`
	URI           string  `json:"uri" validate:"required,max=500,nocontrol"`
	Transport     string  `json:"transport" validate:"omitempty,oneof=udp tcp tls"`
	User          string  `json:"user" validate:"max=64,nocontrol"`
	Password      string  `json:"password" validate:"max=200,nocontrol"`
	OutboundProxy string  `json:"outbound_proxy" validate:"max=500,nocontrol"`
	LocalPort     int     `json:"local_port" validate:"min=0,max=65535"`
	FromUser      string  `json:"from_user" validate:"max=64,nocontrol"`
	PAI           string  `json:"pai" validate:"omitempty,e164"`
	Privacy       string  `json:"privacy" validate:"omitempty,oneof=none id header user id;header"`
	MaxCalls      int     `json:"max_calls" validate:"min=0,max=100000"`
	MaxCPS        float64 `json:"max_cps" validate:"min=0,max=10000"`
}

func (r trunkRequest) tk() trunk.Trunk {
	return trunk.Trunk{
		Name: strings.TrimSpace(r.Name), Group: r.Group, Priority: r.Priority, URI: strings.TrimSpace(r.URI),
		Transport: r.Transport, User: r.User, Password: r.Password, OutboundProxy: strings.TrimSpace(r.OutboundProxy),
		LocalPort: r.LocalPort, FromUser: r.FromUser, PAI: r.PAI, Privacy: r.Privacy, MaxCalls: r.MaxCalls, MaxCPS: r.MaxCPS,
	}
}

// trunkGroupRequest is the body of PUT /api/v1/campaigns/{id}/trunk-group.
type trunkGroupRequest struct {
	Group string `json:"group" validate:"required,max=64,nocontrol"`
}

// trunkGroupResponse names a campaign's trunk group.
type trunkGroupResponse struct {
	CampaignID int64  `json:"campaign_id"`
	Group      string `json:"group"`
}

// trunks returns the service or a 503 when this node runs without one.
func (s *Server) trunks() (TrunkService, error) {
	if s.cfg.Trunks == nil {
		return nil, errStatus(http.StatusServiceUnavailable, "trunk management is not available on this node")
	}
	return s.cfg.Trunks, nil
}

func (s *Server) createTrunk(w http.ResponseWriter, r *http.Request, u User) error {
	svc, err := s.trunks()
	if err != nil {
		return err
	}
	var req trunkRequest
	if err := s.decodeValid(w, r, &req); err != nil {
		return err
	}
	t, err := svc.Create(r.Context(), req.tk())
	if err != nil {
		return err
	}
	s.log.Info("trunk created", "trunk", t, "user", u.Name)
	st, err := svc.StatusOf(t.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, st)
	return nil
}

func (s *Server) updateTrunk(w http.ResponseWriter, r *http.Request, u User) error {
	svc, err := s.trunks()
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var req trunkRequest
	if err := s.decodeValid(w, r, &req); err != nil {
		return err
	}
	t := req.tk()
	t.ID = id
	if t, err = svc.Update(r.Context(), t); err != nil {
		return err
	}
	s.log.Info("trunk updated", "trunk", t, "user", u.Name)
	st, err := svc.StatusOf(t.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, st)
	return nil
}

func (s *Server) listTrunks(w http.ResponseWriter, _ *http.Request, _ User) error {
	svc, err := s.trunks()
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, nonNil(svc.Status()))
	return nil
}

func (s *Server) getTrunk(w http.ResponseWriter, r *http.Request, _ User) error {
	svc, err := s.trunks()
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	st, err := svc.StatusOf(id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, st)
	return nil
}

func (s *Server) deleteTrunk(w http.ResponseWriter, r *http.Request, u User) error {
	svc, err := s.trunks()
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := svc.Delete(r.Context(), id); err != nil {
		return err
	}
	s.log.Info("trunk deleted", "trunk_id", id, "user", u.Name)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) setCampaignTrunkGroup(w http.ResponseWriter, r *http.Request, u User) error {
	svc, err := s.trunks()
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var req trunkGroupRequest
	if err := s.decodeValid(w, r, &req); err != nil {
		return err
	}
	group := strings.ToLower(strings.TrimSpace(req.Group))
	if err := trunk.ValidateGroup(group); err != nil {
		return errFields(FieldError{Field: "group", Reason: "lower-case letters, digits, - and _, up to 64"})
	}
	// A mapping for a campaign that does not exist would never be used.
	if _, err := s.cfg.Campaigns.GetCampaign(r.Context(), id); err != nil {
		return err
	}
	if err := svc.SetCampaignGroup(r.Context(), id, group); err != nil {
		return err
	}
	s.log.Info("campaign trunk group set", "campaign", id, "group", group, "user", u.Name)
	writeJSON(w, http.StatusOK, trunkGroupResponse{CampaignID: id, Group: group})
	return nil
}

func (s *Server) getCampaignTrunkGroup(w http.ResponseWriter, r *http.Request, _ User) error {
	svc, err := s.trunks()
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := s.cfg.Campaigns.GetCampaign(r.Context(), id); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, trunkGroupResponse{CampaignID: id, Group: svc.CampaignGroup(id)})
	return nil
}
