package compliance

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrNoAudit is a read of the audit trail on a service without one.
var ErrNoAudit = errors.New("the audit trail is not kept here")

// Page bounds of the list reads.
const (
	DefaultListLimit = 100
	MaxListLimit     = 1000
)

// Page asks for up to Limit items after the item with key After (0: from
// the start), in key order; Limit is clamped to 1…MaxListLimit.
type Page struct {
	Limit int
	After int64
}

func (p Page) limit() int {
	switch {
	case p.Limit <= 0:
		return DefaultListLimit
	case p.Limit > MaxListLimit:
		return MaxListLimit
	}
	return p.Limit
}

// where builds a WHERE clause of conditions; each cond is a SQL fragment
// with one placeholder written as ?, numbered here.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, arg any) {
	w.args = append(w.args, arg)
	w.conds = append(w.conds, strings.Replace(cond, "?", fmt.Sprintf("$%d", len(w.args)), 1))
}

func (w *where) sql() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// AuditFilter selects audit records; zero fields match all.
type AuditFilter struct {
	Kind       string
	CampaignID int64
	ContactID  int64
	Number     string
	From, To   time.Time // at ≥ From, at < To
	Page
}

// List returns audit records in sequence order, as stored (the body as the
// JSON it was recorded as).
func (a *AuditLog) List(ctx context.Context, f AuditFilter) ([]AuditRecord, error) {
	var w where
	w.add("seq > ?", f.After)
	if f.Kind != "" {
		w.add("kind = ?", f.Kind)
	}
	if f.CampaignID != 0 {
		w.add("campaign_id = ?", f.CampaignID)
	}
	if f.ContactID != 0 {
		w.add("contact_id = ?", f.ContactID)
	}
	if f.Number != "" {
		w.add("number = ?", f.Number)
	}
	if !f.From.IsZero() {
		w.add("at >= ?", f.From.UnixMilli())
	}
	if !f.To.IsZero() {
		w.add("at < ?", f.To.UnixMilli())
	}
	rows, err := a.db.QueryContext(ctx, `SELECT `+auditColumns+` FROM audit_log`+w.sql()+fmt.Sprintf(" ORDER BY seq LIMIT %d", f.limit()), w.args...)
	if err != nil {
		return nil, fmt.Errorf("list audit: %w", err)
	}
	defer rows.Close()
	return collect(rows, scanAudit, "list audit")
}

// scanAudit reads one audit_log row (columns as auditColumns).
func scanAudit(row scanner) (AuditRecord, error) {
	var r AuditRecord
	var at int64
	var body string
	if err := row.Scan(&r.Seq, &at, &r.Kind, &r.CampaignID, &r.ContactID, &r.Number, &body, &r.PrevHash, &r.Hash); err != nil {
		return AuditRecord{}, err
	}
	r.At, r.Body = time.UnixMilli(at).UTC(), json.RawMessage(body)
	return r, nil
}

// auditColumns are the audit_log columns scanAudit reads.
const auditColumns = `seq, at, kind, campaign_id, contact_id, number, body, prev_hash, hash`

// RuleSetSummary is one rule set in a list: its latest version.
type RuleSetSummary struct {
	ID            int64     `json:"id"`
	Name          string    `json:"name"`
	LatestVersion int       `json:"latest_version"`
	CreatedAt     time.Time `json:"created_at"`
}

// ListRuleSets returns rule sets in id order with their latest version.
func (s *RuleStore) ListRuleSets(ctx context.Context, p Page) ([]RuleSetSummary, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT r.id, r.name, r.created_at, COALESCE(MAX(v.version), 0)
		FROM rule_sets r LEFT JOIN rule_set_versions v ON v.rule_set_id = r.id WHERE r.id > $1
		GROUP BY r.id, r.name, r.created_at ORDER BY r.id`+fmt.Sprintf(" LIMIT %d", p.limit()), p.After)
	if err != nil {
		return nil, fmt.Errorf("list rule sets: %w", err)
	}
	defer rows.Close()
	out := []RuleSetSummary{}
	for rows.Next() {
		var r RuleSetSummary
		var created int64
		if err := rows.Scan(&r.ID, &r.Name, &created, &r.LatestVersion); err != nil {
			return nil, fmt.Errorf("list rule sets: %w", err)
		}
		r.CreatedAt = time.UnixMilli(created).UTC()
		out = append(out, r)
	}
	return out, rows.Err()
}

// DNCFilter selects scoped DNC entries; zero fields match all.
type DNCFilter struct {
	Scope   string
	ScopeID int64
	Source  string
	Page
}

// Entries returns internal and registry DNC entries in id order.
func (s *DNCStore) Entries(ctx context.Context, f DNCFilter) ([]DNCRecord, error) {
	var w where
	w.add("id > ?", f.After)
	if f.Scope != "" {
		w.add("scope = ?", f.Scope)
	}
	if f.ScopeID != 0 {
		w.add("scope_id = ?", f.ScopeID)
	}
	if f.Source != "" {
		w.add("source = ?", f.Source)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, number, scope, scope_id, registry, source, note, requested_at,
		effective_at, expires_at FROM dnc_entries`+w.sql()+fmt.Sprintf(" ORDER BY id LIMIT %d", f.limit()), w.args...)
	if err != nil {
		return nil, fmt.Errorf("list dnc entries: %w", err)
	}
	defer rows.Close()
	return collect(rows, scanDNC, "list dnc entries")
}

// ConsentFilter selects consents; zero fields match all.
type ConsentFilter struct {
	Number  string
	Purpose string
	Page
}

// List returns consents (revoked ones too, with revoked_at) in id order.
func (s *ConsentStore) List(ctx context.Context, f ConsentFilter) ([]ConsentRecord, error) {
	var w where
	w.add("id > ?", f.After)
	if f.Number != "" {
		w.add("number = ?", f.Number)
	}
	if f.Purpose != "" {
		w.add("purpose = ?", f.Purpose)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+consentColumns+` FROM consents`+w.sql()+
		fmt.Sprintf(" ORDER BY id LIMIT %d", f.limit()), w.args...)
	if err != nil {
		return nil, fmt.Errorf("list consents: %w", err)
	}
	defer rows.Close()
	return collect(rows, scanConsent, "list consents")
}

func collect[T any](rows *sql.Rows, scan func(scanner) (T, error), op string) ([]T, error) {
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// ListAudit reads the audit trail (Service.Audit must be set).
func (s *Service) ListAudit(ctx context.Context, f AuditFilter) ([]AuditRecord, error) {
	if s.Audit == nil {
		return nil, fmt.Errorf("list audit: %w", ErrNoAudit)
	}
	return s.Audit.List(ctx, f)
}

// ListRuleSets lists rule sets.
func (s *Service) ListRuleSets(ctx context.Context, p Page) ([]RuleSetSummary, error) {
	return s.Rules.ListRuleSets(ctx, p)
}

// ListDNCEntries lists scoped DNC entries.
func (s *Service) ListDNCEntries(ctx context.Context, f DNCFilter) ([]DNCRecord, error) {
	return s.DNC.Entries(ctx, f)
}

// ListConsents lists consents.
func (s *Service) ListConsents(ctx context.Context, f ConsentFilter) ([]ConsentRecord, error) {
	return s.Consents.List(ctx, f)
}
