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
// defers in the audit trail. Every error is a denial.
type RuleGate struct {
	source   EngineSource
	fallback *Engine
	history  History
	audit    Recorder
}

// NewRuleGate returns the gate. fallback, if not nil, is used for campaigns
// with no pinned rule set (nil: such campaigns are refused). history and
// audit may be nil in tools (no attempt limits or embargoes then can see
// past calls; no audit).
func NewRuleGate(source EngineSource, fallback *Engine, history History, audit Recorder) *RuleGate {
	return &RuleGate{source: source, fallback: fallback, history: history, audit: audit}
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

// Decide returns the full result of the check. A non-nil error comes with
// a denial.
func (g *RuleGate) Decide(ctx context.Context, req Request) (Result, error) {
	fail := func(rule string, err error) (Result, error) {
		res := Result{Decision: Deny, CheckedAt: req.At.UTC(), TimeZones: []string{},
			Reasons: []Reason{{Rule: rule, Detail: err.Error()}}}
		g.record(ctx, req, res)
		return res, err
	}
	if g.audit != nil {
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
	if res.Decision != Allow {
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
