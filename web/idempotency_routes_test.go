package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/alo-dialer/alo/compliance"
)

// TestIdempotencyEveryPost: every POST route honours Idempotency-Key (a
// repeat replays the first answer, another body under the same key is a
// 409) or refuses it with a 400 saying why; an overlong key is a 400 on
// every one; and a key really does create once (two clients by one key
// was the bug).
func TestIdempotencyEveryPost(t *testing.T) {
	e := newAuthEnv(t, SignInConfig{}, SessionConfig{})
	srv := NewServer(ServerConfig{
		Campaigns: e.store, Agents: e.agents, Users: e.users, Sessions: e.sessions, SignIn: e.signIn,
		DNC: compliance.NewDNCList(e.db.DB, e.clock), Dispositions: e.store, Webhooks: e.store, Attempts: e.store,
		RecordingsDir: t.TempDir(), Waker: &fakeWaker{}, Idempotency: NewIdempotencyKeys(e.db, e.clock),
	})
	h := srv.Handler()
	post := func(path, key, body string) response {
		t.Helper()
		req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+e.tokens[RoleAdmin])
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", key)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return response{status: rec.Code, header: rec.Header(), body: rec.Body.String()}
	}
	for _, rt := range srv.table {
		method, _, _ := strings.Cut(rt.pattern, " ")
		if method != http.MethodPost {
			continue
		}
		t.Run(rt.pattern, func(t *testing.T) {
			path := matrixPath(rt.pattern, false)
			if r := post(path, strings.Repeat("k", maxIdempotencyKey+1), `{}`); r.status != http.StatusBadRequest || !strings.Contains(r.body, "Idempotency-Key") {
				t.Fatalf("overlong key: %d %s", r.status, r.body)
			}
			key := "key " + rt.pattern
			first := post(path, key, `{}`)
			if _, refused := idempotencyRefused[rt.pattern]; refused {
				if first.status != http.StatusBadRequest || !strings.Contains(first.body, "not repeated by key") {
					t.Fatalf("refused route: %d %s", first.status, first.body)
				}
				return
			}
			again := post(path, key, `{}`)
			if first.status >= 500 {
				if again.header.Get("Idempotent-Replayed") != "" {
					t.Fatalf("a %d was remembered", first.status)
				}
				return
			}
			if again.header.Get("Idempotent-Replayed") != "true" || again.status != first.status || again.body != first.body {
				t.Fatalf("repeat: %d %q %s; first: %d %s", again.status, again.header.Get("Idempotent-Replayed"), again.body, first.status, first.body)
			}
			if other := post(path, key, `{"other":1}`); other.status != http.StatusConflict {
				t.Fatalf("same key, other body: %d %s", other.status, other.body)
			}
		})
	}

	before, _ := e.store.ListClients(context.Background())
	for range 3 {
		if r := post("/api/v1/clients", "one-client", `{"name":"Kaspi"}`); r.status != http.StatusCreated {
			t.Fatalf("create client: %d %s", r.status, r.body)
		}
	}
	after, _ := e.store.ListClients(context.Background())
	if len(after) != len(before)+1 {
		t.Fatalf("three posts with one key made %d clients, want 1", len(after)-len(before))
	}
}
