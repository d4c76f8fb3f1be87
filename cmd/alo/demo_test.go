package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nyaruka/phonenumbers"

	"github.com/alo-dialer/alo/campaigns"
	"github.com/alo-dialer/alo/dialer/agent"
	"github.com/alo-dialer/alo/web"
)

// TestDemoNumbersValid keeps the demo's fictional numbers valid, distinct
// E.164 numbers: the gate denies invalid ones, which once blocked every call
// of the demo.
func TestDemoNumbersValid(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < maxDemoContacts; i++ {
		n := demoNumber(i)
		if seen[n] {
			t.Fatalf("demoNumber(%d) = %s repeats", i, n)
		}
		seen[n] = true
		if i%97 != 0 && i%1000 != 999 {
			continue // parsing every number is slow; sample each range
		}
		p, err := phonenumbers.Parse(n, "")
		if err != nil || !phonenumbers.IsValidNumber(p) {
			t.Errorf("demoNumber(%d) = %s is not a valid number (%v)", i, n, err)
		}
	}
}

// demoRun is `alo demo` running in the test, its banner read.
type demoRun struct {
	url    string
	logins []demoLogin
	banner string
	stop   func() error
}

// startDemoRun runs `alo demo` with args until the banner's last line,
// and returns what it printed; stop ends the run and returns its error.
func startDemoRun(t *testing.T, args ...string) demoRun {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := runDemo(ctx, append([]string{"--http-addr", "127.0.0.1:0", "--agents", "1", "--contacts", "5", "--for", "2m"}, args...),
			io.Discard, pw, func(string) string { return "" })
		pw.CloseWithError(fmt.Errorf("alo demo returned: %v", err))
		done <- err
	}()
	var once sync.Once
	var runErr error
	run := demoRun{stop: func() error {
		once.Do(func() {
			cancel()
			go io.Copy(io.Discard, pr)
			runErr = <-done
		})
		return runErr
	}}
	t.Cleanup(func() { _ = run.stop() })
	var banner strings.Builder
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		line := sc.Text()
		banner.WriteString(line + "\n")
		f := strings.Fields(line)
		switch {
		case len(f) >= 2 && f[0] == "console:":
			run.url = strings.TrimSuffix(f[1], "/")
		case len(f) >= 3 && web.Role(f[0]).Valid():
			run.logins = append(run.logins, demoLogin{Role: web.Role(f[0]), Name: f[1], Password: f[2]})
		}
		if strings.HasPrefix(strings.TrimSpace(line), "stop:") {
			break
		}
	}
	if run.url == "" {
		cancel()
		t.Fatalf("no console line in the demo's banner (%v):\n%s", sc.Err(), banner.String())
	}
	run.banner = banner.String()
	go io.Copy(io.Discard, pr) // the logs that follow
	return run
}

// signIn posts a login to the demo's POST /api/v1/session.
func (d demoRun) signIn(t *testing.T, l demoLogin) web.User {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"name": l.Name, "password": l.Password})
	resp, err := http.Post(d.url+"/api/v1/session", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var u web.User
	if err := json.NewDecoder(resp.Body).Decode(&u); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("sign in as %s: %d %+v %v", l.Name, resp.StatusCode, u, err)
	}
	return u
}

// TestDemoLogins: the demo prints the console and one login per role,
// each of which signs in with its role (the agents linked to the demo's
// agents); passwords are new each run on a temporary data dir and kept
// with --data-dir.
func TestDemoLogins(t *testing.T) {
	if testing.Short() {
		t.Skip("runs alo demo")
	}
	check := func(t *testing.T, d demoRun) {
		t.Helper()
		roles := map[web.Role]bool{}
		for _, l := range d.logins {
			u := d.signIn(t, l)
			if u.Role != l.Role || u.Name != l.Name || (l.Role == web.RoleAgent) != (u.AgentID != 0) {
				t.Errorf("signed in as %s: %+v", l.Name, u)
			}
			roles[l.Role] = true
		}
		for _, r := range web.Roles {
			if !roles[r] {
				t.Errorf("no login for role %s:\n%s", r, d.banner)
			}
		}
	}
	t.Run("temporary data dir", func(t *testing.T) {
		d := startDemoRun(t)
		check(t, d)
		if !strings.Contains(d.banner, "new for this run") {
			t.Errorf("the banner does not say the passwords are new:\n%s", d.banner)
		}
		if err := d.stop(); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("kept by --data-dir", func(t *testing.T) {
		dir := t.TempDir()
		first := startDemoRun(t, "--data-dir", dir)
		check(t, first)
		if !strings.Contains(first.banner, "kept in "+filepath.Join(dir, demoLoginsFile)) {
			t.Errorf("the banner does not say where the passwords are kept:\n%s", first.banner)
		}
		if err := first.stop(); err != nil {
			t.Fatal(err)
		}
		again := startDemoRun(t, "--data-dir", dir)
		if !slices.Equal(again.logins, first.logins) || !strings.Contains(again.banner, "running again") {
			t.Fatalf("second run's logins %+v, first's %+v\n%s", again.logins, first.logins, again.banner)
		}
		check(t, again)
		if err := again.stop(); err != nil {
			t.Fatal(err)
		}
	})
}

// demoClient is a signed-in person's HTTP client (their session cookie).
type demoClient struct {
	t   *testing.T
	url string
	c   *http.Client
}

func (d demoRun) client(t *testing.T, l demoLogin) (demoClient, web.User) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := demoClient{t: t, url: d.url, c: &http.Client{Jar: jar, Timeout: 10 * time.Second}}
	var u web.User
	c.do("POST", "/api/v1/session", map[string]string{"name": l.Name, "password": l.Password}, http.StatusOK, &u)
	return c, u
}

// do sends a JSON request and decodes the answer, which must have status.
func (c demoClient) do(method, path string, body any, status int, out any) {
	c.t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, c.url+path, r)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.c.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != status {
		c.t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			c.t.Fatalf("%s %s: %v in %s", method, path, err, b)
		}
	}
}

// TestDemoBrowserAgent: the demo's agent for a person works from a
// browser's session while its phone is simulated: paused at start, Ready
// brings a call bridged to the simulated phone, the customer hangs up into
// wrap-up, the person disposes a callback for themselves (listed in their
// callbacks) and asks to pause after the next call; the pause reasons and
// the script are there.
func TestDemoBrowserAgent(t *testing.T) {
	if testing.Short() {
		t.Skip("runs alo demo with calls")
	}
	d := startDemoRun(t, "--answer-rate", "1", "--busy-rate", "0")
	var browser demoLogin
	for _, l := range d.logins {
		if l.Name == "dilnoza" {
			browser = l
		}
	}
	c, u := d.client(t, browser)
	me := fmt.Sprintf("/api/v1/agents/%d", u.AgentID)
	var ag agent.Agent
	await := func(what string, ok func(agent.Agent) bool) {
		t.Helper()
		for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(200 * time.Millisecond) { // polling: the events stream is the console's
			c.do("GET", me, nil, http.StatusOK, &ag)
			if ok(ag) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s: %+v", what, ag)
			}
		}
	}
	await("the phone leg, paused", func(a agent.Agent) bool { return a.State == agent.Paused && a.CallID != "" })
	var reasons []agent.PauseReason
	c.do("GET", "/api/v1/pause-reasons", nil, http.StatusOK, &reasons)
	if len(reasons) != 5 || reasons[len(reasons)-1].Code != "callback_prep" {
		t.Fatalf("the browser agent's pause reasons: %+v", reasons)
	}
	var camp struct{ Script string }
	c.do("GET", fmt.Sprintf("/api/v1/campaigns/%d", ag.CampaignIDs[0]), nil, http.StatusOK, &camp)
	if !strings.Contains(camp.Script, "{{limit}}") {
		t.Fatalf("script %q", camp.Script)
	}

	c.do("POST", me+"/ready", nil, http.StatusOK, nil)
	await("a call", func(a agent.Agent) bool { return a.State == agent.OnCall })
	c.do("PUT", me+"/pause-after-call", map[string]any{"pause_after_call": true, "reason": "break"}, http.StatusOK, &ag)
	if !ag.PauseAfterCall {
		t.Fatalf("pause after call not pending: %+v", ag)
	}
	c.do("PUT", me+"/pause-after-call", map[string]any{"pause_after_call": false}, http.StatusOK, nil)
	await("the wrap-up", func(a agent.Agent) bool { return a.State == agent.WrapUp })

	admin, _ := d.client(t, d.logins[0])
	var attempts []campaigns.Attempt
	admin.do("GET", fmt.Sprintf("/api/v1/campaigns/%d/attempts", ag.CampaignIDs[0]), nil, http.StatusOK, &attempts)
	var aid int64
	for _, a := range attempts {
		if a.AgentID == u.AgentID && a.State == campaigns.StateDone {
			aid = a.ID
		}
	}
	if aid == 0 {
		t.Fatalf("no ended call of the browser agent in %+v", attempts)
	}
	at := time.Now().Add(time.Hour).UTC()
	c.do("POST", fmt.Sprintf("/api/v1/attempts/%d/disposition", aid), map[string]any{"code": "callback", "callback_for": "me",
		"callback_at": at.Format(time.RFC3339), "notes": "after work"}, http.StatusOK, nil)
	await("ready after the disposition", func(a agent.Agent) bool { return a.State != agent.WrapUp })
	var cbs []campaigns.Callback
	c.do("GET", me+"/callbacks?day="+at.Format(time.DateOnly)+"&tz=UTC", nil, http.StatusOK, &cbs)
	if len(cbs) != 1 || cbs[0].At.Unix() != at.Unix() {
		t.Fatalf("my callbacks %+v", cbs)
	}
	c.do("POST", me+"/pause", map[string]string{"reason": "lunch"}, http.StatusOK, nil)
}
