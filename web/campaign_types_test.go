package web

import (
	"net/http"
	"strings"
	"testing"

	"github.com/alo-dialer/alo/campaigns"
)

// TestCampaignTypesAPI: a welcome call and a reminder created with their
// settings over the real store, bad settings named, and the life steps
// (start, pause, stop with a reason, no restart) answered.
func TestCampaignTypesAPI(t *testing.T) {
	e := newStoreEnv(t, RoleAdmin)
	a := e.api(t, ServerConfig{})
	a.admin("POST", "/api/v1/clients", `{"name":"Halyk"}`).expect(t, http.StatusCreated, "")

	r := a.admin("POST", "/api/v1/campaigns", `{"name":"New cards","client_id":1,"type":"welcome_call",
		"schedule":{"first_delay":"2h","deadline":"168h"},"retry":{"busy":{"delay":"15m","max":3},"no_answer":{"delay":"3h"}},
		"max_per_number":2,"wrap_up":"30s"}`)
	r.expect(t, http.StatusCreated, "")
	var v campaignView
	r.decode(t, &v)
	if v.Type != campaigns.TypeWelcomeCall || v.Schedule["first_delay"] != "2h0m0s" || v.Retry["busy"].Max != 3 ||
		v.Retry["no_answer"].Delay != "3h0m0s" || v.WrapUp != "30s" || v.MaxPerNumber != 2 {
		t.Fatalf("welcome call %+v", v)
	}
	r = a.admin("POST", "/api/v1/campaigns", `{"name":"Clinic","client_id":1,"type":"appointment_reminder","agentless":true,
		"schedule":{"lead_time":"24h","cut_off":"2h"},"prompts":{"message":"reminder"}}`)
	r.expect(t, http.StatusCreated, "")
	r.decode(t, &v)
	if v.Priority != 10 || !v.Agentless || v.Prompts.Message != "reminder" {
		t.Fatalf("reminder %+v", v)
	}
	for _, bad := range []struct{ body, field string }{
		{`{"name":"x","client_id":1,"type":"survey"}`, "type"},
		{`{"name":"x","client_id":1,"retry":{"busy":{"delay":"5s"}}}`, "retry.busy.delay"},
		{`{"name":"x","client_id":1,"schedule":{"lead_time":"soon"}}`, "schedule.lead_time"},
		{`{"name":"x","client_id":1,"trunk_group":"Bad Group!"}`, "trunk_group"},
	} {
		a.admin("POST", "/api/v1/campaigns", bad.body).expect(t, http.StatusBadRequest, "invalid request", bad.field)
	}
	if r := a.admin("POST", "/api/v1/campaigns", `{"name":"x","client_id":1,"retry":{"human":{"delay":"1h"}}}`); r.status != http.StatusBadRequest ||
		!strings.Contains(r.body, "retry[human]") {
		t.Fatalf("retry of a final outcome: %d %s", r.status, r.body)
	}
	if r := a.admin("POST", "/api/v1/campaigns", `{"name":"x","client_id":1,"agentless":true}`); r.status != http.StatusBadRequest ||
		!strings.Contains(r.body, "agentless") {
		t.Fatalf("agentless list: %d %s", r.status, r.body)
	}

	a.admin("POST", "/api/v1/campaigns/1/pause", "").expect(t, http.StatusConflict, "")
	a.admin("POST", "/api/v1/campaigns/1/start", "").expect(t, http.StatusOK, "")
	a.admin("POST", "/api/v1/campaigns/1/pause", "").expect(t, http.StatusOK, "")
	r = a.admin("POST", "/api/v1/campaigns/1/stop", `{"reason":"bank cancelled the programme"}`)
	r.expect(t, http.StatusOK, "")
	r.decode(t, &v)
	if v.Status != campaigns.StatusStopped || v.StopReason != "bank cancelled the programme" {
		t.Fatalf("stopped %+v", v)
	}
	a.admin("POST", "/api/v1/campaigns/1/start", "").expect(t, http.StatusConflict, "")
}
