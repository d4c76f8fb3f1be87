package campaigns

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/alo-dialer/alo/compliance"
	"github.com/alo-dialer/alo/input"
)

// Promised callbacks: who gets them (the agent who promised, or anyone),
// when they may be set for, and an agent's list of them.

// Whom a callback goes to (DisposeRequest.CallbackFor).
const (
	// CallbackForMe offers the call first to the agent who took this one
	// (the default).
	CallbackForMe = "me"
	// CallbackForAnyone gives it to whichever agent of the campaign is
	// free first.
	CallbackForAnyone = "anyone"
)

// MaxCallbackAhead bounds how far ahead a callback may be promised: a
// date years away is a slip of the picker, not a promise.
const MaxCallbackAhead = 90 * 24 * time.Hour

// WindowCheck decides, recording nothing, whether a call described by req
// could be placed at req.At; compliance.RuleGate.Preview is one. A verdict
// of defer (or a deny because no hours are common to the number's zones)
// means the time is outside the contact's calling window.
type WindowCheck func(ctx context.Context, req compliance.Request) (compliance.Decision, error)

// CheckCallbacksWith makes Dispose check a callback's time against the
// compliance rules' calling windows (not only the campaign's hours). It is
// a setter, not a constructor argument, because the gate is built from
// this store (it reads the number's past calls here). Call it before the
// store serves requests.
func (s *Store) CheckCallbacksWith(f WindowCheck) { s.window = f }

// checkCallbackTime refuses a callback time the contact could not be called
// at: past, too far ahead, after the campaign's end or the contact's
// deadline, or outside the calling window in the contact's zone. A gate
// that cannot answer does not block the disposition: the gate decides
// again when the callback is dialed.
func (s *Store) checkCallbackTime(ctx context.Context, c Campaign, ct Contact, at, now time.Time) error {
	loc := contactZone(c, ct)
	local := func(t time.Time) string { return t.In(loc).Format("2006-01-02 15:04 MST") }
	switch {
	case !at.After(now):
		return input.Invalid("callback_at", "a callback needs a time in the future")
	case at.Sub(now) > MaxCallbackAhead:
		return input.Invalidf("callback_at", "%s is more than %d days ahead", local(at), int(MaxCallbackAhead/(24*time.Hour)))
	case c.EndsAt != nil && !at.Before(*c.EndsAt):
		return input.Invalidf("callback_at", "%s is after the campaign ends (%s)", local(at), local(*c.EndsAt))
	case ct.DeadlineAt != nil && !at.Before(*ct.DeadlineAt):
		return input.Invalidf("callback_at", "%s is after this contact's last calling time (%s)", local(at), local(*ct.DeadlineAt))
	}
	if s.window == nil {
		return checkCampaignHours(c, loc, at)
	}
	d, err := s.window(ctx, GateRequest(c, ct, at, false))
	if err != nil {
		return nil
	}
	why := timeReasons(d)
	if d.Verdict != compliance.Defer && why == "" {
		return nil // allowed, or denied for a reason time does not lift (the dial's gate says so)
	}
	msg := fmt.Sprintf("%s is outside the times this contact may be called", local(at))
	if why != "" {
		msg += " (" + why + ")"
	}
	if !d.NextAllowed.IsZero() {
		msg += fmt.Sprintf("; the earliest allowed is %s (%s)", local(d.NextAllowed), d.NextAllowed.In(loc).Format(time.RFC3339))
	}
	return input.Invalid("callback_at", msg)
}

// timeReasons joins a decision's reasons that depend on the time of the
// call: windows, holidays, embargoes, attempt limits, and no common hours
// at all (a deny that no time lifts).
func timeReasons(d compliance.Decision) string {
	var out []string
	for _, r := range d.Reasons {
		switch r.Rule {
		case compliance.RuleCallingWindow, compliance.RuleHoliday, compliance.RuleEmbargo, compliance.RuleAttemptLimit:
			if d.Verdict == compliance.Defer {
				out = append(out, r.Detail)
			}
		case compliance.RuleNoCommonHours:
			out = append(out, r.Detail)
		}
	}
	return strings.Join(out, "; ")
}

// checkCampaignHours is the check without the rules: the campaign's daily
// hours in the contact's zone.
func checkCampaignHours(c Campaign, loc *time.Location, at time.Time) error {
	t := at.In(loc)
	if m := t.Hour()*60 + t.Minute(); m >= c.DailyStart && m < c.DailyEnd {
		return nil
	}
	return input.Invalidf("callback_at", "%s is outside the campaign's calling hours (%02d:%02d–%02d:%02d in %s)",
		t.Format("2006-01-02 15:04"), c.DailyStart/60, c.DailyStart%60, c.DailyEnd/60, c.DailyEnd%60, loc)
}

// callbackAgent is who a callback of attempt a goes to: its agent for
// "me" (or nothing said), nobody in particular for "anyone".
func callbackAgent(a Attempt, forWhom string) (int64, error) {
	switch forWhom {
	case "", CallbackForMe:
		return a.AgentID, nil
	case CallbackForAnyone:
		return 0, nil
	}
	return 0, input.Invalidf("callback_for", "%q is not %q or %q", forWhom, CallbackForMe, CallbackForAnyone)
}

// Callback is an open callback promised by an agent, as their list shows it.
type Callback struct {
	ContactID    int64  `json:"contact_id"`
	CampaignID   int64  `json:"campaign_id"`
	CampaignName string `json:"campaign_name"`
	// ClientID is the campaign's client (for users limited to clients).
	ClientID int64     `json:"-"`
	Name     string    `json:"name"`
	Phone    string    `json:"phone"`
	TimeZone string    `json:"time_zone,omitempty"`
	At       time.Time `json:"callback_at"`
	// State is the contact's: scheduled until it is called, queued or
	// dialing while it is.
	State ContactState `json:"state"`
}

// Callbacks lists the open callbacks agentID promised for [from, to),
// earliest first: contacts not yet done whose promise has not been kept
// (a later call's disposition clears it).
func (s *Store) Callbacks(ctx context.Context, agentID int64, from, to time.Time) ([]Callback, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT c.id, c.campaign_id, k.name, k.client_id, c.name, c.phone, c.time_zone, c.callback_at, c.state
		FROM contacts c JOIN campaigns k ON k.id = c.campaign_id
		WHERE c.callback_agent_id = $1 AND c.callback_at >= $2 AND c.callback_at < $3 AND c.state <> $4
		ORDER BY c.callback_at, c.id`, agentID, ms(from), ms(to), string(ContactDone))
	if err != nil {
		return nil, fmt.Errorf("callbacks of agent %d: %w", agentID, err)
	}
	defer rows.Close()
	out := []Callback{}
	for rows.Next() {
		var cb Callback
		var at int64
		var state string
		if err := rows.Scan(&cb.ContactID, &cb.CampaignID, &cb.CampaignName, &cb.ClientID, &cb.Name, &cb.Phone, &cb.TimeZone, &at, &state); err != nil {
			return nil, fmt.Errorf("callbacks of agent %d: %w", agentID, err)
		}
		cb.At, cb.State = fromMS(at), ContactState(state)
		out = append(out, cb)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("callbacks of agent %d: %w", agentID, err)
	}
	return out, nil
}
