package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/alo-dialer/alo/sqldb"
	"github.com/alo-dialer/alo/web"
)

// runUserCmd runs `alo user ARGS` with stdin and a data dir.
func runUserCmd(t *testing.T, dir, stdin string, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := runUser(context.Background(), append([]string{"add", "--data-dir", dir}, args...), strings.NewReader(stdin), &out, &errb,
		func(string) string { return "" })
	return out.String(), errb.String(), err
}

// TestUserAdd: a person gets a password from stdin and no token unless
// --token; without --password-stdin a machine gets a token as before; an
// agent needs --agent; bad flags are named.
func TestUserAdd(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()

	out, errOut, err := runUserCmd(t, dir, "", "--name", "crm", "--role", "marketer")
	if err != nil || !strings.HasPrefix(strings.TrimSpace(out), "alo_") || !strings.Contains(errOut, "the token is shown once") {
		t.Fatalf("token user: %q %q %v", out, errOut, err)
	}
	crmToken := strings.TrimSpace(out)

	out, errOut, err = runUserCmd(t, dir, "a long password\r\nignored\n", "--name", "dilnoza", "--role", "agent",
		"--password-stdin", "--agent", "7", "--client", "2", "--client", "1")
	if err != nil || out != "" || !strings.Contains(errOut, "agent 7") || !strings.Contains(errOut, "clients [1 2]") ||
		!strings.Contains(errOut, "sign in with the password") {
		t.Fatalf("password user: %q %q %v", out, errOut, err)
	}
	out, _, err = runUserCmd(t, dir, "another long one", "--name", "ops", "--role", "admin", "--password-stdin", "--token")
	if err != nil || !strings.HasPrefix(strings.TrimSpace(out), "alo_") {
		t.Fatalf("password and token: %q %v", out, err)
	}

	bad := []struct {
		name, stdin string
		args        []string
		want        string
	}{
		{"agent without --agent", "a long password", []string{"--name", "a2", "--role", "agent", "--password-stdin"}, "--agent: required for role agent"},
		{"--agent for another role", "", []string{"--name", "a3", "--role", "marketer", "--agent", "3"}, "--agent: only a user of role agent"},
		{"short password", "short\n", []string{"--name", "a4", "--role", "admin", "--password-stdin"}, "the password (stdin): at least 10"},
		{"empty stdin", "", []string{"--name", "a5", "--role", "admin", "--password-stdin"}, "stdin holds no password"},
		{"--token alone", "", []string{"--name", "a6", "--role", "admin", "--token"}, "--token: only with --password-stdin"},
		{"bad client", "", []string{"--name", "a7", "--client", "x"}, "want a client id"},
		{"bad name and role at once", "", []string{"--name", "a b", "--role", "root"}, "--name: only letters"},
		{"taken name", "", []string{"--name", "crm", "--role", "admin"}, "already exists"},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			out, _, err := runUserCmd(t, dir, c.stdin, c.args...)
			if err == nil || !strings.Contains(err.Error(), c.want) || out != "" {
				t.Fatalf("err %v (stdout %q), want %q", err, out, c.want)
			}
			if strings.Contains(err.Error(), "a long password") {
				t.Fatal("the password is in the error")
			}
		})
	}

	// The password signs in through the API's sign-in; the token still works.
	db, err := sqldb.Open(ctx, "", dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	users := web.NewUsers(db, time.Now)
	si, err := web.NewSignIn(users, web.NewSessions(db, users, time.Now, web.SessionConfig{}), time.Now, nil, web.SignInConfig{})
	if err != nil {
		t.Fatal(err)
	}
	u, cookie, err := si.SignIn(ctx, "dilnoza", "a long password", "127.0.0.1")
	if err != nil || cookie == "" || u.AgentID != 7 || len(u.ClientIDs) != 2 {
		t.Fatalf("sign in: %+v %v", u, err)
	}
	if m, err := users.Authenticate(ctx, crmToken); err != nil || m.Name != "crm" {
		t.Fatalf("token: %+v %v", m, err)
	}
}
