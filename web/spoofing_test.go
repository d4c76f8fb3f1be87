package web

import (
	"net/http"
	"testing"
)

// TestRefusedSpoofingInput: SIP URIs carrying headers or unknown
// parameters, names with direction overrides or zero-width characters, and
// JSON text that is not UTF-8 are each a 400 naming the field, on the real
// agent registry and trunk set.
func TestRefusedSpoofingInput(t *testing.T) {
	agents, _ := newSIPAccountAPI(t)
	agents.seed() // campaign 1
	trunks, _ := newTrunkAPI(t)
	tests := []struct {
		name  string
		api   *testAPI
		path  string
		body  string
		field string
	}{
		{"agent URI with headers", agents, "/api/v1/agents", `{"name":"Aziza","sip_uri":"sip:a@host?X-Injected=yes&Subject=hi","campaign_ids":[1]}`, "sip_uri"},
		{"agent URI with an unknown parameter", agents, "/api/v1/agents", `{"name":"Aziza","sip_uri":"sip:a@host;maddr=203.0.113.9","campaign_ids":[1]}`, "sip_uri"},
		{"agent name with a right-to-left override", agents, "/api/v1/agents", `{"name":"Anna\u202egnp","sip_uri":"sip:a@host","campaign_ids":[1]}`, "name"},
		{"agent name with a zero-width space", agents, "/api/v1/agents", `{"name":"Dil\u200bnoza","sip_uri":"sip:a@host","campaign_ids":[1]}`, "name"},
		{"agent name not UTF-8", agents, "/api/v1/agents", "{\"name\":\"Dil\xffnoza\",\"sip_uri\":\"sip:a@host\",\"campaign_ids\":[1]}", "name"},
		{"trunk URI with headers", trunks, "/api/v1/trunks", `{"name":"uz-1","uri":"sip:sbc.carrier.uz?Subject=hi"}`, "uri"},
		{"trunk URI with an unknown parameter", trunks, "/api/v1/trunks", `{"name":"uz-1","uri":"sip:sbc.carrier.uz;x-route=evil"}`, "uri"},
		{"trunk name with a bidi isolate", trunks, "/api/v1/trunks", `{"name":"uz\u2067-1","uri":"sip:sbc.carrier.uz"}`, "name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.api.admin("POST", tt.path, tt.body).expect(t, http.StatusBadRequest, "invalid request", tt.field)
		})
	}
}
