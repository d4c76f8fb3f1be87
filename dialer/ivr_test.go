package dialer

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alo-dialer/alo/campaigns"
	"github.com/alo-dialer/alo/dialer/agent"
	"github.com/alo-dialer/alo/dialer/audio"
	"github.com/alo-dialer/alo/dialer/prompt"
	"github.com/alo-dialer/alo/dialer/sipua"
	spoken "github.com/alo-dialer/alo/dialer/speech"
	"github.com/alo-dialer/alo/dialer/trunk"
	"github.com/alo-dialer/alo/internal/sipptest"
	"github.com/alo-dialer/alo/internal/testenv"
	"github.com/alo-dialer/alo/pacing"
)

// TestReminderPromptsShipped: every part a recorded reminder can need, at
// any date and minute, exists in the shipped prompts of both languages,
// as do the fixed phrases of recorded calls.
func TestReminderPromptsShipped(t *testing.T) {
	pr := audio.NewPrompts(prompt.Builtin(), "en")
	need := map[string]bool{"confirmed": true, "hold": true, "callback_later": true, "notice": true, "notice_keys": true}
	for _, lang := range []string{spoken.English, spoken.Russian} {
		names := map[string]bool{}
		for k := range need {
			names[k] = true
		}
		start := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
		for d := 0; d < 366; d++ {
			for _, n := range spoken.Date(lang, start.AddDate(0, 0, d)) {
				names[n] = true
			}
		}
		for m := 0; m < 24*60; m++ {
			for _, n := range spoken.Time(lang, start.Add(time.Duration(m)*time.Minute)) {
				names[n] = true
			}
		}
		for _, n := range spoken.Reminder(lang, start, nil, "") {
			names[n] = true
		}
		for n := range names {
			pm, err := pr.For(n, lang)
			if err != nil {
				t.Errorf("%s/%s: %v", lang, n, err)
				continue
			}
			if pm.Lang != lang {
				t.Errorf("%s/%s: only in %s", lang, n, pm.Lang)
			}
		}
	}
}

// fakeDisposer keeps the dispositions a recorded call asks for.
type fakeDisposer struct {
	mu  sync.Mutex
	got []campaigns.DisposeRequest
}

func (d *fakeDisposer) Dispose(_ context.Context, r campaigns.DisposeRequest) (campaigns.Disposed, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.got = append(d.got, r)
	return campaigns.Disposed{}, nil
}

// TestAgentlessCall: a recorded call through sipp. A reminder's key 1
// (RFC 4733, or in-band tones when the trunk has no telephone-event)
// confirms the appointment; key 2 with no agent of the campaign logged in
// promises a callback; an answering machine (AMD, message action) is left
// the notice after its beep, without the offer of keys.
func TestAgentlessCall(t *testing.T) {
	appt := time.Date(2027, 3, 23, 5, 30, 0, 0, time.UTC) // 10:30 in Tashkent
	reminder := campaigns.Campaign{ID: 1, ClientID: 3, Type: campaigns.TypeAppointmentReminder, Agentless: true,
		TimeZone: "Asia/Tashkent"}
	notice := campaigns.Campaign{ID: 1, ClientID: 3, Type: campaigns.TypeNotice, Agentless: true,
		AMD: campaigns.AMDSettings{Enabled: true, MachineAction: campaigns.MachineMessage}}
	tests := []struct {
		name        string
		scenario    func(t *testing.T) string
		phone       string
		camp        campaigns.Campaign
		wantOutcome campaigns.Outcome
		wantKey     string
		wantCode    string
	}{
		{name: "key 1 confirms (RFC 4733)", scenario: fixedScenario("uas_keys.xml"), phone: "+998901230061", camp: reminder,
			wantOutcome: campaigns.OutcomeHuman, wantKey: "1", wantCode: "confirmed"},
		{name: "key 2 with no agent promises a callback", scenario: fixedScenario("uas_keys.xml"), phone: "+998901230062", camp: reminder,
			wantOutcome: campaigns.OutcomeHuman, wantKey: "2", wantCode: "callback"},
		{name: "key 1 in-band", scenario: inbandKey('1'), phone: "+998901234567", camp: reminder,
			wantOutcome: campaigns.OutcomeHuman, wantKey: "1", wantCode: "confirmed"},
		{name: "machine is left the message", scenario: voicemail, phone: "+998901234567", camp: notice,
			wantOutcome: campaigns.OutcomeMachine},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			carrier := sipptest.Start(t, tt.scenario(t), "-m", "1")
			s := newTestSIP(t, trunk.Trunk{URI: carrier.URI("")})
			agents := agent.NewRegistry(agent.Config{DB: testDB(t), Clock: time.Now, Log: testenv.Logger(t)}) // nobody logged in
			t.Cleanup(agents.Close)
			src := &fakeAttempts{done: make(chan struct{}, 8)}
			marker, disposer := &fakeMarker{}, &fakeDisposer{}
			e := NewEngine(EngineConfig{Attempts: src, Marker: marker, Agents: agents, SIP: s, Clock: time.Now,
				Log: testenv.Logger(t), Disposer: disposer})
			cl := campaigns.Claimed{Key: campaigns.AttemptKey{CampaignID: 1, ContactID: 7, Number: 1}, Campaign: tt.camp,
				Contact: campaigns.Contact{ID: 7, CampaignID: 1, Phone: tt.phone, AppointmentAt: &appt}}
			p := newPacer(context.Background(), e, tt.camp, pacing.Progressive{})
			leg, res, err := s.DialCustomer(dialCtx(t), tt.phone, sipua.DialOptions{RingTimeout: 5 * time.Second})
			if err != nil || !res.Answered {
				t.Fatalf("DialCustomer: %+v, %v", res, err)
			}
			start := time.Now()
			p.connect(dialCtx(t), p.log, cl, 42, leg, nil)
			carrier.Wait(t)
			if len(src.finished) != 1 || src.finished[0].Outcome != tt.wantOutcome {
				t.Fatalf("finished = %+v, want %s", src.finished, tt.wantOutcome)
			}
			reason := src.finished[0].Reason
			if strings.Contains(reason, "missing") {
				t.Fatalf("reason %q", reason)
			}
			if m := marker.media; m.Key != tt.wantKey || m.MessageAt == nil {
				t.Fatalf("media = %+v, want key %q and the message start", m, tt.wantKey)
			}
			var codes []string
			for _, r := range disposer.got {
				codes = append(codes, r.Code)
				if r.AttemptID != 42 || r.By != 0 {
					t.Errorf("disposition %+v: want attempt 42, set by no one", r)
				}
				if r.Code == "callback" && (r.CallbackAt == nil || r.CallbackAt.Before(start.Add(agentlessCallback))) {
					t.Errorf("callback at %v, want an hour on", r.CallbackAt)
				}
			}
			if want := strings.Fields(tt.wantCode); !reflect.DeepEqual(codes, want) && len(codes)+len(want) > 0 {
				t.Fatalf("dispositions %v, want %v", codes, want)
			}
			t.Logf("%s: %s in %v", tt.name, reason, time.Since(start).Round(time.Millisecond))
		})
	}
}

// fixedScenario is a scenario file used as it is.
func fixedScenario(name string) func(*testing.T) string {
	return func(*testing.T) string { return name }
}

// inbandKey is a customer who, without telephone-event, presses key as
// tones 1.5 s after the answer.
func inbandKey(key rune) func(*testing.T) string {
	return func(t *testing.T) string {
		t.Helper()
		pcm := audio.AppendSilence(nil, audio.MillisToSamples(1500))
		pcm, err := audio.AppendDTMF(pcm, key, audio.MillisToSamples(200), 8000)
		if err != nil {
			t.Fatal(err)
		}
		pcm = audio.AppendSilence(pcm, audio.MillisToSamples(1000))
		alaw, err := audio.PCMA.Encode(nil, pcm)
		if err != nil {
			t.Fatal(err)
		}
		raw := filepath.Join(t.TempDir(), "key.al")
		if err := os.WriteFile(raw, alaw, 0o644); err != nil {
			t.Fatal(err)
		}
		return sipptest.Render(t, "uas_stream.xml", "AUDIO", raw, "SDP_FORMATS", "8", "SDP_EXTRA", "", "HANGUP_MS", "10000")
	}
}

// voicemail is an answering machine: a long greeting, then its beep.
func voicemail(t *testing.T) string {
	t.Helper()
	raw := speech(t, "Hi, you have reached the voicemail of John Smith. I cannot take your call right now, please leave your name and number after the tone.",
		400, 500, true)
	return sipptest.Render(t, "uas_stream.xml", "AUDIO", raw, "SDP_FORMATS", "8", "SDP_EXTRA", "", "HANGUP_MS", "20000")
}

// heldCustomers holds every call ringing until released, then reports no
// answer.
type heldCustomers struct {
	ringing chan string
	release chan struct{}
}

func (h *heldCustomers) DialCustomer(ctx context.Context, number string, _ sipua.DialOptions) (*sipua.Leg, sipua.DialResult, error) {
	h.ringing <- number
	select {
	case <-h.release:
	case <-ctx.Done():
	}
	return nil, sipua.DialResult{End: sipua.EndCancelledFinal, Code: 487}, nil
}

// TestAgentlessPacingByLines: a recorded campaign dials up to its lines
// with no agent logged in, starts another call only when one ends, and
// dials nobody while its notice names a prompt that does not exist.
func TestAgentlessPacingByLines(t *testing.T) {
	camp := campaigns.Campaign{ID: 1, Type: campaigns.TypeNotice, Agentless: true, Lines: 2,
		DailyStart: 0, DailyEnd: 1440, TimeZone: "UTC", RingTimeout: 15 * time.Second}
	queue := func(c campaigns.Campaign) []campaigns.Claimed {
		var q []campaigns.Claimed
		for i := range 5 {
			q = append(q, campaigns.Claimed{Key: campaigns.AttemptKey{CampaignID: 1, ContactID: int64(i + 1), Number: 1}, Campaign: c,
				Contact: campaigns.Contact{ID: int64(i + 1), CampaignID: 1, Phone: "+99890123456" + string(rune('0'+i))}})
		}
		return q
	}
	agents := agent.NewRegistry(agent.Config{DB: testDB(t), Clock: time.Now, Log: testenv.Logger(t)}) // nobody logged in
	t.Cleanup(agents.Close)
	newEngine := func(src *fakeAttempts, cust CustomerDialer) *Engine {
		return NewEngine(EngineConfig{Node: "n1", Attempts: src, Gate: fakeGate{allow: true}, Agents: agents,
			SIP: cust, Clock: time.Now, Log: testenv.Logger(t)})
	}

	t.Run("lines bound the calls", func(t *testing.T) {
		src := &fakeAttempts{queue: queue(camp), done: make(chan struct{}, 8)}
		cust := &heldCustomers{ringing: make(chan string, 8), release: make(chan struct{})}
		p := newPacer(context.Background(), newEngine(src, cust), camp, pacing.Progressive{})
		p.step(context.Background())
		<-cust.ringing
		<-cust.ringing
		p.step(context.Background())
		if got := len(src.queue); got != 3 {
			t.Fatalf("queue %d after two steps with both lines busy, want 3", got)
		}
		cust.release <- struct{}{} // one call ends
		<-src.done
		// The line is free once the attempt's goroutine returns, just
		// after its outcome is recorded.
		for deadline := time.Now().Add(5 * time.Second); p.inCall.Load() != 1; time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("in call %d after one call ended", p.inCall.Load())
			}
		}
		p.step(context.Background())
		<-cust.ringing
		if got := len(src.queue); got != 2 || p.inCall.Load() != 2 {
			t.Fatalf("queue %d, in call %d after a line freed, want 2 and 2", got, p.inCall.Load())
		}
		close(cust.release)
		p.calls.Wait()
	})

	t.Run("a missing message dials nobody", func(t *testing.T) {
		c := camp
		c.Prompts.Message = "not_uploaded"
		src := &fakeAttempts{queue: queue(c), done: make(chan struct{}, 8)}
		cust := &heldCustomers{ringing: make(chan string, 8), release: make(chan struct{})}
		p := newPacer(context.Background(), newEngine(src, cust), c, pacing.Progressive{})
		p.step(context.Background())
		p.step(context.Background())
		if len(src.queue) != 5 || len(cust.ringing) != 0 {
			t.Fatalf("claimed %d, rang %d: want none", 5-len(src.queue), len(cust.ringing))
		}
	})
}
