package web

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"

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
