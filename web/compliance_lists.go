package web

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/alo-dialer/alo/compliance"
)

// ComplianceLists reads what the compliance side keeps, a page at a time
// (compliance.Service).
type ComplianceLists interface {
	ListAudit(ctx context.Context, f compliance.AuditFilter) ([]compliance.AuditRecord, error)
	ListRuleSets(ctx context.Context, p compliance.Page) ([]compliance.RuleSetSummary, error)
	ListDNCEntries(ctx context.Context, f compliance.DNCFilter) ([]compliance.DNCRecord, error)
	ListConsents(ctx context.Context, f compliance.ConsentFilter) ([]compliance.ConsentRecord, error)
}

// pageBody is a page of a cursor-paged list: the items, and the cursor of
// the next page ("" on the last one).
type pageBody[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor"`
}

func (s *Server) complianceListRoutes() {
	s.handle("GET /api/v1/audit", roles(RoleAdmin, RoleCompliance).and(unlimited), s.listAudit)
	s.handle("GET /api/v1/rule-sets", staff, s.listRuleSets)
	s.handle("GET /api/v1/compliance/dnc", roles(RoleAdmin, RoleCompliance).and(unlimited), s.listDNCEntries)
	s.handle("GET /api/v1/compliance/consents", roles(RoleAdmin, RoleCompliance).and(unlimited), s.listConsents)
}

func (s *Server) complianceLists() (ComplianceLists, error) {
	l, ok := s.cfg.Compliance.(ComplianceLists)
	if !ok {
		return nil, errStatus(http.StatusServiceUnavailable, "compliance records are not served by this node")
	}
	return l, nil
}

// cursorPage reads ?limit= and the opaque ?cursor= (a next_cursor).
func cursorPage(r *http.Request) (compliance.Page, []FieldError) {
	var p compliance.Page
	var bad []FieldError
	q := r.URL.Query()
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > compliance.MaxListLimit {
			bad = append(bad, FieldError{Field: "limit", Reason: fmt.Sprintf("must be a whole number from 1 to %d", compliance.MaxListLimit)})
		}
		p.Limit = n
	}
	if v := q.Get("cursor"); v != "" {
		raw, err := base64.RawURLEncoding.DecodeString(v)
		after, ok := strings.CutPrefix(string(raw), "after:")
		n, perr := strconv.ParseInt(after, 10, 64)
		if err != nil || !ok || perr != nil || n < 0 {
			bad = append(bad, FieldError{Field: "cursor", Reason: "is not a cursor this API gave (pass next_cursor back as it came)"})
		}
		p.After = n
	}
	return p, bad
}

// page answers items with the cursor after the last one when the page is
// full (there may be more).
func page[T any](w http.ResponseWriter, items []T, p compliance.Page, key func(T) int64) error {
	body := pageBody[T]{Items: items}
	limit := p.Limit
	if limit == 0 {
		limit = compliance.DefaultListLimit
	}
	if len(items) == limit {
		body.NextCursor = base64.RawURLEncoding.EncodeToString([]byte("after:" + strconv.FormatInt(key(items[len(items)-1]), 10)))
	}
	writeJSON(w, http.StatusOK, body)
	return nil
}

// queryInt reads an optional positive id from the query.
func queryInt(r *http.Request, name string, bad *[]FieldError) int64 {
	v := r.URL.Query().Get(name)
	if v == "" {
		return 0
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		*bad = append(*bad, FieldError{Field: name, Reason: "must be a positive whole number"})
	}
	return n
}

// queryTime reads an optional RFC 3339 time from the query.
func queryTime(r *http.Request, name string, bad *[]FieldError) time.Time {
	v := r.URL.Query().Get(name)
	if v == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		*bad = append(*bad, FieldError{Field: name, Reason: "must be a time in RFC 3339, such as 2026-11-23T13:30:00+05:00"})
	}
	return t
}

// listAudit is GET /api/v1/audit: the audit trail, filtered and paged.
func (s *Server) listAudit(w http.ResponseWriter, r *http.Request, _ User) error {
	l, err := s.complianceLists()
	if err != nil {
		return err
	}
	p, bad := cursorPage(r)
	q := r.URL.Query()
	f := compliance.AuditFilter{Kind: q.Get("kind"), Number: q.Get("number"), Page: p,
		CampaignID: queryInt(r, "campaign_id", &bad), ContactID: queryInt(r, "contact_id", &bad),
		From: queryTime(r, "from", &bad), To: queryTime(r, "to", &bad)}
	if bad != nil {
		return errFields(bad...)
	}
	recs, err := l.ListAudit(r.Context(), f)
	if err != nil {
		return err
	}
	return page(w, recs, p, func(a compliance.AuditRecord) int64 { return a.Seq })
}

// listRuleSets is GET /api/v1/rule-sets.
func (s *Server) listRuleSets(w http.ResponseWriter, r *http.Request, _ User) error {
	l, err := s.complianceLists()
	if err != nil {
		return err
	}
	p, bad := cursorPage(r)
	if bad != nil {
		return errFields(bad...)
	}
	rs, err := l.ListRuleSets(r.Context(), p)
	if err != nil {
		return err
	}
	return page(w, rs, p, func(x compliance.RuleSetSummary) int64 { return x.ID })
}

// listDNCEntries is GET /api/v1/compliance/dnc: scoped and registry
// entries, filtered by scope, scope_id and source.
func (s *Server) listDNCEntries(w http.ResponseWriter, r *http.Request, _ User) error {
	l, err := s.complianceLists()
	if err != nil {
		return err
	}
	p, bad := cursorPage(r)
	q := r.URL.Query()
	f := compliance.DNCFilter{Scope: q.Get("scope"), Source: q.Get("source"), ScopeID: queryInt(r, "scope_id", &bad), Page: p}
	if bad != nil {
		return errFields(bad...)
	}
	es, err := l.ListDNCEntries(r.Context(), f)
	if err != nil {
		return err
	}
	return page(w, es, p, func(x compliance.DNCRecord) int64 { return x.ID })
}

// listConsents is GET /api/v1/compliance/consents, by number and purpose.
func (s *Server) listConsents(w http.ResponseWriter, r *http.Request, _ User) error {
	l, err := s.complianceLists()
	if err != nil {
		return err
	}
	p, bad := cursorPage(r)
	q := r.URL.Query()
	if bad != nil {
		return errFields(bad...)
	}
	cs, err := l.ListConsents(r.Context(), compliance.ConsentFilter{Number: q.Get("number"), Purpose: q.Get("purpose"), Page: p})
	if err != nil {
		return err
	}
	return page(w, cs, p, func(x compliance.ConsentRecord) int64 { return x.ID })
}
