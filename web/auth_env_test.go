package web

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alo-dialer/alo/campaigns"
	"github.com/alo-dialer/alo/compliance"
	"github.com/alo-dialer/alo/dialer"
	"github.com/alo-dialer/alo/dialer/agent"
	"github.com/alo-dialer/alo/sqldb"
)

// testClock is a clock a test moves by hand.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// cheapParams keep argon2id fast in tests; production uses
// DefaultPasswordParams.
var cheapParams = PasswordParams{MemoryKiB: 64, Time: 1, Threads: 1}

// authEnv is the API over the real stores with sessions and sign-in: one
// user and token per role (the agent user is agent envAgentID, working
// campaign 1), clients 1 and 2 with campaigns 1 and 2, and two ended calls
// of campaign 1: attempt 1 bridged to agent envAgentID, attempt 2 to agent
// 5.
type authEnv struct {
	*storeEnv
	t        *testing.T
	clk      *testClock
	srv      *Server
	h        http.Handler
	sessions *Sessions
	signIn   *SignIn
	logs     *strings.Builder
	user     map[Role]User
	agents   *fakeAgents
}

func newAuthEnv(t *testing.T, sic SignInConfig, sc SessionConfig) *authEnv {
	t.Helper()
	ctx := context.Background()
	e := &authEnv{storeEnv: newStoreEnv(t, Roles...), t: t, clk: &testClock{now: testTime}, logs: &strings.Builder{}, user: map[Role]User{}}
	e.users.WithPasswordParams(cheapParams)
	for _, r := range Roles {
		u, _, err := e.users.ByName(ctx, string(r))
		if err != nil {
			t.Fatal(err)
		}
		e.user[r] = u
	}
	log := slog.New(slog.NewTextHandler(&lockedWriter{w: e.logs}, nil))
	e.sessions = NewSessions(e.db, e.users, e.clk.Now, sc)
	si, err := NewSignIn(e.users, e.sessions, e.clk.Now, log, sic)
	if err != nil {
		t.Fatal(err)
	}
	e.signIn = si
	e.agents = newFakeAgents()
	e.agents.agents[envAgentID] = agent.Agent{ID: envAgentID, Name: "agent", SIPURI: "sip:agent@10.0.0.9", CampaignIDs: []int64{1}}
	// Teams and pause reasons are the real registry's (its agents stay
	// fake: the registry's would need phones).
	if err := sqldb.Migrate(ctx, e.db, "dialer", dialer.Migrations); err != nil {
		t.Fatal(err)
	}
	registry := agent.NewRegistry(agent.Config{DB: e.db, Clock: e.clk.Now, Log: slog.New(slog.DiscardHandler)})
	t.Cleanup(registry.Close)

	st := e.store
	for _, name := range []string{"Bank A", "Bank B"} {
		cl, err := st.CreateClient(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.CreateCampaign(ctx, campaigns.Campaign{ClientID: cl.ID, Name: "welcome " + name}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.UpsertContacts(ctx, 1, []campaigns.NewContact{{Phone: "+77011000301"}, {Phone: "+77011000302"}}); err != nil {
		t.Fatal(err)
	}
	due, err := st.QueueDue(ctx, 1, testTime, 0)
	if err != nil || len(due) != 2 {
		t.Fatalf("queue: %v %v", due, err)
	}
	for i, d := range due {
		agent := int64(envAgentID)
		if i == 1 {
			agent = 5
		}
		at, err := st.BeginDialing(ctx, d.Key, campaigns.DialingInfo{AgentID: agent})
		if err != nil {
			t.Fatal(err)
		}
		_ = st.MarkAnswered(ctx, at.ID, testTime)
		if err := st.Finish(ctx, at.ID, campaigns.Result{Outcome: campaigns.OutcomeHuman}); err != nil {
			t.Fatal(err)
		}
	}
	e.srv = NewServer(ServerConfig{
		Campaigns: st, Agents: e.agents, Users: e.users, Sessions: e.sessions, SignIn: si,
		DNC: compliance.NewDNCList(e.db.DB, e.clock), Dispositions: st, Webhooks: st, Attempts: st,
		RecordingsDir: t.TempDir(), Waker: &fakeWaker{}, Log: log, Teams: registry, PauseReasons: registry, Clock: e.clk.Now,
	})
	e.h = e.srv.Handler()
	return e
}

// req is one request to the env's handler.
type req struct {
	method, path string
	ct, body     string
	bearer       string
	cookie       string
	addr         string
	header       map[string]string
}

func (e *authEnv) do(q req) response {
	e.t.Helper()
	r := httptest.NewRequest(q.method, q.path, strings.NewReader(q.body))
	if q.ct != "" {
		r.Header.Set("Content-Type", q.ct)
	}
	if q.bearer != "" {
		r.Header.Set("Authorization", "Bearer "+q.bearer)
	}
	if q.cookie != "" {
		r.AddCookie(&http.Cookie{Name: SessionCookie, Value: q.cookie})
	}
	if q.addr != "" {
		r.RemoteAddr = q.addr + ":40000"
	}
	for k, v := range q.header {
		r.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, r)
	return response{status: rec.Code, header: rec.Header(), body: rec.Body.String()}
}

// session starts a session for role's user (no password needed).
func (e *authEnv) session(role Role) string {
	e.t.Helper()
	tok, _, err := e.sessions.Create(context.Background(), e.user[role].ID, "192.0.2.1")
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

// setPassword gives role's user a password.
func (e *authEnv) setPassword(role Role, pw string) {
	e.t.Helper()
	if _, err := e.users.Update(context.Background(), e.user[role].ID, UserChange{Password: &pw}); err != nil {
		e.t.Fatal(err)
	}
}

// cookieOf returns the session cookie a response sets, or nil.
func cookieOf(r response) *http.Cookie {
	for _, c := range (&http.Response{Header: r.header}).Cookies() {
		if c.Name == SessionCookie {
			return c
		}
	}
	return nil
}
