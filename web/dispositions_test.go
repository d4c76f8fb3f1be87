package web

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alo-dialer/alo/campaigns"
	"github.com/alo-dialer/alo/compliance"
)

type fakeWrapUp struct {
	mu    sync.Mutex
	ended []int64
}

func (f *fakeWrapUp) EndWrapUp(id int64) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ended = append(f.ended, id)
	return true
}

// TestDispositionsAPI: an agent disposes a call over the real stores; a
// do_not_call code puts the number on the DNC list at once and the agent's
// wrap-up ends; a marketer may not dispose; a bad code is a 400 naming it;
// a campaign's own codes are set and listed.
func TestDispositionsAPI(t *testing.T) {
	ctx := context.Background()
	e := newStoreEnv(t, RoleAdmin, RoleAgent, RoleMarketer)
	now := testTime
	store := e.store
	dnc := compliance.NewDNCList(e.db.DB, e.clock)
	wrap := &fakeWrapUp{}
	a := e.api(t, ServerConfig{DNC: dnc, Dispositions: store, WrapUp: wrap})

	cl, _ := store.CreateClient(ctx, "Bank")
	camp, _ := store.CreateCampaign(ctx, campaigns.Campaign{ClientID: cl.ID, Name: "welcome"})
	if _, err := store.UpsertContacts(ctx, camp.ID, []campaigns.NewContact{{Phone: "+77011000301"}, {Phone: "+77011000302"}}); err != nil {
		t.Fatal(err)
	}
	due, _ := store.QueueDue(ctx, camp.ID, now, 0)
	for _, d := range due {
		at, err := store.BeginDialing(ctx, d.Key, campaigns.DialingInfo{AgentID: 4})
		if err != nil {
			t.Fatal(err)
		}
		_ = store.MarkAnswered(ctx, at.ID, now)
		if err := store.Finish(ctx, at.ID, campaigns.Result{Outcome: campaigns.OutcomeHuman}); err != nil {
			t.Fatal(err)
		}
	}

	a.call("POST", "/api/v1/attempts/1/disposition", RoleMarketer, "application/json", `{"code":"completed"}`).expect(t, http.StatusForbidden, "")
	if r := a.call("POST", "/api/v1/attempts/1/disposition", RoleAgent, "application/json", `{"code":"flying"}`); r.status != http.StatusBadRequest ||
		!strings.Contains(r.body, "code") {
		t.Fatalf("bad code: %d %s", r.status, r.body)
	}
	a.call("POST", "/api/v1/attempts/1/disposition", RoleAgent, "application/json", `{"code":"do_not_call","notes":"asked twice"}`).
		expect(t, http.StatusOK, "")
	entries, err := dnc.ListDNC(ctx)
	if err != nil || len(entries) != 1 || entries[0].Number != "+77011000301" {
		t.Fatalf("DNC after the disposition: %+v %v", entries, err)
	}
	if len(wrap.ended) != 1 || wrap.ended[0] != 4 {
		t.Fatalf("wrap-up ended for %v", wrap.ended)
	}
	a.call("POST", "/api/v1/attempts/1/disposition", RoleAgent, "application/json", `{"code":"completed"}`).expect(t, http.StatusConflict, "")

	a.call("PUT", "/api/v1/campaigns/1/dispositions", RoleAdmin, "application/json",
		`[{"code":"card_activated","label":"Карта активирована","meaning":"success"}]`).expect(t, http.StatusOK, "")
	a.call("PUT", "/api/v1/campaigns/1/dispositions", RoleAdmin, "application/json", `[{"code":"x","meaning":"maybe"}]`).
		expect(t, http.StatusBadRequest, "")
	if r := a.call("GET", "/api/v1/campaigns/1/dispositions", RoleAgent, "", ""); !strings.Contains(r.body, "card_activated") {
		t.Fatalf("list: %s", r.body)
	}
	a.call("POST", "/api/v1/attempts/2/disposition", RoleAgent, "application/json", `{"code":"card_activated"}`).expect(t, http.StatusOK, "")
	c, _ := store.ListContacts(ctx, camp.ID, 10, 0)
	if c[1].CloseReason != campaigns.CloseSuccess {
		t.Fatalf("contact after card_activated: %+v", c[1])
	}
}

// disposals records what the API tells its DisposalListener.
type disposals struct {
	mu  sync.Mutex
	got []campaigns.Disposed
}

func (d *disposals) CallDisposed(x campaigns.Disposed) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.got = append(d.got, x)
}

// TestDisposeCallbackFor: the agent console's callback goes to the agent
// who promised it ("me", the default) or to any agent ("anyone"); anything
// else is a 400 naming callback_for; each disposition reaches the
// listener (the console drops the call from the agent's screen).
func TestDisposeCallbackFor(t *testing.T) {
	ctx := context.Background()
	e := newStoreEnv(t, RoleAgent)
	store := e.store
	heard := &disposals{}
	a := e.api(t, ServerConfig{Dispositions: store, Disposals: heard})
	cl, _ := store.CreateClient(ctx, "Bank")
	camp, _ := store.CreateCampaign(ctx, campaigns.Campaign{ClientID: cl.ID, Name: "list", MaxAttempts: 3})
	if _, err := store.UpsertContacts(ctx, camp.ID, []campaigns.NewContact{{Phone: "+77011000311"}, {Phone: "+77011000312"}}); err != nil {
		t.Fatal(err)
	}
	due, _ := store.QueueDue(ctx, camp.ID, testTime, 0)
	for _, d := range due {
		at, err := store.BeginDialing(ctx, d.Key, campaigns.DialingInfo{AgentID: envAgentID})
		if err != nil {
			t.Fatal(err)
		}
		_ = store.MarkAnswered(ctx, at.ID, testTime)
		if err := store.Finish(ctx, at.ID, campaigns.Result{Outcome: campaigns.OutcomeHuman}); err != nil {
			t.Fatal(err)
		}
	}
	at := `"callback_at":"` + testTime.Add(time.Hour).Format(time.RFC3339) + `"`
	a.call("POST", "/api/v1/attempts/1/disposition", RoleAgent, "application/json", `{"code":"callback",`+at+`,"callback_for":"someone"}`).
		expect(t, http.StatusBadRequest, "invalid", "callback_for")
	a.call("POST", "/api/v1/attempts/1/disposition", RoleAgent, "application/json", `{"code":"callback",`+at+`,"callback_for":"anyone"}`).
		expect(t, http.StatusOK, "")
	a.call("POST", "/api/v1/attempts/2/disposition", RoleAgent, "application/json", `{"code":"callback",`+at+`,"callback_for":"me"}`).
		expect(t, http.StatusOK, "")
	for _, tt := range []struct {
		contact int64
		want    int64
	}{{1, 0}, {2, envAgentID}} {
		c, err := store.GetContact(ctx, tt.contact)
		if err != nil || c.CallbackAgentID != tt.want {
			t.Errorf("contact %d: callback agent %d (%v), want %d", tt.contact, c.CallbackAgentID, err, tt.want)
		}
	}
	if len(heard.got) != 2 || heard.got[0].Attempt.ID != 1 || heard.got[1].Attempt.Disposition != "callback" || heard.got[1].AgentID != envAgentID {
		t.Errorf("the listener heard %+v, want attempts 1 and 2 disposed callback by agent %d", heard.got, envAgentID)
	}
}
