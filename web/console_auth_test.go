package web

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/alo-dialer/alo/web/console"
)

// TestConsoleAuth: the consoles sign in with the API's users and sessions:
// wrong passwords and lock-outs in the console's own errors, the session
// cookie that then names the viewer (an agent with their agent id), a
// session that ended is none, sign-out clears it, and the language switch
// reaches the profile.
func TestConsoleAuth(t *testing.T) {
	e := newAuthEnv(t, SignInConfig{MaxFailures: 2}, SessionConfig{})
	e.setPassword(RoleAgent, secretPassword)
	auth := NewConsoleAuth(e.signIn)
	ctx := context.Background()
	viewerWith := func(c *http.Cookie) (console.Viewer, error) {
		r := httptest.NewRequest("GET", "/agent", nil)
		if c != nil {
			r.AddCookie(c)
		}
		return auth.ViewerOf(r)
	}

	if _, _, err := auth.SignIn(ctx, "agent", "wrong password", "198.51.100.7"); !errors.Is(err, console.ErrBadCredentials) {
		t.Fatalf("wrong password: %v, want console.ErrBadCredentials", err)
	}
	cookie, v, err := auth.SignIn(ctx, "agent", secretPassword, "198.51.100.7")
	if err != nil {
		t.Fatal(err)
	}
	if cookie.Name != SessionCookie || cookie.Value == "" || !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode || cookie.Path != "/" {
		t.Errorf("cookie %+v", cookie)
	}
	want := console.Viewer{UserID: e.user[RoleAgent].ID, Name: "agent", Role: console.RoleAgent, AgentID: envAgentID}
	if v != want {
		t.Errorf("signed in as %+v, want %+v", v, want)
	}
	if got, err := viewerWith(cookie); err != nil || got != want {
		t.Errorf("ViewerOf(the cookie) = %+v, %v; want %+v", got, err, want)
	}
	for name, c := range map[string]*http.Cookie{
		"no cookie":      nil,
		"empty cookie":   {Name: SessionCookie, Value: ""},
		"unknown cookie": {Name: SessionCookie, Value: "not-a-session"},
	} {
		if _, err := viewerWith(c); !errors.Is(err, console.ErrNoSession) {
			t.Errorf("%s: %v, want console.ErrNoSession", name, err)
		}
	}

	if err := auth.SaveLanguage(ctx, v.UserID, "ru"); err != nil {
		t.Fatal(err)
	}
	if got, _ := viewerWith(cookie); got.Language != "ru" {
		t.Errorf("language after the switch: %q, want ru", got.Language)
	}

	r := httptest.NewRequest("POST", "/signout", nil)
	r.AddCookie(cookie)
	clear, err := auth.SignOut(ctx, r)
	if err != nil || clear.Name != SessionCookie || clear.MaxAge >= 0 {
		t.Fatalf("sign-out cookie %+v, %v; want one that removes the session cookie", clear, err)
	}
	if _, err := viewerWith(cookie); !errors.Is(err, console.ErrNoSession) {
		t.Errorf("after sign-out: %v, want console.ErrNoSession", err)
	}

	// Two failures lock the (name, address) pair.
	for range 2 {
		_, _, _ = auth.SignIn(ctx, "agent", "wrong again", "203.0.113.9")
	}
	var throttled *console.ThrottledError
	if _, _, err := auth.SignIn(ctx, "agent", secretPassword, "203.0.113.9"); !errors.As(err, &throttled) || throttled.RetryAfter <= 0 {
		t.Fatalf("locked out: %v, want a *console.ThrottledError with a wait", err)
	}
}

// TestConsoleSignInPage: through the consoles' own handler, the sign-in
// form sets the API's session cookie and the agent's page opens with it.
func TestConsoleSignInPage(t *testing.T) {
	e := newAuthEnv(t, SignInConfig{}, SessionConfig{})
	e.setPassword(RoleAgent, secretPassword)
	con, err := console.New(console.Config{Auth: NewConsoleAuth(e.signIn), Now: func() time.Time { return testTime }})
	if err != nil {
		t.Fatal(err)
	}
	h := con.Handler()
	form := url.Values{"name": {"agent"}, "password": {secretPassword}}
	r := httptest.NewRequest("POST", "/signin", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	var session *http.Cookie
	for _, c := range w.Result().Cookies() {
		if c.Name == SessionCookie {
			session = c
		}
	}
	if w.Code != http.StatusSeeOther || session == nil {
		t.Fatalf("sign-in form: %d, cookies %v\n%s", w.Code, w.Result().Cookies(), w.Body)
	}
	r = httptest.NewRequest("GET", "/agent", nil)
	r.AddCookie(session)
	w = httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `data-agent-id="4"`) {
		t.Fatalf("agent page with the cookie: %d\n%s", w.Code, w.Body)
	}
	// The same cookie works on the API.
	e.do(req{method: "GET", path: "/api/v1/session", cookie: session.Value}).expect(t, http.StatusOK, `"name":"agent"`)
}
