package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alo-dialer/alo/campaigns"
	"github.com/alo-dialer/alo/internal/testenv"
	"github.com/alo-dialer/alo/sqldb"
)

// testAPI is the server on fake services and real users (SQLite), with one
// user and token per role.
type testAPI struct {
	t      *testing.T
	h      http.Handler
	camps  *fakeCampaigns
	agents *fakeAgents
	dnc    *fakeDNC
	waker  *fakeWaker
	calls  *fakeCalls
	tokens map[Role]string
	logs   *strings.Builder
}

func newTestAPI(t *testing.T) *testAPI {
	t.Helper()
	ctx := context.Background()
	db := testenv.SQLite(t)
	if err := sqldb.Migrate(ctx, db, "web", Migrations); err != nil {
		t.Fatal(err)
	}
	users := NewUsers(db, func() time.Time { return testTime })
	a := &testAPI{t: t, camps: newFakeCampaigns(), agents: newFakeAgents(), dnc: newFakeDNC(),
		waker: &fakeWaker{}, calls: &fakeCalls{}, tokens: map[Role]string{}, logs: &strings.Builder{}}
	for _, r := range Roles {
		_, tok, err := addRoleUser(ctx, users, string(r)+"-user", r, testAgentID)
		if err != nil {
			t.Fatal(err)
		}
		a.tokens[r] = tok
	}
	srv := NewServer(ServerConfig{
		Campaigns: a.camps, Agents: a.agents, DNC: a.dnc, Users: users, Waker: a.waker, Calls: a.calls,
		Log:           slog.New(slog.NewTextHandler(&lockedWriter{w: a.logs}, nil)),
		DefaultRegion: "UZ",
	})
	a.h = srv.Handler()
	return a
}

// lockedWriter lets handlers log concurrently into one builder.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

type response struct {
	status int
	header http.Header
	body   string
}

// call sends a request as a user of role (no Authorization header when
// role is "").
func (a *testAPI) call(method, path string, role Role, contentType, body string) response {
	a.t.Helper()
	auth := ""
	if role != "" {
		auth = "Bearer " + a.tokens[role]
	}
	return a.callAuth(method, path, auth, contentType, body)
}

// callAuth sends a request with a raw Authorization header.
func (a *testAPI) callAuth(method, path, auth, contentType, body string) response {
	a.t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	a.h.ServeHTTP(rec, req)
	return response{status: rec.Code, header: rec.Header(), body: rec.Body.String()}
}

// admin is a JSON request as the admin.
func (a *testAPI) admin(method, path, body string) response {
	a.t.Helper()
	ct := ""
	if body != "" {
		ct = "application/json"
	}
	return a.call(method, path, RoleAdmin, ct, body)
}

// decode reads the JSON body into v, failing on anything else.
func (r response) decode(t *testing.T, v any) {
	t.Helper()
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type %q, want JSON; body %s", ct, r.body)
	}
	if err := json.Unmarshal([]byte(r.body), v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

// expect checks the status and, for errors, that the body is a JSON error
// whose message contains msg and which names fields (in order).
func (r response) expect(t *testing.T, status int, msg string, fields ...string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body %s", r.status, status, r.body)
	}
	if status < 400 {
		return
	}
	var e struct {
		Error  string       `json:"error"`
		Fields []FieldError `json:"fields"`
	}
	r.decode(t, &e)
	if e.Error == "" || !strings.Contains(e.Error, msg) {
		t.Fatalf("error %q, want it to contain %q", e.Error, msg)
	}
	var got []string
	for _, f := range e.Fields {
		got = append(got, f.Field)
	}
	if len(fields) > 0 && !slices.Equal(got, fields) {
		t.Fatalf("fields %v, want %v; body %s", got, fields, r.body)
	}
}

// seed creates a client and a campaign reading local numbers as KZ ones.
func (a *testAPI) seed() campaigns.Campaign {
	a.t.Helper()
	ctx := context.Background()
	cl, err := a.camps.CreateClient(ctx, "Bank")
	if err != nil {
		a.t.Fatal(err)
	}
	c, err := a.camps.CreateCampaign(ctx, campaigns.Campaign{ClientID: cl.ID, Name: "welcome", DefaultRegion: "KZ",
		DailyStart: 9 * 60, DailyEnd: 20 * 60})
	if err != nil {
		a.t.Fatal(err)
	}
	return c
}

// routes lists every authenticated route with a request that would succeed
// for an admin after seed (campaign 1, agent 1).
var routes = []struct {
	method, path, ct, body string
	write                  bool
}{
	{"POST", "/api/v1/clients", "application/json", `{"name":"Bank"}`, true},
	{"GET", "/api/v1/clients", "", "", false},
	{"POST", "/api/v1/campaigns", "application/json", `{"name":"c","client_id":1}`, true},
	{"GET", "/api/v1/campaigns", "", "", false},
	{"GET", "/api/v1/campaigns/1", "", "", false},
	{"POST", "/api/v1/campaigns/1/start", "", "", true},
	{"POST", "/api/v1/campaigns/1/pause", "", "", true},
	{"GET", "/api/v1/campaigns/1/stats", "", "", false},
	{"GET", "/api/v1/campaigns/1/attempts", "", "", false},
	{"GET", "/api/v1/campaigns/1/contacts", "", "", false},
	{"POST", "/api/v1/campaigns/1/contacts", "application/json", `[{"phone":"+77011234567"}]`, true},
	{"POST", "/api/v1/agents", "application/json", `{"name":"A","sip_uri":"sip:a@10.0.0.1","campaign_ids":[1]}`, true},
	{"GET", "/api/v1/agents", "", "", false},
	{"GET", "/api/v1/agents/1", "", "", false},
	{"POST", "/api/v1/agents/1/ready", "", "", true},
	{"POST", "/api/v1/agents/1/pause", "application/json", `{"reason":"lunch"}`, true},
	{"POST", "/api/v1/agents/1/offline", "", "", true},
	{"POST", "/api/v1/dnc", "application/json", `{"number":"+998901234567"}`, true},
	{"GET", "/api/v1/dnc", "", "", false},
	{"DELETE", "/api/v1/dnc/+998901234567", "", "", true},
}

func TestAuthentication(t *testing.T) {
	a := newTestAPI(t)
	a.seed()
	cases := []struct {
		name, auth, msg string
	}{
		{"missing token", "", "missing bearer token"},
		{"wrong token", "Bearer alo_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "invalid token"},
		{"not an alo token", "Bearer hunter2", "invalid token"},
		{"basic auth", "Basic YWRtaW46cGFzcw==", "Authorization must be Bearer"},
		{"bearer without token", "Bearer ", "Authorization must be Bearer"},
	}
	for _, rt := range routes {
		for _, c := range cases {
			t.Run(rt.method+" "+rt.path+"/"+c.name, func(t *testing.T) {
				r := a.callAuth(rt.method, rt.path, c.auth, rt.ct, rt.body)
				r.expect(t, http.StatusUnauthorized, c.msg)
				if got := r.header.Get("WWW-Authenticate"); !strings.HasPrefix(got, "Bearer") {
					t.Errorf("WWW-Authenticate %q", got)
				}
				if strings.Contains(r.body, "hunter2") || strings.Contains(r.body, "AAAAAAAA") {
					t.Errorf("the token is echoed: %s", r.body)
				}
			})
		}
	}
	t.Run("scheme is case-insensitive", func(t *testing.T) {
		a.callAuth("GET", "/api/v1/clients", "bearer "+a.tokens[RoleAdmin], "", "").expect(t, http.StatusOK, "")
	})
	t.Run("health needs no token", func(t *testing.T) {
		r := a.call("GET", "/api/v1/health", "", "", "")
		r.expect(t, http.StatusOK, "")
		var got map[string]string
		r.decode(t, &got)
		if got["status"] != "ok" {
			t.Fatalf("health %v", got)
		}
	})
}

func TestRouting(t *testing.T) {
	a := newTestAPI(t)
	t.Run("unknown path is a JSON 404", func(t *testing.T) {
		a.call("GET", "/api/v1/nothing", RoleAdmin, "", "").expect(t, http.StatusNotFound, "not found")
	})
	t.Run("wrong method is a JSON 405 with Allow", func(t *testing.T) {
		r := a.call("PUT", "/api/v1/clients", RoleAdmin, "", "")
		r.expect(t, http.StatusMethodNotAllowed, "method not allowed")
		if allow := r.header.Get("Allow"); !strings.Contains(allow, "POST") || !strings.Contains(allow, "GET") {
			t.Fatalf("Allow %q", allow)
		}
	})
}

func TestErrorMapping(t *testing.T) {
	cases := []struct {
		name   string
		err    error
		status int
		msg    string
	}{
		{"not found", fmt.Errorf("client 3: %w", campaigns.ErrNotFound), http.StatusNotFound, "client 3: not found"},
		{"invalid", fmt.Errorf("name: %w: must not be empty", campaigns.ErrInvalid), http.StatusBadRequest, "must not be empty"},
		{"conflict", fmt.Errorf("campaign 1: %w", campaigns.ErrConflict), http.StatusConflict, "conflict"},
		{"anything else is a 500 that says nothing", errors.New("pq: connection refused to db.internal:5432 password=s3cret"), http.StatusInternalServerError, "internal error"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := newTestAPI(t)
			a.camps.err = c.err
			r := a.admin("GET", "/api/v1/clients", "")
			r.expect(t, c.status, c.msg)
			if c.status == http.StatusInternalServerError {
				if strings.Contains(r.body, "s3cret") || strings.Contains(r.body, "db.internal") {
					t.Fatalf("the cause leaked: %s", r.body)
				}
				if !strings.Contains(a.logs.String(), "connection refused") {
					t.Fatalf("the cause was not logged: %s", a.logs.String())
				}
			}
		})
	}
}

func TestRequestBodies(t *testing.T) {
	a := newTestAPI(t)
	cases := []struct {
		name, ct, body string
		status         int
		msg            string
		fields         []string
	}{
		{"bad JSON", "application/json", `{"name":`, http.StatusBadRequest, "invalid JSON", nil},
		{"syntax error", "application/json", `{"name" "x"}`, http.StatusBadRequest, "invalid JSON at byte", nil},
		{"empty body", "application/json", ``, http.StatusBadRequest, "empty body", nil},
		{"unknown field", "application/json", `{"name":"x","colour":"red"}`, http.StatusBadRequest, "invalid request", []string{"colour"}},
		{"wrong type", "application/json", `{"name":42}`, http.StatusBadRequest, "invalid request", []string{"name"}},
		{"not an object", "application/json", `["x"]`, http.StatusBadRequest, "must be an object", nil},
		{"trailing data", "application/json", `{"name":"x"} {"name":"y"}`, http.StatusBadRequest, "unexpected data", nil},
		{"wrong content type", "application/x-www-form-urlencoded", `name=x`, http.StatusUnsupportedMediaType, "application/json", nil},
		{"missing required field", "application/json", `{}`, http.StatusBadRequest, "invalid request", []string{"name"}},
		{"control character", "application/json", `{"name":"a\u0007b"}`, http.StatusBadRequest, "invalid request", []string{"name"}},
		{"too large", "application/json", `{"name":"` + strings.Repeat("x", maxJSONBody) + `"}`, http.StatusRequestEntityTooLarge, "larger than", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a.call("POST", "/api/v1/clients", RoleAdmin, c.ct, c.body).expect(t, c.status, c.msg, c.fields...)
		})
	}
	if len(a.camps.clients) != 0 {
		t.Fatalf("a bad request changed something: %v", a.camps.clients)
	}
}

func TestPanicIsA500(t *testing.T) {
	a := newTestAPI(t)
	users := NewUsers(openMigratedSQLite(t), time.Now)
	_, tok, err := users.Add(context.Background(), "admin", RoleAdmin)
	if err != nil {
		t.Fatal(err)
	}
	var logs strings.Builder
	// No services configured: the handler dereferences a nil interface.
	a.h = NewServer(ServerConfig{Users: users, Log: slog.New(slog.NewTextHandler(&lockedWriter{w: &logs}, nil))}).Handler()
	a.callAuth("GET", "/api/v1/clients", "Bearer "+tok, "", "").expect(t, http.StatusInternalServerError, "internal error")
	if !strings.Contains(logs.String(), "panic") {
		t.Fatalf("panic not logged: %s", logs.String())
	}
}
