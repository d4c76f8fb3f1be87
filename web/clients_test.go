package web

import (
	"net/http"
	"testing"

	"github.com/alo-dialer/alo/campaigns"
)

func TestClients(t *testing.T) {
	a := newTestAPI(t)
	t.Run("empty list is []", func(t *testing.T) {
		r := a.admin("GET", "/api/v1/clients", "")
		r.expect(t, http.StatusOK, "")
		if r.body != "[]\n" {
			t.Fatalf("body %q", r.body)
		}
	})
	t.Run("create", func(t *testing.T) {
		r := a.admin("POST", "/api/v1/clients", `{"name":"Kapitalbank"}`)
		r.expect(t, http.StatusCreated, "")
		var c campaigns.Client
		r.decode(t, &c)
		if c.ID != 1 || c.Name != "Kapitalbank" {
			t.Fatalf("client %+v", c)
		}
	})
	t.Run("list", func(t *testing.T) {
		var cs []campaigns.Client
		a.admin("GET", "/api/v1/clients", "").decode(t, &cs)
		if len(cs) != 1 || cs[0].Name != "Kapitalbank" {
			t.Fatalf("clients %+v", cs)
		}
	})
	t.Run("name too long", func(t *testing.T) {
		long := make([]byte, 201)
		for i := range long {
			long[i] = 'x'
		}
		a.admin("POST", "/api/v1/clients", `{"name":"`+string(long)+`"}`).expect(t, http.StatusBadRequest, "invalid request", "name")
	})
}
