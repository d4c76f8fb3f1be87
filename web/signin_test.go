package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/alo-dialer/alo/sqldb"
)

// secretPassword is every test password: it must never reach a log line.
const secretPassword = "Tr0ub4dor&3-secret"

func signInBody(name, pw string) string {
	return fmt.Sprintf(`{"name":%q,"password":%q}`, name, pw)
}

func (e *authEnv) signInAs(name, pw, addr string) response {
	e.t.Helper()
	return e.do(req{method: "POST", path: "/api/v1/session", ct: "application/json", body: signInBody(name, pw), addr: addr})
}

// TestSignIn: a name and password set the session cookie; the cookie
// then authenticates like the token, as the same user.
func TestSignIn(t *testing.T) {
	e := newAuthEnv(t, SignInConfig{}, SessionConfig{})
	e.setPassword(RoleAgent, secretPassword)

	r := e.signInAs("agent", secretPassword, "198.51.100.7")
	r.expect(t, http.StatusOK, "")
	c := cookieOf(r)
	if c == nil || c.Value == "" || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Secure {
		t.Fatalf("cookie %+v", c)
	}
	var u User
	r.decode(t, &u)
	if u.Name != "agent" || u.Role != RoleAgent || u.AgentID != envAgentID || !u.HasPassword || strings.Contains(r.body, "argon2") {
		t.Fatalf("signed in as %+v (%s)", u, r.body)
	}
	var byCookie, byToken User
	e.do(req{method: "GET", path: "/api/v1/session", cookie: c.Value}).decode(t, &byCookie)
	e.do(req{method: "GET", path: "/api/v1/session", bearer: e.tokens[RoleAgent]}).decode(t, &byToken)
	if byCookie.ID != byToken.ID || byCookie.AgentID != byToken.AgentID || byCookie.Role != byToken.Role {
		t.Fatalf("cookie %+v, token %+v", byCookie, byToken)
	}
	// The agent's console works on the cookie.
	e.do(req{method: "POST", path: "/api/v1/agents/4/ready", cookie: c.Value}).expect(t, http.StatusOK, "")

	cases := []struct {
		name, body string
		status     int
		msg        string
		fields     []string
	}{
		{"wrong password", signInBody("agent", "not the password"), 401, "wrong name or password", nil},
		{"unknown name", signInBody("nobody", secretPassword), 401, "wrong name or password", nil},
		{"a user without a password", signInBody("admin", secretPassword), 401, "wrong name or password", nil},
		{"missing fields", `{}`, 400, "invalid request", []string{"name", "password"}},
		{"unknown field", `{"name":"a","password":"b","remember":true}`, 400, "invalid request", []string{"remember"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := e.do(req{method: "POST", path: "/api/v1/session", ct: "application/json", body: c.body, addr: "198.51.100.8"})
			r.expect(t, c.status, c.msg, c.fields...)
			if cookieOf(r) != nil {
				t.Fatal("a cookie for a failed sign-in")
			}
		})
	}
	t.Run("over TLS the cookie is Secure", func(t *testing.T) {
		e2 := newAuthEnv(t, SignInConfig{}, SessionConfig{SecureCookie: true})
		e2.setPassword(RoleAdmin, secretPassword)
		if c := cookieOf(e2.signInAs("admin", secretPassword, "198.51.100.9")); c == nil || !c.Secure {
			t.Fatalf("cookie %+v", c)
		}
	})
}

// TestSignOut: this session, or every session of the user.
func TestSignOut(t *testing.T) {
	e := newAuthEnv(t, SignInConfig{}, SessionConfig{})
	a, b, c := e.session(RoleMarketer), e.session(RoleMarketer), e.session(RoleMarketer)
	r := e.do(req{method: "DELETE", path: "/api/v1/session", cookie: a})
	r.expect(t, http.StatusNoContent, "")
	if k := cookieOf(r); k == nil || k.MaxAge >= 0 {
		t.Fatalf("cookie not cleared: %v", r.header["Set-Cookie"])
	}
	e.do(req{method: "GET", path: "/api/v1/session", cookie: a}).expect(t, http.StatusUnauthorized, "session expired or signed out")
	e.do(req{method: "GET", path: "/api/v1/session", cookie: b}).expect(t, http.StatusOK, "")
	e.do(req{method: "DELETE", path: "/api/v1/session", bearer: e.tokens[RoleMarketer]}).expect(t, http.StatusBadRequest, "no session")

	var ended map[string]int64
	e.do(req{method: "DELETE", path: "/api/v1/sessions", cookie: b}).decode(t, &ended)
	if ended["sessions_ended"] != 2 {
		t.Fatalf("ended %v", ended)
	}
	for _, s := range []string{b, c} {
		e.do(req{method: "GET", path: "/api/v1/session", cookie: s}).expect(t, http.StatusUnauthorized, "")
	}
	// The token is a machine's, and stays valid.
	e.do(req{method: "GET", path: "/api/v1/session", bearer: e.tokens[RoleMarketer]}).expect(t, http.StatusOK, "")
}

// TestLockOut: five failures of one name from one address lock that pair
// for the cool-down, even for the right password; the same name from
// another address, and other names from the same address, still sign in.
// The lock is in SQL: a new SignIn on the same database keeps it. An admin
// unlocks.
func TestLockOut(t *testing.T) {
	e := newAuthEnv(t, SignInConfig{}, SessionConfig{})
	e.setPassword(RoleAgent, secretPassword)
	e.setPassword(RoleSupervisor, secretPassword)
	const office, home = "203.0.113.10", "198.51.100.20"
	for i := range 5 {
		e.signInAs("agent", fmt.Sprintf("guess %d wrong", i), office).expect(t, http.StatusUnauthorized, "wrong name or password")
	}
	r := e.signInAs("agent", secretPassword, office)
	r.expect(t, http.StatusTooManyRequests, "locked")
	if ra, _ := strconv.Atoi(r.header.Get("Retry-After")); ra < 899 || ra > 900 {
		t.Fatalf("Retry-After %q", r.header.Get("Retry-After"))
	}
	e.signInAs("supervisor", secretPassword, office).expect(t, http.StatusOK, "")
	e.signInAs("agent", secretPassword, home).expect(t, http.StatusOK, "")

	// A restart: a new SignIn on the same database.
	si, err := NewSignIn(e.users, e.sessions, e.clk.Now, nil, SignInConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := si.SignIn(context.Background(), "agent", secretPassword, office); err == nil || !strings.Contains(err.Error(), "locked") {
		t.Fatalf("after a restart: %v", err)
	}

	// The cool-down ends.
	e.clk.Add(15 * time.Minute)
	e.signInAs("agent", secretPassword, office).expect(t, http.StatusOK, "")

	// Locked again, and unlocked by an admin (not by a supervisor).
	for range 5 {
		e.signInAs("agent", "wrong again!", office)
	}
	e.signInAs("agent", secretPassword, office).expect(t, http.StatusTooManyRequests, "locked")
	path := fmt.Sprintf("/api/v1/users/%d/unlock", e.user[RoleAgent].ID)
	e.do(req{method: "POST", path: path, bearer: e.tokens[RoleSupervisor]}).expect(t, http.StatusForbidden, "")
	e.do(req{method: "POST", path: path, bearer: e.tokens[RoleAdmin]}).expect(t, http.StatusOK, "")
	e.signInAs("agent", secretPassword, office).expect(t, http.StatusOK, "")
	if !strings.Contains(e.logs.String(), `msg="user unlocked" user=admin target=agent`) {
		t.Fatalf("unlock not attributed: %s", e.logs.String())
	}
	if !strings.Contains(e.logs.String(), `msg="sign-in locked" user=agent addr=`+office) {
		t.Fatalf("lock-out not logged: %s", e.logs.String())
	}
}

// TestSignInRateLimits: one address trying many names trips the
// address's rate limit, never lock-outs of those names; one name guessed
// from many addresses trips the name's limit.
func TestSignInRateLimits(t *testing.T) {
	e := newAuthEnv(t, SignInConfig{AddrRate: rate.Every(time.Second), AddrBurst: 8, NameRate: rate.Every(time.Minute), NameBurst: 6}, SessionConfig{})
	e.setPassword(RoleCompliance, secretPassword)
	const floor = "203.0.113.50"
	limited := 0
	for i := range 20 {
		r := e.signInAs(fmt.Sprintf("user%d", i), "wrong password", floor)
		if r.status == http.StatusTooManyRequests {
			limited++
			if !strings.Contains(r.body, "too many sign-in attempts") || r.header.Get("Retry-After") == "" {
				t.Fatalf("rate limited: %s %v", r.body, r.header)
			}
		}
	}
	if limited != 12 {
		t.Fatalf("%d of 20 rate limited, want 12 (burst 8)", limited)
	}
	var locks int
	if err := e.db.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM sign_in_failures WHERE locked_until > 0`).Scan(&locks); err != nil || locks != 0 {
		t.Fatalf("locks %d %v", locks, err)
	}
	// The floor's address refills; a colleague signs in.
	e.clk.Add(time.Second)
	e.signInAs("compliance", secretPassword, floor).expect(t, http.StatusOK, "")

	// One name from many addresses: the name's limit (6 failures), below
	// any per-pair lock-out.
	for i := range 6 {
		e.signInAs("compliance", "wrong password", fmt.Sprintf("192.0.2.%d", i+1)).expect(t, http.StatusUnauthorized, "")
	}
	e.signInAs("compliance", secretPassword, "192.0.2.99").expect(t, http.StatusTooManyRequests, "too many sign-in attempts")
	e.clk.Add(time.Minute)
	e.signInAs("compliance", secretPassword, "192.0.2.99").expect(t, http.StatusOK, "")
}

// TestChangePassword: the old password is needed, the new one has at
// least 10 characters, and every other session ends.
func TestChangePassword(t *testing.T) {
	e := newAuthEnv(t, SignInConfig{}, SessionConfig{})
	e.setPassword(RoleMarketer, secretPassword)
	here := cookieOf(e.signInAs("marketer", secretPassword, "198.51.100.1")).Value
	there := cookieOf(e.signInAs("marketer", secretPassword, "198.51.100.2")).Value
	change := func(cookie, body string) response {
		return e.do(req{method: "POST", path: "/api/v1/session/password", cookie: cookie, ct: "application/json", body: body})
	}
	change(here, `{"old_password":"wrong one!","new_password":"short"}`).expect(t, 400, "invalid request", "old_password", "new_password")
	change(here, fmt.Sprintf(`{"old_password":%q,"new_password":"short"}`, secretPassword)).expect(t, 400, "invalid request", "new_password")
	change(here, fmt.Sprintf(`{"old_password":%q,"new_password":%q}`, secretPassword, secretPassword)).expect(t, 400, "invalid request", "new_password")
	change(here, `{}`).expect(t, 400, "invalid request", "old_password", "new_password")
	change(here, fmt.Sprintf(`{"old_password":%q,"new_password":"a new long passphrase"}`, secretPassword)).expect(t, 204, "")

	e.do(req{method: "GET", path: "/api/v1/session", cookie: here}).expect(t, http.StatusOK, "")
	e.do(req{method: "GET", path: "/api/v1/session", cookie: there}).expect(t, http.StatusUnauthorized, "")
	e.signInAs("marketer", secretPassword, "198.51.100.3").expect(t, http.StatusUnauthorized, "")
	e.signInAs("marketer", "a new long passphrase", "198.51.100.3").expect(t, http.StatusOK, "")
	// A machine with only a token has no password to change.
	e.do(req{method: "POST", path: "/api/v1/session/password", bearer: e.tokens[RoleAdmin], ct: "application/json",
		body: `{"old_password":"whatever it is","new_password":"a new long passphrase"}`}).expect(t, 400, "invalid request", "old_password")
}

// TestPasswordNeverLogged drives every path a password travels (sign-in
// success, failure, lock-out, rate limit, change, admin create and reset)
// and checks the log never holds it, while failures are logged with the
// user and address.
func TestPasswordNeverLogged(t *testing.T) {
	e := newAuthEnv(t, SignInConfig{AddrBurst: 30}, SessionConfig{})
	admin := e.tokens[RoleAdmin]
	e.do(req{method: "POST", path: "/api/v1/users", bearer: admin, ct: "application/json",
		body: fmt.Sprintf(`{"name":"olga","role":"compliance","password":%q}`, secretPassword)}).expect(t, 201, "")
	e.signInAs("olga", secretPassword, "198.51.100.5").expect(t, 200, "")
	for range 6 {
		e.signInAs("olga", secretPassword+"x", "198.51.100.6")
	}
	e.signInAs("nobody", secretPassword, "198.51.100.6")
	for range 31 {
		e.signInAs("olga", secretPassword, "198.51.100.7")
	}
	cookie := cookieOf(e.signInAs("olga", secretPassword, "198.51.100.8")).Value
	e.do(req{method: "POST", path: "/api/v1/session/password", cookie: cookie, ct: "application/json",
		body: fmt.Sprintf(`{"old_password":%q,"new_password":%q}`, secretPassword, secretPassword+"-new")}).expect(t, 204, "")
	e.do(req{method: "POST", path: "/api/v1/session/password", cookie: cookie, ct: "application/json",
		body: fmt.Sprintf(`{"old_password":%q,"new_password":%q}`, secretPassword, secretPassword+"-2")}).expect(t, 400, "")
	id := fmt.Sprint(e.user[RoleSupervisor].ID)
	e.do(req{method: "PATCH", path: "/api/v1/users/" + id, bearer: admin, ct: "application/json",
		body: fmt.Sprintf(`{"password":%q}`, secretPassword)}).expect(t, 200, "")

	logs := e.logs.String()
	if strings.Contains(logs, secretPassword) || strings.Contains(logs, "Tr0ub4dor") {
		t.Fatalf("a password was logged:\n%s", logs)
	}
	for _, want := range []string{
		`msg="sign-in failed" user=olga addr=198.51.100.6 reason="wrong password"`,
		`msg="sign-in failed" user=nobody addr=198.51.100.6 reason="unknown user"`,
		`msg="sign-in locked" user=olga addr=198.51.100.6`,
		`msg="sign-in rate limited" user=olga addr=198.51.100.7`,
		`msg="signed in" user=olga addr=198.51.100.5`,
		`msg="password changed" user=olga`,
		`msg="user created" user=admin target=olga`,
		`msg="user changed" user=admin target=supervisor password_reset=true`,
	} {
		if !strings.Contains(logs, want) {
			t.Errorf("no log line with %s", want)
		}
	}
	if t.Failed() {
		t.Log(logs)
	}
}

// TestSignInStore runs sign-in, lock-out and unlock on both SQL engines.
func TestSignInStore(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		clk := &testClock{now: testTime}
		users := NewUsers(db, clk.Now).WithPasswordParams(cheapParams)
		if _, _, err := users.Create(ctx, NewUser{Name: "olga", Role: RoleCompliance, Password: secretPassword}); err != nil {
			t.Fatal(err)
		}
		sessions := NewSessions(db, users, clk.Now, SessionConfig{})
		si, err := NewSignIn(users, sessions, clk.Now, nil, SignInConfig{MaxFailures: 3, LockOut: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		u, tok, err := si.SignIn(ctx, " olga ", secretPassword, "192.0.2.1")
		if err != nil || u.Name != "olga" || tok == "" {
			t.Fatalf("sign in: %+v %v", u, err)
		}
		if got, _, err := sessions.Authenticate(ctx, tok); err != nil || got.ID != u.ID {
			t.Fatalf("session: %+v %v", got, err)
		}
		for range 3 {
			if _, _, err := si.SignIn(ctx, "olga", "wrong password", "192.0.2.1"); !errors.Is(err, ErrBadCredentials) {
				t.Fatalf("wrong password: %v", err)
			}
		}
		_, _, err = si.SignIn(ctx, "olga", secretPassword, "192.0.2.1")
		var retry *RetryError
		if !errors.As(err, &retry) || !errors.Is(err, ErrLockedOut) || retry.Wait != time.Minute {
			t.Fatalf("locked: %v", err)
		}
		// Failures further apart than the cool-down do not add up.
		clk.Add(time.Minute)
		for range 4 {
			if _, _, err := si.SignIn(ctx, "olga", "wrong password", "192.0.2.2"); !errors.Is(err, ErrBadCredentials) {
				t.Fatalf("spaced failure: %v", err)
			}
			clk.Add(61 * time.Second)
		}
		if _, _, err := si.SignIn(ctx, "olga", secretPassword, "192.0.2.2"); err != nil {
			t.Fatalf("after spaced failures: %v", err)
		}
		for range 3 {
			_, _, _ = si.SignIn(ctx, "olga", "wrong password", "192.0.2.3")
		}
		if n, err := si.Unlock(ctx, "olga"); err != nil || n != 1 {
			t.Fatalf("unlock: %d %v", n, err)
		}
		if _, _, err := si.SignIn(ctx, "olga", secretPassword, "192.0.2.3"); err != nil {
			t.Fatalf("after unlock: %v", err)
		}
	})
}
