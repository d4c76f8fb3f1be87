package console

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/alo-dialer/alo/internal/browsertest"
)

// The browser tests run the consoles in Debian's headless Chromium at the
// size of a contact-centre PC's screen, 1280×800, and keep screenshots
// (set ALO_SCREENSHOTS=dir to look at them).
const screenW, screenH = 1280, 800

func emptySnapshot() any { return AgentView{ServerTime: time.Now()} }

// signIn fills the form with the mouse-free path a person would take.
func signIn(tab *browsertest.Tab, base, name, password string) {
	tab.Navigate(base + "/signin")
	tab.Run(
		chromedp.SendKeys(chromedp.CSS("#name"), name),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
	)
	tab.Submit(chromedp.Click(chromedp.CSS("#signin-submit")))
}

func TestBrowserSignInPage(t *testing.T) {
	srv := newConsoleServer(t, emptySnapshot)
	b := browsertest.Start(t)
	for _, tc := range []struct {
		lang, title, name, password, submit string
	}{
		{"en-US,en", "Sign in", "Name", "Password", "Sign in"},
		{"ru-RU,ru", "Вход", "Имя", "Пароль", "Войти"},
		{"kk-KZ", "Кіру", "Аты", "Құпиясөз", "Кіру"},
		{"az-AZ", "Giriş", "Ad", "Şifrə", "Daxil ol"},
		{"uz-UZ", "Kirish", "Ism", "Parol", "Kirish"},
		{"uk-UA", "Вхід", "Ім’я", "Пароль", "Увійти"},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			tab := b.NewTab(t, screenW, screenH)
			tab.SetLanguage(tc.lang)
			tab.Navigate(srv.URL + "/signin")
			tab.WaitText("h1", tc.title)
			for sel, want := range map[string]string{`label[for="name"]`: tc.name, `label[for="password"]`: tc.password, "#signin-submit": tc.submit} {
				if got := tab.Text(sel); got != want {
					t.Errorf("%s: %q, want %q", sel, got, want)
				}
			}
			if got := tab.Focused(); got != "input#name" {
				t.Errorf("focus on load: %s, want the name field", got)
			}
			// The stylesheet applied: the card is centred and narrow.
			if w := browsertest.Eval[float64](tab, `document.querySelector(".signin").getBoundingClientRect().width`); w < 300 || w > 450 {
				t.Errorf("sign-in card is %.0f px wide: is the stylesheet loaded?", w)
			}
			tab.Screenshot("signin-" + strings.SplitN(tc.lang, "-", 2)[0])
		})
	}
}

func TestBrowserSignInWrongPassword(t *testing.T) {
	srv := newConsoleServer(t, emptySnapshot)
	b := browsertest.Start(t)
	for _, tc := range []struct{ lang, want string }{
		{"en", "Wrong name or password"},
		{"ru", "Неверное имя или пароль"},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			tab := b.NewTab(t, screenW, screenH)
			tab.IgnoreConsole(`status of 401`) // the form again, answered 401
			tab.SetLanguage(tc.lang)
			signIn(tab, srv.URL, "aziza", "not-her-password")
			tab.WaitText("#signin-error", tc.want)
			if got := tab.Focused(); got != "input#password" {
				t.Errorf("focus after the error: %s, want the password field", got)
			}
			if v := browsertest.Eval[string](tab, `document.querySelector("#name").value`); v != "aziza" {
				t.Errorf("name field %q after the error, want it kept", v)
			}
			if inv := browsertest.Eval[string](tab, `document.querySelector("#password").getAttribute("aria-invalid")`); inv != "true" {
				t.Errorf("password aria-invalid=%q", inv)
			}
			tab.Screenshot("signin-error-" + tc.lang)
		})
	}
}

func TestBrowserSignInLandsOnRolePage(t *testing.T) {
	srv := newConsoleServer(t, emptySnapshot)
	b := browsertest.Start(t)
	for _, tc := range []struct{ who, path, heading string }{
		{"aziza", "/agent", "Time in state"},
		{"mark", "/campaigns", "Campaigns"},
		{"sam", "/floor", "Floor"},
		{"cora", "/compliance", "Compliance"},
		{"root", "/campaigns", "Campaigns"},
	} {
		t.Run(tc.who, func(t *testing.T) {
			tab := b.NewTab(t, screenW, screenH)
			signIn(tab, srv.URL, tc.who, "secret-"+tc.who)
			tab.WaitJS(`location.pathname === "` + tc.path + `"`)
			tab.WaitText("main", tc.heading)
			tab.WaitText(".who-name", tc.who)
			if tc.who != "aziza" {
				tab.Screenshot("home-" + tc.who)
			}
		})
	}
}

// TestBrowserKeyboardOnly signs in and out with the keyboard alone: the
// name field has the focus, Tab goes to the password, Enter submits; on
// the next page Tab reaches the skip link first.
func TestBrowserKeyboardOnly(t *testing.T) {
	srv := newConsoleServer(t, emptySnapshot)
	b := browsertest.Start(t)
	tab := b.NewTab(t, screenW, screenH)
	tab.Navigate(srv.URL + "/signin?next=/lists")
	tab.Press("mark", kb.Tab, "secret-mark")
	tab.Submit(chromedp.KeyEvent(kb.Enter))
	tab.WaitJS(`location.pathname === "/lists"`)
	tab.WaitText("h1", "Lists")

	tab.Press(kb.Tab)
	if got := tab.Focused(); got != "a" || !strings.Contains(browsertest.Eval[string](tab, `document.activeElement.className`), "skip") {
		t.Errorf("first Tab stop: %s, want the skip link", got)
	}
	tab.Screenshot("skip-link")
	tab.Press(kb.Enter)
	if got := tab.Focused(); got != "main#main" {
		t.Errorf("after the skip link: focus on %s, want main", got)
	}

	// Every control a Tab reaches has a name a screen reader can say.
	unnamed := browsertest.Eval[[]string](tab, `[...document.querySelectorAll("a[href], button, input:not([type=hidden]), select, textarea")]
		.filter(e => !(e.labels && e.labels.length) && !e.getAttribute("aria-label") && !e.textContent.trim())
		.map(e => e.outerHTML)`)
	if len(unnamed) > 0 {
		t.Errorf("controls without a name: %q", unnamed)
	}

	// Tab through the header to Sign out, and press it.
	for i := 0; i < 12 && !strings.Contains(browsertest.Eval[string](tab, `document.activeElement.textContent`), "Sign out"); i++ {
		tab.Press(kb.Tab)
	}
	tab.Submit(chromedp.KeyEvent(kb.Enter))
	tab.WaitJS(`location.pathname === "/signin"`)
}

// TestBrowserLayout checks the shell at 1280×800 for each role: nothing
// wider than the screen, the header on one row, the focus ring visible.
func TestBrowserLayout(t *testing.T) {
	srv := newConsoleServer(t, emptySnapshot)
	b := browsertest.Start(t)
	for _, tc := range []struct{ who, lang string }{
		{"root", "en"}, {"root", "ru"}, {"mark", "kk"}, {"aziza", "ru"},
	} {
		t.Run(tc.who+"-"+tc.lang, func(t *testing.T) {
			tab := b.NewTab(t, screenW, screenH)
			tab.SetLanguage(tc.lang)
			signIn(tab, srv.URL, tc.who, "secret-"+tc.who)
			tab.WaitVisible("nav")
			if w := browsertest.Eval[float64](tab, `document.documentElement.scrollWidth`); w > screenW {
				t.Errorf("page is %.0f px wide at a %d px screen", w, screenW)
			}
			if h := browsertest.Eval[float64](tab, `document.querySelector("header.top").getBoundingClientRect().height`); h > 80 {
				t.Errorf("header is %.0f px high: it wrapped", h)
			}
			tab.Run(chromedp.Focus(chromedp.CSS("nav a")))
			if o := browsertest.Eval[string](tab, `getComputedStyle(document.activeElement).outlineStyle`); o == "none" {
				t.Error("a focused link has no outline")
			}
			tab.Screenshot("layout-" + tc.who + "-" + tc.lang)
		})
	}
}
