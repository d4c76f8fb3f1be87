// Package compliance decides whether a call may be placed now and keeps the
// evidence of why. It has its own input types and imports nothing of alo's
// but the leaf value package e164 (standard library only, the one E.164
// shape check), so it can be reasoned about (and audited) on its own.
package compliance

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ErrNoZone is wrapped in a denial when no time zone could be found for a
// number; the gate fails closed.
var ErrNoZone = errors.New("no time zone for number")

// Window is a daily calling window in the callee's local time, as minutes
// after midnight: calls are allowed in [Start, End).
type Window struct {
	Start int
	End   int
}

// Contains reports whether the local wall-clock time t falls in w.
func (w Window) Contains(t time.Time) bool {
	m := t.Hour()*60 + t.Minute()
	return m >= w.Start && m < w.End
}

// Request is what the gate needs to decide one call. It names the campaign by
// id only: the gate knows nothing of alo's campaign type.
type Request struct {
	CampaignID int64
	// Number is the callee in E.164 (+998901234567).
	Number string
	// Zone is the contact's explicit IANA zone, if known; it wins over the
	// zones the number maps to.
	Zone string
	// FallbackZone is used when the number maps to no single zone and the
	// contact has none (the campaign's zone).
	FallbackZone string
	// Window is the campaign's daily hours in the callee's local time.
	Window Window
	// At is the time the call would be placed.
	At time.Time

	// ClientID and ContactID name the client (for client-scoped DNC) and
	// the contact (for the audit trail).
	ClientID  int64
	ContactID int64
	// State is the contact's state or province code, when known.
	State string
	// CallerID is the number the call will present.
	CallerID string
	// RingSeconds is the campaign's ring timeout (0: unchecked).
	RingSeconds int
	// GuaranteedAgent is true when an agent is reserved for this call.
	GuaranteedAgent bool
}

// Decision is the gate's answer, with the evidence that is written with the
// attempt (invariant 3).
type Decision struct {
	Allow   bool     `json:"allow"`
	Reason  string   `json:"reason"`
	RuleSet string   `json:"rule_set"`
	Zones   []string `json:"zones"`
	Local   []string `json:"local_times"`
	Checked string   `json:"checked_at"`
	// NextAllowed is the earliest time the same request could be allowed by
	// the window rules (zero when unknown or when denied for another reason,
	// such as DNC). The feeder uses it to pick a sensible due time.
	NextAllowed time.Time `json:"next_allowed,omitempty"`
	// Verdict is allow, defer (call again at NextAllowed) or deny.
	Verdict Verdict `json:"decision"`
	// Reasons name each rule's part in the decision.
	Reasons []Reason `json:"reasons,omitempty"`
	// Version names the exact rules applied.
	Version RulesVersion `json:"rules_version"`
}

// Gate is asked before every INVITE. Implementations must fail closed: an
// error is a denial.
type Gate interface {
	Check(ctx context.Context, req Request) (Decision, error)
}

// String formats w as HH:MM-HH:MM.
func (w Window) String() string {
	return fmt.Sprintf("%02d:%02d-%02d:%02d", w.Start/60, w.Start%60, w.End/60, w.End%60)
}
