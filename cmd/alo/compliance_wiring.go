package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/alo-dialer/alo/campaigns"
	"github.com/alo-dialer/alo/compliance"
	"github.com/alo-dialer/alo/sqldb"
)

// complianceParts is the compliance side of a node, wired.
type complianceParts struct {
	zones   *compliance.ZoneResolver
	dnc     *compliance.DNCIndex
	consent *compliance.ConsentIndex
	rules   *compliance.RuleStore
	audit   *compliance.AuditLog
	gate    *compliance.RuleGate
}

// newCompliance builds the gate of a node: rule sets from SQL (campaigns
// without one get the Baseline rules), DNC and consent in memory, the
// number's recent calls from the campaigns store, denies and defers to the
// audit trail anchored in dataDir. It refuses to start on tz data that
// predates Kazakhstan's move to UTC+5.
func newCompliance(db *sqldb.DB, dataDir string, global *compliance.DNCList, store *campaigns.Store, log *slog.Logger) (*complianceParts, error) {
	if err := compliance.CheckTZData(); err != nil {
		return nil, err
	}
	c := &complianceParts{zones: compliance.NewZoneResolver(0), dnc: compliance.NewDNCIndex(global), consent: compliance.NewConsentIndex()}
	c.rules = compliance.NewRuleStore(db.DB, clockNow, c.zones, c.dnc, c.consent)
	baseline, err := compliance.NewEngine(compliance.Baseline(), c.zones, c.dnc, c.consent)
	if err != nil {
		return nil, fmt.Errorf("baseline rules: %w", err)
	}
	c.audit = compliance.NewAuditLog(db.DB, compliance.HeadPath(dataDir), clockNow, log.With("component", "audit"))
	c.gate = compliance.NewRuleGate(c.rules, baseline, store, c.audit)
	return c, nil
}

// run writes the audit trail until ctx ends.
func (c *complianceParts) run(ctx context.Context) error { return c.audit.Run(ctx) }
