package e2e

import (
	"fmt"
	"testing"
	"time"
)

// TestDispositions: in `alo serve` with sipp as carrier and agent phone, a
// bridged call leaves the agent in wrap-up; the agent disposes it
// "callback" a few seconds ahead, is ready again, and the callback is
// placed at that time and bridged to the same agent; another call disposed
// "do_not_call" puts the number on the DNC list, and a later campaign's
// attempt to it is blocked.
func TestDispositions(t *testing.T) {
	serial(t)
	st := startStack(t, "uas_carrier.xml", "e2e-disp")
	api, serveLog := st.api, st.serve.log

	var client struct{ ID int64 }
	api.do("POST", "/clients", map[string]any{"name": "e2e bank"}, &client)
	newCampaign := func(name string) int64 {
		var c struct{ ID int64 }
		api.do("POST", "/campaigns", map[string]any{"name": name, "client_id": client.ID, "type": "outbound_list",
			"daily_start": "00:00", "daily_end": "23:59", "time_zone": "UTC", "ring_timeout": "15s", "wrap_up": "2m"}, &c)
		return c.ID
	}
	camp := newCampaign("list")
	later := newCampaign("later list")
	var agent struct{ ID int64 }
	api.do("POST", "/agents", map[string]any{"name": "Dilnoza", "sip_uri": st.agentURI(1),
		"campaign_ids": []int64{camp, later}}, &agent)
	api.do("POST", fmt.Sprintf("/agents/%d/ready", agent.ID), nil, nil)
	api.do("POST", fmt.Sprintf("/campaigns/%d/contacts", camp), []map[string]string{{"phone": "+998901230050"}}, nil)
	api.do("POST", fmt.Sprintf("/campaigns/%d/start", camp), nil, nil)

	type attempt struct {
		ID        int64 `json:"id"`
		Agent     int64 `json:"agent_id"`
		Phone     string
		Attempt   int
		State     string
		Outcome   string
		CreatedAt time.Time `json:"created_at"`
	}
	await := func(what string, ok func() bool) {
		t.Helper()
		for deadline := time.Now().Add(45 * time.Second); !ok(); time.Sleep(200 * time.Millisecond) { // polling alo
			if time.Now().After(deadline) {
				api.fatalf("timed out waiting for %s", what)
			}
		}
	}
	attempts := func(id int64) []attempt {
		var as []attempt
		api.do("GET", fmt.Sprintf("/campaigns/%d/attempts", id), nil, &as)
		return as
	}
	agentState := func() string {
		var a struct{ State string }
		api.do("GET", fmt.Sprintf("/agents/%d", agent.ID), nil, &a)
		return a.State
	}
	await("the first call to end", func() bool { as := attempts(camp); return len(as) == 1 && as[0].State == "done" })
	first := attempts(camp)[0]
	if first.Outcome != "human" || first.Agent != agent.ID {
		t.Fatalf("first call %+v", first)
	}
	await("the agent in wrap-up", func() bool { return agentState() == "wrap_up" })

	callbackAt := time.Now().Add(4 * time.Second).UTC()
	api.do("POST", fmt.Sprintf("/attempts/%d/disposition", first.ID), map[string]any{"code": "callback",
		"notes": "call back in a moment", "callback_at": callbackAt.Format(time.RFC3339Nano)}, nil)
	await("the agent ready after the disposition", func() bool { return agentState() == "ready" })
	await("the callback", func() bool { as := attempts(camp); return len(as) == 2 && as[1].State == "done" })
	cb := attempts(camp)[1]
	if cb.Outcome != "human" || cb.Agent != agent.ID || cb.CreatedAt.Before(callbackAt.Add(-100*time.Millisecond)) {
		t.Fatalf("callback %+v, promised for %v", cb, callbackAt)
	}
	await("wrap-up after the callback", func() bool { return agentState() == "wrap_up" })
	api.do("POST", fmt.Sprintf("/attempts/%d/disposition", cb.ID), map[string]any{"code": "do_not_call"}, nil)
	var dnc []struct{ Number string }
	api.do("GET", "/dnc", nil, &dnc)
	if len(dnc) != 1 || dnc[0].Number != "+998901230050" {
		t.Fatalf("DNC list %+v", dnc)
	}
	// Another campaign calling the same number is refused by the gate.
	api.do("POST", fmt.Sprintf("/campaigns/%d/contacts", later), []map[string]string{{"phone": "+998901230050"}}, nil)
	api.do("POST", fmt.Sprintf("/campaigns/%d/start", later), nil, nil)
	await("the later attempt", func() bool { as := attempts(later); return len(as) == 1 && as[0].State == "done" })
	if a := attempts(later)[0]; a.Outcome != "blocked" {
		t.Fatalf("later attempt to a DNC number: %+v", a)
	}
	if t.Failed() {
		t.Logf("alo serve warnings and errors:\n%s", serveLog.grep(40, "level=WARN", "level=ERROR"))
	}
}
