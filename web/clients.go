package web

import (
	"context"
	"net/http"
	"slices"

	"github.com/alo-dialer/alo/campaigns"
)

// createClientRequest is the body of POST /api/v1/clients.
type createClientRequest struct {
	Name string `json:"name" validate:"required,max=200,nocontrol"`
}

func (s *Server) createClient(w http.ResponseWriter, r *http.Request, _ User) error {
	return serveBody(s, w, r, http.StatusCreated, func(ctx context.Context, req createClientRequest) (campaigns.Client, error) {
		return s.cfg.Campaigns.CreateClient(ctx, req.Name)
	})
}

func (s *Server) listClients(w http.ResponseWriter, r *http.Request, u User) error {
	cs, err := s.cfg.Campaigns.ListClients(r.Context())
	if err != nil {
		return err
	}
	if u.Limited() {
		cs = slices.DeleteFunc(cs, func(c campaigns.Client) bool { return !u.SeesClient(c.ID) })
	}
	writeJSON(w, http.StatusOK, nonNil(cs))
	return nil
}

// nonNil makes an empty list encode as [] rather than null.
func nonNil[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}
