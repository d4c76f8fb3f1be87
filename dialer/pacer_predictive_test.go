package dialer

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alo-dialer/alo/campaigns"
	"github.com/alo-dialer/alo/compliance"
	"github.com/alo-dialer/alo/dialer/agent"
	"github.com/alo-dialer/alo/dialer/media"
	"github.com/alo-dialer/alo/dialer/sipsim"
	"github.com/alo-dialer/alo/dialer/sipua"
	"github.com/alo-dialer/alo/dialer/trunk"
	"github.com/alo-dialer/alo/internal/testenv"
	"github.com/alo-dialer/alo/pacing"
)

// overdialPolicy passes decisions through and keeps the largest surplus
// of calls in flight over ready agents it asked for.
type overdialPolicy struct {
	pacing.Policy
	mu      sync.Mutex
	surplus int
	snaps   int
	busy    int // most busy agents seen in one snapshot
}

func (o *overdialPolicy) Decide(s pacing.Snapshot) pacing.Decision {
	d := o.Policy.Decide(s)
	o.mu.Lock()
	defer o.mu.Unlock()
	o.snaps++
	o.surplus = max(o.surplus, s.Dialing+d.Launch-s.ReadyAgents)
	o.busy = max(o.busy, len(s.Busy))
	return d
}

// guaranteeGate allows every call and records whether the pacer said a
// live agent was guaranteed.
type guaranteeGate struct {
	mu         sync.Mutex
	guaranteed int
	checks     int
}

func (g *guaranteeGate) Check(_ context.Context, r compliance.Request) (compliance.Decision, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.checks++
	if r.GuaranteedAgent {
		g.guaranteed++
	}
	return compliance.Decision{Allow: true, Reason: "ok", RuleSet: "test"}, nil
}

// bridgeMarker counts the attempts bridged to an agent.
type bridgeMarker struct {
	mu      sync.Mutex
	bridged map[int64]bool
}

func (m *bridgeMarker) MarkAnswered(context.Context, int64, time.Time) error { return nil }

func (m *bridgeMarker) MarkBridged(_ context.Context, id, _ int64, _ time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.bridged[id] = true
	return nil
}

// knownDist is a duration distribution observed from evenly spread
// samples between lo and hi.
func knownDist(width, lo, hi time.Duration) *pacing.DurationDist {
	d := pacing.NewDurationDist(width, 2*time.Minute, 200)
	for i := range 100 {
		d.Observe(lo + time.Duration(i)*(hi-lo)/99)
	}
	return d
}

// TestPredictiveOverdialsThroughSIP: a predictive campaign with four agents
// (sipsim phones, nailed up over SIP) and a carrier where 30 % of calls
// are answered by a person launches more calls than agents are ready,
// without reserving agents or claiming a guaranteed agent at the gate; and
// every answered call is either bridged to an agent or abandoned through
// the safe-harbour message: none is left silent.
func TestPredictiveOverdialsThroughSIP(t *testing.T) {
	const nAgents, nContacts = 4, 30
	log := testenv.Logger(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	carrier, err := sipsim.NewCarrier(sipsim.CarrierConfig{Addr: "127.0.0.1:0", AnswerRate: 0.3,
		RingMin: 200 * time.Millisecond, RingMax: 800 * time.Millisecond,
		TalkMin: 3 * time.Second, TalkMax: 4 * time.Second, Seed: 1}, log)
	if err != nil {
		t.Fatal(err)
	}
	phones, err := sipsim.NewPhones(sipsim.PhoneConfig{Addr: "127.0.0.1:0"}, log)
	if err != nil {
		t.Fatal(err)
	}
	var served sync.WaitGroup
	served.Add(2)
	go func() { defer served.Done(); _ = carrier.Serve(ctx) }()
	go func() { defer served.Done(); _ = phones.Serve(ctx) }()
	t.Cleanup(served.Wait)
	<-carrier.Ready()
	<-phones.Ready()

	rtp := testenv.EvenPorts(t, 64)
	s, err := sipua.New(sipua.Config{ListenAddr: "127.0.0.1:0", RTPPorts: media.PortRange{Min: rtp, Max: rtp + 63},
		Trunk: trunk.Trunk{URI: "sip:" + carrier.Addr()}, UserAgent: "alo-test"}, log)
	if err != nil {
		t.Fatal(err)
	}
	sipCtx, stopSIP := context.WithCancel(context.Background())
	sipDone := make(chan struct{})
	go func() { defer close(sipDone); _ = s.Serve(sipCtx) }()
	t.Cleanup(func() { stopSIP(); <-sipDone })
	<-s.Ready()

	var p *pacer
	agents := agent.NewRegistry(agent.Config{DB: testDB(t), Clock: time.Now, Log: log,
		Dial: func(ctx context.Context, uri string) (agent.PhoneLeg, error) {
			leg, res, err := s.DialAgent(ctx, uri, sipua.DialOptions{AutoAnswer: true, RingTimeout: 5 * time.Second})
			if err != nil {
				return nil, err
			}
			if !res.Answered {
				return nil, fmt.Errorf("agent phone %s: %d", uri, res.Code)
			}
			return leg, nil
		}})
	onReady(t, agents, func([]int64) {
		if p != nil {
			p.poke()
		}
	})
	t.Cleanup(agents.Close)

	camp := campaigns.Campaign{ID: 1, ClientID: 3, Pacing: "predictive", RingTimeout: 2 * time.Second,
		DailyStart: 0, DailyEnd: 1440, TimeZone: "UTC"}
	src := &fakeAttempts{done: make(chan struct{}, 1)}
	for i := range nContacts {
		src.queue = append(src.queue, campaigns.Claimed{
			Key:      campaigns.AttemptKey{CampaignID: 1, ContactID: int64(i + 1), Number: 1},
			Campaign: camp,
			Contact:  campaigns.Contact{ID: int64(i + 1), CampaignID: 1, Phone: fmt.Sprintf("+99890100%04d", i)},
		})
	}
	gate := &guaranteeGate{}
	marker := &bridgeMarker{bridged: map[int64]bool{}}
	e := NewEngine(EngineConfig{Node: "n1", Attempts: src, Marker: marker, Gate: gate, Agents: agents, SIP: s,
		Clock: time.Now, Log: log, Tick: 50 * time.Millisecond,
		Budget: func(context.Context, int64, time.Time) (pacing.Budget, error) {
			return pacing.Budget{Cap: 0.03, LiveAnswers: 1000, Abandons: 5}, nil
		}})
	// The predictive policy with the carrier's parameters known: a policy
	// learning from scratch stays progressive for its first hundred dials
	// (cold start), longer than a test should run.
	pol := &overdialPolicy{Policy: pacing.NewPredictive(pacing.PredictiveConfig{
		KnownAnswerRate: func(time.Time) float64 { return 0.3 },
		KnownRing:       knownDist(250*time.Millisecond, 200*time.Millisecond, 800*time.Millisecond),
		KnownFail:       knownDist(250*time.Millisecond, 2*time.Second, 2200*time.Millisecond),
		KnownHandle:     knownDist(time.Second, 3*time.Second, 4*time.Second),
		FixedRisk:       0.2,
	})}
	p = newPacer(ctx, e, camp, pol)

	for i := range nAgents {
		a, err := agents.CreateAgent(ctx, agent.NewAgent{Name: fmt.Sprintf("A%d", i), SIPURI: phones.URI(fmt.Sprintf("agent%d", i)),
			CampaignIDs: []int64{1}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := agents.SetReady(ctx, a.ID); err != nil {
			t.Fatal(err)
		}
	}
	waitUntil(t, 10*time.Second, "agents nailed up", func() bool { return agents.ReadyFor(1) == nAgents })

	runCtx, stopPacer := context.WithCancel(ctx)
	ran := make(chan struct{})
	go func() { defer close(ran); p.run(runCtx) }()
	waitUntil(t, 60*time.Second, "every contact dialed and finished", func() bool {
		src.mu.Lock()
		defer src.mu.Unlock()
		return len(src.finished) == nContacts
	})
	stopPacer()
	<-ran

	src.mu.Lock()
	defer src.mu.Unlock()
	marker.mu.Lock()
	defer marker.mu.Unlock()
	pol.mu.Lock()
	defer pol.mu.Unlock()
	if pol.surplus <= 0 {
		t.Errorf("never launched more calls than ready agents (largest surplus %d over %d decisions)", pol.surplus, pol.snaps)
	}
	if pol.busy == 0 {
		t.Error("no snapshot listed a busy agent")
	}
	gate.mu.Lock()
	if gate.guaranteed != 0 || gate.checks != nContacts {
		t.Errorf("gate: %d checks, %d claiming a guaranteed agent; want %d and 0", gate.checks, gate.guaranteed, nContacts)
	}
	gate.mu.Unlock()

	var live, bridged, abandoned int
	for i, r := range src.finished {
		switch r.Outcome {
		case campaigns.OutcomeHuman:
			live++
			if r.MediaToAgent > 0 {
				bridged++
				continue
			}
			t.Errorf("result %d: live answer neither bridged nor given the message: %+v", i, r)
		case campaigns.OutcomeAbandoned:
			live++
			abandoned++
			if !strings.Contains(r.Reason, "safe-harbour") {
				t.Errorf("result %d: abandoned without the safe-harbour message: %+v", i, r)
			}
		}
	}
	st := carrier.Stats()
	if int64(live) != st.Answered {
		t.Errorf("%d live outcomes, carrier answered %d", live, st.Answered)
	}
	if len(marker.bridged) != bridged {
		t.Errorf("%d attempts marked bridged, %d human outcomes with media to an agent", len(marker.bridged), bridged)
	}
	if live == 0 {
		t.Fatal("no call answered: the test proves nothing")
	}
	t.Logf("%d contacts, %d agents: carrier answered %d (%.0f %%), bridged %d, safe harbour %d; largest surplus of calls over ready agents %d",
		nContacts, nAgents, st.Answered, 100*float64(st.Answered)/float64(st.Invites), bridged, abandoned, pol.surplus)
}

// waitUntil polls cond until it holds or the deadline passes.
func waitUntil(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		<-tick.C
	}
}
