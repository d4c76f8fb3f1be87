package dialer

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/alo-dialer/alo/campaigns"
	"github.com/alo-dialer/alo/compliance"
	"github.com/alo-dialer/alo/dialer/agent"
	"github.com/alo-dialer/alo/dialer/audio"
	"github.com/alo-dialer/alo/dialer/media"
	"github.com/alo-dialer/alo/dialer/sipua"
	"github.com/alo-dialer/alo/dialer/trunk"
	"github.com/alo-dialer/alo/internal/sipptest"
	"github.com/alo-dialer/alo/internal/testenv"
	"github.com/alo-dialer/alo/pacing"
	"github.com/alo-dialer/alo/sqldb"
)

// fakeMarker keeps the moments and media facts connect records.
type fakeMarker struct {
	mu       sync.Mutex
	answered time.Time
	bridged  time.Time
	media    campaigns.AttemptMedia
}

func (m *fakeMarker) MarkAnswered(_ context.Context, _ int64, at time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.answered = at
	return nil
}

func (m *fakeMarker) MarkBridged(_ context.Context, _, _ int64, at time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.bridged = at
	return nil
}

func (m *fakeMarker) MarkMedia(_ context.Context, _ int64, md campaigns.AttemptMedia) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.media = md
	return nil
}

// testDNC is a compliance DNC store on its own SQLite database.
func testDNC(t *testing.T) (*compliance.DNCStore, *compliance.DNCIndex) {
	t.Helper()
	db := testenv.SQLite(t)
	if err := sqldb.Migrate(context.Background(), db, "compliance", compliance.Migrations); err != nil {
		t.Fatal(err)
	}
	idx := compliance.NewDNCIndex(nil)
	return compliance.NewDNCStore(db.DB, idx, nil, time.Now), idx
}

// TestSafeHarbourStopKey: a live answer with no agent free hears the
// abandonment message within the threshold; the customer presses 9 (RFC
// 4733 from sipp), the number goes on the client's DNC list, alo hangs up
// and the attempt is abandoned.
func TestSafeHarbourStopKey(t *testing.T) {
	carrier := sipptest.Start(t, "uas_safe_harbour.xml", "-m", "1")
	s := newTestSIP(t, trunk.Trunk{URI: carrier.URI("")})
	agents := agent.NewRegistry(agent.Config{DB: testDB(t), Clock: time.Now, Log: testenv.Logger(t)}) // nobody logged in
	t.Cleanup(agents.Close)
	dnc, idx := testDNC(t)
	src := &fakeAttempts{done: make(chan struct{}, 8)}
	marker := &fakeMarker{}
	e := NewEngine(EngineConfig{Attempts: src, Marker: marker, Agents: agents, SIP: s, Clock: time.Now,
		Log: testenv.Logger(t), DNC: dnc})
	camp := campaigns.Campaign{ID: 1, ClientID: 3, Language: "ru"}
	cl := campaigns.Claimed{Key: campaigns.AttemptKey{CampaignID: 1, ContactID: 7, Number: 1}, Campaign: camp,
		Contact: campaigns.Contact{ID: 7, CampaignID: 1, Phone: "+998901234567", Language: "en"}}
	p := newPacer(context.Background(), e, camp, pacing.Progressive{})

	leg, res, err := s.DialCustomer(dialCtx(t), cl.Contact.Phone, sipua.DialOptions{RingTimeout: 5 * time.Second})
	if err != nil || !res.Answered {
		t.Fatalf("DialCustomer: %+v, %v", res, err)
	}
	p.connect(dialCtx(t), p.log, cl, 42, leg, nil)
	carrier.Wait(t) // sipp got alo's BYE

	if len(src.finished) != 1 || src.finished[0].Outcome != campaigns.OutcomeAbandoned {
		t.Fatalf("finished = %+v, want one abandoned", src.finished)
	}
	m := marker.media
	if m.MessageAt == nil || m.Key != "9" {
		t.Fatalf("media = %+v, want message start and key 9", m)
	}
	if wait := m.MessageAt.Sub(marker.answered); wait > DefaultAbandonRule.Threshold+100*time.Millisecond || wait < DefaultAbandonRule.Threshold-50*time.Millisecond {
		t.Errorf("message started %v after the answer, want about the 2 s threshold", wait)
	}
	t.Logf("answer to message: %v", m.MessageAt.Sub(marker.answered))
	rec, listed := idx.Listed(cl.Contact.Phone, camp.ClientID, camp.ID, nil, time.Now())
	if !listed || rec.Source != compliance.SourceKeyPress || rec.Scope != compliance.ScopeClient {
		t.Fatalf("DNC after key 9: %+v listed=%v", rec, listed)
	}
	// The next attempt to the number is refused: the client's list covers
	// every campaign of the client.
	if _, listed := idx.Listed(cl.Contact.Phone, camp.ClientID, 99, nil, time.Now()); !listed {
		t.Error("another campaign of the same client would still call")
	}
}

// speech makes raw A-law audio for sipp's rtp_stream: text spoken by
// espeak-ng, padded with silence, optionally followed by a beep.
func speech(t *testing.T, text string, leadMs, tailMs int, beep bool) string {
	t.Helper()
	for _, tool := range []string{"espeak-ng", "sox"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (test.sh installs it)", tool)
		}
	}
	dir := t.TempDir()
	wav := filepath.Join(dir, "speech.wav")
	if out, err := exec.Command("espeak-ng", "-v", "en", "-s", "165", "-w", wav, text).CombinedOutput(); err != nil {
		t.Fatalf("espeak-ng: %v\n%s", err, out)
	}
	in := []string{wav}
	if beep {
		b := filepath.Join(dir, "beep.wav")
		if out, err := exec.Command("sox", "-n", "-r", "22050", "-c", "1", b, "synth", "0.5", "sine", "1000", "vol", "0.5", "pad", "0.4", "0").CombinedOutput(); err != nil {
			t.Fatalf("sox beep: %v\n%s", err, out)
		}
		in = append(in, b)
	}
	raw := filepath.Join(dir, "speech.al")
	args := append(in, "-r", "8000", "-c", "1", "-e", "a-law", "-t", "raw", raw,
		"pad", fmt.Sprintf("%.3f", float64(leadMs)/1000), fmt.Sprintf("%.3f", float64(tailMs)/1000))
	if out, err := exec.Command("sox", args...).CombinedOutput(); err != nil {
		t.Fatalf("sox: %v\n%s", err, out)
	}
	return raw
}

// TestAMDThroughSipp: a customer's audio played by sipp reaches the answer
// analysis; a short "hello" is a person (here: no agent, so the safe
// harbour), a long greeting with a beep is a machine (hung up at once).
func TestAMDThroughSipp(t *testing.T) {
	tests := []struct {
		name        string
		text        string
		beep        bool
		wantVerdict string
		wantOutcome campaigns.Outcome
	}{
		{name: "human", text: "Hello?", wantVerdict: "HUMAN", wantOutcome: campaigns.OutcomeAbandoned},
		{name: "machine", text: "Hi, you have reached the voicemail of John Smith. I cannot take your call right now, please leave your name and number after the tone.",
			beep: true, wantVerdict: "MACHINE", wantOutcome: campaigns.OutcomeMachine},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := speech(t, tt.text, 400, 3000, tt.beep)
			sf := sipptest.Render(t, "uas_stream.xml", "AUDIO", raw, "SDP_FORMATS", "8", "SDP_EXTRA", "", "HANGUP_MS", "4500")
			carrier := sipptest.Start(t, sf, "-m", "1")
			s := newTestSIP(t, trunk.Trunk{URI: carrier.URI("")})
			agents := agent.NewRegistry(agent.Config{DB: testDB(t), Clock: time.Now, Log: testenv.Logger(t)})
			t.Cleanup(agents.Close)
			src := &fakeAttempts{done: make(chan struct{}, 8)}
			marker := &fakeMarker{}
			e := NewEngine(EngineConfig{Attempts: src, Marker: marker, Agents: agents, SIP: s, Clock: time.Now, Log: testenv.Logger(t)})
			camp := campaigns.Campaign{ID: 1, ClientID: 3, AMD: campaigns.AMDSettings{Enabled: true, MachineAction: campaigns.MachineHangup}}
			cl := campaigns.Claimed{Key: campaigns.AttemptKey{CampaignID: 1, ContactID: 7, Number: 1}, Campaign: camp,
				Contact: campaigns.Contact{ID: 7, CampaignID: 1, Phone: "+998901234567"}}
			p := newPacer(context.Background(), e, camp, pacing.Progressive{})
			leg, res, err := s.DialCustomer(dialCtx(t), cl.Contact.Phone, sipua.DialOptions{RingTimeout: 5 * time.Second})
			if err != nil || !res.Answered {
				t.Fatalf("DialCustomer: %+v, %v", res, err)
			}
			p.connect(dialCtx(t), p.log, cl, 42, leg, nil)
			carrier.Wait(t)
			m := marker.media
			if m.AMDVerdict != tt.wantVerdict || m.AMDDecidedAt == nil {
				t.Fatalf("media = %+v, want verdict %s", m, tt.wantVerdict)
			}
			if len(src.finished) != 1 || src.finished[0].Outcome != tt.wantOutcome {
				t.Fatalf("finished = %+v, want %s", src.finished, tt.wantOutcome)
			}
			t.Logf("%s: %s (%s) after %v; greeting end %v", tt.name, m.AMDVerdict, m.AMDCause,
				m.AMDDecidedAt.Sub(marker.answered).Round(time.Millisecond), m.GreetingEndAt)
		})
	}
}

// TestSafeHarbourInbandKey: a trunk that did not negotiate telephone-event
// sends the key as tones; the in-band detector hears 9 during the message.
func TestSafeHarbourInbandKey(t *testing.T) {
	pcm := audio.AppendSilence(nil, audio.MillisToSamples(2600))
	pcm, err := audio.AppendDTMF(pcm, '9', audio.MillisToSamples(200), 8000)
	if err != nil {
		t.Fatal(err)
	}
	pcm = audio.AppendSilence(pcm, audio.MillisToSamples(2000))
	alaw, err := audio.PCMA.Encode(nil, pcm)
	if err != nil {
		t.Fatal(err)
	}
	raw := filepath.Join(t.TempDir(), "key9.al")
	if err := os.WriteFile(raw, alaw, 0o644); err != nil {
		t.Fatal(err)
	}
	sf := sipptest.Render(t, "uas_stream.xml", "AUDIO", raw, "SDP_FORMATS", "8", "SDP_EXTRA", "", "HANGUP_MS", "10000")
	carrier := sipptest.Start(t, sf, "-m", "1")
	s := newTestSIP(t, trunk.Trunk{URI: carrier.URI("")})
	agents := agent.NewRegistry(agent.Config{DB: testDB(t), Clock: time.Now, Log: testenv.Logger(t)})
	t.Cleanup(agents.Close)
	dnc, idx := testDNC(t)
	src := &fakeAttempts{done: make(chan struct{}, 8)}
	marker := &fakeMarker{}
	e := NewEngine(EngineConfig{Attempts: src, Marker: marker, Agents: agents, SIP: s, Clock: time.Now, Log: testenv.Logger(t), DNC: dnc})
	camp := campaigns.Campaign{ID: 1, ClientID: 3}
	cl := campaigns.Claimed{Key: campaigns.AttemptKey{CampaignID: 1, ContactID: 7, Number: 1}, Campaign: camp,
		Contact: campaigns.Contact{ID: 7, CampaignID: 1, Phone: "+998901234567"}}
	p := newPacer(context.Background(), e, camp, pacing.Progressive{})
	leg, res, err := s.DialCustomer(dialCtx(t), cl.Contact.Phone, sipua.DialOptions{RingTimeout: 5 * time.Second})
	if err != nil || !res.Answered {
		t.Fatalf("DialCustomer: %+v, %v", res, err)
	}
	if leg.Media().HasTelephoneEvents() {
		t.Fatal("the trunk negotiated telephone-event; this test needs it absent")
	}
	p.connect(dialCtx(t), p.log, cl, 42, leg, nil)
	carrier.Wait(t)
	if len(src.finished) != 1 || src.finished[0].Outcome != campaigns.OutcomeAbandoned || marker.media.Key != "9" {
		t.Fatalf("finished = %+v, media %+v", src.finished, marker.media)
	}
	if _, listed := idx.Listed(cl.Contact.Phone, camp.ClientID, camp.ID, nil, time.Now()); !listed {
		t.Fatal("number not on the DNC list after the in-band key")
	}
}

// streamPhoneLeg is an agent's phone leg with a real RTP stream towards a
// local socket standing in for the phone.
type streamPhoneLeg struct {
	fakePhoneLeg
	s *media.Stream
}

func (l *streamPhoneLeg) Media() *media.Stream { return l.s }

// TestConnectTakesAgentFreedInTime: a call launched without a reservation
// (predictive pacing) is answered while every agent is busy; one becomes
// ready within the threshold, and the call is bridged to it: the phone
// hears the call-arrived tone, then the customer.
func TestConnectTakesAgentFreedInTime(t *testing.T) {
	raw := speech(t, "Hello?", 400, 3000, false)
	sf := sipptest.Render(t, "uas_stream.xml", "AUDIO", raw, "SDP_FORMATS", "8", "SDP_EXTRA", "", "HANGUP_MS", "3000")
	carrier := sipptest.Start(t, sf, "-m", "1")
	s := newTestSIP(t, trunk.Trunk{URI: carrier.URI("")})
	phone := newRTPPeer(t)
	pool := media.NewPortPool("127.0.0.1", media.PortRange{Min: 44000, Max: 44999})
	up := make(chan struct{}, 1)
	agents := agent.NewRegistry(agent.Config{DB: testDB(t), Clock: time.Now, Log: testenv.Logger(t),
		Dial: func(context.Context, string) (agent.PhoneLeg, error) {
			return &streamPhoneLeg{fakePhoneLeg: fakePhoneLeg{done: make(chan struct{})},
				s: startedStream(t, pool, media.CodecPCMU, phone.addr())}, nil
		}})
	onReady(t, agents, func([]int64) {
		select {
		case up <- struct{}{}:
		default:
		}
	})
	t.Cleanup(agents.Close)
	ag, err := agents.CreateAgent(context.Background(), agent.NewAgent{Name: "A", SIPURI: "sip:a@127.0.0.1", CampaignIDs: []int64{1}})
	if err != nil {
		t.Fatal(err)
	}
	src := &fakeAttempts{done: make(chan struct{}, 8)}
	marker := &fakeMarker{}
	events := &callEventRecorder{}
	e := NewEngine(EngineConfig{Attempts: src, Marker: marker, Agents: agents, SIP: s, Clock: time.Now, Log: testenv.Logger(t), Events: events})
	camp := campaigns.Campaign{ID: 1, ClientID: 3}
	cl := campaigns.Claimed{Key: campaigns.AttemptKey{CampaignID: 1, ContactID: 7, Number: 1}, Campaign: camp,
		Contact: campaigns.Contact{ID: 7, CampaignID: 1, Phone: "+998901234567"}}
	p := newPacer(context.Background(), e, camp, pacing.Progressive{})
	leg, res, err := s.DialCustomer(dialCtx(t), cl.Contact.Phone, sipua.DialOptions{RingTimeout: 5 * time.Second})
	if err != nil || !res.Answered {
		t.Fatalf("DialCustomer: %+v, %v", res, err)
	}
	time.AfterFunc(500*time.Millisecond, func() { _, _ = agents.SetReady(context.Background(), ag.ID) })
	p.connect(dialCtx(t), p.log, cl, 42, leg, nil)
	carrier.Wait(t)
	<-up
	if len(src.finished) != 1 || src.finished[0].Outcome != campaigns.OutcomeHuman || src.finished[0].MediaToAgent == 0 {
		t.Fatalf("finished = %+v, want human with media relayed", src.finished)
	}
	wait := marker.bridged.Sub(marker.answered)
	if marker.bridged.IsZero() || wait > DefaultAbandonRule.Threshold {
		t.Fatalf("bridged %v after the answer, want within the threshold", wait)
	}
	t.Logf("answer to bridge: %v (agent ready after 500 ms)", wait)
	if n := agents.ReadyFor(1); n != 1 {
		t.Errorf("agent not ready again after the call: %d", n)
	}
	// The consoles heard the bridge (with the contact, at the instant
	// written as bridged_at) and then the end, after the outcome.
	if len(events.bridged) != 1 || len(events.ended) != 1 {
		t.Fatalf("call events: %d bridged, %d ended; want one of each", len(events.bridged), len(events.ended))
	}
	b, end := events.bridged[0], events.ended[0]
	if b.AttemptID != 42 || b.AgentID != ag.ID || b.Contact.Phone != cl.Contact.Phone || b.Campaign.ID != 1 || !b.At.Equal(marker.bridged) {
		t.Errorf("bridged event %+v, want attempt 42, agent %d, the contact, bridged at %v", b, ag.ID, marker.bridged)
	}
	if end.AttemptID != 42 || end.AgentID != ag.ID || end.Outcome != campaigns.OutcomeHuman || end.ClientID != 3 ||
		!end.BridgedAt.Equal(b.At) || end.At.Before(b.At) || !end.WrapUpEndsAt.IsZero() {
		t.Errorf("ended event %+v, want attempt 42 human after the bridge, no wrap-up", end)
	}
}

// callEventRecorder keeps the call events an engine reports.
type callEventRecorder struct {
	mu      sync.Mutex
	bridged []CallBridged
	ended   []CallEnded
}

func (r *callEventRecorder) CallBridged(b CallBridged) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.bridged = append(r.bridged, b)
}

func (r *callEventRecorder) CallEnded(e CallEnded) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ended = append(r.ended, e)
}
