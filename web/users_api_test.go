package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/alo-dialer/alo/sqldb"
)

func TestUsersAPICreate(t *testing.T) {
	e := newAuthEnv(t, SignInConfig{}, SessionConfig{})
	admin := e.tokens[RoleAdmin]
	post := func(body string) response {
		return e.do(req{method: "POST", path: "/api/v1/users", bearer: admin, ct: "application/json", body: body})
	}
	cases := []struct {
		name, body string
		fields     []string
	}{
		{"everything wrong at once", `{"name":"a b","role":"agent","password":"short","client_ids":[0],"language":"english!","time_zone":"Mars/Base"}`,
			[]string{"name", "agent_id", "client_ids[0]", "password", "language", "time_zone"}},
		{"unknown role", `{"name":"x","role":"root","password":"long enough pw"}`, []string{"role"}},
		{"neither password nor token", `{"name":"x","role":"marketer"}`, []string{"password"}},
		{"an agent without its agent", `{"name":"x","role":"agent","password":"long enough pw"}`, []string{"agent_id"}},
		{"a marketer with an agent", `{"name":"x","role":"marketer","agent_id":4,"password":"long enough pw"}`, []string{"agent_id"}},
		{"an agent that does not exist", `{"name":"x","role":"agent","agent_id":99,"password":"long enough pw"}`, []string{"agent_id"}},
		{"a client that does not exist", `{"name":"x","role":"marketer","client_ids":[1,9],"password":"long enough pw"}`, []string{"client_ids[1]"}},
		{"an agent that is already a user", `{"name":"x","role":"agent","agent_id":4,"password":"long enough pw"}`, []string{"agent_id"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			post(c.body).expect(t, http.StatusBadRequest, "invalid request", c.fields...)
		})
	}
	post(`{"name":"agent","role":"marketer","token":true}`).expect(t, http.StatusConflict, "already exists")

	// A machine gets a token, once.
	r := post(`{"name":"crm","role":"marketer","token":true,"client_ids":[2,1,2]}`)
	r.expect(t, http.StatusCreated, "")
	var made createdUser
	r.decode(t, &made)
	if !strings.HasPrefix(made.Token, "alo_") || made.HasPassword || len(made.ClientIDs) != 2 {
		t.Fatalf("created %+v", made)
	}
	e.do(req{method: "GET", path: "/api/v1/campaigns", bearer: made.Token}).expect(t, http.StatusOK, "")
	// A person gets a password and no token.
	e.agents.agents[5] = e.agents.agents[envAgentID]
	r = post(`{"name":"dilnoza","role":"agent","agent_id":5,"password":"long enough pw","language":"uz-Cyrl","time_zone":"Asia/Tashkent"}`)
	r.expect(t, http.StatusCreated, "")
	if strings.Contains(r.body, "token") || strings.Contains(r.body, "argon2") {
		t.Fatalf("body %s", r.body)
	}
	var list []User
	e.signInAs("dilnoza", "long enough pw", "192.0.2.40").expect(t, http.StatusOK, "")
	e.do(req{method: "GET", path: "/api/v1/users", bearer: admin}).decode(t, &list)
	found := false
	for _, u := range list {
		found = found || u.Name == "dilnoza" && u.AgentID == 5 && u.Language == "uz-Cyrl" && u.TimeZone == "Asia/Tashkent" && u.HasPassword
	}
	if !found {
		t.Fatalf("users %+v", list)
	}
}

func TestUsersAPIPatch(t *testing.T) {
	e := newAuthEnv(t, SignInConfig{}, SessionConfig{})
	admin := e.tokens[RoleAdmin]
	patch := func(role Role, body string) response {
		return e.do(req{method: "PATCH", path: fmt.Sprintf("/api/v1/users/%d", e.user[role].ID), bearer: admin, ct: "application/json", body: body})
	}
	patch(RoleAdmin, `{"role":"marketer","disabled":true}`).expect(t, 400, "invalid request", "role", "disabled")
	patch(RoleMarketer, `{"role":"agent"}`).expect(t, 400, "invalid request", "agent_id")
	patch(RoleMarketer, `{"role":"agent","agent_id":77}`).expect(t, 400, "invalid request", "agent_id")
	patch(RoleMarketer, `{"password":"short","client_ids":[0]}`).expect(t, 400, "invalid request", "client_ids[0]", "password")
	patch(RoleMarketer, `{"colour":"red"}`).expect(t, 400, "invalid request", "colour")
	e.do(req{method: "PATCH", path: "/api/v1/users/999", bearer: admin, ct: "application/json", body: `{"disabled":true}`}).expect(t, 404, "user 999: not found")

	// Limit the marketer to client 2, then lift it.
	var u User
	patch(RoleMarketer, `{"client_ids":[2]}`).decode(t, &u)
	if len(u.ClientIDs) != 1 || u.ClientIDs[0] != 2 {
		t.Fatalf("after limiting: %+v", u)
	}
	e.do(req{method: "GET", path: "/api/v1/campaigns/1", bearer: e.tokens[RoleMarketer]}).expect(t, 404, "")
	patch(RoleMarketer, `{"client_ids":[]}`).expect(t, 200, "")
	e.do(req{method: "GET", path: "/api/v1/campaigns/1", bearer: e.tokens[RoleMarketer]}).expect(t, 200, "")

	// The agent becomes a supervisor: the agent link goes with the role.
	patch(RoleAgent, `{"role":"supervisor"}`).decode(t, &u)
	if u.Role != RoleSupervisor || u.AgentID != 0 {
		t.Fatalf("after the role change: %+v", u)
	}
	e.do(req{method: "GET", path: "/api/v1/agents", bearer: e.tokens[RoleAgent]}).expect(t, 200, "")

	// Disabling ends the user's sessions and token.
	cookie := e.session(RoleCompliance)
	patch(RoleCompliance, `{"disabled":true}`).expect(t, 200, "")
	e.do(req{method: "GET", path: "/api/v1/session", cookie: cookie}).expect(t, http.StatusUnauthorized, "")
	e.do(req{method: "GET", path: "/api/v1/session", bearer: e.tokens[RoleCompliance]}).expect(t, http.StatusUnauthorized, "invalid token")
	patch(RoleCompliance, `{"disabled":false}`).expect(t, 200, "")
	e.do(req{method: "GET", path: "/api/v1/session", bearer: e.tokens[RoleCompliance]}).expect(t, http.StatusOK, "")

	// A password reset ends sessions; the new password signs in.
	cookie = e.session(RoleSupervisor)
	patch(RoleSupervisor, `{"password":"reset by the admin"}`).expect(t, 200, "")
	e.do(req{method: "GET", path: "/api/v1/session", cookie: cookie}).expect(t, http.StatusUnauthorized, "")
	e.signInAs("supervisor", "reset by the admin", "192.0.2.50").expect(t, http.StatusOK, "")

	logs := e.logs.String()
	for _, want := range []string{
		`msg="user changed" user=admin target=marketer clients_before=[] clients=[2]`,
		`msg="user changed" user=admin target=agent role_before=agent role=supervisor agent_before=4 agent=0`,
		`msg="user changed" user=admin target=compliance disabled=true`,
		`msg="user changed" user=admin target=supervisor password_reset=true`,
	} {
		if !strings.Contains(logs, want) {
			t.Errorf("no log line with %s\n%s", want, logs)
		}
	}
	if strings.Contains(logs, "reset by the admin") {
		t.Fatal("a password was logged")
	}
}

func TestUsersStoreRules(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		users := NewUsers(db, func() time.Time { return testTime }).WithPasswordParams(cheapParams)
		a, tok, err := users.Create(ctx, NewUser{Name: "a1", Role: RoleAgent, AgentID: 3, Password: "long enough pw", ClientIDs: []int64{5, 2, 5}})
		if err != nil || tok != "" || a.AgentID != 3 || len(a.ClientIDs) != 2 || a.ClientIDs[0] != 2 {
			t.Fatalf("create %+v %q %v", a, tok, err)
		}
		_, _, err = users.Create(ctx, NewUser{Name: "a2", Role: RoleAgent, AgentID: 3, Password: "long enough pw"})
		var bad *InvalidUserError
		if !errors.As(err, &bad) || bad.Fields[0].Field != "agent_id" || !errors.Is(err, ErrInvalid) {
			t.Fatalf("second user of agent 3: %v", err)
		}
		if _, _, err := users.Add(ctx, "a3", RoleAgent); !errors.Is(err, ErrInvalid) {
			t.Fatalf("an agent by Add: %v", err)
		}
		got, hash, err := users.ByName(ctx, "a1")
		if err != nil || !strings.HasPrefix(hash, "$argon2id$") || got.AgentID != 3 {
			t.Fatalf("by name %+v %q %v", got, hash, err)
		}
		if _, _, err := users.ByName(ctx, "nobody"); !errors.Is(err, ErrUserNotFound) {
			t.Fatalf("unknown: %v", err)
		}
	})
}
