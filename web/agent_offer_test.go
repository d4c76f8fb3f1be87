package web

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alo-dialer/alo/campaigns"
	"github.com/alo-dialer/alo/dialer"
	"github.com/alo-dialer/alo/live"
	"github.com/alo-dialer/alo/sqldb"
)

// fakeOffers holds open offers (offer → agent) and the decisions taken,
// as the dialer's engine does.
type fakeOffers struct {
	mu      sync.Mutex
	open    map[int64]int64
	decided []bool
}

func (f *fakeOffers) DecideOffer(agentID, offerID int64, call bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if a, ok := f.open[offerID]; !ok || a != agentID {
		return dialer.ErrNoOffer
	}
	delete(f.open, offerID)
	f.decided = append(f.decided, call)
	return nil
}

// TestOfferAPI: the agent calls or skips their own offer, once; another
// agent's offer is forbidden to an agent user, a supervisor may act on it;
// a decided or unknown offer is a 404.
func TestOfferAPI(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		e := newConsoleEnv(t, db)
		e.offers.open[5], e.offers.open[6], e.offers.open[7] = testAgentID, testAgentID, 2
		steps := []struct {
			role Role
			path string
			code int
			want string
		}{
			{RoleAgent, "/api/v1/agents/1/offer/5/call", http.StatusNoContent, ""},
			{RoleAgent, "/api/v1/agents/1/offer/5/skip", http.StatusNotFound, "offer 5 is not open"},
			{RoleAgent, "/api/v1/agents/1/offer/6/skip", http.StatusNoContent, ""},
			{RoleAgent, "/api/v1/agents/2/offer/7/call", http.StatusForbidden, ""},
			{RoleMarketer, "/api/v1/agents/2/offer/7/call", http.StatusForbidden, ""},
			{RoleAgent, "/api/v1/agents/1/offer/x/call", http.StatusBadRequest, "invalid request"},
			{RoleSupervisor, "/api/v1/agents/2/offer/7/skip", http.StatusNoContent, ""},
		}
		for _, s := range steps {
			e.call("POST", s.path, s.role, "", "").expect(t, s.code, s.want)
		}
		e.offers.mu.Lock()
		defer e.offers.mu.Unlock()
		if len(e.offers.decided) != 3 || !e.offers.decided[0] || e.offers.decided[1] || e.offers.decided[2] {
			t.Errorf("decisions %v, want call, skip, skip", e.offers.decided)
		}
	})
}

// TestPreviewSettingsAPI: a preview campaign gets the offer defaults, and
// each wrong preview setting is named.
func TestPreviewSettingsAPI(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		e := newConsoleEnv(t, db)
		r := e.call("POST", "/api/v1/campaigns", RoleMarketer, jsonCT, `{"name":"preview","client_id":1,"pacing":"preview"}`)
		r.expect(t, http.StatusCreated, "")
		if !strings.Contains(r.body, `"preview":{"seconds":30,"at_zero":"call"}`) {
			t.Errorf("defaults: %s", r.body)
		}
		e.call("POST", "/api/v1/campaigns", RoleMarketer, jsonCT, `{"name":"p2","client_id":1,"pacing":"preview","preview":{"seconds":601,"at_zero":"wait"}}`).
			expect(t, http.StatusBadRequest, "invalid request", "preview.seconds", "preview.at_zero")
	})
}

// TestAgentFeedOffer: an offer reaches the agent's stream with the contact,
// the script and the deadline, stays in their snapshot until it closes.
func TestAgentFeedOffer(t *testing.T) {
	r := newFeedRig(t)
	deadline := testTime.Add(30 * time.Second)
	r.feed.CallOffered(dialer.CallOffered{OfferID: 3, AgentID: 7, Campaign: r.camp, At: testTime, Deadline: deadline, AtZero: "skip",
		Contact: campaigns.Contact{ID: 4, Name: "Aziza Karimova", Phone: "+998901234501"}})
	e := r.next(live.TypeCallOffered)
	var got offeredEvent
	if err := json.Unmarshal(e.Data, &got); err != nil {
		t.Fatal(err)
	}
	if e.AgentID != 7 || got.OfferID != 3 || got.Deadline == nil || !got.Deadline.Equal(deadline) || got.AtZero != "skip" ||
		got.Contact.Name != "Aziza Karimova" || got.Script != "Hello {{name}}, this is Card activation" {
		t.Errorf("call.offered %s", e.Data)
	}
	if v := r.snapshot(7); v.Offer == nil {
		t.Error("the open offer is not in the snapshot")
	}
	r.feed.OfferClosed(dialer.OfferClosed{OfferID: 3, AgentID: 7, Call: true})
	e = r.next(live.TypeCallOffered)
	if err := json.Unmarshal(e.Data, &got); err != nil || !got.Closed || got.OfferID != 3 {
		t.Errorf("close %s, %v", e.Data, err)
	}
	if v := r.snapshot(7); v.Offer != nil {
		t.Errorf("closed offer still in the snapshot: %v", v.Offer)
	}
}
