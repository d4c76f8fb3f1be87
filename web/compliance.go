package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/alo-dialer/alo/compliance"
	"github.com/alo-dialer/alo/e164"
	"github.com/alo-dialer/alo/internal/boundcsv"
)

// ComplianceService is what the API needs of compliance;
// *compliance.Service satisfies it.
type ComplianceService interface {
	CreateRuleSet(ctx context.Context, rs compliance.RuleSet, by string) (compliance.RuleSet, error)
	CreateFromPreset(ctx context.Context, preset, name, by string) (compliance.RuleSet, error)
	EditRuleSet(ctx context.Context, id int64, rs compliance.RuleSet, by string) (compliance.RuleSet, error)
	GetRuleSet(ctx context.Context, id int64, version int) (compliance.RuleSet, error)
	ListVersions(ctx context.Context, id int64) ([]compliance.RuleSet, error)
	Pin(ctx context.Context, b compliance.Binding) (compliance.Binding, error)
	Binding(ctx context.Context, campaignID int64) (compliance.Binding, error)
	AddDNC(ctx context.Context, r compliance.DNCRecord) (compliance.DNCRecord, error)
	RemoveDNCEntry(ctx context.Context, id int64) error
	DNCEntries(ctx context.Context, number string) ([]compliance.DNCRecord, error)
	ImportRegistry(ctx context.Context, name string, downloadedAt time.Time, numbers []string) (int, int, error)
	GrantConsent(ctx context.Context, c compliance.ConsentRecord) (compliance.ConsentRecord, error)
	RevokeConsent(ctx context.Context, id int64) (compliance.ConsentRecord, error)
	Budget(ctx context.Context, campaignID int64, at time.Time) (compliance.LedgerWindow, error)
	Report(ctx context.Context, campaignID int64, from, to time.Time) (compliance.Report, error)
}

// complianceRoutes registers the compliance API. Rules and pins are
// changed by admins and compliance staff; agents may record DNC requests
// (they hear them); anyone signed in may read.
func (s *Server) complianceRoutes() {
	s.handle("GET /api/v1/compliance/presets", staff, s.listPresets)
	s.handle("POST /api/v1/rule-sets", roles(RoleAdmin, RoleCompliance), s.createRuleSet)
	s.handle("GET /api/v1/rule-sets/{id}", staff, s.getRuleSet)
	s.handle("GET /api/v1/rule-sets/{id}/versions", staff, s.listRuleSetVersions)
	s.handle("PUT /api/v1/rule-sets/{id}", roles(RoleAdmin, RoleCompliance), s.editRuleSet)
	s.handle("GET /api/v1/campaigns/{id}/rules", staff.and(campaignIn("id")), s.getCampaignRules)
	s.handle("PUT /api/v1/campaigns/{id}/rules", roles(RoleAdmin, RoleCompliance).and(campaignIn("id")), s.pinCampaignRules)
	s.handle("GET /api/v1/campaigns/{id}/abandonment", staff.and(campaignIn("id")), s.campaignAbandonment)
	s.handle("GET /api/v1/campaigns/{id}/compliance-report", staff.and(campaignIn("id")), s.complianceReport)
	s.handle("POST /api/v1/compliance/dnc", everyone, s.addScopedDNC)
	s.handle("GET /api/v1/compliance/dnc/{number}", roles(RoleAdmin, RoleCompliance, RoleMarketer, RoleSupervisor), s.listScopedDNC)
	s.handle("DELETE /api/v1/compliance/dnc/entries/{id}", roles(RoleAdmin, RoleCompliance), s.removeScopedDNC)
	s.handle("PUT /api/v1/compliance/registries/{name}", roles(RoleAdmin, RoleCompliance), s.importRegistry)
	s.handle("POST /api/v1/compliance/consents", roles(RoleAdmin, RoleCompliance, RoleMarketer), s.grantConsent)
	s.handle("POST /api/v1/compliance/consents/{id}/revoke", everyone, s.revokeConsent)
	s.complianceListRoutes()
}

// complianceService returns the service or a 503 when the node has none.
func (s *Server) complianceService() (ComplianceService, error) {
	if s.cfg.Compliance == nil {
		return nil, errStatus(http.StatusServiceUnavailable, "compliance is not configured on this node")
	}
	return s.cfg.Compliance, nil
}

// complianceError maps compliance's sentinel errors to API statuses.
func complianceError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, compliance.ErrInvalidRules):
		return errStatus(http.StatusBadRequest, err.Error())
	case errors.Is(err, compliance.ErrRuleSetNotFound), errors.Is(err, compliance.ErrNotBound):
		return errStatus(http.StatusNotFound, err.Error())
	}
	return err
}

type presetView struct {
	Name  string             `json:"name"`
	Hash  string             `json:"hash"`
	Rules compliance.RuleSet `json:"rules"`
}

func (s *Server) listPresets(w http.ResponseWriter, _ *http.Request, _ User) error {
	out := []presetView{}
	for _, n := range compliance.PresetNames() {
		rs, _ := compliance.Preset(n)
		out = append(out, presetView{Name: n, Hash: rs.ContentHash(), Rules: rs})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// createRuleSetRequest makes a rule set from a preset (then name is
// optional) or from a full rule set in rules.
type createRuleSetRequest struct {
	Preset string              `json:"preset"`
	Name   string              `json:"name"`
	Rules  *compliance.RuleSet `json:"rules"`
}

func (s *Server) createRuleSet(w http.ResponseWriter, r *http.Request, u User) error {
	svc, err := s.complianceService()
	if err != nil {
		return err
	}
	return serveBody(s, w, r, http.StatusCreated, func(ctx context.Context, req createRuleSetRequest) (compliance.RuleSet, error) {
		var rs compliance.RuleSet
		var err error
		switch {
		case req.Preset != "" && req.Rules == nil:
			rs, err = svc.CreateFromPreset(ctx, req.Preset, req.Name, u.Name)
		case req.Preset == "" && req.Rules != nil:
			if req.Name != "" {
				req.Rules.Name = req.Name
			}
			rs, err = svc.CreateRuleSet(ctx, *req.Rules, u.Name)
		default:
			return rs, errFields(FieldError{Field: "preset", Reason: "give either preset or rules"})
		}
		if err != nil {
			return rs, complianceError(err)
		}
		s.log.Info("rule set created", "user", u.Name, "rule_set", rs.ID, "label", rs.VersionLabel())
		return rs, nil
	})
}

func (s *Server) getRuleSet(w http.ResponseWriter, r *http.Request, _ User) error {
	svc, err := s.complianceService()
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	version := 0
	if v := r.URL.Query().Get("version"); v != "" {
		if version, err = strconv.Atoi(v); err != nil || version < 1 {
			return errFields(FieldError{Field: "version", Reason: "must be a positive whole number"})
		}
	}
	rs, err := svc.GetRuleSet(r.Context(), id, version)
	if err != nil {
		return complianceError(err)
	}
	writeJSON(w, http.StatusOK, rs)
	return nil
}

func (s *Server) listRuleSetVersions(w http.ResponseWriter, r *http.Request, _ User) error {
	svc, err := s.complianceService()
	if err != nil {
		return err
	}
	return serveByID(w, r, svc.ListVersions, complianceError)
}

// editRuleSet stores the body as the rule set's next version.
func (s *Server) editRuleSet(w http.ResponseWriter, r *http.Request, u User) error {
	svc, err := s.complianceService()
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	return serveBody(s, w, r, http.StatusOK, func(ctx context.Context, rs compliance.RuleSet) (compliance.RuleSet, error) {
		out, err := svc.EditRuleSet(ctx, id, rs, u.Name)
		if err != nil {
			return out, complianceError(err)
		}
		s.log.Info("rule set edited", "user", u.Name, "rule_set", out.ID, "version", out.Version)
		return out, nil
	})
}

func (s *Server) getCampaignRules(w http.ResponseWriter, r *http.Request, _ User) error {
	svc, err := s.complianceService()
	if err != nil {
		return err
	}
	return serveByID(w, r, svc.Binding, complianceError)
}

type pinRequest struct {
	RuleSetID int64  `json:"rule_set_id"`
	Version   int    `json:"version"`
	Purpose   string `json:"purpose"`
	Method    string `json:"method"`
}

func (s *Server) pinCampaignRules(w http.ResponseWriter, r *http.Request, u User) error {
	svc, err := s.complianceService()
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
	return serveBody(s, w, r, http.StatusOK, func(ctx context.Context, req pinRequest) (compliance.Binding, error) {
		if req.RuleSetID <= 0 {
			return compliance.Binding{}, errFields(FieldError{Field: "rule_set_id", Reason: "required"})
		}
		b, err := svc.Pin(ctx, compliance.Binding{CampaignID: id, RuleSetID: req.RuleSetID, Version: req.Version,
			Purpose: req.Purpose, Method: req.Method})
		if err != nil {
			return b, complianceError(err)
		}
		s.log.Info("campaign rules pinned", "user", u.Name, "campaign", id, "rule_set", b.RuleSetID, "version", b.Version)
		return b, nil
	})
}

// campaignAbandonment returns the campaign's abandonment window at ?at
// (default now): live answers, abandons, the rate and the budget left.
func (s *Server) campaignAbandonment(w http.ResponseWriter, r *http.Request, _ User) error {
	svc, err := s.complianceService()
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var at time.Time // zero: now, by the service's clock
	if v := r.URL.Query().Get("at"); v != "" {
		if at, err = time.Parse(time.RFC3339, v); err != nil {
			return errFields(FieldError{Field: "at", Reason: "must be RFC 3339, e.g. 2026-11-23T12:00:00Z"})
		}
	}
	b, err := svc.Budget(r.Context(), id, at)
	if err != nil {
		return complianceError(err)
	}
	writeJSON(w, http.StatusOK, b)
	return nil
}

// complianceReport answers, per window, live answers, abandons, the rate
// and every refused attempt with its reasons, as JSON or (format=csv) CSV.
func (s *Server) complianceReport(w http.ResponseWriter, r *http.Request, _ User) error {
	svc, err := s.complianceService()
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	q := r.URL.Query()
	var bad []FieldError
	var from, to time.Time
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"from", &from}, {"to", &to}} {
		if v := q.Get(p.name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				bad = append(bad, FieldError{Field: p.name, Reason: "must be RFC 3339, e.g. 2026-11-23T00:00:00Z"})
			}
			*p.dst = t
		}
	}
	format := q.Get("format")
	if format != "" && format != "json" && format != "csv" {
		bad = append(bad, FieldError{Field: "format", Reason: "must be json or csv"})
	}
	if bad != nil {
		return errFields(bad...)
	}
	if _, err := s.cfg.Campaigns.GetCampaign(r.Context(), id); err != nil {
		return err
	}
	rep, err := svc.Report(r.Context(), id, from, to)
	if err != nil {
		return complianceError(err)
	}
	if format == "csv" {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="compliance-campaign-%d.csv"`, id))
		w.WriteHeader(http.StatusOK)
		return rep.WriteCSV(w)
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}

type scopedDNCRequest struct {
	Number      string     `json:"number"`
	Scope       string     `json:"scope"`
	ScopeID     int64      `json:"scope_id"`
	Source      string     `json:"source"`
	Note        string     `json:"note"`
	RequestedAt *time.Time `json:"requested_at"`
	ExpiresAt   *time.Time `json:"expires_at"`
}

// addScopedDNC records a DNC request with its scope and source; it takes
// effect at once.
func (s *Server) addScopedDNC(w http.ResponseWriter, r *http.Request, u User) error {
	svc, err := s.complianceService()
	if err != nil {
		return err
	}
	return serveBody(s, w, r, http.StatusCreated, func(ctx context.Context, req scopedDNCRequest) (compliance.DNCRecord, error) {
		rec := compliance.DNCRecord{Number: req.Number, Scope: req.Scope, ScopeID: req.ScopeID, Source: req.Source,
			Note: req.Note, ExpiresAt: req.ExpiresAt}
		if rec.Source == "" {
			rec.Source = compliance.SourceAPI
		}
		if req.RequestedAt != nil {
			rec.RequestedAt = *req.RequestedAt
		}
		out, err := svc.AddDNC(ctx, rec)
		if err != nil {
			return out, complianceError(err)
		}
		s.log.Info("scoped dnc entry added", "user", u.Name, "scope", out.Scope, "source", out.Source)
		return out, nil
	})
}

func (s *Server) listScopedDNC(w http.ResponseWriter, r *http.Request, _ User) error {
	svc, err := s.complianceService()
	if err != nil {
		return err
	}
	out, err := svc.DNCEntries(r.Context(), r.PathValue("number"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) removeScopedDNC(w http.ResponseWriter, r *http.Request, u User) error {
	svc, err := s.complianceService()
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := svc.RemoveDNCEntry(r.Context(), id); err != nil {
		return err
	}
	s.log.Info("scoped dnc entry removed", "user", u.Name, "entry", id)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// A registry upload is a national list of numbers (tens of millions of
// rows); a row is a number and perhaps a few columns more.
const (
	maxRegistryBody = 512 << 20
	maxRegistryRow  = 4 << 10
)

// importRegistry replaces a national DNC registry's copy with the CSV body
// (first column: numbers in E.164; a first row that is not one is a
// header); ?downloaded_at (RFC 3339, required) is when the copy was
// downloaded, which the rule sets' maximum age is checked against.
func (s *Server) importRegistry(w http.ResponseWriter, r *http.Request, u User) error {
	svc, err := s.complianceService()
	if err != nil {
		return err
	}
	name := r.PathValue("name")
	dl, err := time.Parse(time.RFC3339, r.URL.Query().Get("downloaded_at"))
	if err != nil {
		return errFields(FieldError{Field: "downloaded_at", Reason: "required, RFC 3339: when the registry copy was downloaded"})
	}
	body, err := limitBody(w, r, maxRegistryBody)
	if err != nil {
		return err
	}
	cr := boundcsv.NewReader(body, maxRegistryRow)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	var numbers []string
	for row := 0; ; row++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return err // 413
		}
		if err != nil {
			return errStatus(http.StatusBadRequest, fmt.Sprintf("registry CSV: %v", err))
		}
		n := strings.TrimSpace(strings.TrimPrefix(rec[0], "\ufeff"))
		if row == 0 && !e164.Valid(n) {
			continue // header
		}
		numbers = append(numbers, strings.Clone(n)) // not the whole row's string
	}
	imported, skipped, err := svc.ImportRegistry(r.Context(), name, dl, numbers)
	if err != nil {
		return complianceError(err)
	}
	s.log.Info("dnc registry imported", "user", u.Name, "registry", name, "entries", imported, "skipped", skipped)
	writeJSON(w, http.StatusOK, map[string]any{"registry": name, "downloaded_at": dl.UTC(), "imported": imported, "skipped": skipped})
	return nil
}

func (s *Server) grantConsent(w http.ResponseWriter, r *http.Request, u User) error {
	svc, err := s.complianceService()
	if err != nil {
		return err
	}
	return serveBody(s, w, r, http.StatusCreated, func(ctx context.Context, c compliance.ConsentRecord) (compliance.ConsentRecord, error) {
		out, err := svc.GrantConsent(ctx, c)
		return out, complianceError(err)
	})
}

func (s *Server) revokeConsent(w http.ResponseWriter, r *http.Request, u User) error {
	svc, err := s.complianceService()
	if err != nil {
		return err
	}
	return serveByID(w, r, svc.RevokeConsent, nil)
}

// compile-time check that the real service fits.
var _ ComplianceService = (*compliance.Service)(nil)
