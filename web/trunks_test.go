package web

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/alo-dialer/alo/dialer"
	"github.com/alo-dialer/alo/dialer/trunk"
	"github.com/alo-dialer/alo/internal/testenv"
	"github.com/alo-dialer/alo/sqldb"
)

// newTrunkAPI is the API over the real trunk set on SQLite.
func newTrunkAPI(t *testing.T) (*testAPI, *trunk.Set) {
	t.Helper()
	ctx := context.Background()
	db := testenv.SQLite(t)
	if err := sqldb.Migrate(ctx, db, "web", Migrations); err != nil {
		t.Fatal(err)
	}
	if err := sqldb.Migrate(ctx, db, "dialer", dialer.Migrations); err != nil {
		t.Fatal(err)
	}
	users := NewUsers(db, func() time.Time { return testTime })
	trunks, err := trunk.NewSet(trunk.SetConfig{Store: trunk.NewStore(db, func() time.Time { return testTime }),
		Default: trunk.Trunk{URI: "sip:default.example.net"}, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
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
	a.h = NewServer(ServerConfig{Campaigns: a.camps, Agents: a.agents, DNC: a.dnc, Users: users, Trunks: trunks,
		Log: slog.New(slog.NewTextHandler(&lockedWriter{w: a.logs}, nil))}).Handler()
	return a, trunks
}

func TestCreateTrunk(t *testing.T) {
	cases := []struct {
		name   string
		body   string
		status int
		fields []string
	}{
		{"ok", `{"name":"uz-1","group":"bank","uri":"sip:sbc.carrier.uz:5060","user":"alo","password":"s3cret","max_calls":30,"max_cps":10,"pai":"+998712000000","privacy":"id"}`, 201, nil},
		{"missing", `{}`, 400, []string{"name", "uri"}},
		{"bad transport", `{"name":"a","uri":"sip:a.example","transport":"sctp"}`, 400, []string{"transport"}},
		{"pai not e164", `{"name":"a","uri":"sip:a.example","pai":"123"}`, 400, []string{"pai"}},
		{"uri not sip", `{"name":"a","uri":"http://a.example"}`, 400, []string{"uri"}},
		{"CRLF in uri", `{"name":"a","uri":"sip:a.example\r\nX: y"}`, 400, []string{"uri"}},
		{"bad group", `{"name":"a","uri":"sip:a.example","group":"Bank A"}`, 400, []string{"group"}},
		{"user with colon", `{"name":"a","uri":"sip:a.example","user":"a:b"}`, 400, []string{"user"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, _ := newTrunkAPI(t)
			r := a.admin("POST", "/api/v1/trunks", c.body)
			if c.status != 201 {
				r.expect(t, c.status, "invalid request", c.fields...)
				return
			}
			r.expect(t, 201, "")
			if strings.Contains(r.body, "s3cret") || strings.Contains(a.logs.String(), "s3cret") {
				t.Fatalf("password leaked: body %s logs %s", r.body, a.logs.String())
			}
			var st trunk.Status
			r.decode(t, &st)
			if st.ID == 0 || st.Group != "bank" || !st.HasPassword || !st.Up || st.MaxCPS != 10 || st.Transport != "udp" {
				t.Fatalf("trunk %+v", st)
			}
		})
	}
}

func TestTrunkEndpoints(t *testing.T) {
	a, trunks := newTrunkAPI(t)
	a.seed()
	a.admin("POST", "/api/v1/trunks", `{"name":"uz-1","group":"bank","uri":"sip:sbc.carrier.uz","password":"s3cret"}`).expect(t, 201, "")
	// Only an admin manages trunks; a marketer may read them.
	a.call("POST", "/api/v1/trunks", RoleMarketer, "application/json", `{"name":"x","uri":"sip:x.example"}`).expect(t, http.StatusForbidden, "admin")
	var list []trunk.Status
	r := a.call("GET", "/api/v1/trunks", RoleMarketer, "", "")
	r.expect(t, 200, "")
	r.decode(t, &list)
	if len(list) != 2 || list[0].Name != "default" || list[1].Name != "uz-1" || strings.Contains(r.body, "s3cret") {
		t.Fatalf("list %s", r.body)
	}
	// An update without a password keeps it.
	a.admin("PUT", "/api/v1/trunks/1", `{"name":"uz-1","group":"bank","uri":"sip:sbc2.carrier.uz","max_calls":5}`).expect(t, 200, "")
	if st, _ := trunks.StatusOf(1); !st.HasPassword || st.URI != "sip:sbc2.carrier.uz" || st.MaxCalls != 5 {
		t.Fatalf("after update %+v", st)
	}
	a.admin("GET", "/api/v1/trunks/9", "").expect(t, 404, "trunk 9")
	// Campaign → trunk group.
	a.admin("PUT", "/api/v1/campaigns/1/trunk-group", `{"group":"bank"}`).expect(t, 200, "")
	if g := trunks.CampaignGroup(1); g != "bank" {
		t.Fatalf("campaign group %q", g)
	}
	r = a.admin("GET", "/api/v1/campaigns/1/trunk-group", "")
	r.expect(t, 200, "")
	if !strings.Contains(r.body, `"group":"bank"`) {
		t.Fatalf("group %s", r.body)
	}
	a.admin("PUT", "/api/v1/campaigns/99/trunk-group", `{"group":"bank"}`).expect(t, 404, "")
	a.admin("PUT", "/api/v1/campaigns/1/trunk-group", `{"group":"a b"}`).expect(t, 400, "invalid request", "group")
	a.admin("DELETE", "/api/v1/trunks/1", "").expect(t, 204, "")
	a.admin("DELETE", "/api/v1/trunks/1", "").expect(t, 404, "")
}
