package console

import (
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// do sends one request to c's handler as a browser on the same origin.
func do(t *testing.T, c *Console, method, target string, form url.Values, cookies []*http.Cookie, header map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	r := httptest.NewRequest(method, target, body)
	if form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	for k, v := range header {
		r.Header.Set(k, v)
	}
	for _, ck := range cookies {
		r.AddCookie(ck)
	}
	w := httptest.NewRecorder()
	c.Handler().ServeHTTP(w, r)
	return w
}

func TestPagesByRole(t *testing.T) {
	auth := newFakeAuth()
	c := newTestConsole(t, auth)
	for _, tc := range []struct {
		who, path string
		status    int
		location  string // for redirects
		contains  string
	}{
		{"", "/", http.StatusSeeOther, "/signin", ""},
		{"", "/agent", http.StatusSeeOther, "/signin?next=%2Fagent", ""},
		{"", "/floor?x=1", http.StatusSeeOther, "/signin?next=%2Ffloor%3Fx%3D1", ""},
		{"", "/signin", http.StatusOK, "", `name="password"`},
		{"aziza", "/", http.StatusSeeOther, "/agent", ""},
		{"mark", "/", http.StatusSeeOther, "/campaigns", ""},
		{"sam", "/", http.StatusSeeOther, "/floor", ""},
		{"cora", "/", http.StatusSeeOther, "/compliance", ""},
		{"root", "/", http.StatusSeeOther, "/campaigns", ""},
		{"aziza", "/signin", http.StatusSeeOther, "/agent", ""},
		{"aziza", "/agent", http.StatusOK, "", `data-agent-id="7"`},
		{"nolink", "/agent", http.StatusOK, "", "not linked to an agent"},
		{"aziza", "/campaigns", http.StatusForbidden, "", "Not for your role"},
		{"mark", "/agent", http.StatusForbidden, "", "Not for your role"},
		{"mark", "/lists", http.StatusOK, "", "upload contact lists"},
		{"sam", "/campaigns", http.StatusForbidden, "", ""},
		{"cora", "/compliance", http.StatusOK, "", "rule sets"},
		{"root", "/users", http.StatusOK, "", "reset passwords"},
		{"root", "/trunks", http.StatusOK, "", ""},
		{"root", "/floor", http.StatusOK, "", ""},
		{"root", "/agent", http.StatusForbidden, "", ""},
		{"mark", "/users", http.StatusForbidden, "", ""},
		{"mark", "/nowhere", http.StatusNotFound, "", "Page not found"},
		{"", "/nowhere", http.StatusNotFound, "", "Page not found"},
	} {
		t.Run(tc.who+tc.path, func(t *testing.T) {
			var cookies []*http.Cookie
			if tc.who != "" {
				cookies = append(cookies, auth.session(t, tc.who))
			}
			w := do(t, c, "GET", tc.path, nil, cookies, nil)
			if w.Code != tc.status {
				t.Fatalf("status %d, want %d", w.Code, tc.status)
			}
			if tc.location != "" && w.Header().Get("Location") != tc.location {
				t.Errorf("Location %q, want %q", w.Header().Get("Location"), tc.location)
			}
			if tc.contains != "" && !strings.Contains(w.Body.String(), tc.contains) {
				t.Errorf("body lacks %q:\n%s", tc.contains, w.Body.String())
			}
			if w.Code == http.StatusOK && w.Header().Get("Cache-Control") != "no-store" {
				t.Errorf("Cache-Control %q: pages must not be cached", w.Header().Get("Cache-Control"))
			}
		})
	}
}

// TestNavigationByRole checks the header's navigation: each role's own
// consoles, admin all but the agent's.
func TestNavigationByRole(t *testing.T) {
	auth := newFakeAuth()
	c := newTestConsole(t, auth)
	for _, tc := range []struct {
		who, path string
		want      []string
		not       []string
	}{
		{"aziza", "/agent", []string{"My work"}, []string{"Campaigns", "Floor", "Users"}},
		{"mark", "/campaigns", []string{"Campaigns", "Lists"}, []string{"My work", "Floor", "Users", "Trunks"}},
		{"sam", "/floor", []string{"Floor"}, []string{"Campaigns", "Users"}},
		{"cora", "/compliance", []string{"Compliance"}, []string{"Campaigns", "Floor"}},
		{"root", "/users", []string{"Campaigns", "Lists", "Floor", "Compliance", "Users", "Trunks"}, []string{"My work"}},
	} {
		t.Run(tc.who, func(t *testing.T) {
			w := do(t, c, "GET", tc.path, nil, []*http.Cookie{auth.session(t, tc.who)}, nil)
			body := w.Body.String()
			nav := body[strings.Index(body, "<nav"):strings.Index(body, "</nav>")]
			for _, s := range tc.want {
				if !strings.Contains(nav, ">"+s+"<") {
					t.Errorf("navigation lacks %q", s)
				}
			}
			for _, s := range tc.not {
				if strings.Contains(nav, ">"+s+"<") {
					t.Errorf("navigation shows %q", s)
				}
			}
			if !strings.Contains(nav, `aria-current="page"`) {
				t.Error("no navigation entry is marked as the current page")
			}
			if !strings.Contains(body, `action="/signout"`) {
				t.Error("no sign-out button")
			}
		})
	}
}

func TestSignIn(t *testing.T) {
	for _, tc := range []struct {
		name, user, password, next, lang string
		throttle                         time.Duration
		status                           int
		location, contains               string
	}{
		{name: "agent", user: "aziza", password: "secret-aziza", status: http.StatusSeeOther, location: "/agent"},
		{name: "next", user: "root", password: "secret-root", next: "/floor", status: http.StatusSeeOther, location: "/floor"},
		{name: "next elsewhere", user: "root", password: "secret-root", next: "//evil.example/x", status: http.StatusSeeOther, location: "/campaigns"},
		{name: "next backslash", user: "root", password: "secret-root", next: "/\\evil.example", status: http.StatusSeeOther, location: "/campaigns"},
		{name: "wrong password", user: "aziza", password: "nope", status: http.StatusUnauthorized, contains: "Wrong name or password"},
		{name: "wrong password ru", user: "aziza", password: "nope", lang: "ru", status: http.StatusUnauthorized, contains: "Неверное имя или пароль"},
		{name: "wrong password kk", user: "aziza", password: "nope", lang: "kk-KZ,kk;q=0.9", status: http.StatusUnauthorized, contains: "құпиясөз қате"},
		{name: "missing", user: "aziza", status: http.StatusBadRequest, contains: "Enter your name and password"},
		{name: "throttled", user: "aziza", password: "x", throttle: 90 * time.Second, status: http.StatusTooManyRequests, contains: "Try again in 2 minutes"},
		{name: "throttled ru", user: "aziza", password: "x", lang: "ru", throttle: 5 * time.Minute, status: http.StatusTooManyRequests, contains: "через 5 минут."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			auth := newFakeAuth()
			auth.throttle = tc.throttle
			c := newTestConsole(t, auth)
			form := url.Values{"name": {tc.user}, "password": {tc.password}, "next": {tc.next}}
			w := do(t, c, "POST", "/signin", form, nil, map[string]string{"Accept-Language": tc.lang})
			if w.Code != tc.status {
				t.Fatalf("status %d, want %d\n%s", w.Code, tc.status, w.Body.String())
			}
			if tc.location != "" && w.Header().Get("Location") != tc.location {
				t.Errorf("Location %q, want %q", w.Header().Get("Location"), tc.location)
			}
			body := w.Body.String()
			if tc.contains != "" && !strings.Contains(body, tc.contains) {
				t.Errorf("body lacks %q:\n%s", tc.contains, body)
			}
			if tc.status == http.StatusSeeOther {
				if !strings.Contains(w.Header().Get("Set-Cookie"), fakeCookie+"=") {
					t.Errorf("no session cookie: %q", w.Header().Values("Set-Cookie"))
				}
				return
			}
			if strings.Contains(body, tc.password) && tc.password != "" && tc.password != "x" {
				t.Error("the page repeats the password")
			}
			if tc.user != "" && !strings.Contains(body, `value="`+tc.user+`"`) {
				t.Error("the name typed is not kept in the form")
			}
			if tc.throttle > 0 && w.Header().Get("Retry-After") == "" {
				t.Error("no Retry-After")
			}
		})
	}
}

// TestCrossOrigin checks that another site cannot post the forms (sign
// someone in or out, switch their language).
func TestCrossOrigin(t *testing.T) {
	c := newTestConsole(t, newFakeAuth())
	for _, path := range []string{"/signin", "/signout", "/language"} {
		w := do(t, c, "POST", path, url.Values{"name": {"aziza"}, "password": {"secret-aziza"}, "lang": {"ru"}}, nil,
			map[string]string{"Sec-Fetch-Site": "cross-site"})
		if w.Code != http.StatusForbidden {
			t.Errorf("cross-site POST %s: status %d, want 403", path, w.Code)
		}
	}
}

func TestSignOut(t *testing.T) {
	auth := newFakeAuth()
	c := newTestConsole(t, auth)
	ck := auth.session(t, "mark")
	w := do(t, c, "POST", "/signout", url.Values{}, []*http.Cookie{ck}, nil)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/signin" {
		t.Fatalf("sign out: %d %q", w.Code, w.Header().Get("Location"))
	}
	if w := do(t, c, "GET", "/campaigns", nil, []*http.Cookie{ck}, nil); w.Code != http.StatusSeeOther {
		t.Errorf("after sign-out the old cookie still opens a page: %d", w.Code)
	}
}

func TestLanguage(t *testing.T) {
	auth := newFakeAuth()
	c := newTestConsole(t, auth)
	for _, tc := range []struct {
		name, who, cookie, accept, want string
	}{
		{name: "default", want: "en"},
		{name: "accept-language", accept: "ru-RU,ru;q=0.9,en;q=0.5", want: "ru"},
		{name: "accept-language unknown", accept: "de-DE,fr;q=0.8", want: "en"},
		{name: "accept-language uz", accept: "uz-Latn-UZ", want: "uz"},
		{name: "profile", who: "olga", accept: "en", want: "ru"},
		{name: "cookie beats profile", who: "olga", cookie: "kk", want: "kk"},
		{name: "bad cookie", cookie: "xx", accept: "az", want: "az"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var cookies []*http.Cookie
			path := "/signin"
			if tc.who != "" {
				cookies = append(cookies, auth.session(t, tc.who))
				path = "/agent"
			}
			if tc.cookie != "" {
				cookies = append(cookies, &http.Cookie{Name: langCookie, Value: tc.cookie})
			}
			w := do(t, c, "GET", path, nil, cookies, map[string]string{"Accept-Language": tc.accept})
			if got := w.Header().Get("Content-Language"); got != tc.want {
				t.Errorf("language %q, want %q", got, tc.want)
			}
			if !strings.Contains(w.Body.String(), `<html lang="`+tc.want+`">`) {
				t.Error("<html lang> does not match")
			}
		})
	}

	t.Run("switch", func(t *testing.T) {
		ck := auth.session(t, "aziza")
		w := do(t, c, "POST", "/language", url.Values{"lang": {"uk"}, "back": {"/agent"}}, []*http.Cookie{ck}, nil)
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/agent" {
			t.Fatalf("switch: %d %q", w.Code, w.Header().Get("Location"))
		}
		if !strings.Contains(w.Header().Get("Set-Cookie"), langCookie+"=uk") {
			t.Errorf("no language cookie: %q", w.Header().Get("Set-Cookie"))
		}
		if auth.saved[1] != "uk" {
			t.Errorf("profile language %q, want uk saved", auth.saved[1])
		}
		w = do(t, c, "POST", "/language", url.Values{"lang": {"ru"}, "back": {"https://evil.example/"}}, nil, nil)
		if w.Header().Get("Location") != "/" {
			t.Errorf("back to another site: Location %q", w.Header().Get("Location"))
		}
		if w := do(t, c, "POST", "/language", url.Values{"lang": {"xx"}}, nil, nil); w.Code != http.StatusBadRequest {
			t.Errorf("unknown language: %d", w.Code)
		}
	})

	t.Run("sign-in takes the profile's", func(t *testing.T) {
		w := do(t, c, "POST", "/signin", url.Values{"name": {"olga"}, "password": {"secret-olga"}},
			[]*http.Cookie{{Name: langCookie, Value: "en"}}, nil)
		if !strings.Contains(strings.Join(w.Header().Values("Set-Cookie"), "\n"), langCookie+"=ru") {
			t.Errorf("sign-in does not set the profile's language: %q", w.Header().Values("Set-Cookie"))
		}
	})
}

func TestTimeInViewersZone(t *testing.T) {
	auth := newFakeAuth()
	c := newTestConsole(t, auth)
	for _, tc := range []struct{ who, want string }{
		{"aziza", "Times in Asia/Tashkent (UTC+05:00) · Page loaded 2026-03-02 14:30"},
		{"root", "Times in Europe/Kyiv (UTC+02:00) · Page loaded 2026-03-02 11:30"},
		{"mark", "Times in UTC (UTC+00:00) · Page loaded 2026-03-02 09:30"},
	} {
		w := do(t, c, "GET", "/", nil, []*http.Cookie{auth.session(t, tc.who)}, nil)
		w = do(t, c, "GET", w.Header().Get("Location"), nil, []*http.Cookie{auth.session(t, tc.who)}, nil)
		if body := html.UnescapeString(w.Body.String()); !strings.Contains(body, tc.want) {
			t.Errorf("%s: footer lacks %q:\n%s", tc.who, tc.want, body[strings.Index(body, "<footer"):])
		}
	}
}

func TestAssets(t *testing.T) {
	c := newTestConsole(t, newFakeAuth())
	for _, tc := range []struct {
		name, ctype string
	}{
		{"app.css", "text/css; charset=utf-8"},
		{"live.js", "text/javascript; charset=utf-8"},
		{"agent.js", "text/javascript; charset=utf-8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := c.assets.url(tc.name)
			w := do(t, c, "GET", u, nil, nil, nil)
			if w.Code != http.StatusOK {
				t.Fatalf("GET %s: %d", u, w.Code)
			}
			if got := w.Header().Get("Content-Type"); got != tc.ctype {
				t.Errorf("Content-Type %q, want %q", got, tc.ctype)
			}
			if got := w.Header().Get("Cache-Control"); !strings.Contains(got, "immutable") {
				t.Errorf("Cache-Control %q, want a long immutable cache", got)
			}
			etag := w.Header().Get("ETag")
			if etag == "" {
				t.Fatal("no ETag")
			}
			if w := do(t, c, "GET", u, nil, nil, map[string]string{"If-None-Match": etag}); w.Code != http.StatusNotModified {
				t.Errorf("If-None-Match: %d, want 304", w.Code)
			}
			old := "/assets/000000000000/" + tc.name
			if w := do(t, c, "GET", old, nil, nil, nil); w.Code != http.StatusOK || w.Header().Get("Cache-Control") != "no-cache" {
				t.Errorf("another version: %d %q, want 200 no-cache", w.Code, w.Header().Get("Cache-Control"))
			}
		})
	}
	if w := do(t, c, "GET", "/assets/"+c.assets.version+"/nope.js", nil, nil, nil); w.Code != http.StatusNotFound {
		t.Errorf("missing asset: %d", w.Code)
	}
}

func TestLocalPath(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"/agent", "/agent"},
		{"/floor?x=1", "/floor?x=1"},
		{"", "/def"},
		{"agent", "/def"},
		{"//evil.example", "/def"},
		{"/\\evil.example", "/def"},
		{"https://evil.example/", "/def"},
		{"/a/../b", "/b"},
		{"/a\r\nSet-Cookie: x", "/def"},
	} {
		if got := localPath(tc.in, "/def"); got != tc.want {
			t.Errorf("localPath(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestNewRefusesLocal: the node's zone reaches the browser by name, and
// time.Local's name is "Local", which Intl refuses.
func TestNewRefusesLocal(t *testing.T) {
	if _, err := New(Config{Auth: newFakeAuth(), TimeZone: time.Local}); err == nil || !strings.Contains(err.Error(), "IANA") {
		t.Fatalf("New with time.Local: %v, want an error asking for an IANA zone", err)
	}
	tashkent, err := time.LoadLocation("Asia/Tashkent")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := New(Config{Auth: newFakeAuth(), TimeZone: tashkent}); err != nil {
		t.Fatalf("New with Asia/Tashkent: %v", err)
	}
}
