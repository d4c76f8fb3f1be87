package dialer

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/alo-dialer/alo/campaigns"
	"github.com/alo-dialer/alo/compliance"
	"github.com/alo-dialer/alo/dialer/agent"
	"github.com/alo-dialer/alo/dialer/audio"
	"github.com/alo-dialer/alo/dialer/prompt"
	"github.com/alo-dialer/alo/pacing"
)

// CampaignSource lists the campaigns this node should pace. *campaigns.Store
// satisfies it.
type CampaignSource interface {
	RunningCampaigns(ctx context.Context) ([]campaigns.Campaign, error)
}

// EngineConfig holds the engine's dependencies.
type EngineConfig struct {
	// Node names this process in claims and dialing rows.
	Node      string
	Campaigns CampaignSource
	Attempts  AttemptSource
	Marker    AttemptMarker
	Gate      compliance.Gate
	Agents    *agent.Registry
	SIP       CustomerDialer
	Clock     func() time.Time
	Log       *slog.Logger
	// Tick is the pacer's period (at most 250 ms; events wake it sooner).
	Tick time.Duration
	// Refresh is how often the running campaigns are listed again.
	Refresh time.Duration
	// Heartbeat, when set, is called every HeartbeatEvery so other nodes
	// know this one's claims and calls have an owner.
	Heartbeat      func(ctx context.Context) error
	HeartbeatEvery time.Duration

	// Prompts holds the recorded messages (safe harbour, machine message)
	// by language; nil means the shipped ones (BuiltinPrompts), fallback en.
	Prompts *audio.Prompts
	// Library, when set, supplies the prompts instead (uploads included,
	// an upload seen on the next call).
	Library *prompt.Library
	// Abandonment gives a campaign's abandonment threshold and clock start
	// (from its rule set); nil means DefaultAbandonRule.
	Abandonment func(ctx context.Context, campaignID int64) (AbandonRule, error)
	// DNC records the stop key pressed during the safe-harbour message; nil
	// means the key is logged but not recorded.
	DNC DNCAdder
	// StopKey is the key that asks for no more calls; 0 means DefaultStopKey.
	StopKey rune
	// Budget reads a campaign's abandonment ledger for the legal window in
	// force at the given instant (the compliance ledger through the rule
	// gate); policies that do not reserve an agent overdial only against
	// it. nil means no ledger is known: they stay progressive.
	Budget func(ctx context.Context, campaignID int64, at time.Time) (pacing.Budget, error)
	// RecordingsDir is where recorded calls are written
	// (<dir>/<campaign>/<attempt>.wav); "" turns recording off.
	RecordingsDir string
	// Disposer records what a recorded (agentless) call concluded from its
	// keys; nil means key results are logged only.
	Disposer Disposer
	// Events hears bridged calls' bridges and ends, for the consoles; nil
	// hears nothing. It is called on the call path and must not wait.
	Events CallEvents
	// Ready, when set, is asked before every claim: a node that is not
	// ready (storage, Redis, audit trail, draining) places no new call.
	Ready func() (bool, string)
	// Offers hears preview campaigns' offers to agents; nil hears nothing
	// (the offer still times out by the campaign's preview.at_zero).
	Offers OfferEvents
	// OfferTimer starts an offer's deadline timer and returns its channel
	// and stop; nil means a real timer (tests fire it themselves).
	OfferTimer func(time.Duration) (<-chan time.Time, func())
}

// Engine runs one pacer per running campaign on this node.
type Engine struct {
	cfg EngineConfig

	mu     sync.Mutex
	pacers map[int64]*pacerRun
	wake   chan struct{}
	// agentReady delivers the campaigns of agents who just became able
	// to take a call (agent.Registry.Ready).
	agentReady <-chan []int64

	bridgeLatency *latencyRecorder // answer to the customer's audio switched to the agent
	audioLatency  *latencyRecorder // answer to the first customer packet sent to the agent
	customerStart *latencyRecorder // answer to the customer's first packet (the far end's part)

	live   liveCalls  // each agent's bridged call, for the console's controls
	offers *offerBook // preview offers awaiting their agent
}

type pacerRun struct {
	p      *pacer
	cancel context.CancelFunc
	done   chan struct{}
}

// AnswerToBridged summarises this node's recent answer-to-bridged
// latencies: from the 200 OK's arrival (AMD off) or the AMD verdict until
// the customer's stream is switched to the agent, so that the next packet
// the customer sends goes straight on. This is alo's own time.
func (e *Engine) AnswerToBridged() LatencySummary { return e.bridgeLatency.summary() }

// AnswerToAgentAudio summarises the recent latencies from the same start to
// the first packet of the customer's audio actually sent to the agent
// (docs/architecture.md's literal measure). It also holds the wait for the customer's
// first packet: a phone or carrier that starts its stream 30 ms after its
// 200 OK adds those 30 ms.
func (e *Engine) AnswerToAgentAudio() LatencySummary { return e.audioLatency.summary() }

// AnswerToCustomerAudio summarises, for the same calls, when the customer's
// first RTP packet arrived after the 200 OK: the far end's share of
// AnswerToAgentAudio.
func (e *Engine) AnswerToCustomerAudio() LatencySummary { return e.customerStart.summary() }

// NewEngine returns an engine; Run starts it.
func NewEngine(cfg EngineConfig) *Engine {
	if cfg.Tick <= 0 || cfg.Tick > 250*time.Millisecond {
		cfg.Tick = 250 * time.Millisecond
	}
	if cfg.Refresh <= 0 {
		cfg.Refresh = time.Second
	}
	if cfg.HeartbeatEvery <= 0 {
		cfg.HeartbeatEvery = 2 * time.Second
	}
	if cfg.Prompts == nil {
		cfg.Prompts = audio.NewPrompts(prompt.Builtin(), "en")
	}
	if cfg.Events == nil {
		cfg.Events = noCallEvents{}
	}
	if cfg.Offers == nil {
		cfg.Offers = noOfferEvents{}
	}
	if cfg.OfferTimer == nil {
		cfg.OfferTimer = realOfferTimer
	}
	e := &Engine{cfg: cfg, pacers: map[int64]*pacerRun{}, wake: make(chan struct{}, 1), bridgeLatency: newLatencyRecorder(), audioLatency: newLatencyRecorder(),
		customerStart: newLatencyRecorder(), offers: newOfferBook()}
	if cfg.Agents != nil {
		e.agentReady = cfg.Agents.Ready()
	}
	return e
}

// prompts is the engine's message set.
func (e *Engine) prompts() *audio.Prompts {
	if e.cfg.Library != nil {
		return e.cfg.Library.Prompts()
	}
	return e.cfg.Prompts
}

// Wake makes the campaign's pacer decide at once (an agent became ready, a
// campaign started). Unknown campaigns make the engine look for new ones.
func (e *Engine) Wake(campaignID int64) {
	e.mu.Lock()
	r, ok := e.pacers[campaignID]
	e.mu.Unlock()
	if ok {
		r.p.poke()
		return
	}
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// WakeAll wakes the pacers of every campaign in ids.
func (e *Engine) WakeAll(ids []int64) {
	for _, id := range ids {
		e.Wake(id)
	}
}

// Run paces until ctx ends, then waits for every pacer to finish its calls.
func (e *Engine) Run(ctx context.Context) error {
	refresh := time.NewTicker(e.cfg.Refresh)
	defer refresh.Stop()
	beat := time.NewTicker(e.cfg.HeartbeatEvery)
	defer beat.Stop()
	e.beat(ctx)
	e.sync(ctx)
	for {
		select {
		case <-ctx.Done():
			e.stopAll()
			return nil
		case <-beat.C:
			e.beat(ctx)
		case <-refresh.C:
			e.sync(ctx)
		case <-e.wake:
			e.sync(ctx)
		case ids := <-e.agentReady:
			e.WakeAll(ids)
		}
	}
}

func (e *Engine) beat(ctx context.Context) {
	if e.cfg.Heartbeat == nil {
		return
	}
	if err := e.cfg.Heartbeat(ctx); err != nil && ctx.Err() == nil {
		e.cfg.Log.Warn("node heartbeat", "node", e.cfg.Node, "err", err)
	}
}

// sync starts pacers for newly running campaigns and stops those of
// campaigns paused elsewhere. A stopped pacer lets its calls finish.
func (e *Engine) sync(ctx context.Context) {
	running, err := e.cfg.Campaigns.RunningCampaigns(ctx)
	if err != nil {
		if ctx.Err() == nil {
			e.cfg.Log.Warn("list running campaigns", "err", err)
		}
		return
	}
	seen := map[int64]bool{}
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, c := range running {
		seen[c.ID] = true
		if r, ok := e.pacers[c.ID]; ok {
			c := c
			r.p.campaign.Store(&c)
			continue
		}
		policy, err := pacing.ByName(c.Pacing)
		if err != nil {
			e.cfg.Log.Error("campaign pacing policy", "campaign", c.ID, "err", err)
			continue
		}
		pctx, cancel := context.WithCancel(ctx)
		r := &pacerRun{p: newPacer(ctx, e, c, policy), cancel: cancel, done: make(chan struct{})}
		e.pacers[c.ID] = r
		go func() {
			defer close(r.done)
			r.p.run(pctx)
		}()
		e.cfg.Log.Info("pacer started", "campaign", c.ID, "policy", policy.Name())
		r.p.poke()
	}
	for id, r := range e.pacers {
		if !seen[id] {
			// Paused: stop pulling at once; calls in progress go on.
			r.cancel()
			delete(e.pacers, id)
			e.cfg.Log.Info("pacer stopped", "campaign", id)
		}
	}
}

func (e *Engine) stopAll() {
	e.mu.Lock()
	runs := make([]*pacerRun, 0, len(e.pacers))
	for id, r := range e.pacers {
		r.cancel()
		runs = append(runs, r)
		delete(e.pacers, id)
	}
	e.mu.Unlock()
	for _, r := range runs {
		<-r.done
	}
}
