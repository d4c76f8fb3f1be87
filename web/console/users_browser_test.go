package console_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/alo-dialer/alo/internal/browsertest"
)

// The size of a contact-centre PC's screen, as the other browser tests.
const screenW, screenH = 1280, 800

// signInAs fills the sign-in form and waits for the page it leads to.
func signInAs(tab *browsertest.Tab, base, name, pw string) {
	tab.Navigate(base + "/signin")
	tab.Run(chromedp.SendKeys(chromedp.CSS("#name"), name), chromedp.SendKeys(chromedp.CSS("#password"), pw))
	tab.Submit(chromedp.KeyEvent(kb.Enter))
}

// row is the CSS selector of name's row on the users page.
func (s *realServer) row(name string) string { return fmt.Sprintf("#user-%d", s.ids[name]) }

// typeInto replaces the value of the input sel with text, typed.
func typeInto(tab *browsertest.Tab, sel, text string) {
	browsertest.Eval[bool](tab, fmt.Sprintf(`(e => (e.value = "", true))(document.querySelector(%q))`, sel))
	tab.Run(chromedp.Focus(chromedp.CSS(sel)), chromedp.KeyEvent(text))
}

// choose sets the select sel to value as a person would (with a change
// event), for options whose label a test cannot type in its language.
func choose(tab *browsertest.Tab, sel, value string) {
	browsertest.Eval[bool](tab, fmt.Sprintf(`(e => (e.value = %q, e.dispatchEvent(new Event("change", {bubbles: true})), true))(document.querySelector(%q))`, value, sel))
}

// expectFieldError waits for the error under the control sel to say want,
// and checks the control is marked invalid and described by it.
func expectFieldError(t *testing.T, tab *browsertest.Tab, sel, want string) {
	t.Helper()
	tab.WaitText(sel+"-error", want)
	if inv := browsertest.Eval[string](tab, fmt.Sprintf(`document.querySelector(%q).getAttribute("aria-invalid")`, sel)); inv != "true" {
		t.Errorf("%s: aria-invalid=%q next to its error", sel, inv)
	}
	desc := browsertest.Eval[string](tab, fmt.Sprintf(`document.querySelector(%q).getAttribute("aria-describedby") || ""`, sel))
	if !strings.Contains(desc, strings.TrimPrefix(sel, "#")+"-error") {
		t.Errorf("%s: aria-describedby=%q does not name its error", sel, desc)
	}
}

// expectNamedControls checks that every control a Tab reaches has a name
// a screen reader can say.
func expectNamedControls(t *testing.T, tab *browsertest.Tab) {
	t.Helper()
	unnamed := browsertest.Eval[[]string](tab, `[...document.querySelectorAll("a[href], button, input:not([type=hidden]):not([hidden]), select, textarea")]
		.filter(e => !(e.labels && e.labels.length) && !e.getAttribute("aria-label") && !e.textContent.trim())
		.map(e => e.outerHTML)`)
	if len(unnamed) > 0 {
		t.Errorf("controls without a name: %q", unnamed)
	}
	if w := browsertest.Eval[float64](tab, `document.documentElement.scrollWidth`); w > screenW {
		t.Errorf("page is %.0f px wide at a %d px screen", w, screenW)
	}
}

// TestBrowserUsers is the admin's day with the users page: add an agent
// user (first with wrong fields, each shown at its field, then right),
// reset a password, unlock a locked-out name, disable someone; all with
// the keyboard, against the real API.
func TestBrowserUsers(t *testing.T) {
	s := newRealServer(t)
	b := browsertest.Start(t)
	tab := b.NewTab(t, screenW, screenH)
	tab.IgnoreConsole(`status of 400`) // the refusals the test provokes
	signInAs(tab, s.URL, "root", password("root"))
	tab.Navigate(s.URL + "/users")
	tab.WaitText("h1", "Users")
	for _, p := range people {
		tab.WaitText(s.row(p.name)+" th", p.name)
	}
	tab.WaitText(s.row("aziza"), "Aziza Karimova")
	tab.WaitText(s.row("cora"), "Locked until")
	tab.WaitText(s.row("root"), "you")
	tab.WaitText(s.row("crm-sync"), "API token only")
	tab.WaitText(s.row("crm-sync"), "Kaspi Credit")
	expectNamedControls(t, tab)

	// --- add an agent user
	{
		// "Add a user" takes the keyboard to the form; Tab to its first field.
		tab.Run(chromedp.Focus(chromedp.CSS("#add-user")))
		tab.Press(kb.Enter)
		tab.WaitJS(`document.activeElement.id === "new-user"`)
		tab.Press(kb.Tab)
		if got := tab.Focused(); got != "input#new-name" {
			t.Fatalf("after Add a user and Tab: focus on %s", got)
		}
		// The role is Agent by default; no agent chosen, a short password.
		tab.Press("dilnoza", kb.Tab, "short")
		tab.Press(kb.Enter)
		expectFieldError(t, tab, "#new-agent", "Choose the agent this user is.")
		expectFieldError(t, tab, "#new-password", "At least 10 characters.")
		tab.WaitText("#create-form .form-error", "Check the fields marked below.")
		if got := tab.Focused(); got != "select#new-agent" {
			t.Errorf("focus after the errors: %s, want the first wrong field", got)
		}
		if n := browsertest.Eval[int](tab, `document.querySelectorAll("#create-form .field-error:not([hidden])").length`); n != 2 {
			t.Errorf("%d field errors shown, want 2", n)
		}
		tab.Screenshot("users-create-errors")

		// The agent field is there for role agent only.
		choose(tab, "#new-role", "marketer")
		if browsertest.Eval[bool](tab, `!!document.querySelector("#new-agent").checkVisibility()`) {
			t.Error("the agent field shows for a marketer")
		}
		choose(tab, "#new-role", "agent")
		tab.Run(chromedp.Focus(chromedp.CSS("#new-agent")))
		// Choose Dilnoza by typing on the select, fix the password.
		tab.Press("D")
		if v := browsertest.Eval[string](tab, `document.querySelector("#new-agent").value`); v != fmt.Sprint(s.agents["Dilnoza Yusupova"]) {
			t.Fatalf("agent select %q after typing D", v)
		}
		typeInto(tab, "#new-password", "dilnoza's first pw")
		tab.Run(chromedp.Focus(chromedp.CSS(fmt.Sprintf(`#new-user input[name=client_ids][value="%d"]`, s.clients["Demo Bank"]))))
		tab.Press(" ")
		choose(tab, "#new-language", "uz")
		typeInto(tab, "#new-zone", "Asia/Samarkand")
		tab.Run(chromedp.Focus(chromedp.CSS("#create-form button[type=submit]")))
		tab.Press(kb.Enter)
		tab.WaitText("#users-done", "dilnoza was added.")
		u := s.user("dilnoza")
		s.ids["dilnoza"] = u.ID
		tab.WaitText(s.row("dilnoza"), "Dilnoza Yusupova")
		tab.WaitText(s.row("dilnoza"), "Demo Bank")
		if got := tab.Focused(); got != "p#users-done" {
			t.Errorf("focus after adding: %s, want the message", got)
		}
		tab.WaitText(s.row("dilnoza"), "Oʻzbekcha")
		tab.WaitText(s.row("dilnoza"), "Asia/Samarkand")
		if u.AgentID != s.agents["Dilnoza Yusupova"] || len(u.ClientIDs) != 1 || u.Language != "uz" || u.TimeZone != "Asia/Samarkand" ||
			!s.canSignIn("dilnoza", "dilnoza's first pw") {
			t.Errorf("stored %+v", u)
		}
		tab.Screenshot("users") // docs/screenshots/users.png
	}

	// --- reset a password
	{
		marks := s.session("mark")
		tab.Run(chromedp.Focus(chromedp.CSS(s.row("mark") + ` button[data-action=password]`)))
		tab.Press(kb.Enter)
		tab.WaitVisible("#password-dialog")
		tab.WaitText("#password-who", "mark")
		if got := tab.Focused(); got != "input#reset-password" {
			t.Fatalf("focus in the dialog: %s", got)
		}
		tab.Press("short", kb.Enter)
		expectFieldError(t, tab, "#reset-password", "At least 10 characters.")
		tab.Screenshot("users-reset-error")
		typeInto(tab, "#reset-password", "mark's new passphrase")
		tab.Press(kb.Enter)
		tab.WaitText("#users-done", "mark has a new password")
		if !s.canSignIn("mark", "mark's new passphrase") || s.canSignIn("mark", password("mark")) {
			t.Error("the new password does not sign mark in, or the old one still does")
		}
		if s.alive(marks) {
			t.Error("mark's session outlived the reset")
		}
	}

	// --- unlock
	{
		tab.Run(chromedp.Focus(chromedp.CSS(s.row("cora") + ` button[data-action=unlock]`)))
		tab.Press(kb.Enter)
		tab.WaitText("#users-done", "cora may sign in again.")
		if strings.Contains(tab.Text(s.row("cora")), "Locked") {
			t.Errorf("cora's row after unlocking: %q", tab.Text(s.row("cora")))
		}
		// From the very address that was locked out.
		other := b.NewTab(t, screenW, screenH)
		signInAs(other, s.URL, "cora", password("cora"))
		other.WaitJS(`location.pathname === "/compliance"`)
	}

	// --- disable
	{
		sams := s.session("sam")
		tab.Run(chromedp.Focus(chromedp.CSS(s.row("sam") + ` button[data-action=edit]`)))
		tab.Press(kb.Enter)
		tab.WaitVisible("#edit-dialog")
		if got := tab.Focused(); got != "select#edit-role" {
			t.Fatalf("focus in the dialog: %s", got)
		}
		if v := browsertest.Eval[string](tab, `document.querySelector("#edit-role").value`); v != "supervisor" {
			t.Errorf("the dialog starts from role %q", v)
		}
		tab.Screenshot("users-edit")
		tab.Run(chromedp.Focus(chromedp.CSS("#edit-disabled")))
		tab.Press(" ", kb.Enter)
		tab.WaitText("#users-done", "sam was changed.")
		tab.WaitText(s.row("sam"), "Disabled")
		if !s.user("sam").Disabled || s.alive(sams) {
			t.Error("sam is not disabled, or still signed in")
		}
	}

	// --- Esc closes a dialog and gives the focus back
	{
		opener := s.row("aziza") + ` button[data-action=edit]`
		tab.Run(chromedp.Focus(chromedp.CSS(opener)))
		tab.Press(kb.Enter)
		tab.WaitVisible("#edit-dialog")
		tab.Press(kb.Escape)
		tab.WaitJS(`!document.querySelector("#edit-dialog").open`)
		if !browsertest.Eval[bool](tab, fmt.Sprintf(`document.activeElement === document.querySelector(%q)`, opener)) {
			t.Errorf("focus after Esc: %s", tab.Focused())
		}
	}
	tab.Navigate(s.URL + "/users")
	tab.WaitText("h1", "Users")
	tab.Screenshot("users-after")
}

// TestBrowserUsersRussian: the API's English reasons reach a Russian
// admin in Russian, every wrong field at once, including an admin's try
// to demote and disable themselves.
func TestBrowserUsersRussian(t *testing.T) {
	s := newRealServer(t)
	b := browsertest.Start(t)
	tab := b.NewTab(t, screenW, screenH)
	tab.IgnoreConsole(`status of 400`)
	tab.SetLanguage("ru")
	signInAs(tab, s.URL, "root", password("root"))
	tab.Navigate(s.URL + "/users")
	tab.WaitText("h1", "Пользователи")

	tab.Run(chromedp.Focus(chromedp.CSS("#new-zone")))
	tab.Press("Mars/Base")
	tab.Run(chromedp.Focus(chromedp.CSS("#create-form button[type=submit]")))
	tab.Press(kb.Enter)
	expectFieldError(t, tab, "#new-name", "Обязательное поле.")
	expectFieldError(t, tab, "#new-password", "Обязательное поле.")
	expectFieldError(t, tab, "#new-agent", "Выберите оператора")
	expectFieldError(t, tab, "#new-zone", "Часового пояса «Mars/Base» нет.")
	tab.Screenshot("users-errors-ru")

	tab.Run(chromedp.Focus(chromedp.CSS(s.row("root") + ` button[data-action=edit]`)))
	tab.Press(kb.Enter)
	tab.WaitVisible("#edit-dialog")
	choose(tab, "#edit-role", "marketer")
	tab.Run(chromedp.Focus(chromedp.CSS("#edit-disabled")))
	tab.Press(" ", kb.Enter)
	expectFieldError(t, tab, "#edit-role", "Нельзя снять с себя роль администратора")
	expectFieldError(t, tab, "#edit-disabled", "Нельзя отключить самого себя")
	tab.Screenshot("users-self-ru")
}

// TestBrowserUsersForbidden: /users is the admin's; other roles get the
// 403 page, and the API refuses them too.
func TestBrowserUsersForbidden(t *testing.T) {
	s := newRealServer(t)
	b := browsertest.Start(t)
	for _, who := range []string{"mark", "sam", "aziza"} {
		t.Run(who, func(t *testing.T) {
			tab := b.NewTab(t, screenW, screenH)
			tab.IgnoreConsole(`status of 403`)
			tab.IgnoreConsole(`/api/v1/events`) // the agent console's stream, not served here
			signInAs(tab, s.URL, who, password(who))
			if status := tab.Submit(chromedp.Navigate(s.URL + "/users")); status != http.StatusForbidden {
				t.Errorf("/users as %s: %d, want 403", who, status)
			}
			tab.WaitText("h1", "Not for your role")
			if status, _, _ := s.call("GET", "/api/v1/users", s.session(who), ""); status != http.StatusForbidden {
				t.Errorf("GET /api/v1/users as %s: %d", who, status)
			}
		})
	}
}
