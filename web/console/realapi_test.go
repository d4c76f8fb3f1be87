package console_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/alo-dialer/alo/campaigns"
	"github.com/alo-dialer/alo/dialer"
	"github.com/alo-dialer/alo/dialer/agent"
	"github.com/alo-dialer/alo/internal/testenv"
	"github.com/alo-dialer/alo/sqldb"
	"github.com/alo-dialer/alo/web"
	"github.com/alo-dialer/alo/web/console"
)

// These tests run the consoles beside the real JSON API on SQLite, as
// alo serve mounts them: web's users, sessions and sign-in, the dialer's
// agent registry, the campaigns store's clients. They are an external
// test package because web imports the console package.

// people are the users a realServer starts with; each signs in with
// password(name). cora's name is locked out from 127.0.0.1 (the browser).
var people = []struct {
	name  string
	role  web.Role
	agent string // the agent a user of role agent is
}{
	{"root", web.RoleAdmin, ""},
	{"mark", web.RoleMarketer, ""},
	{"sam", web.RoleSupervisor, ""},
	{"cora", web.RoleCompliance, ""},
	{"aziza", web.RoleAgent, "Aziza Karimova"},
}

func password(name string) string { return "secret-" + name + "-pw" }

// realServer is the consoles and the API on one httptest server.
type realServer struct {
	*httptest.Server
	t        *testing.T
	users    *web.Users
	sessions *web.Sessions
	signIn   *web.SignIn
	// agents and clients by name, users by name.
	agents, clients, ids map[string]int64
}

func newRealServer(t *testing.T) *realServer {
	t.Helper()
	ctx := context.Background()
	db := testenv.SQLite(t)
	for _, m := range []struct {
		owner string
		fsys  fs.FS
	}{{"web", web.Migrations}, {"campaigns", campaigns.Migrations}, {"dialer", dialer.Migrations}} {
		if err := sqldb.Migrate(ctx, db, m.owner, m.fsys); err != nil {
			t.Fatal(err)
		}
	}
	log := testenv.Logger(t)
	s := &realServer{t: t, agents: map[string]int64{}, clients: map[string]int64{}, ids: map[string]int64{}}
	// Cheap argon2id costs: the tests hash dozens of passwords.
	s.users = web.NewUsers(db, time.Now).WithPasswordParams(web.PasswordParams{MemoryKiB: 64, Time: 1, Threads: 1})
	s.sessions = web.NewSessions(db, s.users, time.Now, web.SessionConfig{})
	si, err := web.NewSignIn(s.users, s.sessions, time.Now, log, web.SignInConfig{})
	if err != nil {
		t.Fatal(err)
	}
	s.signIn = si
	registry := agent.NewRegistry(agent.Config{DB: db, Clock: time.Now, Log: log})
	t.Cleanup(registry.Close)
	store := campaigns.NewStore(db, time.Now)
	for _, name := range []string{"Aziza Karimova", "Dilnoza Yusupova", "Bekzod Aliev"} {
		a, err := registry.CreateAgent(ctx, agent.NewAgent{Name: name, SIPURI: "sip:" + fmt.Sprint(len(s.agents)+1) + "@alo", CampaignIDs: []int64{1}})
		if err != nil {
			t.Fatal(err)
		}
		s.agents[name] = a.ID
	}
	for _, name := range []string{"Demo Bank", "Kaspi Credit"} {
		c, err := store.CreateClient(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		s.clients[name] = c.ID
	}
	for _, p := range people {
		u, _, err := s.users.Create(ctx, web.NewUser{Name: p.name, Role: p.role, Password: password(p.name), AgentID: s.agents[p.agent]})
		if err != nil {
			t.Fatal(err)
		}
		s.ids[p.name] = u.ID
	}
	// A machine: a token, no password, one client.
	crm, _, err := s.users.Create(ctx, web.NewUser{Name: "crm-sync", Role: web.RoleMarketer, Token: true, ClientIDs: []int64{s.clients["Kaspi Credit"]}})
	if err != nil {
		t.Fatal(err)
	}
	s.ids[crm.Name] = crm.ID
	s.lockOut("cora", "127.0.0.1")

	api := web.NewServer(web.ServerConfig{Campaigns: store, Agents: registry, Users: s.users, Sessions: s.sessions,
		SignIn: si, Log: log})
	tashkent, err := time.LoadLocation("Asia/Tashkent")
	if err != nil {
		t.Fatal(err)
	}
	con, err := console.New(console.Config{
		Auth:              testAuth{si: si, sessions: s.sessions, users: s.users},
		Directory:         web.NewConsoleDirectory(s.users, si, registry, store),
		MinPasswordLength: web.MinPasswordLength,
		TimeZone:          tashkent,
		ClientAddr:        api.ClientAddr,
		Log:               log,
	})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/api/v1/", api.Handler())
	mux.Handle("/", con.Handler())
	s.Server = httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

// lockOut fails name's sign-in from addr until it locks.
func (s *realServer) lockOut(name, addr string) {
	s.t.Helper()
	for range 5 {
		if _, _, err := s.signIn.SignIn(context.Background(), name, "not the password", addr); !errors.Is(err, web.ErrBadCredentials) {
			s.t.Fatalf("failing %s: %v", name, err)
		}
	}
	if _, _, err := s.signIn.SignIn(context.Background(), name, password(name), addr); !errors.Is(err, web.ErrLockedOut) {
		s.t.Fatalf("%s is not locked out: %v", name, err)
	}
}

// session signs name in without the browser and returns the cookie.
func (s *realServer) session(name string) string {
	s.t.Helper()
	tok, _, err := s.sessions.Create(context.Background(), s.ids[name], "192.0.2.1")
	if err != nil {
		s.t.Fatal(err)
	}
	return tok
}

// alive reports whether the session with cookie value tok still signs in.
func (s *realServer) alive(tok string) bool {
	_, _, err := s.sessions.Authenticate(context.Background(), tok)
	return err == nil
}

// canSignIn reports whether name signs in with pw (from an address of its own).
func (s *realServer) canSignIn(name, pw string) bool {
	_, _, err := s.signIn.SignIn(context.Background(), name, pw, "192.0.2.99")
	return err == nil
}

// user is name's stored user.
func (s *realServer) user(name string) web.User {
	s.t.Helper()
	u, _, err := s.users.ByName(context.Background(), name)
	if err != nil {
		s.t.Fatal(err)
	}
	return u
}

// testAuth is console.Auth and console.LanguageSaver over web's sign-in
// and sessions, the few lines cmd/alo's adapter also is.
type testAuth struct {
	si       *web.SignIn
	sessions *web.Sessions
	users    *web.Users
}

func (a testAuth) SignIn(ctx context.Context, name, pw, addr string) (*http.Cookie, console.Viewer, error) {
	u, token, err := a.si.SignIn(ctx, name, pw, addr)
	var retry *web.RetryError
	switch {
	case errors.As(err, &retry):
		return nil, console.Viewer{}, &console.ThrottledError{RetryAfter: retry.Wait}
	case errors.Is(err, web.ErrBadCredentials):
		return nil, console.Viewer{}, console.ErrBadCredentials
	case err != nil:
		return nil, console.Viewer{}, err
	}
	return a.sessions.Cookie(&http.Request{}, token), viewer(u), nil
}

func (a testAuth) ViewerOf(r *http.Request) (console.Viewer, error) {
	c, err := r.Cookie(web.SessionCookie)
	if err != nil {
		return console.Viewer{}, console.ErrNoSession
	}
	u, _, err := a.sessions.Authenticate(r.Context(), c.Value)
	if errors.Is(err, web.ErrUnauthenticated) {
		return console.Viewer{}, console.ErrNoSession
	}
	if err != nil {
		return console.Viewer{}, err
	}
	return viewer(u), nil
}

func (a testAuth) SignOut(ctx context.Context, r *http.Request) (*http.Cookie, error) {
	if c, err := r.Cookie(web.SessionCookie); err == nil {
		if err := a.sessions.Delete(ctx, c.Value); err != nil {
			return nil, err
		}
	}
	return a.sessions.ClearCookie(r), nil
}

func (a testAuth) SaveLanguage(ctx context.Context, id int64, code string) error {
	_, err := a.users.Update(ctx, id, web.UserChange{Language: &code})
	return err
}

func viewer(u web.User) console.Viewer {
	return console.Viewer{UserID: u.ID, Name: u.Name, Role: console.Role(u.Role), Language: u.Language,
		TimeZone: u.TimeZone, AgentID: u.AgentID}
}
