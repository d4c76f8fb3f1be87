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
	zones    *compliance.ZoneResolver
	dnc      *compliance.DNCIndex
	consent  *compliance.ConsentIndex
	rules    *compliance.RuleStore
	audit    *compliance.AuditLog
	gate     *compliance.RuleGate
	ledger   *compliance.Ledger
	dncs     *compliance.DNCStore
	consents *compliance.ConsentStore
	service  *compliance.Service
	log      *slog.Logger
}

// newCompliance builds the gate of a node: rule sets from SQL (campaigns
// without one get the Baseline rules), DNC and consent in memory, the
// number's recent calls from the campaigns store, denies and defers to the
// audit trail anchored in dataDir. It refuses to start on tz data that
// predates Kazakhstan's move to UTC+5.
func newCompliance(ctx context.Context, db *sqldb.DB, dataDir string, global *compliance.DNCList, store *campaigns.Store, log *slog.Logger) (*complianceParts, error) {
	if err := compliance.CheckTZData(); err != nil {
		return nil, err
	}
	c := &complianceParts{zones: compliance.NewZoneResolver(0), dnc: compliance.NewDNCIndex(global), consent: compliance.NewConsentIndex(),
		log: log}
	c.rules = compliance.NewRuleStore(db.DB, clockNow, c.zones, c.dnc, c.consent)
	baseline, err := compliance.NewEngine(compliance.Baseline(), c.zones, c.dnc, c.consent)
	if err != nil {
		return nil, fmt.Errorf("baseline rules: %w", err)
	}
	c.audit = compliance.NewAuditLog(db.DB, compliance.HeadPath(dataDir), clockNow, log.With("component", "audit"))
	c.dncs = compliance.NewDNCStore(db.DB, c.dnc, c.audit, clockNow)
	if err := c.dncs.Load(ctx); err != nil {
		return nil, err
	}
	c.consents = compliance.NewConsentStore(db.DB, c.consent, c.audit, clockNow)
	if err := c.consents.Load(ctx); err != nil {
		return nil, err
	}
	c.ledger = compliance.NewLedger(db.DB)
	c.gate = compliance.NewRuleGate(compliance.GateConfig{Source: c.rules, Fallback: baseline, History: store,
		Audit: c.audit, Ledger: c.ledger})
	c.service = &compliance.Service{Rules: c.rules, DNC: c.dncs, Consents: c.consents, Gate: c.gate,
		Reports: compliance.NewReports(db.DB, c.gate, c.ledger, clockNow), Clock: clockNow}
	return c, nil
}

// attempts wraps the dispatcher so that every finished call is counted in
// the abandonment ledger and appended to the audit trail.
func (c *complianceParts) attempts(d *campaigns.Dispatcher, store *campaigns.Store) *auditedAttempts {
	return &auditedAttempts{Dispatcher: d, store: store, gate: c.gate, log: c.log}
}

// auditedAttempts is a Dispatcher whose Finish also reports the outcome to
// compliance. A failed report is logged; a failed audit write stops
// dialing through the gate.
type auditedAttempts struct {
	*campaigns.Dispatcher
	store *campaigns.Store
	gate  *compliance.RuleGate
	log   *slog.Logger
}

// Finish records the outcome, then reports it to compliance.
func (a *auditedAttempts) Finish(ctx context.Context, attemptID int64, r campaigns.Result) error {
	if err := a.Dispatcher.Finish(ctx, attemptID, r); err != nil {
		return err
	}
	att, err := a.store.GetAttempt(ctx, attemptID)
	if err != nil {
		a.log.Error("outcome for compliance", "attempt_id", attemptID, "err", err)
		return nil
	}
	if err := a.gate.RecordOutcome(ctx, compliance.CallOutcome{CampaignID: att.CampaignID, ContactID: att.ContactID,
		AttemptID: att.ID, Number: att.Phone, Outcome: string(r.Outcome), SIPCode: r.SIPCode, CallID: att.CallID,
		At: clockNow()}); err != nil {
		a.log.Error("outcome for compliance", "campaign", att.CampaignID, "contact", att.ContactID, "call_id", att.CallID, "err", err)
	}
	return nil
}

// run writes the audit trail until ctx ends.
func (c *complianceParts) run(ctx context.Context) error { return c.audit.Run(ctx) }
