package dialer

import (
	"context"
	"fmt"
	"time"

	"github.com/alo-dialer/alo/campaigns"
	"github.com/alo-dialer/alo/compliance"
	"github.com/alo-dialer/alo/dialer/prompt"
	"github.com/alo-dialer/alo/pacing"
)

// DefaultStopKey is the key that asks for no more calls during the
// safe-harbour message (the FCC's automated opt-out; the message says 9).
const DefaultStopKey = '9'

// safeHarbour plays the abandonment message to a live answer that found
// no agent in time, in the contact's language, and takes the stop key:
// pressed, it records a do-not-call request through compliance. The call
// then ends; it counts as abandoned.
func (a *answered) safeHarbour(ctx, bg context.Context) {
	e := a.p.e
	a.p.observe(pacing.Event{Kind: pacing.Abandoned})
	reason := "no agent within the abandonment threshold: safe-harbour message"
	defer func() {
		a.hangup(bg)
		a.finish(bg, campaigns.Result{Outcome: campaigns.OutcomeAbandoned, SIPCode: 200,
			Reason: reason, CallID: a.leg.CallID()})
	}()
	pm, err := a.prompt(prompt.Abandon)
	if err != nil {
		a.log.Error("safe-harbour message missing; hanging up", "err", err)
		reason = "no agent within the abandonment threshold; message missing: " + err.Error()
		return
	}
	cust := a.leg.Media()
	a.w.wantKeys.Store(true)
	done, err := cust.Play(pm)
	if err != nil {
		a.log.Error("play safe-harbour message", "err", err)
		reason += " (not played: " + err.Error() + ")"
		return
	}
	at := e.cfg.Clock()
	a.media.MessageAt = &at
	a.log.Info("safe harbour", "lang", pm.Lang, "message_ms", pm.Millis(), "after_answer", at.Sub(a.at).Round(time.Millisecond))
	stop := e.cfg.StopKey
	if stop == 0 {
		stop = DefaultStopKey
	}
	var grace <-chan time.Time
	for {
		select {
		case k := <-a.w.keys:
			if k != stop {
				a.log.Info("key during safe-harbour message ignored", "key", string(k))
				continue
			}
			cust.StopPlayback()
			a.media.Key = string(k)
			reason = "safe-harbour message; stop key pressed: " + a.addDNC(bg)
			return
		case err := <-done:
			if err != nil {
				return // the customer hung up (stream closed)
			}
			t := time.NewTimer(keyGrace)
			defer t.Stop()
			grace = t.C
			done = nil
		case <-grace:
			return
		case <-a.leg.Done():
			return
		case <-ctx.Done():
			return
		}
	}
}

// addDNC records the key-press request for the contact's number on the
// client's list (the seller's company-specific do-not-call list) and says
// what happened, for the attempt's reason.
func (a *answered) addDNC(bg context.Context) string {
	dnc := a.p.e.cfg.DNC
	if dnc == nil {
		a.log.Error("stop key pressed but no DNC list configured")
		return "DNC not recorded: no list configured"
	}
	r := compliance.DNCRecord{Number: a.cl.Contact.Phone, Scope: compliance.ScopeClient, ScopeID: a.cl.Campaign.ClientID,
		Source: compliance.SourceKeyPress, Note: fmt.Sprintf("key during safe-harbour message, campaign %d attempt %d", a.cl.Campaign.ID, a.id)}
	if r.ScopeID == 0 {
		r.Scope = compliance.ScopeGlobal
	}
	if _, err := dnc.Add(bg, r); err != nil {
		a.log.Error("record DNC request", "err", err)
		return "DNC not recorded: " + err.Error()
	}
	a.log.Info("DNC request recorded", "number", r.Number, "scope", r.Scope)
	return "DNC recorded"
}

// leaveMessage waits for a voicemail's beep (or beepWait), plays the
// campaign's machine message and hangs up; the outcome is machine.
func (a *answered) leaveMessage(ctx, bg context.Context) {
	reason := "answering machine: message left"
	defer func() {
		a.hangup(bg)
		a.finish(bg, campaigns.Result{Outcome: campaigns.OutcomeMachine, SIPCode: 200,
			Reason: reason, CallID: a.leg.CallID()})
	}()
	pm, err := a.machineMessage()
	if err != nil {
		reason = "answering machine; message missing: " + err.Error()
		return
	}
	a.w.wantBeep.Store(true)
	t := time.NewTimer(beepWait)
	defer t.Stop()
	select {
	case b := <-a.w.beep:
		a.log.Info("voicemail beep", "after_answer", b.Sub(a.at).Round(time.Millisecond))
	case <-t.C:
		reason = "answering machine: no beep heard; message left anyway"
	case <-a.leg.Done():
		reason = "answering machine hung up before the beep"
		return
	case <-ctx.Done():
		return
	}
	done, err := a.leg.Media().Play(pm)
	if err != nil {
		reason = "answering machine; message not played: " + err.Error()
		return
	}
	at := a.p.e.cfg.Clock()
	a.media.MessageAt = &at
	select {
	case <-done:
	case <-a.leg.Done():
		reason = "answering machine hung up during the message"
	case <-ctx.Done():
	}
}
