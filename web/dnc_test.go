package web

import (
	"net/http"
	"testing"

	"github.com/alo-dialer/alo/compliance"
)

func TestDNC(t *testing.T) {
	a := newTestAPI(t) // DefaultRegion UZ
	t.Run("add normalises to E.164", func(t *testing.T) {
		r := a.admin("POST", "/api/v1/dnc", `{"number":"90 123 45 67","note":"asked on 2026-03-01"}`)
		r.expect(t, http.StatusCreated, "")
		var got dncView
		r.decode(t, &got)
		if got.Number != "+998901234567" {
			t.Fatalf("number %q", got.Number)
		}
	})
	t.Run("add international", func(t *testing.T) {
		a.call("POST", "/api/v1/dnc", RoleMarketer, "application/json", `{"number":"+7 701 123 45 67"}`).expect(t, http.StatusCreated, "")
	})
	t.Run("list", func(t *testing.T) {
		var es []compliance.DNCEntry
		a.call("GET", "/api/v1/dnc", RoleCompliance, "", "").decode(t, &es)
		if len(es) != 2 || es[0].Number != "+77011234567" || es[1].Number != "+998901234567" || es[1].Note != "asked on 2026-03-01" {
			t.Fatalf("entries %+v", es)
		}
	})
	t.Run("remove by E.164", func(t *testing.T) {
		a.admin("DELETE", "/api/v1/dnc/+998901234567", "").expect(t, http.StatusNoContent, "")
	})
	t.Run("remove by URL-escaped local form", func(t *testing.T) {
		a.admin("DELETE", "/api/v1/dnc/%2B7%20701%20123%2045%2067", "").expect(t, http.StatusNoContent, "")
		if len(a.dnc.entries) != 0 {
			t.Fatalf("left %v", a.dnc.entries)
		}
	})
	bad := []struct {
		name, method, path, body string
		status                   int
		msg                      string
		fields                   []string
	}{
		{"add not a number", "POST", "/api/v1/dnc", `{"number":"call me"}`, 400, "invalid request", []string{"number"}},
		{"add missing number", "POST", "/api/v1/dnc", `{"note":"x"}`, 400, "invalid request", []string{"number"}},
		{"add unknown field", "POST", "/api/v1/dnc", `{"number":"+998901234567","reason":"x"}`, 400, "invalid request", []string{"reason"}},
		{"remove not listed", "DELETE", "/api/v1/dnc/+998901234567", "", 404, "not on the list", nil},
		{"remove not a number", "DELETE", "/api/v1/dnc/abc", "", 400, "invalid request", []string{"number"}},
	}
	for _, b := range bad {
		t.Run(b.name, func(t *testing.T) {
			a.admin(b.method, b.path, b.body).expect(t, b.status, b.msg, b.fields...)
		})
	}
}
