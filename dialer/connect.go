package dialer

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/alo-dialer/alo/campaigns"
	"github.com/alo-dialer/alo/compliance"
	"github.com/alo-dialer/alo/dialer/agent"
	"github.com/alo-dialer/alo/dialer/audio"
	"github.com/alo-dialer/alo/dialer/media"
	"github.com/alo-dialer/alo/dialer/prompt"
	"github.com/alo-dialer/alo/dialer/recording"
	"github.com/alo-dialer/alo/dialer/sipua"
	"github.com/alo-dialer/alo/pacing"
)

// AbandonRule is what the campaign's rule set says about abandoned calls:
// how long a live answer may wait for an agent, and from when.
type AbandonRule struct {
	Threshold time.Duration
	// FromGreetingEnd starts the clock when the greeting ends (the US
	// rule: two seconds after the called party's completed greeting);
	// otherwise it starts at the answer (Ofcom, most others).
	FromGreetingEnd bool
}

// DefaultAbandonRule applies when no rule set says otherwise: two seconds
// from the answer, the strictest common reading.
var DefaultAbandonRule = AbandonRule{Threshold: 2 * time.Second}

// AbandonRuleFromCap reads a rule set's abandonment cap.
func AbandonRuleFromCap(c compliance.AbandonCap) AbandonRule {
	r := AbandonRule{Threshold: time.Duration(c.ThresholdSeconds * float64(time.Second)),
		FromGreetingEnd: c.ClockStart == compliance.ClockGreetingEnd}
	if r.Threshold <= 0 {
		r.Threshold = DefaultAbandonRule.Threshold
	}
	return r
}

// DNCAdder records a do-not-call request. *compliance.DNCStore satisfies it.
type DNCAdder interface {
	Add(ctx context.Context, r compliance.DNCRecord) (compliance.DNCRecord, error)
}

// attemptMediaMarker is the optional side of an AttemptMarker that keeps
// what the audio told us; *campaigns.Store satisfies it.
type attemptMediaMarker interface {
	MarkMedia(ctx context.Context, attemptID int64, m campaigns.AttemptMedia) error
}

// greetingWait bounds the wait for the end of the greeting when the clock
// starts there: a customer who says nothing (or never stops) still gets an
// agent or the message within greetingWait plus the threshold.
const greetingWait = 3 * time.Second

// agentPoll is how often a live answer without a reserved agent looks for
// one that became free.
const agentPoll = 20 * time.Millisecond

// beepWait bounds the wait for a voicemail beep before leaving the message
// anyway.
const beepWait = 20 * time.Second

// keyGrace is how long the stop key is still taken after the safe-harbour
// message ends.
const keyGrace = 3 * time.Second

// answered is one live answer on its way to an agent, a message or a
// hang-up.
type answered struct {
	p   *pacer
	log *slog.Logger
	cl  campaigns.Claimed
	id  int64 // attempt id
	leg *sipua.Leg
	w   *answerWatch
	at  time.Time // the answer
	// start is when answer-to-bridged latency starts (docs/architecture.md): the 2xx's
	// arrival, or with AMD on the verdict; monotonic.
	start   time.Time
	media   campaigns.AttemptMedia
	greetAt *time.Time
	// agentQuality is the agent leg's media quality over the bridge (the
	// leg lives on from call to call: this call's share of its counts).
	agentQuality *media.StreamQuality
	// answerRecorded is closed once the answer is in SQL.
	answerRecorded chan struct{}
}

// finish records the attempt's outcome after its answer.
func (a *answered) finish(bg context.Context, r campaigns.Result) {
	<-a.answerRecorded
	a.p.finish(bg, a.log, a.id, r)
}

// connect takes a live answer to its end. The customer's audio is watched
// from the first packet for the greeting's end and, when the campaign asks,
// an AMD verdict. A machine is hung up on, left a message after its beep,
// or put through, as the campaign says (NOTSURE counts as a person). A
// person is bridged to the agent reserved for the call, or to one that is
// free within the rule set's threshold from its clock start; failing that
// the safe-harbour message plays. res is nil for a call launched without a
// reservation (predictive pacing).
func (p *pacer) connect(ctx context.Context, log *slog.Logger, cl campaigns.Claimed, attemptID int64, leg *sipua.Leg, res *agent.Reservation) {
	e := p.e
	bg := context.WithoutCancel(ctx)
	// The answer time has one writer: the user agent, at the 2xx.
	a := &answered{p: p, log: log, cl: cl, id: attemptID, leg: leg, at: leg.AnsweredAt(), start: leg.AnswerMono()}
	if a.start.IsZero() {
		a.start = time.Now()
	}
	// The answer is written while the call goes on: a SQL write queued
	// behind a burst of others must not stand between the customer and
	// the agent. Later writes about the attempt wait for it (a.finish).
	a.answerRecorded = make(chan struct{})
	answerAt := a.at // a.at moves on if an agentless caller asks for a person
	go func() {
		defer close(a.answerRecorded)
		if err := e.cfg.Marker.MarkAnswered(bg, attemptID, answerAt); err != nil {
			log.Error("record answer", "err", err)
		}
	}()
	var amd *audio.AMD
	if cl.Campaign.AMD.Enabled {
		var err error
		if amd, err = audio.NewAMD(amdConfig(cl.Campaign.AMD)); err != nil {
			log.Warn("campaign AMD settings unusable; AMD off for this call", "err", err)
		}
	}
	cust := leg.Media()
	a.w = newAnswerWatch(e.cfg.Clock, !cust.HasTelephoneEvents(), amd)
	cust.SetTap(a.w.tap)
	defer cust.SetTap(nil)
	defer a.recordMedia(bg)

	if amd != nil {
		d, ok := a.awaitVerdict(ctx)
		a.start = time.Now()
		if !ok {
			a.endedEarly(bg, campaigns.OutcomeHuman, "customer hung up during machine detection")
			return
		}
		if d.Verdict == audio.Machine {
			switch cl.Campaign.AMD.MachineAction {
			case campaigns.MachineConnect:
				log.Info("machine: connecting anyway", "cause", d.Cause)
			case campaigns.MachineMessage:
				a.leaveMessage(ctx, bg)
				return
			default:
				a.hangup(bg)
				a.finish(bg, campaigns.Result{Outcome: campaigns.OutcomeMachine, SIPCode: 200,
					Reason: "answering machine (" + string(d.Cause) + "): hung up", CallID: leg.CallID()})
				return
			}
		}
	}

	if cl.Campaign.Agentless {
		a.agentless(ctx, bg)
		return
	}
	ag, mine, ok := a.findAgent(ctx, res)
	if mine {
		defer e.cfg.Agents.EndCall(ag)
	}
	select {
	case <-leg.Done():
		a.endedEarly(bg, campaigns.OutcomeHuman, "customer hung up before the bridge")
		return
	default:
	}
	if !ok {
		a.safeHarbour(ctx, bg)
		return
	}
	a.bridge(ctx, bg, ag)
}

// awaitVerdict waits for the AMD decision, noting the greeting's end if it
// comes first. It reports false when the call ended before a verdict.
func (a *answered) awaitVerdict(ctx context.Context) (amdDecision, bool) {
	for {
		select {
		case g := <-a.w.greeting:
			a.greetAt = &g
			a.media.GreetingEndAt = &g
		case d := <-a.w.verdict:
			v := d.Verdict
			a.media.AMDVerdict, a.media.AMDCause, a.media.AMDDecidedAt = v.String(), string(d.Cause), &d.At
			a.log.Info("amd verdict", "verdict", v.String(), "cause", d.Cause, "words", d.Words,
				"after", d.At.Sub(a.at).Round(time.Millisecond))
			return d, true
		case <-a.leg.Done():
			return amdDecision{}, false
		case <-ctx.Done():
			return amdDecision{}, false
		}
	}
}

// findAgent returns the agent for this call: the reservation when its
// phone is still there, else the first ready agent found before the
// abandonment deadline. mine says the caller must end the agent's call.
func (a *answered) findAgent(ctx context.Context, res *agent.Reservation) (r agent.Reservation, mine, ok bool) {
	ag := a.p.e.cfg.Agents
	if res != nil && ag.StartCall(*res) {
		return *res, false, true
	}
	rule := a.p.abandonRule(ctx, a.cl.Campaign.ID)
	deadline := a.at.Add(rule.Threshold)
	var greetTimeout <-chan time.Time
	if rule.FromGreetingEnd {
		if a.greetAt != nil {
			deadline = a.greetAt.Add(rule.Threshold)
		} else {
			// Until the greeting ends, the clock has not started.
			deadline = a.at.Add(greetingWait + rule.Threshold)
			t := time.NewTimer(greetingWait)
			defer t.Stop()
			greetTimeout = t.C
		}
	}
	tick := time.NewTicker(agentPoll)
	defer tick.Stop()
	for {
		if r, got := ag.ReservePreferred(a.cl.Campaign.ID, a.cl.Contact.CallbackAgentID); got {
			r.WrapUp = a.cl.Campaign.WrapUp
			if ag.StartCall(r) {
				a.log = a.log.With("agent", r.AgentID)
				return r, true, true
			}
			ag.EndCall(r)
		}
		now := a.p.e.cfg.Clock()
		if !now.Before(deadline) {
			return agent.Reservation{}, false, false
		}
		select {
		case g := <-a.w.greeting:
			a.greetAt, a.media.GreetingEndAt = &g, &g
			if rule.FromGreetingEnd {
				deadline = g.Add(rule.Threshold)
				greetTimeout = nil
			}
		case <-greetTimeout:
			deadline = a.at.Add(greetingWait + rule.Threshold)
		case <-tick.C:
		case <-a.leg.Done():
			return agent.Reservation{}, false, false
		case <-ctx.Done():
			return agent.Reservation{}, false, false
		}
	}
}

// abandonRule asks the configured source, falling back to the default.
func (p *pacer) abandonRule(ctx context.Context, campaignID int64) AbandonRule {
	if p.e.cfg.Abandonment == nil {
		return DefaultAbandonRule
	}
	r, err := p.e.cfg.Abandonment(ctx, campaignID)
	if err != nil {
		p.log.Warn("abandonment rule; using 2 s from the answer", "err", err)
		return DefaultAbandonRule
	}
	return r
}

// bridge connects customer and agent, plays the agent the call-arrived
// tone, and waits for either side to end the call; the agent's leg then
// returns to comfort silence.
func (a *answered) bridge(ctx, bg context.Context, res agent.Reservation) {
	e := a.p.e
	cust, ag := a.leg.Media(), res.Leg.Media()
	if ag == nil {
		a.log.Error("agent leg has no media stream; cannot bridge")
		a.hangup(bg)
		a.finish(bg, campaigns.Result{Outcome: campaigns.OutcomeAbandoned, SIPCode: 200,
			Reason: "agent leg has no media stream", CallID: a.leg.CallID()})
		return
	}
	before := ag.Stats().PacketsOut
	agStart := ag.Quality()
	// Analysis is over once a person is through: spare the relay's reader
	// (unless the call is recorded, which taps both sides).
	cust.SetTap(nil)
	rec, disclosure := a.startRecording(cust, ag)
	if rec != nil {
		defer a.stopRecording(rec, cust, ag)
	}
	ag.OnNewSource(func(at time.Time) {
		d := at.Sub(a.start)
		e.audioLatency.observe(d)
		if fi := cust.FirstIn(); !fi.IsZero() {
			// Early media counts as audio there at the answer.
			e.customerStart.observe(max(0, fi.Sub(a.leg.AnswerMono())))
		}
		a.log.Debug("customer audio reaches the agent", "answer_to_audio", d)
	})
	defer ag.OnNewSource(nil)
	media.Connect(cust, ag)
	e.bridgeLatency.observe(time.Since(a.start))
	if disclosure != nil {
		// Both sides hear the notice: the agent after the pip, so they
		// know when the customer can hear them. The customer's audio
		// waits for it.
		if _, err := ag.PlaySamples(slices.Concat(media.CallArrivedTone(), disclosure.Samples)); err != nil {
			a.log.Warn("call-arrived tone", "err", err)
		}
	} else {
		// The pip is laid over the customer's first words rather than
		// played before them: the agent hears the customer at once.
		ag.Overlay(media.CallArrivedTone())
	}
	bridged := e.cfg.Clock()
	if disclosure == nil {
		media.Connect(ag, cust) // both ways before any SQL write
	}
	// The console's controls work from the screen pop on. (One used
	// during a disclosure may let the agent through before its end.)
	lc := &liveCall{attempt: a.id, cust: cust, ag: ag, end: make(chan struct{})}
	e.live.add(res.AgentID, lc)
	// The screen pop leaves now, not after the SQL writes below: the
	// agent needs it as they hear the customer.
	e.cfg.Events.CallBridged(CallBridged{AttemptID: a.id, AgentID: res.AgentID, Campaign: a.cl.Campaign, Contact: a.cl.Contact, At: bridged})
	<-a.answerRecorded
	if err := e.cfg.Marker.MarkBridged(bg, a.id, res.AgentID, bridged); err != nil {
		a.log.Error("record bridge", "err", err)
	}
	if rec != nil {
		// The customer hears that the call is recorded before the agent's
		// voice.
		a.playDisclosure(ctx, rec, disclosure)
	}
	lc.apply() // agent to customer, unless muted or held by now (the store is idempotent)
	defer func() { a.p.observe(pacing.Event{Kind: pacing.Handled, Handle: e.cfg.Clock().Sub(bridged)}) }()
	a.log.Info("bridged", "answer_to_bridge", bridged.Sub(a.at).Round(time.Millisecond))
	endedBy := ""
	select {
	case <-a.leg.Done():
	case <-res.Leg.Done():
		a.log.Warn("agent leg ended during call")
	case <-lc.end:
		endedBy = "agent"
		a.log.Info("agent hung up the call")
	case <-ctx.Done():
	}
	e.live.remove(res.AgentID, lc)
	lc.mu.Lock() // a control in flight must not reconnect the legs after this
	lc.closed = true
	media.Disconnect(cust)
	media.Disconnect(ag)
	lc.mu.Unlock()
	aq := ag.Quality().Since(agStart)
	a.agentQuality = &aq
	a.hangup(bg)
	relayed := int64(ag.Stats().PacketsOut - before)
	if endedBy == "" {
		endedBy = a.leg.EndedBy()
	}
	a.finish(bg, campaigns.Result{Outcome: campaigns.OutcomeHuman, SIPCode: 200,
		Reason: "ended by " + endedBy, CallID: a.leg.CallID(), MediaToAgent: relayed})
	// After the outcome is in SQL: the agent may dispose the call from now.
	ended := e.cfg.Clock()
	ce := CallEnded{AttemptID: a.id, AgentID: res.AgentID, CampaignID: a.cl.Campaign.ID, ClientID: a.cl.Campaign.ClientID,
		Outcome: campaigns.OutcomeHuman, BridgedAt: bridged, At: ended}
	if w := a.cl.Campaign.WrapUp; w > 0 {
		ce.WrapUpEndsAt = ended.Add(w)
	}
	e.cfg.Events.CallEnded(ce)
}

// startRecording starts the campaign's recording of this bridge with the
// disclosure to play first (nil when the campaign asks for none). The
// recording is nil when off, when the file cannot be made, or when the
// disclosure is missing in the call's language: a call is never recorded
// without the notice the campaign promised; it goes on unrecorded.
func (a *answered) startRecording(cust, ag *media.Stream) (*recording.Recording, *audio.Prompt) {
	e := a.p.e
	if !a.cl.Campaign.Recording.Enabled || e.cfg.RecordingsDir == "" {
		return nil, nil
	}
	var disclosure *audio.Prompt
	if name := a.cl.Campaign.Recording.Disclosure; name != "none" {
		if name == "" {
			name = prompt.RecordingNotice
		}
		pm, err := a.prompt(name)
		if err != nil {
			a.log.Error("recording disclosure missing; call goes on unrecorded", "err", err)
			return nil, nil
		}
		disclosure = pm
	}
	rel := filepath.Join(strconv.FormatInt(a.cl.Campaign.ID, 10), strconv.FormatInt(a.id, 10)+".wav")
	rec, err := recording.Start(filepath.Join(e.cfg.RecordingsDir, rel))
	if err != nil {
		a.log.Error("recording not started; call goes on unrecorded", "err", err)
		return nil, nil
	}
	a.media.Recording = rel
	cust.SetTap(rec.Tap(recording.RecCustomer))
	ag.SetTap(rec.Tap(recording.RecAgent))
	return rec, disclosure
}

// stopRecording ends the taps and closes the file.
func (a *answered) stopRecording(rec *recording.Recording, cust, ag *media.Stream) {
	cust.SetTap(nil)
	ag.SetTap(nil)
	if err := rec.Close(); err != nil {
		a.log.Error("recording not closed cleanly", "err", err)
		return
	}
	a.log.Info("call recorded", "file", a.media.Recording, "duration", rec.Duration())
}

// playDisclosure plays the recording notice to the customer and writes it
// on the recording's agent side (what the customer heard from us), so the
// file itself shows the notice was given.
func (a *answered) playDisclosure(ctx context.Context, rec *recording.Recording, pm *audio.Prompt) {
	if pm == nil {
		return
	}
	done, err := a.leg.Media().Play(pm)
	if err != nil {
		a.log.Warn("recording disclosure", "err", err)
		return
	}
	rec.Announce(pm.Samples)
	select {
	case <-done:
	case <-a.leg.Done():
	case <-ctx.Done():
	}
}

// hangup ends the customer's leg, bounded.
func (a *answered) hangup(bg context.Context) {
	hctx, cancel := context.WithTimeout(bg, 5*time.Second)
	defer cancel()
	if err := a.leg.Hangup(hctx); err != nil {
		a.log.Warn("hang up customer", "err", err)
	}
}

// endedEarly finishes a call that ended (or the node stopped) before it
// was put through.
func (a *answered) endedEarly(bg context.Context, o campaigns.Outcome, reason string) {
	a.hangup(bg)
	if a.media.AMDVerdict == audio.Machine.String() {
		o = campaigns.OutcomeMachine
	}
	a.finish(bg, campaigns.Result{Outcome: o, SIPCode: 200, Reason: reason, CallID: a.leg.CallID()})
}

// recordMedia stores what the audio told us, once the call is over.
func (a *answered) recordMedia(bg context.Context) {
	if a.media.GreetingEndAt == nil {
		select {
		case g := <-a.w.greeting:
			a.media.GreetingEndAt = &g
		default:
		}
	}
	<-a.answerRecorded
	q := map[string]media.StreamQuality{"customer": a.leg.Media().Quality()}
	if a.agentQuality != nil {
		q["agent"] = *a.agentQuality
	}
	if b, err := json.Marshal(q); err == nil {
		a.media.Quality = string(b)
	}
	m, ok := a.p.e.cfg.Marker.(attemptMediaMarker)
	if !ok {
		return
	}
	if err := m.MarkMedia(bg, a.id, a.media); err != nil {
		a.log.Error("record media facts", "err", err)
	}
}

// language picks the contact's language, else the campaign's.
func (a *answered) language() string {
	if a.cl.Contact.Language != "" {
		return a.cl.Contact.Language
	}
	return a.cl.Campaign.Language
}

// prompt finds a message in the call's language (with the fallback).
func (a *answered) prompt(name string) (*audio.Prompt, error) {
	pr := a.p.e.prompts()
	pm, err := pr.For(name, a.language())
	if err != nil {
		return nil, fmt.Errorf("prompt %s for %q: %w", name, a.language(), err)
	}
	return pm, nil
}
