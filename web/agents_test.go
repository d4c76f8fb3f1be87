package web

import (
	"context"
	"net/http"
	"slices"
	"testing"

	"github.com/alo-dialer/alo/dialer/agent"
)

// dialerAgent is an agent of campaign 1.
func dialerAgent() agent.NewAgent {
	return agent.NewAgent{Name: "Dilnoza", SIPURI: "sip:1001@10.0.0.5:5060", CampaignIDs: []int64{1}}
}

func TestCreateAgent(t *testing.T) {
	cases := []struct {
		name   string
		body   string
		status int
		fields []string
	}{
		{"ok", `{"name":"Dilnoza","sip_uri":"sip:1001@10.0.0.5:5060","campaign_ids":[1,2]}`, http.StatusCreated, nil},
		{"missing everything", `{}`, 400, []string{"name", "sip_uri", "campaign_ids"}},
		{"empty campaign list", `{"name":"A","sip_uri":"sip:a@h","campaign_ids":[]}`, 400, []string{"campaign_ids"}},
		{"zero campaign id", `{"name":"A","sip_uri":"sip:a@h","campaign_ids":[1,0]}`, 400, []string{"campaign_ids[1]"}},
		{"unknown campaign", `{"name":"A","sip_uri":"sip:a@h","campaign_ids":[1,9]}`, 400, []string{"campaign_ids[1]"}},
		{"not a SIP URI", `{"name":"A","sip_uri":"http://phone","campaign_ids":[1]}`, 400, []string{"sip_uri"}},
		{"header injection in SIP URI", `{"name":"A","sip_uri":"sip:a@h\r\nX: y","campaign_ids":[1]}`, 400, []string{"sip_uri"}},
		{"campaign ids as strings", `{"name":"A","sip_uri":"sip:a@h","campaign_ids":["1"]}`, 400, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := newTestAPI(t)
			a.seed()
			a.seed() // campaign 2
			r := a.admin("POST", "/api/v1/agents", c.body)
			if c.status != http.StatusCreated {
				r.expect(t, c.status, "invalid request", c.fields...)
				if len(a.agents.agents) != 0 {
					t.Fatal("a bad request created an agent")
				}
				return
			}
			r.expect(t, http.StatusCreated, "")
			var ag agent.Agent
			r.decode(t, &ag)
			if ag.ID != 1 || ag.Name != "Dilnoza" || !slices.Equal(ag.CampaignIDs, []int64{1, 2}) || ag.State != agent.Offline {
				t.Fatalf("agent %+v", ag)
			}
		})
	}
}

func TestAgentEndpoints(t *testing.T) {
	a := newTestAPI(t)
	a.seed()
	if _, err := a.agents.CreateAgent(context.Background(), dialerAgent()); err != nil {
		t.Fatal(err)
	}
	state := func(t *testing.T, r response, want agent.State, reason string) {
		t.Helper()
		r.expect(t, http.StatusOK, "")
		var ag agent.Agent
		r.decode(t, &ag)
		if ag.State != want || ag.PauseReason != reason {
			t.Fatalf("agent %+v, want %s %q", ag, want, reason)
		}
	}
	t.Run("list", func(t *testing.T) {
		var as []agent.Agent
		a.call("GET", "/api/v1/agents", RoleSupervisor, "", "").decode(t, &as)
		if len(as) != 1 || as[0].SIPURI != "sip:1001@10.0.0.5:5060" {
			t.Fatalf("agents %+v", as)
		}
	})
	t.Run("get", func(t *testing.T) {
		state(t, a.call("GET", "/api/v1/agents/1", RoleSupervisor, "", ""), agent.Offline, "")
	})
	t.Run("ready wakes the agent's campaigns", func(t *testing.T) {
		state(t, a.admin("POST", "/api/v1/agents/1/ready", ""), agent.Ready, "")
		if w := a.waker.got(); !slices.Equal(w, []int64{1}) {
			t.Fatalf("woken %v", w)
		}
	})
	t.Run("pause with a reason", func(t *testing.T) {
		state(t, a.admin("POST", "/api/v1/agents/1/pause", `{"reason":" обед "}`), agent.Paused, "обед")
	})
	t.Run("pause without a body", func(t *testing.T) {
		state(t, a.admin("POST", "/api/v1/agents/1/pause", ""), agent.Paused, "")
	})
	t.Run("offline", func(t *testing.T) {
		state(t, a.admin("POST", "/api/v1/agents/1/offline", ""), agent.Offline, "")
	})
	bad := []struct {
		name, method, path, body string
		status                   int
		msg                      string
		fields                   []string
	}{
		{"get unknown", "GET", "/api/v1/agents/5", "", 404, "agent 5: not found", nil},
		{"get non-numeric", "GET", "/api/v1/agents/me", "", 400, "invalid request", []string{"id"}},
		{"ready unknown", "POST", "/api/v1/agents/5/ready", "", 404, "not found", nil},
		{"pause unknown", "POST", "/api/v1/agents/5/pause", "", 404, "not found", nil},
		{"offline unknown", "POST", "/api/v1/agents/5/offline", "", 404, "not found", nil},
		{"ready non-numeric", "POST", "/api/v1/agents/x/ready", "", 400, "invalid request", []string{"id"}},
		{"pause unknown field", "POST", "/api/v1/agents/1/pause", `{"why":"lunch"}`, 400, "invalid request", []string{"why"}},
		{"pause broken JSON", "POST", "/api/v1/agents/1/pause", `{"reason"`, 400, "invalid JSON", nil},
		{"pause reason with control characters", "POST", "/api/v1/agents/1/pause", `{"reason":"a\nb"}`, 400, "invalid request", []string{"reason"}},
	}
	for _, b := range bad {
		t.Run(b.name, func(t *testing.T) {
			a.admin(b.method, b.path, b.body).expect(t, b.status, b.msg, b.fields...)
		})
	}
	if w := a.waker.got(); len(w) != 1 {
		t.Fatalf("woken %v", w)
	}
}
