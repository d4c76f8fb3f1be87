package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/alo-dialer/alo/campaigns"
	"github.com/alo-dialer/alo/compliance"
	"github.com/alo-dialer/alo/sqldb"
)

// complianceParts is the compliance side of a node, wired.
type complianceParts struct {
	zones    *compliance.ZoneResolver
	global   *compliance.DNCList
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

// newCompliance builds the compliance side of a node: rule sets from SQL
// (campaigns without one get the Baseline rules), the API's global DNC
// list and the scoped DNC and consent in memory, the
// number's recent calls from the campaigns store, denies and defers to the
// audit trail anchored in dataDir. It refuses to start on tz data that
// predates Kazakhstan's move to UTC+5.
func newCompliance(ctx context.Context, db *sqldb.DB, dataDir string, store *campaigns.Store, log *slog.Logger) (*complianceParts, error) {
	if err := compliance.CheckTZData(); err != nil {
		return nil, err
	}
	c := &complianceParts{zones: compliance.NewZoneResolver(0), consent: compliance.NewConsentIndex(), log: log}
	c.audit = compliance.NewAuditLog(db.DB, compliance.HeadPath(dataDir), clockNow, log.With("component", "audit"))
	// The API's global list, its changes audited.
	c.global = compliance.NewAuditedDNCList(db.DB, clockNow, c.audit)
	if err := c.global.Load(ctx); err != nil {
		return nil, err
	}
	c.dnc = compliance.NewDNCIndex(c.global)
	c.rules = compliance.NewRuleStore(db.DB, clockNow, c.zones, c.dnc, c.consent)
	baseline, err := compliance.NewEngine(compliance.Baseline(), c.zones, c.dnc, c.consent)
	if err != nil {
		return nil, fmt.Errorf("baseline rules: %w", err)
	}
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
	// A promised callback's time is checked against the same rules the
	// dial will be (without writing to the audit trail: no call is placed).
	store.CheckCallbacksWith(c.gate.Preview)
	c.service = &compliance.Service{Rules: c.rules, DNC: c.dncs, Consents: c.consents, Gate: c.gate,
		Reports: compliance.NewReports(db.DB, c.gate, c.ledger, clockNow), Audit: c.audit, Clock: clockNow}
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

// reloadEvery is how often a node re-reads DNC and consent from SQL, so
// that another node's changes reach its gate (its own apply at once).
const reloadEvery = 15 * time.Second

// run writes the audit trail and reloads DNC and consent until ctx ends.
func (c *complianceParts) run(ctx context.Context) error {
	go func() {
		t := time.NewTicker(reloadEvery)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			for name, load := range map[string]func(context.Context) error{
				"dnc list": c.global.Load, "scoped dnc": c.dncs.Load, "consent": c.consents.Load,
			} {
				if err := load(ctx); err != nil && ctx.Err() == nil {
					c.log.Warn("reload "+name, "err", err)
				}
			}
		}
	}()
	return c.audit.Run(ctx)
}
