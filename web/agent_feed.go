package web

// The agent console's live data (docs/consoles.md, "The agent console's
// data"): AgentFeed turns the dialer's facts into the events of
// web/console/view.go on the live bus, and builds the snapshot a fresh
// stream starts from.

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/alo-dialer/alo/campaigns"
	"github.com/alo-dialer/alo/dialer"
	"github.com/alo-dialer/alo/dialer/agent"
	"github.com/alo-dialer/alo/live"
	"github.com/alo-dialer/alo/web/console"
)

// DefaultPauseReasons are the pause codes offered while campaigns carry no
// list of their own.
var DefaultPauseReasons = []console.PauseReason{
	{Code: "break", Label: "Break"},
	{Code: "lunch", Label: "Lunch"},
	{Code: "training", Label: "Training"},
	{Code: "meeting", Label: "Meeting"},
}

// EventPublisher hands events to the live bus without waiting;
// *live.Bus satisfies it.
type EventPublisher interface {
	Publish(ctx context.Context, e live.Event) error
}

// AgentStates is what the feed needs of the agent registry;
// *agent.Registry satisfies it.
type AgentStates interface {
	Changes() <-chan agent.Change
	Status(id int64) (agent.Change, bool)
	GetAgent(ctx context.Context, id int64) (agent.Agent, error)
}

// AgentFeedStore is what the feed reads of campaigns; *campaigns.Store
// satisfies it.
type AgentFeedStore interface {
	GetCampaign(ctx context.Context, id int64) (campaigns.Campaign, error)
	Dispositions(ctx context.Context, campaignID int64) ([]campaigns.Disposition, error)
	ContactHistory(ctx context.Context, contactID int64, limit int) ([]campaigns.Attempt, error)
	AgentDay(ctx context.Context, agentID int64, from, to time.Time) (campaigns.AgentDay, error)
}

// DisposalListener hears every disposition the API records.
type DisposalListener interface {
	CallDisposed(d campaigns.Disposed)
}

// AgentFeedConfig holds the feed's dependencies.
type AgentFeedConfig struct {
	Bus    EventPublisher
	Agents AgentStates
	Store  AgentFeedStore
	// Script returns a campaign's script for the screen pop; nil shows
	// none.
	Script func(campaigns.Campaign) string
	// PauseReasons are the codes an agent may pause with; nil means
	// DefaultPauseReasons.
	PauseReasons []console.PauseReason
	// Zone is the node's zone: an agent's day starts at its midnight
	// unless their profile names another zone. Nil means UTC.
	Zone  *time.Location
	Clock func() time.Time
	Log   *slog.Logger
}

// feedShards is how many workers build screen pops and day counters; an
// agent's work always goes to the same one, so their events keep order.
const feedShards = 4

// feedQueue bounds the work waiting for one worker; beyond it work is
// dropped (and logged) rather than holding up the call path.
const feedQueue = 1024

// historyLimit bounds the earlier attempts a screen pop lists.
const historyLimit = 20

// AgentFeed publishes the agent console's events (agent.state,
// call.bridged with the screen pop, call.ended, call.disposed, agent.day)
// and is the event stream's Snapshotter. It keeps each agent's last screen
// pop and pause time in memory; a restart forgets them (a call bridged
// before it is not on screen again, the pause time starts over).
type AgentFeed struct {
	cfg     AgentFeedConfig
	log     *slog.Logger
	changes <-chan agent.Change
	shards  [feedShards]chan func(context.Context)
	dropped atomic.Uint64

	mu     sync.Mutex
	pops   map[int64]*console.CallPop // agent → the call on their screen
	pauses map[int64]*pauseClock
	zones  map[int64]*time.Location // agent → their profile's zone, learnt at the snapshot
	names  map[int64]string         // agent → name, for the history
	offers map[int64]*offeredEvent  // agent → their open preview offer
}

// NewAgentFeed returns the feed, subscribed to the registry's changes from
// now on (create it before the registry restores its agents). Run starts it.
func NewAgentFeed(cfg AgentFeedConfig) *AgentFeed {
	if cfg.PauseReasons == nil {
		cfg.PauseReasons = DefaultPauseReasons
	}
	if cfg.Zone == nil {
		cfg.Zone = time.UTC
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	f := &AgentFeed{cfg: cfg, log: log, changes: cfg.Agents.Changes(), pops: map[int64]*console.CallPop{},
		pauses: map[int64]*pauseClock{}, zones: map[int64]*time.Location{}, names: map[int64]string{},
		offers: map[int64]*offeredEvent{}}
	for i := range f.shards {
		f.shards[i] = make(chan func(context.Context), feedQueue)
	}
	return f
}

// Run publishes until ctx ends.
func (f *AgentFeed) Run(ctx context.Context) {
	var wg sync.WaitGroup
	for _, q := range f.shards {
		wg.Go(func() {
			for {
				select {
				case <-ctx.Done():
					return
				case job := <-q:
					job(ctx)
				}
			}
		})
	}
	for {
		select {
		case <-ctx.Done():
			wg.Wait()
			return
		case c := <-f.changes:
			f.stateChanged(ctx, c)
		}
	}
}

// enqueue hands job to agentID's worker without waiting.
func (f *AgentFeed) enqueue(agentID int64, what string, job func(context.Context)) {
	select {
	case f.shards[uint64(agentID)%feedShards] <- job:
	default:
		if n := f.dropped.Add(1); n&(n-1) == 0 {
			f.log.Warn("live feed: queue full, event dropped", "agent", agentID, "what", what, "dropped_total", n)
		}
	}
}

// publish puts p on the bus as an event of typ about agentID.
func (f *AgentFeed) publish(ctx context.Context, typ string, agentID, campaignID, clientID int64, at time.Time, p any) {
	data, err := json.Marshal(p)
	if err == nil {
		err = f.cfg.Bus.Publish(ctx, live.Event{Type: typ, At: at, AgentID: agentID, CampaignID: campaignID, ClientID: clientID, Data: data})
	}
	if err != nil {
		f.log.Warn("live feed: publish", "type", typ, "agent", agentID, "err", err)
	}
}

// stateChanged publishes an agent's new state (phone_down reaches the page
// before the first redial) and keeps their pause time. It goes through the
// agent's worker like their calls' events, so the agent's stream keeps the
// order things happened in: on_call before the call's pop, the call's end
// before the wrap-up it starts.
func (f *AgentFeed) stateChanged(_ context.Context, c agent.Change) {
	f.enqueue(c.AgentID, "agent.state", func(ctx context.Context) {
		f.publish(ctx, live.TypeAgentState, c.AgentID, 0, 0, c.At, agentState(c))
		f.mu.Lock()
		f.names[c.AgentID] = c.Name
		pc := f.pauses[c.AgentID]
		if pc == nil {
			pc = &pauseClock{}
			f.pauses[c.AgentID] = pc
		}
		resumed := pc.change(c.State == agent.Paused, c.At)
		f.mu.Unlock()
		if resumed {
			f.publishDay(ctx, c.AgentID)
		}
	})
}

// agentState is a registry change as the agent.state payload.
func agentState(c agent.Change) live.AgentState {
	st := live.AgentState{AgentID: c.AgentID, Name: c.Name, State: string(c.State), Reason: c.Reason, Since: c.At,
		PauseAfterCall: c.PauseNext, PauseAfterCallReason: c.PauseNextReason}
	if !c.WrapUpEndsAt.IsZero() {
		t := c.WrapUpEndsAt
		st.WrapUpEndsAt = &t
	}
	return st
}

// bridgedEvent is the call.bridged payload: the screen pop, with the
// fields every reader of the type relies on (live.CallBridged).
type bridgedEvent struct {
	console.CallPop
	ContactID int64 `json:"contact_id"`
	AgentID   int64 `json:"agent_id"`
}

// CallBridged implements dialer.CallEvents: the screen pop is built and
// published off the call path.
func (f *AgentFeed) CallBridged(b dialer.CallBridged) {
	f.enqueue(b.AgentID, "call.bridged", func(ctx context.Context) {
		pop := f.screenPop(ctx, b)
		f.mu.Lock()
		f.pops[b.AgentID] = pop
		f.mu.Unlock()
		f.publish(ctx, live.TypeCallBridged, b.AgentID, b.Campaign.ID, b.Campaign.ClientID, b.At,
			bridgedEvent{CallPop: *pop, ContactID: b.Contact.ID, AgentID: b.AgentID})
	})
}

// CallEnded implements dialer.CallEvents.
func (f *AgentFeed) CallEnded(e dialer.CallEnded) {
	f.enqueue(e.AgentID, "call.ended", func(ctx context.Context) {
		f.mu.Lock()
		if pop := f.pops[e.AgentID]; pop != nil && pop.AttemptID == e.AttemptID {
			at := e.At
			pop.EndedAt = &at
		}
		f.mu.Unlock()
		p := live.CallEnded{AttemptID: e.AttemptID, CampaignID: e.CampaignID, AgentID: e.AgentID, Outcome: string(e.Outcome), EndedAt: e.At}
		if !e.WrapUpEndsAt.IsZero() {
			t := e.WrapUpEndsAt
			p.WrapUpEndsAt = &t
		}
		f.publish(ctx, live.TypeCallEnded, e.AgentID, e.CampaignID, e.ClientID, e.At, p)
		f.publishDay(ctx, e.AgentID)
	})
}

// CallDisposed implements DisposalListener: the call leaves the agent's
// screen and their day counts it.
func (f *AgentFeed) CallDisposed(d campaigns.Disposed) {
	a := d.Attempt
	agentID := d.AgentID
	if agentID == 0 {
		return // nobody's screen shows it
	}
	at := f.cfg.Clock()
	f.enqueue(agentID, "call.disposed", func(ctx context.Context) {
		f.mu.Lock()
		if pop := f.pops[agentID]; pop != nil && pop.AttemptID == a.ID {
			delete(f.pops, agentID)
		}
		f.mu.Unlock()
		f.publish(ctx, live.TypeCallDisposed, agentID, a.CampaignID, 0, at,
			live.CallDisposed{AttemptID: a.ID, CampaignID: a.CampaignID, AgentID: agentID, Code: a.Disposition})
		f.publishDay(ctx, agentID)
	})
}

// publishDay sends the agent's day as it now is.
func (f *AgentFeed) publishDay(ctx context.Context, agentID int64) {
	d, err := f.day(ctx, agentID)
	if err != nil {
		f.log.Warn("live feed: agent's day", "agent", agentID, "err", err)
		return
	}
	f.publish(ctx, live.TypeAgentDay, agentID, 0, 0, time.Time{}, live.AgentDay{AgentID: agentID, Calls: d.Calls,
		Successes: d.Successes, CallbacksSet: d.CallbacksSet, CallbacksDue: d.CallbacksDue, TalkMS: d.TalkMS, PauseMS: d.PauseMS})
}

// day is the agent's day since midnight in their zone: calls, talk time
// and dispositions from SQL (the truth), the time paused from memory.
func (f *AgentFeed) day(ctx context.Context, agentID int64) (console.DayCounters, error) {
	now := f.cfg.Clock()
	f.mu.Lock()
	zone := f.zones[agentID]
	f.mu.Unlock()
	if zone == nil {
		zone = f.cfg.Zone
	}
	from, to := dayOf(now, zone)
	d, err := f.cfg.Store.AgentDay(ctx, agentID, from, to)
	if err != nil {
		return console.DayCounters{}, err
	}
	f.mu.Lock()
	var paused time.Duration
	if pc := f.pauses[agentID]; pc != nil {
		paused = pc.since(from, now)
	}
	f.mu.Unlock()
	return console.DayCounters{Calls: d.Calls, Successes: d.Successes, CallbacksSet: d.CallbacksSet,
		CallbacksDue: d.CallbacksDue, TalkMS: d.Talk.Milliseconds(), PauseMS: paused.Milliseconds()}, nil
}

// dayOf is the calendar day around now in zone: [midnight, next midnight).
func dayOf(now time.Time, zone *time.Location) (time.Time, time.Time) {
	y, m, d := now.In(zone).Date()
	from := time.Date(y, m, d, 0, 0, 0, 0, zone)
	return from, time.Date(y, m, d+1, 0, 0, 0, 0, zone)
}

// pauseClock adds up an agent's time paused.
type pauseClock struct {
	pausedAt time.Time // while paused: since when
	spans    []span    // ended pauses, kept for the day's sum
}

type span struct{ from, to time.Time }

// maxSpans bounds the pauses kept per agent (a long day has a few dozen).
const maxSpans = 200

// change records a new state at at; it reports whether a pause ended.
func (p *pauseClock) change(paused bool, at time.Time) bool {
	switch {
	case paused && p.pausedAt.IsZero():
		p.pausedAt = at
	case !paused && !p.pausedAt.IsZero():
		p.spans = append(p.spans, span{p.pausedAt, at})
		if len(p.spans) > maxSpans {
			p.spans = p.spans[len(p.spans)-maxSpans:]
		}
		p.pausedAt = time.Time{}
		return true
	}
	return false
}

// since is the time paused between from and now.
func (p *pauseClock) since(from, now time.Time) time.Duration {
	var sum time.Duration
	add := func(a, b time.Time) {
		if a.Before(from) {
			a = from
		}
		if b.After(a) {
			sum += b.Sub(a)
		}
	}
	for _, s := range p.spans {
		add(s.from, s.to)
	}
	if !p.pausedAt.IsZero() {
		add(p.pausedAt, now)
	}
	return sum
}

// Snapshot implements Snapshotter: an agent gets the whole AgentView;
// other roles, whose consoles do not read the stream yet, the server time.
func (f *AgentFeed) Snapshot(ctx context.Context, v Viewer) (any, error) {
	now := f.cfg.Clock()
	if v.User.Role != RoleAgent || v.AgentID == 0 {
		return map[string]any{"server_time": now, "role": v.User.Role}, nil
	}
	if v.User.TimeZone != "" {
		if z, err := time.LoadLocation(v.User.TimeZone); err == nil {
			f.mu.Lock()
			f.zones[v.AgentID] = z
			f.mu.Unlock()
		}
	}
	ag, err := f.cfg.Agents.GetAgent(ctx, v.AgentID)
	if err != nil {
		return nil, fmt.Errorf("agent %d: %w", v.AgentID, err)
	}
	view := console.AgentView{ServerTime: now, PauseReasons: f.cfg.PauseReasons}
	if c, ok := f.cfg.Agents.Status(v.AgentID); ok {
		view.Agent = agentStatus(agentState(c))
	} else {
		// Not logged in on this node: what SQL knows (offline or paused).
		view.Agent = console.AgentStatus{ID: ag.ID, Name: ag.Name, State: string(ag.State), PauseReason: ag.PauseReason}
	}
	for _, id := range ag.CampaignIDs {
		if c, err := f.cfg.Store.GetCampaign(ctx, id); err == nil {
			view.Campaigns = append(view.Campaigns, console.CampaignRef{ID: c.ID, Name: c.Name})
		}
	}
	f.mu.Lock()
	if pop := f.pops[v.AgentID]; pop != nil {
		cp := *pop
		view.Call = &cp
	}
	if o := f.offers[v.AgentID]; o != nil {
		cp := *o
		view.Offer = &cp
	}
	f.mu.Unlock()
	if view.Day, err = f.day(ctx, v.AgentID); err != nil {
		return nil, err
	}
	return view, nil
}

// agentStatus is the agent.state payload as the snapshot's agent: the same
// JSON.
func agentStatus(s live.AgentState) console.AgentStatus {
	return console.AgentStatus{ID: s.AgentID, Name: s.Name, State: s.State, PauseReason: s.Reason, Since: s.Since,
		WrapUpEndsAt: s.WrapUpEndsAt, PauseAfterCall: s.PauseAfterCall, PauseAfterCallReason: s.PauseAfterCallReason}
}
