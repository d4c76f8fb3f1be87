package console

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"sync"
	"testing"
	"time"
)

// fakeAuth is an Auth with fixed people and sessions in memory.
type fakeAuth struct {
	mu       sync.Mutex
	people   map[string]fakePerson // by name
	sessions map[string]Viewer     // by cookie value
	// throttle makes every sign-in fail with a ThrottledError of this long.
	throttle time.Duration
	saved    map[int64]string // SaveLanguage calls
}

type fakePerson struct {
	password string
	viewer   Viewer
}

func newFakeAuth() *fakeAuth {
	a := &fakeAuth{people: map[string]fakePerson{}, sessions: map[string]Viewer{}, saved: map[int64]string{}}
	for i, p := range []Viewer{
		{Name: "aziza", Role: RoleAgent, AgentID: 7, TimeZone: "Asia/Tashkent"},
		{Name: "olga", Role: RoleAgent, AgentID: 8, Language: "ru", TimeZone: "Asia/Almaty"},
		{Name: "mark", Role: RoleMarketer},
		{Name: "sam", Role: RoleSupervisor},
		{Name: "cora", Role: RoleCompliance},
		{Name: "root", Role: RoleAdmin, TimeZone: "Europe/Kyiv"},
		{Name: "nolink", Role: RoleAgent},
	} {
		p.UserID = int64(i + 1)
		a.people[p.Name] = fakePerson{password: "secret-" + p.Name, viewer: p}
	}
	return a
}

const fakeCookie = "alo_session"

func (a *fakeAuth) SignIn(_ context.Context, name, password, _ string) (*http.Cookie, Viewer, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.throttle > 0 {
		return nil, Viewer{}, &ThrottledError{RetryAfter: a.throttle}
	}
	p, ok := a.people[name]
	if !ok || p.password != password {
		return nil, Viewer{}, ErrBadCredentials
	}
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	id := hex.EncodeToString(b)
	a.sessions[id] = p.viewer
	return &http.Cookie{Name: fakeCookie, Value: id, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode}, p.viewer, nil
}

func (a *fakeAuth) ViewerOf(r *http.Request) (Viewer, error) {
	c, err := r.Cookie(fakeCookie)
	if err != nil {
		return Viewer{}, ErrNoSession
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	v, ok := a.sessions[c.Value]
	if !ok {
		return Viewer{}, ErrNoSession
	}
	return v, nil
}

func (a *fakeAuth) SignOut(_ context.Context, r *http.Request) (*http.Cookie, error) {
	if c, err := r.Cookie(fakeCookie); err == nil {
		a.mu.Lock()
		delete(a.sessions, c.Value)
		a.mu.Unlock()
	}
	return &http.Cookie{Name: fakeCookie, Value: "", Path: "/", MaxAge: -1}, nil
}

func (a *fakeAuth) SaveLanguage(_ context.Context, userID int64, code string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.saved[userID] = code
	return nil
}

// session signs name in and returns its cookie.
func (a *fakeAuth) session(t *testing.T, name string) *http.Cookie {
	t.Helper()
	c, _, err := a.SignIn(context.Background(), name, "secret-"+name, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// fixedNow is the tests' clock: 2026-03-02 09:30 UTC.
func fixedNow() time.Time { return time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC) }

func newTestConsole(t *testing.T, auth *fakeAuth) *Console {
	t.Helper()
	c, err := New(Config{Auth: auth, Now: fixedNow, TimeZone: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	return c
}
