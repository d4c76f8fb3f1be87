package console_test

import (
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/alo-dialer/alo/internal/browsertest"
)

// TestBrowserAccount: an agent opens their account from the header,
// changes their password (the page's own checks and the API's, each at
// its field), signs in with the new one, sets their language and zone,
// and signs out everywhere.
func TestBrowserAccount(t *testing.T) {
	s := newRealServer(t)
	b := browsertest.Start(t)
	tab := b.NewTab(t, screenW, screenH)
	tab.IgnoreConsole(`status of 400`)
	tab.IgnoreConsole(`/api/v1/events`) // the agent console's stream, not served here
	signInAs(tab, s.URL, "aziza", password("aziza"))
	tab.WaitJS(`location.pathname === "/agent"`)
	elsewhere := s.session("aziza")

	// The name in the header is the way to the account page.
	tab.Run(chromedp.Focus(chromedp.CSS("a.who-name")))
	tab.Submit(chromedp.KeyEvent(kb.Enter))
	tab.WaitText("h1", "My account")
	tab.WaitText("main", "Signed in as aziza, Agent.")
	expectNamedControls(t, tab)
	tab.Screenshot("account") // docs/screenshots/account.png

	// --- change my password
	{
		const newPW = "aziza's new passphrase"
		tab.Run(chromedp.Focus(chromedp.CSS("#old-password")))
		// Everything the page can tell at once: a short new password and a
		// repeat that differs.
		tab.Press("not my password", kb.Tab, "short", kb.Tab, "shorter", kb.Enter)
		expectFieldError(t, tab, "#new-password", "At least 10 characters.")
		expectFieldError(t, tab, "#repeat-password", "Does not match the new password.")
		if got := tab.Focused(); got != "input#new-password" {
			t.Errorf("focus after the page's checks: %s", got)
		}
		// Then the API's: the old password is wrong.
		typeInto(tab, "#new-password", newPW)
		typeInto(tab, "#repeat-password", newPW)
		tab.Press(kb.Enter)
		expectFieldError(t, tab, "#old-password", "Wrong password.")
		if n := browsertest.Eval[int](tab, `document.querySelectorAll("#password-form .field-error:not([hidden])").length`); n != 1 {
			t.Errorf("%d field errors, want only the old password's", n)
		}
		tab.Screenshot("account-password-error")
		typeInto(tab, "#old-password", password("aziza"))
		tab.Press(kb.Enter)
		tab.WaitText("#account-done", "Your password is changed.")
		if s.alive(elsewhere) {
			t.Error("the other session outlived the change")
		}

		// Signing out and in again: the old password no longer works.
		tab.Run(chromedp.Focus(chromedp.CSS(".signout button")))
		tab.Submit(chromedp.KeyEvent(kb.Enter))
		tab.IgnoreConsole(`status of 401`)
		signInAs(tab, s.URL, "aziza", password("aziza"))
		tab.WaitText("#signin-error", "Wrong name or password")
		signInAs(tab, s.URL, "aziza", newPW)
		tab.WaitJS(`location.pathname === "/agent"`)
	}

	// --- language and zone
	{
		tab.Navigate(s.URL + "/account")
		typeInto(tab, "#my-zone", "Mars/Base")
		tab.Press(kb.Enter)
		expectFieldError(t, tab, "#my-zone", "There is no time zone “Mars/Base”.")
		typeInto(tab, "#my-zone", "Asia/Almaty")
		choose(tab, "#my-language", "ru")
		tab.Run(chromedp.Focus(chromedp.CSS("#my-zone")))
		tab.Press(kb.Enter)
		tab.WaitText("#account-done", "Язык и часовой пояс сохранены.")
		tab.WaitText("h1", "Моя учётная запись")
		tab.WaitText("footer", "Asia/Almaty")
		if u := s.user("aziza"); u.Language != "ru" || u.TimeZone != "Asia/Almaty" {
			t.Errorf("profile %q %q", u.Language, u.TimeZone)
		}
		tab.Screenshot("account-ru")
	}

	// --- sign out everywhere
	{
		other := s.session("aziza")
		tab.Run(chromedp.Focus(chromedp.CSS("#signout-everywhere")))
		tab.Press(kb.Enter)
		tab.WaitJS(`location.pathname === "/signin"`)
		if s.alive(other) {
			t.Error("another session outlived signing out everywhere")
		}
		tab.Navigate(s.URL + "/account")
		tab.WaitJS(`location.pathname === "/signin"`)
	}
}
