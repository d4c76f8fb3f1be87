package web

import (
	"context"
	"net/http"

	"github.com/alo-dialer/alo/campaigns"
)

// addDNCRequest is the body of POST /api/v1/dnc.
type addDNCRequest struct {
	Number string `json:"number" validate:"required,max=64"`
	Note   string `json:"note" validate:"max=500,nocontrol"`
}

// dncView is a number as it was put on the list.
type dncView struct {
	Number string `json:"number"`
	Note   string `json:"note,omitempty"`
}

// addDNC puts a number on the do-not-call list. The number is normalised
// to E.164 first: the gate compares exact E.164 strings, so "8 701 …" and
// "+7701…" must land on the same entry.
func (s *Server) addDNC(w http.ResponseWriter, r *http.Request, u User) error {
	return serveBody(s, w, r, http.StatusCreated, func(ctx context.Context, req addDNCRequest) (dncView, error) {
		number, err := campaigns.NormalizePhone(req.Number, s.cfg.DefaultRegion)
		if err != nil {
			return dncView{}, errFields(FieldError{Field: "number", Reason: err.Error()})
		}
		if err := s.cfg.DNC.AddDNC(ctx, number, req.Note); err != nil {
			return dncView{}, err
		}
		s.log.Info("dnc number added", "user", u.Name)
		return dncView{Number: number, Note: req.Note}, nil
	})
}

func (s *Server) listDNC(w http.ResponseWriter, r *http.Request, _ User) error {
	es, err := s.cfg.DNC.ListDNC(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, nonNil(es))
	return nil
}

// removeDNC takes a number off the list; the path carries the number, in
// E.164 or any form NormalizePhone reads (URL-escaped).
func (s *Server) removeDNC(w http.ResponseWriter, r *http.Request, u User) error {
	number, err := campaigns.NormalizePhone(r.PathValue("number"), s.cfg.DefaultRegion)
	if err != nil {
		return errFields(FieldError{Field: "number", Reason: err.Error()})
	}
	if err := s.cfg.DNC.RemoveDNC(r.Context(), number); err != nil {
		return err
	}
	s.log.Info("dnc number removed", "user", u.Name)
	w.WriteHeader(http.StatusNoContent)
	return nil
}
