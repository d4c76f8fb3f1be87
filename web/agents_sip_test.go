package web

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/alo-dialer/alo/dialer"
	"github.com/alo-dialer/alo/dialer/agent"
	"github.com/alo-dialer/alo/dialer/registrar"
	"github.com/alo-dialer/alo/internal/testenv"
	"github.com/alo-dialer/alo/sqldb"
)

// newSIPAccountAPI is the API over the real agent registry and registrar on
// SQLite, with two agents (ids 1 and 2).
func newSIPAccountAPI(t *testing.T) (*testAPI, *sqldb.DB) {
	t.Helper()
	ctx := context.Background()
	db := testenv.SQLite(t)
	if err := sqldb.Migrate(ctx, db, "web", Migrations); err != nil {
		t.Fatal(err)
	}
	if err := sqldb.Migrate(ctx, db, "dialer", dialer.Migrations); err != nil {
		t.Fatal(err)
	}
	clock := func() time.Time { return testTime }
	users := NewUsers(db, clock)
	agents := agent.NewRegistry(agent.Config{DB: db, Clock: clock, Log: slog.New(slog.DiscardHandler)})
	reg, err := registrar.New(registrar.Config{DB: db, Clock: clock, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"Dilnoza", "Aziz"} {
		if _, err := agents.CreateAgent(ctx, agent.NewAgent{Name: name, SIPURI: "sip:" + name + "@alo", CampaignIDs: []int64{1}}); err != nil {
			t.Fatal(err)
		}
	}
	a := &testAPI{t: t, camps: newFakeCampaigns(), agents: newFakeAgents(), dnc: newFakeDNC(),
		waker: &fakeWaker{}, tokens: map[Role]string{}, logs: &strings.Builder{}}
	for _, r := range Roles {
		_, tok, err := addRoleUser(ctx, users, string(r)+"-user", r, testAgentID)
		if err != nil {
			t.Fatal(err)
		}
		a.tokens[r] = tok
	}
	a.h = NewServer(ServerConfig{Campaigns: a.camps, Agents: agents, DNC: a.dnc, Users: users, SIPAccounts: reg,
		Log: slog.New(slog.NewTextHandler(&lockedWriter{w: a.logs}, nil))}).Handler()
	return a, db
}

// storedHA1 is the digest hash kept for a SIP user, or "" if none.
func storedHA1(t *testing.T, db *sqldb.DB, agentID int64) (user, hash string) {
	t.Helper()
	err := db.QueryRowContext(context.Background(), `SELECT username, ha1 FROM agent_sip_accounts WHERE agent_id = $1`, agentID).Scan(&user, &hash)
	if err != nil {
		return "", ""
	}
	return user, hash
}

func TestSetAgentSIPAccount(t *testing.T) {
	const secret = "Pa55word-zX9"
	cases := []struct {
		name   string
		role   Role
		path   string
		body   string
		status int
		fields []string
	}{
		{"ok", RoleAdmin, "/api/v1/agents/1/sip-account", `{"sip_user":"1001","password":"` + secret + `"}`, 200, nil},
		{"missing", RoleAdmin, "/api/v1/agents/1/sip-account", `{}`, 400, []string{"sip_user", "password"}},
		{"short password", RoleAdmin, "/api/v1/agents/1/sip-account", `{"sip_user":"1001","password":"short"}`, 400, []string{"password"}},
		{"CRLF in password", RoleAdmin, "/api/v1/agents/1/sip-account", `{"sip_user":"1001","password":"abcdefgh\r\nX: y"}`, 400, []string{"password"}},
		{"user with colon", RoleAdmin, "/api/v1/agents/1/sip-account", `{"sip_user":"10:01","password":"` + secret + `"}`, 400, []string{"sip_user"}},
		{"user with space", RoleAdmin, "/api/v1/agents/1/sip-account", `{"sip_user":"10 01","password":"` + secret + `"}`, 400, []string{"sip_user"}},
		{"unknown agent", RoleAdmin, "/api/v1/agents/9/sip-account", `{"sip_user":"1001","password":"` + secret + `"}`, 404, nil},
		{"marketer", RoleMarketer, "/api/v1/agents/1/sip-account", `{"sip_user":"1001","password":"` + secret + `"}`, 403, nil},
		{"agent role", RoleAgent, "/api/v1/agents/1/sip-account", `{"sip_user":"1001","password":"` + secret + `"}`, 403, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, db := newSIPAccountAPI(t)
			r := a.call("PUT", c.path, c.role, "application/json", c.body)
			if strings.Contains(r.body, secret) || strings.Contains(a.logs.String(), secret) {
				t.Fatalf("password leaked: body %s logs %s", r.body, a.logs.String())
			}
			if c.status != 200 {
				r.expect(t, c.status, "", c.fields...)
				if u, _ := storedHA1(t, db, 1); u != "" {
					t.Fatalf("a refused request stored sip user %q", u)
				}
				return
			}
			r.expect(t, 200, "")
			var got sipAccountResponse
			r.decode(t, &got)
			if got != (sipAccountResponse{AgentID: 1, User: "1001", RegisteredURI: "sip:1001@alo"}) {
				t.Fatalf("response %+v", got)
			}
			u, hash := storedHA1(t, db, 1)
			want := md5.Sum([]byte("1001:alo:" + secret))
			if u != "1001" || hash != hex.EncodeToString(want[:]) {
				t.Fatalf("stored %q %q, want the RFC 2617 HA1 of 1001", u, hash)
			}
		})
	}
}

func TestSetAgentSIPAccountReplacesAndIsUnique(t *testing.T) {
	a, db := newSIPAccountAPI(t)
	put := func(ag, user string) response {
		t.Helper()
		return a.admin("PUT", "/api/v1/agents/"+ag+"/sip-account", `{"sip_user":"`+user+`","password":"secret-one"}`)
	}
	put("1", "1001").expect(t, http.StatusOK, "")
	put("1", "1002").expect(t, http.StatusOK, "")
	if u, _ := storedHA1(t, db, 1); u != "1002" {
		t.Fatalf("agent 1 sip user %q, want the replacement 1002", u)
	}
	// Another agent may not take a user name in use: two phones would
	// overwrite each other's registration.
	put("2", "1002").expect(t, http.StatusBadRequest, "invalid request", "sip_user")
	put("2", "1001").expect(t, http.StatusOK, "")
}

func TestSetAgentSIPAccountWithoutRegistrar(t *testing.T) {
	a := newTestAPI(t)
	a.admin("PUT", "/api/v1/agents/1/sip-account", `{"sip_user":"1001","password":"secret-one"}`).
		expect(t, http.StatusServiceUnavailable, "registrar")
}
