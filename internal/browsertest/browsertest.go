// Package browsertest drives Debian's headless Chromium from Go tests
// (through chromedp): one browser per test, tabs at a fixed viewport,
// screenshots to look at, and waits on what the page shows rather than on
// sleeps.
//
// A test that needs a browser calls Start; it is skipped when Chromium is
// not installed, unless ALO_REQUIRE_CHROMIUM=1 (test.sh sets it), when it
// fails instead. Screenshots go to $ALO_SCREENSHOTS when set (to keep
// and look at them), else to the test's temporary directory.
package browsertest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// Timeout bounds every step a Tab runs: a page that never shows what a
// test waits for fails the test instead of hanging it.
const Timeout = 20 * time.Second

// Browser is one headless Chromium with a fresh profile.
type Browser struct {
	t      testing.TB
	ctx    context.Context
	dir    string
	cancel func()
}

// Chromium returns the browser's path: $ALO_CHROMIUM, else the first of
// chromium, chromium-browser on PATH; "" when there is none.
func Chromium() string {
	if p := os.Getenv("ALO_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// Start launches Chromium for t and stops it when t ends.
func Start(t testing.TB) *Browser {
	t.Helper()
	path := Chromium()
	if path == "" {
		if os.Getenv("ALO_REQUIRE_CHROMIUM") == "1" {
			t.Fatal("chromium is not installed and ALO_REQUIRE_CHROMIUM=1: apt-get install chromium fonts-dejavu-core")
		}
		t.Skip("chromium is not installed (apt-get install chromium fonts-dejavu-core)")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("hide-scrollbars", false),
		chromedp.Flag("lang", "en-US"),
		chromedp.Flag("force-device-scale-factor", "1"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 800),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelBrowser := chromedp.NewContext(allocCtx)
	// The first Do starts the browser, which lives as long as the context
	// of that call: so no timeout on it.
	if err := chromedp.Do(ctx); err != nil {
		cancelBrowser()
		cancelAlloc()
		t.Fatalf("start chromium %s: %v", path, err)
	}
	b := &Browser{t: t, ctx: ctx, cancel: func() { cancelBrowser(); cancelAlloc() }, dir: screenshotDir(t)}
	t.Cleanup(b.cancel)
	return b
}

func screenshotDir(t testing.TB) string {
	if d := os.Getenv("ALO_SCREENSHOTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatalf("ALO_SCREENSHOTS: %v", err)
		}
		return d
	}
	return t.TempDir()
}

// Tab is one page of the browser.
type Tab struct {
	t   testing.TB
	b   *Browser
	ctx context.Context

	mu     sync.Mutex
	errors []string // uncaught exceptions and console errors of the page
	ignore []*regexp.Regexp
}

// NewTab opens a tab whose viewport is width×height CSS pixels. The test
// fails at its end if the page threw an uncaught exception or logged an
// error to the console.
func (b *Browser) NewTab(t testing.TB, width, height int64) *Tab {
	t.Helper()
	// Each tab has its own browser context (cookies, storage), as if each
	// were another person's PC.
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
	tab := &Tab{t: t, b: b, ctx: ctx}
	// The first Do opens the tab, which lives as long as that call's
	// context: no timeout on it either.
	if err := chromedp.Do(ctx); err != nil {
		cancel()
		t.Fatalf("open a tab: %v", err)
	}
	tab.Run(chromedp.EmulateViewport(width, height))
	messages := chromedp.Console(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.IsException() {
				tab.addError(m)
			}
		}
	}()
	t.Cleanup(func() {
		cancel()
		<-done
		tab.mu.Lock()
		defer tab.mu.Unlock()
		for _, e := range tab.errors {
			t.Errorf("page: %s", e)
		}
	})
	return tab
}

func (tab *Tab) addError(m chromedp.ConsoleMessage) {
	tab.mu.Lock()
	defer tab.mu.Unlock()
	s := m.String()
	if m.URL != "" {
		s += " (" + m.URL + ")"
	}
	for _, re := range tab.ignore {
		if re.MatchString(s) {
			return
		}
	}
	tab.errors = append(tab.errors, s)
}

// IgnoreConsole lets console errors matching the regular expression
// pattern pass, such as the browser's note on a page answered with the
// 401 a test expects.
func (tab *Tab) IgnoreConsole(pattern string) {
	tab.mu.Lock()
	tab.ignore = append(tab.ignore, regexp.MustCompile(pattern))
	tab.mu.Unlock()
}

// Context is the tab's chromedp context, for actions this package lacks.
func (tab *Tab) Context() context.Context { return tab.ctx }

// Run runs actions in the tab, failing the test on an error or after Timeout.
func (tab *Tab) Run(steps ...chromedp.Action[chromedp.Void]) {
	tab.t.Helper()
	ctx, cancel := context.WithTimeout(tab.ctx, Timeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		tab.t.Fatalf("browser: %v", err)
	}
}

// Get runs one action that returns a value, failing the test on an error.
func Get[T any](tab *Tab, a chromedp.Action[T]) T {
	tab.t.Helper()
	ctx, cancel := context.WithTimeout(tab.ctx, Timeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		tab.t.Fatalf("browser: %v", err)
	}
	return v
}

// SetLanguage makes the tab send Accept-Language: lang.
func (tab *Tab) SetLanguage(lang string) {
	tab.t.Helper()
	tab.Run(chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		if _, err := cdp.Call(ctx, t, network.Enable, network.EnableParams{}); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, t, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{
			Headers: network.Headers{"Accept-Language": lang}})
		return err
	}))
}

// Navigate loads url and waits for its body.
func (tab *Tab) Navigate(url string) {
	tab.t.Helper()
	tab.Run(chromedp.Navigate(url), chromedp.WaitReady(chromedp.CSS("body")))
}

// WaitVisible waits until the element matching the CSS selector sel is shown.
func (tab *Tab) WaitVisible(sel string) {
	tab.t.Helper()
	tab.Run(chromedp.WaitVisible(chromedp.CSS(sel)))
}

// WaitText waits until the text of the first element matching sel
// contains want, and returns that text. The page itself checks on every
// change of the DOM, so the wait ends as soon as the text is there.
func (tab *Tab) WaitText(sel, want string) string {
	tab.t.Helper()
	expr := fmt.Sprintf(`(() => { const e = document.querySelector(%q); return !!e && e.innerText.includes(%q); })()`, sel, want)
	if err := tab.poll(expr); err != nil {
		tab.t.Fatalf("waiting for %q in %s: %v (it shows %q)", want, sel, err, tab.textNow(sel))
	}
	return tab.Text(sel)
}

// WaitJS waits until the JavaScript expression is true.
func (tab *Tab) WaitJS(expr string) {
	tab.t.Helper()
	if err := tab.poll(expr); err != nil {
		tab.t.Fatalf("waiting for %s: %v", expr, err)
	}
}

// poll waits in the page until expr is true. A navigation in between (a
// form that was just submitted) ends a poll; it starts again on the new
// page until Timeout.
func (tab *Tab) poll(expr string) error {
	ctx, cancel := context.WithTimeout(tab.ctx, Timeout)
	defer cancel()
	for {
		_, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingInterval(10*time.Millisecond)))
		if err == nil || ctx.Err() != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// Submit runs steps that load another page (a click on a submit button,
// Enter in a form) and waits until it has loaded; it returns its status.
func (tab *Tab) Submit(steps ...chromedp.Action[chromedp.Void]) int64 {
	tab.t.Helper()
	ctx, cancel := context.WithTimeout(tab.ctx, Timeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, steps...)
	if err != nil {
		tab.t.Fatalf("browser: %v", err)
	}
	return resp.Status
}

// Text is the rendered text of the first element matching sel.
func (tab *Tab) Text(sel string) string {
	tab.t.Helper()
	return Get(tab, chromedp.Text(chromedp.CSS(sel), chromedp.NodeVisible))
}

// textNow is the text of sel without waiting or failing, for messages.
func (tab *Tab) textNow(sel string) string {
	ctx, cancel := context.WithTimeout(tab.ctx, 2*time.Second)
	defer cancel()
	s, _ := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`(document.querySelector(%q) || {}).innerText || ""`, sel)))
	return s
}

// Eval evaluates a JavaScript expression.
func Eval[T any](tab *Tab, expr string) T {
	tab.t.Helper()
	return Get(tab, chromedp.Evaluate[T](expr))
}

// Focused describes the focused element as tag#id (or tag[name]).
func (tab *Tab) Focused() string {
	tab.t.Helper()
	return Eval[string](tab, `(() => { const e = document.activeElement; if (!e) return ""; return e.tagName.toLowerCase() + (e.id ? "#" + e.id : e.name ? "[" + e.name + "]" : ""); })()`)
}

// Press sends keys as typed on a keyboard (kb.Tab, kb.Enter, "2" …) to
// the focused element.
func (tab *Tab) Press(keys ...string) {
	tab.t.Helper()
	for _, k := range keys {
		tab.Run(chromedp.KeyEvent(k))
	}
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// Screenshot saves the viewport as <dir>/<name>.png and returns the path.
func (tab *Tab) Screenshot(name string) string {
	tab.t.Helper()
	png := Get(tab, chromedp.CaptureScreenshot())
	p := filepath.Join(tab.b.dir, unsafeName.ReplaceAllString(name, "_")+".png")
	if err := os.WriteFile(p, png, 0o644); err != nil {
		tab.t.Fatalf("screenshot: %v", err)
	}
	tab.t.Logf("screenshot %s", p)
	return p
}
