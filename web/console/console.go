package console

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"path"
	"strings"
	"sync"
	"time"

	"golang.org/x/text/message"
)

//go:embed templates/*.html locales/*.json assets/*
var files embed.FS

// Config holds the console's dependencies.
type Config struct {
	Auth Auth
	// TimeZone is the node's default zone for people whose profile has
	// none; nil means UTC.
	TimeZone *time.Location
	// EventsURL is the live event stream; "" means /api/v1/events.
	EventsURL string
	// APIBase is where the pages' scripts send actions; "" means /api/v1.
	APIBase string
	// SecureCookies marks the language cookie Secure (behind TLS).
	SecureCookies bool
	// ClientAddr tells the address a request came from (behind a proxy it
	// reads the proxy's header); nil means the connection's address.
	ClientAddr func(*http.Request) string
	Log        *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Directory lists users for the admin's users page; nil keeps /users
	// a placeholder.
	Directory Directory
	// MinPasswordLength is the shortest password the API accepts
	// (web.MinPasswordLength), said next to the password fields; 0 says
	// nothing and leaves it to the API's answer.
	MinPasswordLength int
}

// Console serves the consoles' pages and assets.
type Console struct {
	cfg     Config
	log     *slog.Logger
	catalog *Catalog
	assets  *assets
	pages   map[string]*template.Template
	zones   sync.Map // zone name → *time.Location
	mux     *http.ServeMux
}

// langCookie remembers a language chosen in this browser (also before
// anyone signed in, on the sign-in page).
const langCookie = "alo_lang"

// New returns the consoles with their templates parsed and catalogs loaded.
func New(cfg Config) (*Console, error) {
	if cfg.Auth == nil {
		return nil, errors.New("console: Auth is required")
	}
	if cfg.TimeZone == nil {
		cfg.TimeZone = time.UTC
	}
	if cfg.TimeZone.String() == "Local" {
		// The pages hand the zone's name to the browser's Intl, which
		// knows IANA names only.
		return nil, errors.New("console: TimeZone must be an IANA zone such as Asia/Tashkent, not time.Local")
	}
	if cfg.EventsURL == "" {
		cfg.EventsURL = "/api/v1/events"
	}
	if cfg.APIBase == "" {
		cfg.APIBase = "/api/v1"
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.ClientAddr == nil {
		cfg.ClientAddr = remoteHost
	}
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cat, err := LoadCatalog(files)
	if err != nil {
		return nil, err
	}
	sub, err := fs.Sub(files, "assets")
	if err != nil {
		return nil, err
	}
	as, err := loadAssets(sub)
	if err != nil {
		return nil, err
	}
	pages, err := parsePages(files)
	if err != nil {
		return nil, err
	}
	c := &Console{cfg: cfg, log: log, catalog: cat, assets: as, pages: pages, mux: http.NewServeMux()}
	c.routes()
	return c, nil
}

// Catalog returns the console's messages.
func (c *Console) Catalog() *Catalog { return c.catalog }

// pageFiles are the pages, each rendered inside layout.html.
var pageFiles = []string{"signin", "agent", "soon", "error", "users", "account"}

func parsePages(fsys fs.FS) (map[string]*template.Template, error) {
	layout, err := template.New("layout.html").ParseFS(fsys, "templates/layout.html")
	if err != nil {
		return nil, fmt.Errorf("console templates: %w", err)
	}
	pages := map[string]*template.Template{}
	for _, name := range pageFiles {
		t, err := template.Must(layout.Clone()).ParseFS(fsys, "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("console templates: %w", err)
		}
		pages[name] = t
	}
	return pages, nil
}

func (c *Console) routes() {
	c.mux.Handle("GET /assets/", http.StripPrefix("/assets/", c.assets))
	c.mux.HandleFunc("GET /{$}", c.home)
	c.mux.HandleFunc("GET /signin", c.signInPage)
	c.mux.HandleFunc("POST /signin", c.signIn)
	c.mux.HandleFunc("POST /signout", c.signOut)
	c.mux.HandleFunc("POST /language", c.setLanguage)
	c.mux.HandleFunc("GET /agent", c.page(c.agentPage, RoleAgent))
	c.mux.HandleFunc("GET /account", c.page(c.accountPage, everyRole...))
	for _, s := range soonPages() {
		if s.key == "users" && c.cfg.Directory != nil {
			c.mux.HandleFunc("GET /users", c.page(c.usersPage, RoleAdmin))
			continue
		}
		c.mux.HandleFunc("GET "+s.path, c.page(c.soonPage(s), s.roles...))
	}
	c.mux.HandleFunc("/", c.notFound)
}

// Handler returns the consoles: pages at /, /signin, /agent …, assets under
// /assets/. Mount it beside /api/v1. Every state-changing request (sign in,
// sign out, the language switch) must come from the consoles' own origin.
func (c *Console) Handler() http.Handler {
	protect := http.NewCrossOriginProtection()
	h := protect.Handler(c.mux)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		// Scripts and styles only from our own assets: no inline script
		// can run even if a bug let markup through.
		hd.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "same-origin")
		h.ServeHTTP(w, r)
	})
}

// locale is how one request is spoken and timed.
type locale struct {
	lang    Language
	zone    *time.Location
	printer *message.Printer
	c       *Console
}

// localeOf picks the language (a switch made in this browser, the profile,
// Accept-Language, English) and the zone (the profile's, the node's).
func (c *Console) localeOf(r *http.Request, v *Viewer) locale {
	loc := locale{lang: c.catalog.langs[0], zone: c.cfg.TimeZone, c: c}
	if l, ok := c.catalog.Supported(cookieLang(r)); ok {
		loc.lang = l
	} else if l, ok := c.profileLang(v); ok {
		loc.lang = l
	} else {
		loc.lang = c.catalog.Match(r.Header.Get("Accept-Language"))
	}
	loc.printer = c.catalog.Printer(loc.lang)
	if v != nil && v.TimeZone != "" {
		if z, err := c.zone(v.TimeZone); err == nil {
			loc.zone = z
		} else {
			c.log.Warn("console: unknown time zone in profile", "user", v.Name, "zone", v.TimeZone)
		}
	}
	return loc
}

func (c *Console) profileLang(v *Viewer) (Language, bool) {
	if v == nil {
		return Language{}, false
	}
	return c.catalog.Supported(v.Language)
}

func cookieLang(r *http.Request) string {
	ck, err := r.Cookie(langCookie)
	if err != nil {
		return ""
	}
	return ck.Value
}

func (c *Console) zone(name string) (*time.Location, error) {
	if z, ok := c.zones.Load(name); ok {
		return z.(*time.Location), nil
	}
	z, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	c.zones.Store(name, z)
	return z, nil
}

// view is what every template gets: the page's own data plus the shell's.
type view struct {
	loc    locale
	Viewer *Viewer
	Title  string
	// Active is the navigation entry of this page.
	Active string
	// Path is this page's path, where the language switch comes back to.
	Path string
	Data any
}

// T translates key with args in the viewer's language.
func (v *view) T(key string, args ...any) string { return v.loc.printer.Sprintf(key, args...) }

// Lang is the page's language code, for <html lang>.
func (v *view) Lang() string { return v.loc.lang.Code }

// Zone is the name of the zone times are shown in.
func (v *view) Zone() string { return v.loc.zone.String() }

// Time formats t in the viewer's zone, 24-hour and year first, which reads
// the same in all the consoles' languages.
func (v *view) Time(t time.Time) string { return t.In(v.loc.zone).Format("2006-01-02 15:04") }

// Now is the page's render time.
func (v *view) Now() time.Time { return v.loc.c.cfg.Now() }

// Offset is the zone's UTC offset now, as "UTC+05:00".
func (v *view) Offset() string {
	return "UTC" + v.Now().In(v.loc.zone).Format("-07:00")
}

// Asset is the versioned URL of an embedded asset.
func (v *view) Asset(name string) string { return v.loc.c.assets.url(name) }

// Languages are the choices of the language switch.
func (v *view) Languages() []Language { return v.loc.c.catalog.Languages() }

// Nav is the viewer's navigation.
func (v *view) Nav() []navItem {
	if v.Viewer == nil {
		return nil
	}
	return navFor(v.Viewer.Role)
}

// Strings are the messages the page's scripts need, by key prefix.
func (v *view) Strings(prefixes ...string) map[string]string {
	return v.loc.c.catalog.Strings(v.loc.lang, prefixes...)
}

// render writes page name with status. Rendering into a buffer first
// means a template error becomes a clean 500, not half a page.
func (c *Console) render(w http.ResponseWriter, r *http.Request, status int, name string, v *view) {
	var buf bytes.Buffer
	if err := c.pages[name].ExecuteTemplate(&buf, "layout", v); err != nil {
		c.log.Error("console: render", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	// Pages carry the person's name and live state: never cache them.
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Language", v.loc.lang.Code)
	h.Set("Vary", "Cookie, Accept-Language")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// page wraps a page handler: it needs a signed-in viewer with one of
// roles (admin may open every page but the agent's, which is about the
// agent's own calls).
func (c *Console) page(h func(w http.ResponseWriter, r *http.Request, v *view), roles ...Role) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		viewer, ok := c.viewer(w, r)
		if !ok {
			return
		}
		v := &view{loc: c.localeOf(r, &viewer), Viewer: &viewer, Path: r.URL.Path}
		if !allowed(viewer.Role, roles) {
			v.Title = v.T("error.forbidden.title")
			v.Data = errorPage{Heading: v.T("error.forbidden.title"), Body: v.T("error.forbidden.body", v.T("role."+string(viewer.Role)))}
			c.render(w, r, http.StatusForbidden, "error", v)
			return
		}
		h(w, r, v)
	}
}

func allowed(r Role, roles []Role) bool {
	for _, x := range roles {
		if x == r {
			return true
		}
	}
	return r == RoleAdmin && !(len(roles) == 1 && roles[0] == RoleAgent)
}

// viewer returns the signed-in person, or sends the browser to sign in
// (coming back here afterwards) and returns false.
func (c *Console) viewer(w http.ResponseWriter, r *http.Request) (Viewer, bool) {
	v, err := c.cfg.Auth.ViewerOf(r)
	if err == nil {
		return v, true
	}
	if !errors.Is(err, ErrNoSession) {
		c.log.Error("console: session lookup", "err", err)
	}
	target := "/signin"
	if r.URL.Path != "/" {
		target += "?next=" + url.QueryEscape(r.URL.RequestURI())
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
	return Viewer{}, false
}

func (c *Console) home(w http.ResponseWriter, r *http.Request) {
	v, ok := c.viewer(w, r)
	if !ok {
		return
	}
	http.Redirect(w, r, homeOf(v.Role), http.StatusSeeOther)
}

// errorPage is the data of error.html.
type errorPage struct {
	Heading, Body string
}

func (c *Console) notFound(w http.ResponseWriter, r *http.Request) {
	v := &view{Path: "/"}
	if viewer, err := c.cfg.Auth.ViewerOf(r); err == nil {
		v.Viewer = &viewer
	}
	v.loc = c.localeOf(r, v.Viewer)
	v.Title = v.T("error.notfound.title")
	v.Data = errorPage{Heading: v.T("error.notfound.title"), Body: v.T("error.notfound.body")}
	c.render(w, r, http.StatusNotFound, "error", v)
}

// setLanguage is the language switch: a cookie for this browser, and the
// profile when the Auth can save it.
func (c *Console) setLanguage(w http.ResponseWriter, r *http.Request) {
	l, ok := c.catalog.Supported(r.PostFormValue("lang"))
	if !ok {
		http.Error(w, "unknown language", http.StatusBadRequest)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: langCookie, Value: l.Code, Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, Secure: c.cfg.SecureCookies, SameSite: http.SameSiteLaxMode})
	if saver, ok := c.cfg.Auth.(LanguageSaver); ok {
		if v, err := c.cfg.Auth.ViewerOf(r); err == nil {
			if err := saver.SaveLanguage(r.Context(), v.UserID, l.Code); err != nil {
				c.log.Error("console: save language", "user", v.Name, "err", err)
			}
		}
	}
	http.Redirect(w, r, localPath(r.PostFormValue("back"), "/"), http.StatusSeeOther)
}

// localPath returns p when it is a path on this site, else def: a "next"
// or "back" parameter must not send anyone to another site.
func localPath(p, def string) string {
	if p == "" || p[0] != '/' || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") || strings.ContainsAny(p, "\r\n\t") {
		return def
	}
	u, err := url.Parse(p)
	if err != nil || u.Host != "" || u.Scheme != "" {
		return def
	}
	return path.Clean(u.Path) + func() string {
		if u.RawQuery != "" {
			return "?" + u.RawQuery
		}
		return ""
	}()
}

func remoteHost(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
