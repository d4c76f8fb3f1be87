package compliance

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// History gives the number's recent calls across every campaign; the
// campaigns side satisfies it with a query on its attempts table.
type History interface {
	CallsSince(ctx context.Context, number string, since time.Time) ([]PastCall, error)
}

// EngineSource finds the rules a campaign is held to; *RuleStore
// satisfies it.
type EngineSource interface {
	EngineFor(ctx context.Context, campaignID int64) (*Engine, Binding, error)
}

// Recorder receives denies and defers for the audit trail, and reports
// whether it is still writing: a failed audit write stops dialing.
// *AuditLog satisfies it.
type Recorder interface {
	Record(ctx context.Context, ev AuditEvent) error
	Healthy() error
}

// RuleGate is the gate the dialer asks at originate time: it finds the
// campaign's pinned rule-set version (or the default rules), reads the
// number's recent calls, decides with the Engine, and records denies and
// defers in the audit trail. Every error is a denial. It also takes the
// outcomes of calls into the abandonment ledger and the audit trail.
type RuleGate struct {
	source   EngineSource
	fallback *Engine
	history  History
	audit    Recorder
	ledger   *Ledger
}

// GateConfig holds the RuleGate's parts.
type GateConfig struct {
	// Source finds a campaign's pinned rules.
	Source EngineSource
	// Fallback, if not nil, serves campaigns with no pinned rule set (nil:
	// such campaigns are refused).
	Fallback *Engine
	// History gives the number's recent calls; nil in tools (attempt limits
	// and embargoes then see no past calls).
	History History
	// Audit records denies, defers and outcomes; nil in tools.
	Audit Recorder
	// Ledger counts live answers and abandons; nil in tools.
	Ledger *Ledger
}

// NewRuleGate returns the gate.
func NewRuleGate(cfg GateConfig) *RuleGate {
	return &RuleGate{source: cfg.Source, fallback: cfg.Fallback, history: cfg.History, audit: cfg.Audit, ledger: cfg.Ledger}
}

// CallOutcome is how one call ended, for the ledger and the audit trail.
type CallOutcome struct {
	CampaignID int64     `json:"campaign_id"`
	ContactID  int64     `json:"contact_id"`
	AttemptID  int64     `json:"attempt_id"`
	Number     string    `json:"number"`
	Outcome    string    `json:"outcome"`
	SIPCode    int       `json:"sip_code,omitempty"`
	CallID     string    `json:"call_id,omitempty"`
	At         time.Time `json:"at"`
}

// RecordOutcome counts a finished call in the campaign's abandonment window
// and appends it to the audit trail.
func (g *RuleGate) RecordOutcome(ctx context.Context, o CallOutcome) error {
	var errs []error
	if g.ledger != nil {
		eng, _, err := g.engine(ctx, o.CampaignID)
		if err == nil {
			var loc *time.Location
			cp := eng.Rules().Abandonment
			if loc, err = eng.zones.Location(eng.Rules().Zone); err == nil {
				err = g.ledger.Record(ctx, o.CampaignID, cp, loc, o.Outcome, o.At)
			}
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("ledger: %w", err))
		}
	}
	if g.audit != nil {
		if err := g.audit.Record(ctx, AuditEvent{Kind: AuditOutcome, At: o.At, CampaignID: o.CampaignID,
			ContactID: o.ContactID, Number: o.Number, Body: o}); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Budget returns the campaign's current abandonment window under its rules:
// the rate so far and the abandons left before the cap. Pacing reads it.
func (g *RuleGate) Budget(ctx context.Context, campaignID int64, at time.Time) (LedgerWindow, error) {
	if g.ledger == nil {
		return LedgerWindow{}, fmt.Errorf("budget of campaign %d: no ledger", campaignID)
	}
	eng, _, err := g.engine(ctx, campaignID)
	if err != nil {
		return LedgerWindow{}, err
	}
	loc, err := eng.zones.Location(eng.Rules().Zone)
	if err != nil {
		return LedgerWindow{}, err
	}
	return g.ledger.Current(ctx, campaignID, eng.Rules().Abandonment, loc, at)
}

// Check implements Gate.
func (g *RuleGate) Check(ctx context.Context, req Request) (Decision, error) {
	res, err := g.Decide(ctx, req)
	d := toDecision(res)
	if err != nil {
		d.Allow, d.Verdict = false, Deny
	}
	return d, err
}

// Preview decides req as Check does but records nothing and does not
// stop on a failing audit trail: it answers a question about a time that
// is not now (an agent choosing a callback time), it places no call. The
// check that counts is Check's, at originate time.
func (g *RuleGate) Preview(ctx context.Context, req Request) (Decision, error) {
	res, err := g.decide(ctx, req, false)
	d := toDecision(res)
	if err != nil {
		d.Allow, d.Verdict = false, Deny
	}
	return d, err
}

// Decide returns the full result of the check. A non-nil error comes with
// a denial.
func (g *RuleGate) Decide(ctx context.Context, req Request) (Result, error) {
	return g.decide(ctx, req, true)
}

// decide is Decide; record says whether denies and defers go to the audit
// trail (and whether a failing trail stops the decision).
func (g *RuleGate) decide(ctx context.Context, req Request, record bool) (Result, error) {
	fail := func(rule string, err error) (Result, error) {
		res := Result{Decision: Deny, CheckedAt: req.At.UTC(), TimeZones: []string{},
			Reasons: []Reason{{Rule: rule, Detail: err.Error()}}}
		if record {
			g.record(ctx, req, res)
		}
		return res, err
	}
	if g.audit != nil && record {
		if err := g.audit.Healthy(); err != nil {
			return fail(RuleAudit, fmt.Errorf("audit trail is not writing, dialing stops: %w", err))
		}
	}
	eng, b, err := g.engine(ctx, req.CampaignID)
	if err != nil {
		return fail(RuleInternal, err)
	}
	in := Input{
		Number: req.Number, Zone: req.Zone, DefaultZone: req.FallbackZone, State: req.State,
		CampaignID: req.CampaignID, ClientID: req.ClientID, Purpose: b.Purpose, Method: b.Method,
		GuaranteedAgent: req.GuaranteedAgent, CallerID: req.CallerID, RingSeconds: req.RingSeconds,
	}
	if req.Window.End > req.Window.Start && (req.Window.Start > 0 || req.Window.End < 24*60) {
		w := req.Window
		in.CampaignHours = &w
	}
	if lb := eng.Lookback(); lb > 0 && g.history != nil {
		in.Recent, err = g.history.CallsSince(ctx, req.Number, req.At.Add(-lb))
		if err != nil {
			return fail(RuleInternal, fmt.Errorf("recent calls of %s: %w", req.Number, err))
		}
	}
	res := eng.Check(in, req.At)
	if res.Decision != Allow && record {
		if err := g.record(ctx, req, res); err != nil {
			return res, err
		}
	}
	return res, nil
}

// engine finds the campaign's rules, falling back to the default rules for
// a campaign with no pin.
func (g *RuleGate) engine(ctx context.Context, campaignID int64) (*Engine, Binding, error) {
	if g.source != nil {
		e, b, err := g.source.EngineFor(ctx, campaignID)
		if err == nil {
			return e, b, nil
		}
		if !errors.Is(err, ErrNotBound) {
			return nil, Binding{}, err
		}
	}
	if g.fallback == nil {
		return nil, Binding{}, fmt.Errorf("campaign %d: %w and there are no default rules", campaignID, ErrNotBound)
	}
	return g.fallback, Binding{CampaignID: campaignID, Purpose: PurposeInformational, Method: MethodLive}, nil
}

// record writes a deny or defer to the audit trail.
func (g *RuleGate) record(ctx context.Context, req Request, res Result) error {
	if g.audit == nil {
		return nil
	}
	kind := AuditDeny
	if res.Decision == Defer {
		kind = AuditDefer
	}
	return g.audit.Record(ctx, AuditEvent{Kind: kind, At: req.At, CampaignID: req.CampaignID, ContactID: req.ContactID,
		Number: req.Number, Body: res})
}

// toDecision converts a Result to the Gate interface's Decision, which the
// dialer stores as the attempt's evidence.
func toDecision(r Result) Decision {
	d := Decision{
		Allow: r.Decision == Allow, Verdict: r.Decision, Reasons: r.Reasons, Version: r.RulesVersion,
		RuleSet: r.RulesVersion.Label, Zones: r.TimeZones, Local: r.LocalTimes,
		Checked: r.CheckedAt.Format(time.RFC3339Nano),
	}
	if r.NextAllowedAt != nil {
		d.NextAllowed = *r.NextAllowedAt
	}
	d.Reason = r.Summary()
	return d
}

// Summary is a one-line account of the decision for logs and the attempt's
// reason column: the verdict and each reason as rule: detail.
func (r Result) Summary() string {
	var b strings.Builder
	b.WriteString(string(r.Decision))
	for i, x := range r.Reasons {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(x.Rule + ": " + x.Detail)
	}
	return b.String()
}
