package console

import (
	"context"
	"errors"
	"html"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

// fakeDirectory lists fixed users, or fails with err.
type fakeDirectory struct {
	users []UserRow
	err   error
}

func (d fakeDirectory) Users(context.Context) ([]UserRow, error) { return d.users, d.err }
func (d fakeDirectory) Agents(context.Context) ([]Choice, error) {
	return []Choice{{ID: 7, Name: "Aziza Karimova"}, {ID: 8, Name: "Olga"}}, nil
}
func (d fakeDirectory) Clients(context.Context) ([]Choice, error) {
	return []Choice{{ID: 1, Name: "Demo Bank"}}, nil
}

// getAs is GET path as who ("" for nobody signed in).
func getAs(t *testing.T, c *Console, auth *fakeAuth, who, path string) *httptest.ResponseRecorder {
	t.Helper()
	var cookies []*http.Cookie
	if who != "" {
		cookies = append(cookies, auth.session(t, who))
	}
	return do(t, c, "GET", path, nil, cookies, nil)
}

func newUsersConsole(t *testing.T, auth *fakeAuth, d Directory) *Console {
	t.Helper()
	c, err := New(Config{Auth: auth, Now: fixedNow, TimeZone: time.UTC, Directory: d, MinPasswordLength: 10})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestUsersPage: the admin's list with names for ids, states and times in
// the admin's zone, the result of the last action; other roles get 403;
// a directory that fails is a 503 page, not half a list.
func TestUsersPage(t *testing.T) {
	auth := newFakeAuth()
	now := fixedNow()
	d := fakeDirectory{users: []UserRow{
		{ID: 6, Name: "root", Role: RoleAdmin, HasPassword: true, LastSignIn: now.Add(-time.Hour)},
		{ID: 1, Name: "aziza", Role: RoleAgent, AgentID: 7, ClientIDs: []int64{1, 9}, Language: "uz", TimeZone: "Asia/Tashkent",
			HasPassword: true, LockedUntil: now.Add(10 * time.Minute)},
		{ID: 3, Name: "crm", Role: RoleMarketer, Disabled: true},
		{ID: 4, Name: "<b>sam</b>", Role: RoleSupervisor, HasPassword: true, LockedUntil: now.Add(-time.Minute)},
	}}
	c := newUsersConsole(t, auth, d)
	for _, tc := range []struct {
		who, path string
		status    int
		want, not []string
	}{
		{"root", "/users", http.StatusOK, []string{
			`id="user-1"`, "Aziza Karimova", "Demo Bank, #9", "Oʻzbekcha", "Asia/Tashkent", "Locked until 11:40",
			`data-action="unlock"`, "Disabled", "API token only", "Never", "2026-03-02 11:30", // root's zone is Europe/Kyiv
			"&lt;b&gt;sam&lt;/b&gt;", `"reasons":`, `<a class="own-password" href="/account">My password</a>`, "At least 10 characters.", `<span class="badge">you</span>`,
		}, []string{"<b>sam</b>", `id="users-done"`}},
		{"root", "/users?done=created&id=1", http.StatusOK, []string{`id="users-done"`, "aziza was added.", `class="done"`}, nil},
		{"root", "/users?done=unlocked&id=99", http.StatusOK, nil, []string{`id="users-done"`}},
		{"root", "/users?done=<script>&id=1", http.StatusOK, nil, []string{`id="users-done"`}},
		{"mark", "/users", http.StatusForbidden, []string{"Not for your role"}, []string{"aziza"}},
		{"aziza", "/users", http.StatusForbidden, nil, nil},
		{"", "/users", http.StatusSeeOther, nil, nil},
	} {
		t.Run(tc.who+tc.path, func(t *testing.T) {
			w := getAs(t, c, auth, tc.who, tc.path)
			if w.Code != tc.status {
				t.Fatalf("status %d, want %d", w.Code, tc.status)
			}
			body := w.Body.String()
			for _, s := range tc.want {
				if !strings.Contains(body, s) {
					t.Errorf("page lacks %q", s)
				}
			}
			for _, s := range tc.not {
				if strings.Contains(body, s) {
					t.Errorf("page has %q", s)
				}
			}
		})
	}
	// Only the locked row offers Unlock: sam's lock-out ran out.
	w := getAs(t, c, auth, "root", "/users")
	if n := strings.Count(w.Body.String(), `data-action="unlock"`); n != 1 {
		t.Errorf("%d Unlock buttons, want 1", n)
	}
	// root resets others' passwords; their own is changed on My account.
	if n := strings.Count(w.Body.String(), `data-action="password"`); n != len(d.users)-1 {
		t.Errorf("%d Reset password buttons, want one per other user", n)
	}

	broken := newUsersConsole(t, auth, fakeDirectory{err: errors.New("database is gone")})
	w = getAs(t, broken, auth, "root", "/users")
	if w.Code != http.StatusServiceUnavailable || !strings.Contains(w.Body.String(), "Users cannot be shown") {
		t.Errorf("a failing directory: %d %s", w.Code, w.Body.String())
	}
}

// TestAccountPage: every role has one, in their language, with their zone.
func TestAccountPage(t *testing.T) {
	auth := newFakeAuth()
	c := newUsersConsole(t, auth, nil)
	for _, tc := range []struct{ who, want string }{
		{"aziza", "Signed in as aziza, Agent."},
		{"olga", "Вы вошли как olga, Оператор."},
		{"mark", "Signed in as mark, Marketer."},
		{"sam", "Signed in as sam, Supervisor."},
		{"cora", "Signed in as cora, Compliance officer."},
		{"root", `value="Europe/Kyiv"`},
	} {
		t.Run(tc.who, func(t *testing.T) {
			w := getAs(t, c, auth, tc.who, "/account?done=password")
			body := w.Body.String()
			if w.Code != http.StatusOK || !strings.Contains(body, tc.want) || !strings.Contains(body, `id="account-done"`) {
				t.Fatalf("%d, want 200 with %q and the message:\n%s", w.Code, tc.want, body)
			}
			if !strings.Contains(body, `href="/account" aria-current="page"`) {
				t.Error("the header's account link is not marked current")
			}
		})
	}
	if w := getAs(t, c, auth, "", "/account"); w.Code != http.StatusSeeOther {
		t.Errorf("signed out: %d", w.Code)
	}
	// Without a directory the users page stays a placeholder.
	w := getAs(t, c, auth, "root", "/users")
	if !strings.Contains(w.Body.String(), "reset passwords") {
		t.Errorf("no directory: %s", w.Body.String())
	}
}

// TestFormKeysExist checks the forms' scripts and reason rules ask only
// for messages en.json has, and that every rule compiles.
func TestFormKeysExist(t *testing.T) {
	c := newTestConsole(t, newFakeAuth())
	en := c.catalog.own["en"]
	used := map[string]string{}
	for _, name := range []string{"forms.js", "users.js", "account.js"} {
		js, err := os.ReadFile("assets/" + name)
		if err != nil {
			t.Fatal(err)
		}
		found := regexp.MustCompile(`\bt\("([a-z_.]*[a-z_])"`).FindAllStringSubmatch(string(js), -1)
		if name != "users.js" && len(found) == 0 {
			t.Errorf("%s: no t(…) keys found: is the pattern still right?", name)
		}
		for _, m := range found {
			used[m[1]] = name
		}
	}
	for _, r := range apiReasons {
		used[r.Key] = "reasons.go"
		for _, re := range []string{r.Field, r.Reason} {
			if _, err := regexp.Compile(re); err != nil {
				t.Errorf("rule %q: %v", re, err)
			}
		}
	}
	for k := range doneKinds {
		used["users.done."+k] = "users.go"
	}
	for key, where := range used {
		if _, ok := en[key]; !ok {
			t.Errorf("%s uses %q, which en.json lacks", where, key)
		}
	}
}

// TestFormStringsEscaped: the page's JSON for its script cannot end the
// script element, whatever a message says.
func TestFormStringsEscaped(t *testing.T) {
	auth := newFakeAuth()
	c := newUsersConsole(t, auth, fakeDirectory{})
	w := getAs(t, c, auth, "root", "/users")
	m := regexp.MustCompile(`(?s)<script type="application/json" id="alo-strings">(.*?)</script>`).FindStringSubmatch(w.Body.String())
	if m == nil || strings.Contains(html.UnescapeString(m[1]), "</") {
		t.Fatalf("strings script: %v", m)
	}
}
