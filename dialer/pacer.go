package dialer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/alo-dialer/alo/campaigns"
	"github.com/alo-dialer/alo/compliance"
	"github.com/alo-dialer/alo/dialer/agent"
	"github.com/alo-dialer/alo/dialer/sipua"
	"github.com/alo-dialer/alo/pacing"
)

// AttemptSource is the campaigns side of the pacer: ready attempts in, the
// attempt state machine's transitions out. *campaigns.Dispatcher satisfies it.
type AttemptSource interface {
	Claim(ctx context.Context, campaignID int64, n int) ([]campaigns.Claimed, error)
	Dial(ctx context.Context, c campaigns.Claimed, info campaigns.DialingInfo) (campaigns.Attempt, error)
	Unclaim(ctx context.Context, c campaigns.Claimed) error
	Block(ctx context.Context, c campaigns.Claimed, evidence, reason string, nextDue *time.Time) (campaigns.Attempt, error)
	Finish(ctx context.Context, attemptID int64, r campaigns.Result) error
	QueueLen(ctx context.Context, campaignID int64) (int64, error)
}

// gateRetryDelay is how long a contact waits when the gate failed (it
// denied the call because of an error, not a rule).
const gateRetryDelay = time.Minute

// attemptDeferrer is the optional side of an AttemptSource that puts a
// deferred attempt back to scheduled without consuming it;
// *campaigns.Dispatcher satisfies it.
type attemptDeferrer interface {
	Defer(ctx context.Context, c campaigns.Claimed, nextDue time.Time) error
}

// AttemptMarker records the moments of a connected call. *campaigns.Store
// satisfies it.
type AttemptMarker interface {
	MarkAnswered(ctx context.Context, attemptID int64, at time.Time) error
	MarkBridged(ctx context.Context, attemptID, agentID int64, at time.Time) error
}

// CustomerDialer places a call to a customer through the trunk. *sipua.UA
// satisfies it.
type CustomerDialer interface {
	DialCustomer(ctx context.Context, number string, o sipua.DialOptions) (*sipua.Leg, sipua.DialResult, error)
}

// pacer runs one campaign on this node: every tick, and at once when woken
// by an agent or call event, it asks the campaign's policy how many calls to
// launch and launches them.
type pacer struct {
	e        *Engine
	campaign atomic.Pointer[campaigns.Campaign]
	policy   pacing.Policy
	wake     chan struct{}
	log      *slog.Logger
	// callCtx outlives a pause: pausing stops the pacer pulling at once,
	// while calls in progress go on until the node shuts down.
	callCtx context.Context

	// dialing counts calls launched and not yet answered or ended.
	dialing atomic.Int64
	// inCall counts this pacer's calls from launch to their end (an
	// agentless campaign's lines).
	inCall atomic.Int64
	calls  sync.WaitGroup

	// noMessage is the recorded message last found missing (logged once).
	noMessage atomic.Pointer[string]

	// obs collects what the policy learns from: outcomes since the last
	// decision and the launch times of calls still dialing.
	obsMu    sync.Mutex
	events   []pacing.Event
	launched map[campaigns.AttemptKey]time.Time

	// The abandonment ledger's last read, reused for budgetRefresh (only
	// step touches these).
	budgetAt   time.Time
	lastBudget pacing.Budget
}

// maxPendingEvents bounds the outcomes kept for the policy between two
// decisions (none are made while no agent is ready); the oldest go first.
const maxPendingEvents = 4096

// observe queues one outcome for the policy's next snapshot.
func (p *pacer) observe(e pacing.Event) {
	p.obsMu.Lock()
	defer p.obsMu.Unlock()
	if len(p.events) >= maxPendingEvents {
		p.events = p.events[1:]
	}
	p.events = append(p.events, e)
}

// launch records when a call was launched, until it is answered or ends.
func (p *pacer) launch(k campaigns.AttemptKey, at time.Time) {
	p.obsMu.Lock()
	defer p.obsMu.Unlock()
	p.launched[k] = at
}

// landed forgets a call's launch time once it is answered or ended.
func (p *pacer) landed(k campaigns.AttemptKey) {
	p.obsMu.Lock()
	defer p.obsMu.Unlock()
	delete(p.launched, k)
}

// observations drains the queued outcomes and lists the dialing calls'
// elapsed times, for a snapshot taken at now.
func (p *pacer) observations(now time.Time) ([]pacing.Event, []time.Duration) {
	p.obsMu.Lock()
	defer p.obsMu.Unlock()
	ev := p.events
	p.events = nil
	el := make([]time.Duration, 0, len(p.launched))
	for _, at := range p.launched {
		el = append(el, now.Sub(at))
	}
	return ev, el
}

func newPacer(callCtx context.Context, e *Engine, c campaigns.Campaign, policy pacing.Policy) *pacer {
	p := &pacer{e: e, policy: policy, wake: make(chan struct{}, 1), callCtx: callCtx,
		log:      e.cfg.Log.With("campaign", c.ID, "policy", policy.Name()),
		launched: map[campaigns.AttemptKey]time.Time{}}
	p.campaign.Store(&c)
	return p
}

// poke wakes the pacer without blocking; one pending wake is enough.
func (p *pacer) poke() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// run ticks until ctx ends, then waits for its calls to finish.
func (p *pacer) run(ctx context.Context) {
	t := time.NewTicker(p.e.cfg.Tick)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			p.calls.Wait()
			return
		case <-t.C:
		case <-p.wake:
		}
		p.step(ctx)
	}
}

// step makes one pacing decision and launches what it asks for.
func (p *pacer) step(ctx context.Context) {
	if !p.e.ready() {
		return // the node says why (readiness log, /readyz)
	}
	c := p.campaign.Load()
	if c.Agentless {
		p.stepLines(ctx, c)
		return
	}
	reserves := c.ReservesAgent()
	snap := pacing.Snapshot{
		Now:         p.e.cfg.Clock(),
		ReadyAgents: p.e.cfg.Agents.ReadyFor(c.ID),
		Dialing:     int(p.dialing.Load()),
	}
	if !reserves {
		// Waiting stays 0: connect does not expose the live answers
		// searching for an agent; the policy counts them among Dialing
		// until answered, and the abandonment loop corrects the rest.
		var busy []agent.Busy
		busy, snap.PausedAgents = p.e.cfg.Agents.FloorFor(c.ID, snap.Now)
		for _, b := range busy {
			snap.Busy = append(snap.Busy, pacing.BusyAgent{Elapsed: b.Elapsed, Wrapping: b.Wrapping, PauseNext: b.PauseNext})
		}
	}
	if !worthDeciding(reserves, snap) {
		return // nothing to launch whatever is queued; spare Redis the read
	}
	q, err := p.e.cfg.Attempts.QueueLen(ctx, c.ID)
	if err != nil {
		p.log.Warn("ready set length", "err", err)
		return
	}
	snap.Queued = int(q)
	if !reserves {
		snap.Budget = p.budget(ctx, c.ID, snap.Now)
	}
	snap.Events, snap.DialingElapsed = p.observations(snap.Now)
	d := p.policy.Decide(snap)
	if d.Launch <= 0 {
		return
	}
	claimed, err := p.e.cfg.Attempts.Claim(ctx, c.ID, d.Launch)
	if err != nil {
		p.log.Warn("claim attempts", "err", err)
		return
	}
	model := "" // the predictive policy's inputs, when it used them
	if d.Detail != (pacing.Explanation{}) {
		model = d.Detail.String()
	}
	p.log.Debug("pacing", "launch", d.Launch, "claimed", len(claimed), "reason", d.Reason,
		"ready_agents", snap.ReadyAgents, "dialing", snap.Dialing, "queued", snap.Queued,
		"busy_agents", len(snap.Busy), "paused_agents", snap.PausedAgents, "window_rate", snap.Budget.Rate(),
		"budget_left", snap.Budget.Left(), "model", model)
	p.launchAll(claimed, snap.Now)
}

// launchAll starts a call for each claimed attempt.
func (p *pacer) launchAll(claimed []campaigns.Claimed, now time.Time) {
	for _, cl := range claimed {
		p.dialing.Add(1)
		p.calls.Add(1)
		p.inCall.Add(1)
		p.launch(cl.Key, now)
		go func() {
			defer p.calls.Done()
			defer p.inCall.Add(-1)
			p.attempt(p.callCtx, cl)
		}()
	}
}

// stepLines paces an agentless campaign (a recorded notice or reminder) by
// lines: up to its Lines calls at once, whole calls counted, no agents.
func (p *pacer) stepLines(ctx context.Context, c *campaigns.Campaign) {
	lines := c.Lines
	if lines <= 0 {
		lines = campaigns.DefaultLines
	}
	free := lines - int(p.inCall.Load())
	if free <= 0 || !p.messageReady(c) {
		return
	}
	q, err := p.e.cfg.Attempts.QueueLen(ctx, c.ID)
	if err != nil || q == 0 {
		return
	}
	claimed, err := p.e.cfg.Attempts.Claim(ctx, c.ID, min(free, int(q)))
	if err != nil {
		p.log.Warn("claim attempts", "err", err)
		return
	}
	p.log.Debug("pacing by lines", "lines", lines, "in_call", p.inCall.Load(), "claimed", len(claimed))
	p.launchAll(claimed, p.e.cfg.Clock())
}

// worthDeciding is the launch guard before the policy is asked. A policy
// that reserves an agent per call (progressive, preview) can launch nothing
// unless ready agents outnumber the calls dialing. One that does not
// (predictive, ratio) dials ahead of agents, so Dialing may exceed
// ReadyAgents; it still needs an agent who is ready or on a call that
// will end (never for paused or phone-down agents, or for busy agents
// pausing after their call).
func worthDeciding(reserves bool, s pacing.Snapshot) bool {
	if reserves {
		return s.ReadyAgents > s.Dialing
	}
	if s.ReadyAgents > 0 {
		return true
	}
	for _, b := range s.Busy {
		if !b.PauseNext {
			return true
		}
	}
	return false
}

// BudgetFromLedger turns the compliance ledger's window into the pacing
// budget. AMD false positives (people taken for machines, which Ofcom
// counts as abandoned live calls) are rounded up and added to both counts,
// so the policy never sees more room than the ledger has.
func BudgetFromLedger(w compliance.LedgerWindow) pacing.Budget {
	fp := int(math.Ceil(w.FalsePositives))
	return pacing.Budget{Cap: w.MaxRate, LiveAnswers: int(w.Live) + fp, Abandons: int(w.Abandoned) + fp}
}

// budgetRefresh is how long a read of the abandonment ledger is reused:
// the pacer decides several times a second, the ledger moves per call.
const budgetRefresh = time.Second

// budget returns the campaign's abandonment ledger, read at most once per
// budgetRefresh. Without a ledger (none wired, or the read failed) it is
// zero, and a predictive policy then stays progressive.
func (p *pacer) budget(ctx context.Context, campaignID int64, now time.Time) pacing.Budget {
	if p.e.cfg.Budget == nil {
		return pacing.Budget{}
	}
	if !p.budgetAt.IsZero() && now.Sub(p.budgetAt) < budgetRefresh && now.After(p.budgetAt) {
		return p.lastBudget
	}
	b, err := p.e.cfg.Budget(ctx, campaignID, now)
	if err != nil {
		p.log.Warn("abandonment ledger unreadable; pacing progressive", "err", err)
		b = pacing.Budget{}
	}
	p.budgetAt, p.lastBudget = now, b
	return b
}

// attempt takes one claimed attempt through the gate, the SQL dialing row,
// the INVITE and, if answered, to connect: the reserved agent for policies
// that reserve one, otherwise an agent free within the threshold or the
// safe-harbour message.
func (p *pacer) attempt(ctx context.Context, cl campaigns.Claimed) {
	e := p.e
	log := p.log.With("contact", cl.Contact.ID, "attempt", cl.Key.Number)
	// Recording an outcome must survive a shutdown that cancels ctx.
	bg := context.WithoutCancel(ctx)
	launched := true
	doneDialing := func() {
		if launched {
			launched = false
			p.dialing.Add(-1)
			p.landed(cl.Key)
		}
	}
	defer doneDialing()
	defer p.poke()

	// Progressive and preview hold an agent before the gate: a live agent
	// is then guaranteed for this call, which lifts abandonment embargoes.
	// Predictive and ratio launch without one (more calls than ready
	// agents); connect finds an agent at the answer or plays the
	// safe-harbour message, and the gate applies the embargoes.
	reserves := cl.Campaign.ReservesAgent()
	var res *agent.Reservation
	if reserves {
		// A promised callback goes to the agent who promised it when they
		// are free.
		r, ok := e.cfg.Agents.ReservePreferred(cl.Campaign.ID, cl.Contact.CallbackAgentID)
		r.WrapUp = cl.Campaign.WrapUp
		if !ok {
			// The agent counted at the decision left (paused, phone down).
			if err := e.cfg.Attempts.Unclaim(bg, cl); err != nil {
				log.Error("unclaim", "err", err)
			}
			return
		}
		defer e.cfg.Agents.EndCall(r)
		res = &r
		log = log.With("agent", r.AgentID)
		if cl.Campaign.Pacing == "preview" && !p.offer(ctx, cl, r.AgentID) {
			p.skip(bg, log, cl)
			return
		}
	}

	dec, err := e.cfg.Gate.Check(ctx, campaigns.GateRequest(cl.Campaign, cl.Contact, e.cfg.Clock(), reserves))
	if err != nil {
		// Fail closed, but keep the contact: an internal error or a stopped
		// audit trail says nothing against it, so ask again a little later.
		dec.Allow = false
		dec.Verdict = compliance.Defer
		dec.NextAllowed = e.cfg.Clock().Add(gateRetryDelay)
		dec.Reason = fmt.Sprintf("gate error: %v", err)
	}
	evidence, _ := json.Marshal(dec)
	if !dec.Allow {
		// A defer reschedules the contact at the gate's next allowed
		// instant without using up an attempt; a deny ends it.
		if d, ok := e.cfg.Attempts.(attemptDeferrer); ok && dec.Verdict == compliance.Defer && !dec.NextAllowed.IsZero() {
			if err := d.Defer(bg, cl, dec.NextAllowed); err != nil {
				log.Error("record deferred attempt", "err", err)
			}
			log.Info("gate deferred", "next_allowed", dec.NextAllowed, "reason", dec.Reason)
			return
		}
		var next *time.Time
		if dec.Verdict != compliance.Deny && !dec.NextAllowed.IsZero() {
			next = &dec.NextAllowed
		}
		if _, err := e.cfg.Attempts.Block(bg, cl, string(evidence), dec.Reason, next); err != nil {
			log.Error("record blocked attempt", "err", err)
		}
		log.Info("gate denied", "reason", dec.Reason)
		return
	}

	var agentID int64
	if res != nil {
		agentID = res.AgentID
	}
	att, err := e.cfg.Attempts.Dial(bg, cl, campaigns.DialingInfo{
		Phone: cl.Contact.Phone, Node: e.cfg.Node, Evidence: string(evidence), AgentID: agentID,
	})
	if errors.Is(err, campaigns.ErrAlreadyDialed) {
		log.Warn("attempt already dialed; not dialing again")
		return
	}
	if err != nil {
		log.Error("record dialing", "err", err)
		if err := e.cfg.Attempts.Unclaim(bg, cl); err != nil {
			log.Error("unclaim", "err", err)
		}
		return
	}
	log = log.With("attempt_id", att.ID)

	invited := e.cfg.Clock()
	leg, dr, err := e.cfg.SIP.DialCustomer(ctx, cl.Contact.Phone, sipua.DialOptions{
		CallerID:    cl.Campaign.CallerID,
		RingTimeout: cl.Campaign.RingTimeout,
		CampaignID:  cl.Campaign.ID,
		AttemptID:   att.ID,
	})
	doneDialing()
	// What the predictive policy learns: how long calls ring before a
	// person answers, and how long failed attempts hold a line.
	kind := pacing.Failed
	if err == nil && dr.Answered {
		kind = pacing.LiveAnswer
	}
	p.observe(pacing.Event{Kind: kind, Ring: e.cfg.Clock().Sub(invited)})
	if err != nil {
		reason := err.Error()
		if ctx.Err() != nil {
			reason = "cancelled while ringing: node shutting down"
		}
		p.finish(bg, log, att.ID, campaigns.Result{Outcome: campaigns.OutcomeFailed, Reason: reason, CallID: dr.CallID})
		return
	}
	log = log.With("call_id", dr.CallID)
	if !dr.Answered {
		p.finish(bg, log, att.ID, campaigns.Result{Outcome: OutcomeOf(dr), SIPCode: dr.Code, Reason: dr.Reason, CallID: dr.CallID})
		return
	}
	p.connect(ctx, log, cl, att.ID, leg, res)
}

func (p *pacer) finish(ctx context.Context, log *slog.Logger, attemptID int64, r campaigns.Result) {
	if err := p.finishRetrying(ctx, log, attemptID, r); err != nil {
		log.Error("record outcome", "outcome", r.Outcome, "err", err)
		return
	}
	log.Info("attempt finished", "outcome", r.Outcome, "sip_code", r.SIPCode, "reason", r.Reason)
}
