package web

import (
	"context"
	"net/http"

	"github.com/alo-dialer/alo/campaigns"
	"github.com/alo-dialer/alo/compliance"
)

// ContactPager pages a campaign's contacts by cursor (campaigns.Store).
type ContactPager interface {
	ContactsAfter(ctx context.Context, campaignID, afterID int64, limit int) ([]campaigns.Contact, error)
}

// listContactsByCursor answers GET /campaigns/{id}/contacts?cursor=… (an
// empty cursor is the first page) as {items, next_cursor}; without
// ?cursor the list stays the array paged by offset that existing clients
// read.
func (s *Server) listContactsByCursor(w http.ResponseWriter, r *http.Request, campaignID int64) error {
	pager, ok := s.cfg.Campaigns.(ContactPager)
	if !ok {
		return errStatus(http.StatusNotImplemented, "this node pages contacts by offset only")
	}
	p, bad := cursorPage(r)
	if bad != nil {
		return errFields(bad...)
	}
	if p.Limit == 0 {
		p.Limit = compliance.DefaultListLimit
	}
	cs, err := pager.ContactsAfter(r.Context(), campaignID, p.After, p.Limit)
	if err != nil {
		return err
	}
	return page(w, cs, p, func(c campaigns.Contact) int64 { return c.ID })
}

// listAttemptsByCursor answers GET /campaigns/{id}/attempts?cursor=… as
// {items, next_cursor}, like listContactsByCursor.
func (s *Server) listAttemptsByCursor(w http.ResponseWriter, r *http.Request, campaignID int64) error {
	p, bad := cursorPage(r)
	if bad != nil {
		return errFields(bad...)
	}
	if p.Limit == 0 {
		p.Limit = compliance.DefaultListLimit
	}
	as, err := s.cfg.Campaigns.ListAttempts(r.Context(), campaigns.AttemptFilter{CampaignID: campaignID, AfterID: p.After, Limit: p.Limit})
	if err != nil {
		return err
	}
	return page(w, as, p, func(a campaigns.Attempt) int64 { return a.ID })
}
