package compliance

import (
	"context"
	"time"
)

// Service is the compliance package's face for the API: rule sets and
// campaign pins, scoped DNC entries, consent, the abandonment budget and
// reports, one object so the web layer depends on one thing.
type Service struct {
	Rules    *RuleStore
	DNC      *DNCStore
	Consents *ConsentStore
	Gate     *RuleGate
	Reports  *Reports
	// Audit serves reads of the audit trail; nil answers them ErrNoAudit.
	Audit *AuditLog
	// Clock gives "now" when a caller passes a zero time.
	Clock func() time.Time
}

// CreateRuleSet stores a new rule set (version 1).
func (s *Service) CreateRuleSet(ctx context.Context, rs RuleSet, by string) (RuleSet, error) {
	return s.Rules.CreateRuleSet(ctx, rs, by)
}

// CreateFromPreset copies a preset into a new rule set.
func (s *Service) CreateFromPreset(ctx context.Context, preset, name, by string) (RuleSet, error) {
	return s.Rules.CreateFromPreset(ctx, preset, name, by)
}

// EditRuleSet stores a new version of a rule set.
func (s *Service) EditRuleSet(ctx context.Context, id int64, rs RuleSet, by string) (RuleSet, error) {
	return s.Rules.EditRuleSet(ctx, id, rs, by)
}

// GetRuleSet returns a version (0: the latest).
func (s *Service) GetRuleSet(ctx context.Context, id int64, version int) (RuleSet, error) {
	return s.Rules.GetRuleSet(ctx, id, version)
}

// ListVersions returns every version of a rule set.
func (s *Service) ListVersions(ctx context.Context, id int64) ([]RuleSet, error) {
	return s.Rules.ListVersions(ctx, id)
}

// Pin holds a campaign to a rule-set version.
func (s *Service) Pin(ctx context.Context, b Binding) (Binding, error) { return s.Rules.Pin(ctx, b) }

// Binding returns a campaign's pin.
func (s *Service) Binding(ctx context.Context, campaignID int64) (Binding, error) {
	return s.Rules.Binding(ctx, campaignID)
}

// AddDNC records a scoped DNC request.
func (s *Service) AddDNC(ctx context.Context, r DNCRecord) (DNCRecord, error) {
	return s.DNC.Add(ctx, r)
}

// RemoveDNCEntry removes a scoped DNC entry.
func (s *Service) RemoveDNCEntry(ctx context.Context, id int64) error { return s.DNC.Remove(ctx, id) }

// DNCEntries lists a number's scoped entries.
func (s *Service) DNCEntries(ctx context.Context, number string) ([]DNCRecord, error) {
	return s.DNC.List(ctx, number)
}

// ImportRegistry replaces a DNC registry's entries with numbers downloaded
// at downloadedAt.
func (s *Service) ImportRegistry(ctx context.Context, name string, downloadedAt time.Time, numbers []string) (int, int, error) {
	return s.DNC.ImportRegistry(ctx, name, downloadedAt, numbers)
}

// GrantConsent records a consent.
func (s *Service) GrantConsent(ctx context.Context, c ConsentRecord) (ConsentRecord, error) {
	return s.Consents.Grant(ctx, c)
}

// RevokeConsent ends a consent.
func (s *Service) RevokeConsent(ctx context.Context, id int64) (ConsentRecord, error) {
	return s.Consents.Revoke(ctx, id)
}

// Budget returns the campaign's abandonment window containing at (zero:
// now).
func (s *Service) Budget(ctx context.Context, campaignID int64, at time.Time) (LedgerWindow, error) {
	if at.IsZero() && s.Clock != nil {
		at = s.Clock()
	}
	return s.Gate.Budget(ctx, campaignID, at)
}

// Report builds a campaign's compliance report over [from, to).
func (s *Service) Report(ctx context.Context, campaignID int64, from, to time.Time) (Report, error) {
	return s.Reports.Campaign(ctx, campaignID, from, to)
}
