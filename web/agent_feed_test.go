package web

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/alo-dialer/alo/campaigns"
	"github.com/alo-dialer/alo/dialer"
	"github.com/alo-dialer/alo/dialer/agent"
	"github.com/alo-dialer/alo/internal/testenv"
	"github.com/alo-dialer/alo/live"
	"github.com/alo-dialer/alo/web/console"
)

// feedAgents is the agent registry as the feed sees it: changes the test
// sends and the live status it sets.
type feedAgents struct {
	*fakeAgents
	changes chan agent.Change
	status  map[int64]agent.Change
}

func (f *feedAgents) Changes() <-chan agent.Change { return f.changes }
func (f *feedAgents) Status(id int64) (agent.Change, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.status[id]
	return c, ok
}

// feedRig is an AgentFeed over a real campaigns store and a real bus, with
// a subscriber to everything it publishes.
type feedRig struct {
	t      *testing.T
	feed   *AgentFeed
	store  *campaigns.Store
	clk    *testClock
	agents *feedAgents
	sub    *live.Subscription
	camp   campaigns.Campaign
}

func newFeedRig(t *testing.T) *feedRig {
	t.Helper()
	env := newStoreEnv(t)
	r := &feedRig{t: t, clk: &testClock{now: testTime}}
	r.store = campaigns.NewStore(env.db, r.clk.Now)
	r.agents = &feedAgents{fakeAgents: newFakeAgents(), changes: make(chan agent.Change, 16), status: map[int64]agent.Change{}}
	bus, err := live.NewBus(live.Config{Node: "n1", Clock: r.clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(bus.Close)
	if r.sub, err = bus.Subscribe("test", nil); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	cl, _ := r.store.CreateClient(ctx, "Bank")
	if r.camp, err = r.store.CreateCampaign(ctx, campaigns.Campaign{ClientID: cl.ID, Name: "Card activation", Type: campaigns.TypeOutboundList,
		MaxAttempts: 3, RetryDelay: time.Minute, WrapUp: time.Minute}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.store.SetDispositions(ctx, r.camp.ID, []campaigns.Disposition{{Code: "card_activated", Label: "Card activated", Meaning: campaigns.MeaningSuccess}}); err != nil {
		t.Fatal(err)
	}
	r.agents.agents[7] = agent.Agent{ID: 7, Name: "Dilnoza", CampaignIDs: []int64{r.camp.ID}, State: agent.Offline}
	r.agents.agents[8] = agent.Agent{ID: 8, Name: "Aziz", CampaignIDs: []int64{r.camp.ID}, State: agent.Offline}
	r.feed = NewAgentFeed(AgentFeedConfig{Bus: bus, Agents: r.agents, Store: r.store, Clock: r.clk.Now,
		Script: func(c campaigns.Campaign) string { return "Hello {{name}}, this is " + c.Name },
		Zone:   time.UTC, Log: testenv.Logger(t)})
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { r.feed.Run(runCtx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return r
}

// call dials contact ct for agent and, with talk > 0, bridges it for talk
// and ends it; it returns the attempt.
func (r *feedRig) call(ct campaigns.Contact, number int, agentID int64, talk time.Duration) campaigns.Attempt {
	r.t.Helper()
	ctx := context.Background()
	if _, err := r.store.QueueDue(ctx, r.camp.ID, r.clk.Now().Add(time.Hour), 0); err != nil {
		r.t.Fatal(err)
	}
	a, err := r.store.BeginDialing(ctx, campaigns.AttemptKey{CampaignID: r.camp.ID, ContactID: ct.ID, Number: number}, campaigns.DialingInfo{AgentID: agentID})
	if err != nil {
		r.t.Fatal(err)
	}
	_ = r.store.MarkAnswered(ctx, a.ID, r.clk.Now())
	_ = r.store.MarkBridged(ctx, a.ID, agentID, r.clk.Now())
	r.clk.Add(talk)
	if err := r.store.Finish(ctx, a.ID, campaigns.Result{Outcome: campaigns.OutcomeHuman}); err != nil {
		r.t.Fatal(err)
	}
	return a
}

// next returns the next published event of typ (skipping others).
func (r *feedRig) next(typ string) live.Event {
	r.t.Helper()
	for {
		select {
		case e := <-r.sub.C():
			if e.Type == typ {
				return e
			}
		case <-time.After(10 * time.Second):
			r.t.Fatalf("no %s event in 10 s", typ)
		}
	}
}

// pageReads checks that what the page reads of data (decoded as its type
// in web/console/view.go) is all there with the same values.
func pageReads[T any](t *testing.T, data []byte) T {
	t.Helper()
	var page T
	if err := json.Unmarshal(data, &page); err != nil {
		t.Fatalf("%s does not decode as %T: %v", data, page, err)
	}
	again, _ := json.Marshal(page)
	var sent, read map[string]any
	_ = json.Unmarshal(data, &sent)
	_ = json.Unmarshal(again, &read)
	for k, v := range read {
		if !reflect.DeepEqual(sent[k], v) {
			t.Errorf("%T.%s: page reads %v, the event has %v (%s)", page, k, v, sent[k], data)
		}
	}
	return page
}

// TestAgentFeed: the agent's states, the screen pop of a bridged call (the
// contact, their earlier attempts with dispositions and notes, the
// campaign's codes for the hot keys, the script), the call's end with the
// wrap-up deadline, the disposition and the day's counters reach the bus in
// the agent console's shapes, and the snapshot holds what is on screen.
func TestAgentFeed(t *testing.T) {
	r := newFeedRig(t)
	ctx := context.Background()
	added, err := r.store.AddContacts(ctx, r.camp.ID, []campaigns.NewContact{{Phone: "+998901234501", Name: "Aziza Karimova",
		TimeZone: "Asia/Tashkent", ExternalID: "CRM-42", Fields: map[string]string{"card": "Visa Gold", "branch": "Chilonzor"}}})
	if err != nil {
		t.Fatal(err)
	}
	ct := added[0]
	cb := r.clk.Now().Add(2 * time.Hour)
	earlier := r.call(ct, 1, 8, 30*time.Second)
	if _, err := r.store.Dispose(ctx, campaigns.DisposeRequest{AttemptID: earlier.ID, Code: "callback", Notes: "after work", CallbackAt: &cb}); err != nil {
		t.Fatal(err)
	}

	// The agent logs in: their state at once.
	ready := agent.Change{AgentID: 7, Name: "Dilnoza", State: agent.Ready, At: r.clk.Now()}
	r.agents.status[7] = ready
	r.agents.changes <- ready
	st := pageReads[console.AgentStatus](t, r.next(live.TypeAgentState).Data)
	if st.ID != 7 || st.State != "ready" || !st.Since.Equal(ready.At) {
		t.Errorf("agent.state %+v", st)
	}

	// The callback is bridged to agent 7.
	r.clk.Set(cb)
	ct, _ = r.store.GetContact(ctx, ct.ID)
	if _, err := r.store.QueueDue(ctx, r.camp.ID, cb, 0); err != nil {
		t.Fatal(err)
	}
	cur, err := r.store.BeginDialing(ctx, campaigns.AttemptKey{CampaignID: r.camp.ID, ContactID: ct.ID, Number: 2}, campaigns.DialingInfo{AgentID: 7})
	if err != nil {
		t.Fatal(err)
	}
	bridgedAt := r.clk.Now()
	_ = r.store.MarkAnswered(ctx, cur.ID, bridgedAt)
	_ = r.store.MarkBridged(ctx, cur.ID, 7, bridgedAt)
	r.feed.CallBridged(dialer.CallBridged{AttemptID: cur.ID, AgentID: 7, Campaign: r.camp, Contact: ct, At: bridgedAt})
	ev := r.next(live.TypeCallBridged)
	if ev.AgentID != 7 || ev.CampaignID != r.camp.ID || ev.ClientID != r.camp.ClientID {
		t.Errorf("call.bridged scoped to agent %d campaign %d client %d", ev.AgentID, ev.CampaignID, ev.ClientID)
	}
	pageReads[live.CallBridged](t, ev.Data)
	pop := pageReads[console.CallPop](t, ev.Data)
	wantContact := console.ContactCard{ID: ct.ID, Name: "Aziza Karimova", Phone: "+998901234501", TimeZone: "Asia/Tashkent",
		Fields: []console.Field{{Key: "branch", Value: "Chilonzor"}, {Key: "card", Value: "Visa Gold"}, {Key: "external_id", Value: "CRM-42"}}}
	if !reflect.DeepEqual(pop.Contact, wantContact) {
		t.Errorf("pop contact %+v, want %+v", pop.Contact, wantContact)
	}
	if pop.AttemptID != cur.ID || pop.CampaignName != "Card activation" || !pop.BridgedAt.Equal(bridgedAt) || pop.Script != "Hello {{name}}, this is Card activation" {
		t.Errorf("pop %+v", pop)
	}
	wantHist := []console.PastAttempt{{At: earlier.CreatedAt, Outcome: "human", Disposition: "Call back", Agent: "Aziz", Notes: "after work"}}
	if !reflect.DeepEqual(pop.History, wantHist) {
		t.Errorf("history %+v, want %+v", pop.History, wantHist)
	}
	var codes []string
	for _, d := range pop.Dispositions {
		codes = append(codes, d.Code)
	}
	if want := []string{"card_activated", "completed", "callback", "do_not_call", "wrong_number", "not_interested", "retry"}; !reflect.DeepEqual(codes, want) {
		t.Errorf("hot keys %v, want the campaign's own code first and no appointment codes: %v", codes, want)
	}
	snap := r.snapshot(7)
	if snap.Call == nil || snap.Call.AttemptID != cur.ID || snap.Agent.State != "ready" || len(snap.PauseReasons) != 4 ||
		len(snap.Campaigns) != 1 || snap.Campaigns[0].Name != "Card activation" {
		t.Errorf("snapshot on the call: %+v", snap)
	}

	// The call ends; the day counts it.
	r.clk.Add(95 * time.Second)
	if err := r.store.Finish(ctx, cur.ID, campaigns.Result{Outcome: campaigns.OutcomeHuman}); err != nil {
		t.Fatal(err)
	}
	endedAt := r.clk.Now()
	r.feed.CallEnded(dialer.CallEnded{AttemptID: cur.ID, AgentID: 7, CampaignID: r.camp.ID, ClientID: r.camp.ClientID,
		Outcome: campaigns.OutcomeHuman, BridgedAt: bridgedAt, At: endedAt, WrapUpEndsAt: endedAt.Add(time.Minute)})
	data := r.next(live.TypeCallEnded).Data
	ended := pageReads[console.CallEnded](t, data)
	full := pageReads[live.CallEnded](t, data)
	if ended.AttemptID != cur.ID || !ended.EndedAt.Equal(endedAt) || full.Outcome != "human" ||
		full.WrapUpEndsAt == nil || !full.WrapUpEndsAt.Equal(endedAt.Add(time.Minute)) {
		t.Errorf("call.ended %s", data)
	}
	day := pageReads[console.DayCounters](t, r.next(live.TypeAgentDay).Data)
	if day.Calls != 1 || day.TalkMS != 95000 || day.Successes != 0 {
		t.Errorf("day after the call: %+v, want 1 call of 95 s", day)
	}
	if snap := r.snapshot(7); snap.Call == nil || snap.Call.EndedAt == nil || !snap.Call.EndedAt.Equal(endedAt) {
		t.Errorf("snapshot after the end: call %+v", snap.Call)
	}

	// Disposed: off the screen, counted.
	d, err := r.store.Dispose(ctx, campaigns.DisposeRequest{AttemptID: cur.ID, Code: "card_activated"})
	if err != nil {
		t.Fatal(err)
	}
	r.feed.CallDisposed(d)
	disp := pageReads[console.CallDisposed](t, r.next(live.TypeCallDisposed).Data)
	if disp.AttemptID != cur.ID || disp.Code != "card_activated" {
		t.Errorf("call.disposed %+v", disp)
	}
	if day := pageReads[console.DayCounters](t, r.next(live.TypeAgentDay).Data); day.Successes != 1 {
		t.Errorf("day after the disposition: %+v, want 1 success", day)
	}
	if snap := r.snapshot(7); snap.Call != nil {
		t.Errorf("snapshot after the disposition still shows call %d", snap.Call.AttemptID)
	}

	// Five minutes of lunch count as pause time.
	r.agents.changes <- agent.Change{AgentID: 7, Name: "Dilnoza", State: agent.Paused, Reason: "lunch", At: r.clk.Now()}
	if st := pageReads[console.AgentStatus](t, r.next(live.TypeAgentState).Data); st.State != "paused" || st.PauseReason != "lunch" {
		t.Errorf("paused: %+v", st)
	}
	r.clk.Add(5 * time.Minute)
	r.agents.changes <- agent.Change{AgentID: 7, Name: "Dilnoza", State: agent.Ready, At: r.clk.Now()}
	r.next(live.TypeAgentState)
	if day := pageReads[console.DayCounters](t, r.next(live.TypeAgentDay).Data); day.PauseMS != 300000 {
		t.Errorf("day after lunch: %+v, want 5 min paused", day)
	}

	// Phone down, with the wrap-up and pause-after-call fields.
	wrap := r.clk.Now().Add(time.Minute)
	r.agents.changes <- agent.Change{AgentID: 7, Name: "Dilnoza", State: agent.WrapUp, At: r.clk.Now(), WrapUpEndsAt: wrap, PauseNext: true, PauseNextReason: "break"}
	if st := pageReads[console.AgentStatus](t, r.next(live.TypeAgentState).Data); st.WrapUpEndsAt == nil || !st.WrapUpEndsAt.Equal(wrap) || !st.PauseAfterCall || st.PauseAfterCallReason != "break" {
		t.Errorf("wrap-up state %+v", st)
	}
	r.agents.changes <- agent.Change{AgentID: 7, Name: "Dilnoza", State: agent.PhoneDown, At: r.clk.Now()}
	if st := pageReads[console.AgentStatus](t, r.next(live.TypeAgentState).Data); st.State != "phone_down" {
		t.Errorf("phone down: %+v", st)
	}
}

// snapshot is agent's AgentView as their stream starts with it.
func (r *feedRig) snapshot(agentID int64) console.AgentView {
	r.t.Helper()
	v, err := r.feed.Snapshot(context.Background(), Viewer{User: User{Name: "a", Role: RoleAgent, AgentID: agentID}, AgentID: agentID})
	if err != nil {
		r.t.Fatal(err)
	}
	b, _ := json.Marshal(v)
	return pageReads[console.AgentView](r.t, b)
}

// TestAgentFeedSnapshotOtherRoles: roles whose consoles do not read the
// stream yet get the server time.
func TestAgentFeedSnapshotOtherRoles(t *testing.T) {
	r := newFeedRig(t)
	v, err := r.feed.Snapshot(context.Background(), Viewer{User: User{Name: "s", Role: RoleSupervisor}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(v)
	if want := `{"role":"supervisor","server_time":"2026-03-02T09:00:00Z"}`; string(b) != want {
		t.Errorf("supervisor's snapshot %s, want %s", b, want)
	}
}
