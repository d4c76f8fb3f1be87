package dialer

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/alo-dialer/alo/campaigns"
	"github.com/alo-dialer/alo/dialer/agent"
	"github.com/alo-dialer/alo/dialer/media"
	"github.com/alo-dialer/alo/dialer/sipua"
	"github.com/alo-dialer/alo/dialer/trunk"
	"github.com/alo-dialer/alo/internal/sipptest"
	"github.com/alo-dialer/alo/internal/testenv"
	"github.com/alo-dialer/alo/pacing"
)

// bridgeSignal tells a test the moment a call is bridged.
type bridgeSignal struct {
	callEventRecorder
	bridgedCh chan CallBridged
}

func (r *bridgeSignal) CallBridged(b CallBridged) {
	r.callEventRecorder.CallBridged(b)
	r.bridgedCh <- b
}

// TestAgentCallControls: on a bridged call with sipp as the customer (who
// would stay 20 s), the agent mutes, holds and resumes, each changing which
// way audio is relayed, then hangs up from the console: alo sends the BYE,
// the call ends at once as human, "ended by agent", and the controls then
// answer ErrNoCall.
func TestAgentCallControls(t *testing.T) {
	raw := speech(t, "Hello?", 400, 3000, false)
	sf := sipptest.Render(t, "uas_stream.xml", "AUDIO", raw, "SDP_FORMATS", "8", "SDP_EXTRA", "", "HANGUP_MS", "20000")
	carrier := sipptest.Start(t, sf, "-m", "1")
	s := newTestSIP(t, trunk.Trunk{URI: carrier.URI("")})
	phone := newRTPPeer(t)
	pool := media.NewPortPool("127.0.0.1", media.PortRange{Min: 44000, Max: 44999})
	agents := agent.NewRegistry(agent.Config{DB: testDB(t), Clock: time.Now, Log: testenv.Logger(t),
		Dial: func(context.Context, string) (agent.PhoneLeg, error) {
			return &streamPhoneLeg{fakePhoneLeg: fakePhoneLeg{done: make(chan struct{})},
				s: startedStream(t, pool, media.CodecPCMU, phone.addr())}, nil
		}})
	t.Cleanup(agents.Close)
	ag, err := agents.CreateAgent(context.Background(), agent.NewAgent{Name: "A", SIPURI: "sip:a@127.0.0.1", CampaignIDs: []int64{1}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := agents.SetReady(context.Background(), ag.ID); err != nil {
		t.Fatal(err)
	}
	src := &fakeAttempts{done: make(chan struct{}, 8)}
	events := &bridgeSignal{bridgedCh: make(chan CallBridged, 1)}
	e := NewEngine(EngineConfig{Attempts: src, Marker: &fakeMarker{}, Agents: agents, SIP: s, Clock: time.Now, Log: testenv.Logger(t), Events: events})
	if _, err := e.AgentCall(ag.ID); !errors.Is(err, ErrNoCall) {
		t.Fatalf("AgentCall before any call: %v, want ErrNoCall", err)
	}
	camp := campaigns.Campaign{ID: 1, ClientID: 3}
	cl := campaigns.Claimed{Key: campaigns.AttemptKey{CampaignID: 1, ContactID: 7, Number: 1}, Campaign: camp,
		Contact: campaigns.Contact{ID: 7, CampaignID: 1, Phone: "+998901234567"}}
	p := newPacer(context.Background(), e, camp, pacing.Progressive{})
	leg, res, err := s.DialCustomer(dialCtx(t), cl.Contact.Phone, sipua.DialOptions{RingTimeout: 5 * time.Second})
	if err != nil || !res.Answered {
		t.Fatalf("DialCustomer: %+v, %v", res, err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		p.connect(dialCtx(t), p.log, cl, 42, leg, nil)
	}()
	<-events.bridgedCh
	cust := leg.Media()
	lc, err := e.live.get(ag.ID)
	if err != nil {
		t.Fatal(err)
	}
	agStream := lc.ag
	steps := []struct {
		name            string
		do              func() (CallControl, error)
		toAgent, toCust bool
		muted, held     bool
	}{
		{"mute", func() (CallControl, error) { return e.SetAgentMute(ag.ID, true) }, true, false, true, false},
		{"hold while muted", func() (CallControl, error) { return e.SetAgentHold(ag.ID, true) }, false, false, true, true},
		{"unmute on hold", func() (CallControl, error) { return e.SetAgentMute(ag.ID, false) }, false, false, false, true},
		{"resume", func() (CallControl, error) { return e.SetAgentHold(ag.ID, false) }, true, true, false, false},
	}
	for _, st := range steps {
		cc, err := st.do()
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if cc.Muted != st.muted || cc.Held != st.held || cc.AttemptID != 42 || cc.AgentID != ag.ID {
			t.Errorf("%s: state %+v, want muted %v held %v on attempt 42", st.name, cc, st.muted, st.held)
		}
		if got := cust.Forwarding() == agStream; got != st.toAgent {
			t.Errorf("%s: customer relayed to the agent = %v, want %v", st.name, got, st.toAgent)
		}
		if got := agStream.Forwarding() == cust; got != st.toCust {
			t.Errorf("%s: agent relayed to the customer = %v, want %v", st.name, got, st.toCust)
		}
	}
	start := time.Now()
	if err := e.HangupAgentCall(ag.ID); err != nil {
		t.Fatal(err)
	}
	<-done
	carrier.Wait(t) // sipp got alo's BYE rather than hanging up itself at 20 s
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("call ended %v after the agent's hang-up", d)
	}
	if len(src.finished) != 1 || src.finished[0].Outcome != campaigns.OutcomeHuman || !strings.Contains(src.finished[0].Reason, "ended by agent") {
		t.Fatalf("finished = %+v, want human ended by agent", src.finished)
	}
	if err := e.HangupAgentCall(ag.ID); !errors.Is(err, ErrNoCall) {
		t.Errorf("hang up after the call: %v, want ErrNoCall", err)
	}
	if _, err := e.SetAgentMute(ag.ID, true); !errors.Is(err, ErrNoCall) {
		t.Errorf("mute after the call: %v, want ErrNoCall", err)
	}
}
