package web

import (
	"net/http"
	"strings"
	"testing"
)

// TestWebhookRoutes: only an admin sets a client's webhook, the secret is
// never returned, bad input names the field, and the delivery log filters
// by status.
func TestWebhookRoutes(t *testing.T) {
	e := newStoreEnv(t, RoleAdmin, RoleMarketer)
	a := e.api(t, ServerConfig{Webhooks: e.store})
	a.call("POST", "/api/v1/clients", RoleAdmin, "application/json", `{"name":"Kaspi"}`).expect(t, http.StatusCreated, "")

	body := `{"url":"https://crm.example.kz/alo","secret":"0123456789abcdef-secret"}`
	a.call("PUT", "/api/v1/clients/1/webhook", RoleMarketer, "application/json", body).expect(t, http.StatusForbidden, "")
	a.call("PUT", "/api/v1/clients/1/webhook", RoleAdmin, "application/json", `{"url":"crm","secret":"short"}`).
		expect(t, http.StatusBadRequest, "invalid request", "url", "secret")
	a.call("PUT", "/api/v1/clients/9/webhook", RoleAdmin, "application/json", body).expect(t, http.StatusNotFound, "client 9: not found")
	r := a.call("PUT", "/api/v1/clients/1/webhook", RoleAdmin, "application/json", body)
	r.expect(t, http.StatusOK, "")
	if strings.Contains(r.body, "secret") {
		t.Fatalf("secret returned: %s", r.body)
	}
	if r := a.call("GET", "/api/v1/clients/1/webhook", RoleMarketer, "", ""); r.status != http.StatusOK || strings.Contains(r.body, "secret") ||
		!strings.Contains(r.body, "crm.example.kz") {
		t.Fatalf("get: %d %s", r.status, r.body)
	}
	a.call("GET", "/api/v1/webhooks/deliveries?status=failed", RoleMarketer, "", "").expect(t, http.StatusOK, "")
	a.call("GET", "/api/v1/webhooks/deliveries?status=lost", RoleMarketer, "", "").expect(t, http.StatusBadRequest, "")
	a.call("POST", "/api/v1/webhooks/deliveries/5/replay", RoleAdmin, "", "").expect(t, http.StatusNotFound, "")
}
