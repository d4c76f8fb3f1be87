package web

import (
	"context"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
)

// matrixRoles is the column order of docs/roles.md's route table.
var matrixRoles = []Role{RoleAdmin, RoleMarketer, RoleSupervisor, RoleCompliance, RoleAgent}

// readRoleMatrix reads docs/roles.md's route table: pattern → role → cell
// ("✓", "own", "—" or "public").
func readRoleMatrix(t *testing.T) map[string]map[Role]string {
	t.Helper()
	b, err := os.ReadFile("../docs/roles.md")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[Role]string{}
	for i, line := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "| "), "|")
		if len(cells) != 1+len(matrixRoles) {
			t.Fatalf("docs/roles.md:%d: %d cells, want %d", i+1, len(cells), 1+len(matrixRoles))
		}
		pattern := strings.Trim(strings.TrimSpace(cells[0]), "`")
		if _, dup := out[pattern]; dup {
			t.Fatalf("docs/roles.md:%d: %s twice", i+1, pattern)
		}
		row := map[Role]string{}
		for j, role := range matrixRoles {
			c := strings.TrimSpace(cells[1+j])
			if !slices.Contains([]string{"✓", "own", "—", "public"}, c) {
				t.Fatalf("docs/roles.md:%d: cell %q for %s", i+1, c, role)
			}
			if c == "own" && role != RoleAgent {
				t.Fatalf("docs/roles.md:%d: only agents have own objects", i+1)
			}
			row[role] = c
		}
		out[pattern] = row
	}
	return out
}

// matrixPath fills a route pattern's parameters with objects of the auth
// env: own ones (the agent's agent, their call, the campaign they work),
// or, with other, ones that are not the agent's.
func matrixPath(pattern string, other bool) string {
	_, path, _ := strings.Cut(pattern, " ")
	id := "1"
	switch {
	case strings.HasPrefix(path, "/api/v1/agents/{id}"):
		id = "4" // envAgentID
		if other {
			id = "5"
		}
	case other:
		id = "2" // campaign 2 (client B), attempt 2 (agent 5)
	}
	return strings.NewReplacer("{id}", id, "{cid}", "1", "{aid}", "1", "{number}", "+998901000001", "{name}", "uz-test").Replace(path)
}

func denied(status int) bool {
	return status == http.StatusUnauthorized || status == http.StatusForbidden
}

func stateChanging(method string) bool {
	return method != http.MethodGet && method != http.MethodHead && method != http.MethodOptions
}

// TestRoleMatrix walks every route the server registers with every role
// (by bearer token and by session cookie), with no credentials, with an
// expired session and as a cross-origin POST, and checks the answers
// against docs/roles.md: "allowed" is anything but 401 and 403. A route
// without a row there fails, as does a row naming no route.
func TestRoleMatrix(t *testing.T) {
	e := newAuthEnv(t, SignInConfig{}, SessionConfig{})
	want := readRoleMatrix(t)
	var patterns []string
	for _, r := range e.srv.table {
		patterns = append(patterns, r.pattern)
		if _, ok := want[r.pattern]; !ok {
			t.Errorf("route %s has no row in docs/roles.md", r.pattern)
		}
	}
	for p := range want {
		if !slices.Contains(patterns, p) {
			t.Errorf("docs/roles.md names %s, which the server does not register", p)
		}
	}

	for _, rt := range e.srv.table {
		method, _, _ := strings.Cut(rt.pattern, " ")
		row := want[rt.pattern]
		for _, role := range matrixRoles {
			cell := row[role]
			for _, by := range []string{"token", "cookie"} {
				t.Run(rt.pattern+"/"+string(role)+"/"+by, func(t *testing.T) {
					q := req{method: method, path: matrixPath(rt.pattern, false)}
					if by == "token" {
						q.bearer = e.tokens[role]
					} else {
						q.cookie = e.session(role) // fresh: a sign-out route ends it
					}
					r := e.do(q)
					switch cell {
					case "—":
						if r.status != http.StatusForbidden {
							t.Fatalf("%s as %s: %d, want 403; %s", q.path, role, r.status, r.body)
						}
					default:
						if denied(r.status) {
							t.Fatalf("%s as %s: %d, want allowed; %s", q.path, role, r.status, r.body)
						}
					}
					if cell == "own" && strings.Contains(rt.pattern, "{id}") {
						q.path = matrixPath(rt.pattern, true)
						if q.cookie != "" {
							q.cookie = e.session(role)
						}
						if r := e.do(q); r.status != http.StatusForbidden && r.status != http.StatusNotFound {
							t.Fatalf("%s (not the agent's) as %s: %d, want 403 or 404; %s", q.path, role, r.status, r.body)
						}
					}
				})
			}
		}

		t.Run(rt.pattern+"/no credentials", func(t *testing.T) {
			r := e.do(req{method: method, path: matrixPath(rt.pattern, false)})
			if row[RoleAdmin] == "public" {
				if denied(r.status) {
					t.Fatalf("public route: %d %s", r.status, r.body)
				}
				return
			}
			r.expect(t, http.StatusUnauthorized, "missing bearer token")
		})

		t.Run(rt.pattern+"/expired session", func(t *testing.T) {
			if row[RoleAdmin] == "public" {
				return
			}
			e.clk.Set(testTime)
			cookie := e.session(RoleAdmin)
			e.clk.Add(DefaultIdleTimeout)
			defer e.clk.Set(testTime)
			r := e.do(req{method: method, path: matrixPath(rt.pattern, false), cookie: cookie})
			r.expect(t, http.StatusUnauthorized, "session expired")
			if c := cookieOf(r); c == nil || c.MaxAge >= 0 {
				t.Errorf("the dead cookie is not cleared: %v", r.header["Set-Cookie"])
			}
		})

		if stateChanging(method) {
			t.Run(rt.pattern+"/cross-origin", func(t *testing.T) {
				q := req{method: method, path: matrixPath(rt.pattern, false), cookie: e.session(RoleAdmin),
					header: map[string]string{"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}}
				e.do(q).expect(t, http.StatusForbidden, "cross-origin")
				// Without Sec-Fetch-Site, an Origin that is not the host is refused too.
				q.header = map[string]string{"Origin": "https://evil.example"}
				e.do(q).expect(t, http.StatusForbidden, "cross-origin")
				// The same page's own request passes.
				q.cookie = e.session(RoleAdmin)
				q.header = map[string]string{"Origin": "http://example.com", "Sec-Fetch-Site": "same-origin"}
				if r := e.do(q); denied(r.status) {
					t.Fatalf("same-origin: %d %s", r.status, r.body)
				}
			})
		}
	}
}

// TestAgentActsOnlyAsThemselves: an agent user sets their own state and
// disposes the call bridged to them, and nobody else's.
func TestAgentActsOnlyAsThemselves(t *testing.T) {
	e := newAuthEnv(t, SignInConfig{}, SessionConfig{})
	tok := e.tokens[RoleAgent]
	cases := []struct {
		name, method, path, body string
		status                   int
		msg                      string
	}{
		{"own ready", "POST", "/api/v1/agents/4/ready", "", 200, ""},
		{"own pause", "POST", "/api/v1/agents/4/pause", `{"reason":"break"}`, 200, ""},
		{"own offline", "POST", "/api/v1/agents/4/offline", "", 200, ""},
		{"own record", "GET", "/api/v1/agents/4", "", 200, ""},
		{"another's ready", "POST", "/api/v1/agents/5/ready", "", 403, "only as themselves"},
		{"another's pause", "POST", "/api/v1/agents/1/pause", "", 403, "only as themselves"},
		{"another's offline", "POST", "/api/v1/agents/5/offline", "", 403, "only as themselves"},
		{"another's record", "GET", "/api/v1/agents/5", "", 403, "only as themselves"},
		{"another's call", "POST", "/api/v1/attempts/2/disposition", `{"code":"completed"}`, 403, "not bridged to you"},
		{"own call", "POST", "/api/v1/attempts/1/disposition", `{"code":"completed"}`, 200, ""},
		{"a campaign they do not work", "GET", "/api/v1/campaigns/2", "", 404, "campaign 2: not found"},
		{"the campaign they work", "GET", "/api/v1/campaigns/1", "", 200, ""},
		{"every agent", "GET", "/api/v1/agents", "", 403, "role agent"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ct := ""
			if c.body != "" {
				ct = "application/json"
			}
			e.do(req{method: c.method, path: c.path, bearer: tok, ct: ct, body: c.body}).expect(t, c.status, c.msg)
		})
	}
	var list []campaignView
	e.do(req{method: "GET", path: "/api/v1/campaigns", bearer: tok}).decode(t, &list)
	if len(list) != 1 || list[0].ID != 1 {
		t.Fatalf("an agent's campaigns: %+v", list)
	}
	// A supervisor may set any agent's state and dispose any call.
	e.do(req{method: "POST", path: "/api/v1/agents/4/pause", bearer: e.tokens[RoleSupervisor]}).expect(t, 200, "")
	e.do(req{method: "POST", path: "/api/v1/attempts/2/disposition", bearer: e.tokens[RoleSupervisor],
		ct: "application/json", body: `{"code":"completed"}`}).expect(t, 200, "")
}

// TestClientScoping: a user limited to client 1 sees nothing of client 2
// (404, or left out of lists) and may not create clients.
func TestClientScoping(t *testing.T) {
	e := newAuthEnv(t, SignInConfig{}, SessionConfig{})
	ctx := context.Background()
	_, tok, err := e.users.Create(ctx, NewUser{Name: "bank-a-marketer", Role: RoleMarketer, ClientIDs: []int64{1}, Token: true})
	if err != nil {
		t.Fatal(err)
	}
	_, stok, err := e.users.Create(ctx, NewUser{Name: "bank-b-supervisor", Role: RoleSupervisor, ClientIDs: []int64{2}, Token: true})
	if err != nil {
		t.Fatal(err)
	}
	hidden := []string{
		"/api/v1/campaigns/2", "/api/v1/campaigns/2/contacts", "/api/v1/campaigns/2/attempts", "/api/v1/campaigns/2/stats",
		"/api/v1/campaigns/2/export", "/api/v1/campaigns/2/export?what=attempts", "/api/v1/campaigns/2/contacts/1/attempts",
		"/api/v1/campaigns/2/dispositions", "/api/v1/clients/2/webhook",
	}
	for _, p := range hidden {
		t.Run(p, func(t *testing.T) {
			e.do(req{method: "GET", path: p, bearer: tok}).expect(t, http.StatusNotFound, "not found")
		})
	}
	for _, p := range []string{"/api/v1/campaigns/1", "/api/v1/campaigns/1/contacts", "/api/v1/campaigns/1/attempts", "/api/v1/campaigns/1/export"} {
		if r := e.do(req{method: "GET", path: p, bearer: tok}); r.status != http.StatusOK {
			t.Errorf("%s: %d %s", p, r.status, r.body)
		}
	}
	var cs []campaignView
	e.do(req{method: "GET", path: "/api/v1/campaigns", bearer: tok}).decode(t, &cs)
	if len(cs) != 1 || cs[0].ID != 1 {
		t.Fatalf("campaigns of a user of client 1: %+v", cs)
	}
	var cls []map[string]any
	e.do(req{method: "GET", path: "/api/v1/clients", bearer: tok}).decode(t, &cls)
	if len(cls) != 1 || cls[0]["id"] != float64(1) {
		t.Fatalf("clients of a user of client 1: %+v", cls)
	}
	e.do(req{method: "POST", path: "/api/v1/campaigns", bearer: tok, ct: "application/json", body: `{"name":"x","client_id":2}`}).
		expect(t, http.StatusBadRequest, "invalid request", "client_id")
	e.do(req{method: "POST", path: "/api/v1/campaigns", bearer: tok, ct: "application/json", body: `{"name":"x","client_id":1}`}).
		expect(t, http.StatusCreated, "")
	e.do(req{method: "POST", path: "/api/v1/clients", bearer: tok, ct: "application/json", body: `{"name":"Bank C"}`}).
		expect(t, http.StatusForbidden, "limited to some clients")
	// A recording of client 1's campaign is not a supervisor of client 2's.
	e.do(req{method: "GET", path: "/api/v1/campaigns/1/attempts/1/recording", bearer: stok}).expect(t, http.StatusNotFound, "not found")
	e.do(req{method: "POST", path: "/api/v1/attempts/1/disposition", bearer: stok, ct: "application/json", body: `{"code":"completed"}`}).
		expect(t, http.StatusNotFound, "not found")
	// Unlimited users see both.
	e.do(req{method: "GET", path: "/api/v1/campaigns/2", bearer: e.tokens[RoleMarketer]}).expect(t, http.StatusOK, "")
}

// TestUserFrom: handlers get the authenticated user from the context; the
// token and the cookie yield the same User.
func TestUserFrom(t *testing.T) {
	e := newAuthEnv(t, SignInConfig{}, SessionConfig{})
	var got []User
	e.srv.handle("GET /api/v1/test/whoami", everyone, func(w http.ResponseWriter, r *http.Request, _ User) error {
		u, ok := UserFrom(r.Context())
		if !ok {
			t.Error("no user in the context")
		}
		got = append(got, u)
		w.WriteHeader(http.StatusNoContent)
		return nil
	})
	e.do(req{method: "GET", path: "/api/v1/test/whoami", bearer: e.tokens[RoleAgent]}).expect(t, 204, "")
	e.do(req{method: "GET", path: "/api/v1/test/whoami", cookie: e.session(RoleAgent)}).expect(t, 204, "")
	if len(got) != 2 || got[0].AgentID != envAgentID || got[0].Name != got[1].Name || got[0].AgentID != got[1].AgentID || got[0].ID != got[1].ID {
		t.Fatalf("users %+v", got)
	}
	if _, ok := UserFrom(context.Background()); ok {
		t.Fatal("a user in an empty context")
	}
}
