package console

import (
	"errors"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// signInForm is the data of signin.html.
type signInForm struct {
	Name, Next string
	// Error is the message shown above the form, in the user's language.
	Error string
	// ErrorField is the input the error is about ("name" or "password"),
	// which gets the focus and aria-invalid.
	ErrorField string
}

func (c *Console) signInPage(w http.ResponseWriter, r *http.Request) {
	if v, err := c.cfg.Auth.ViewerOf(r); err == nil {
		http.Redirect(w, r, localPath(r.URL.Query().Get("next"), homeOf(v.Role)), http.StatusSeeOther)
		return
	}
	c.renderSignIn(w, r, http.StatusOK, signInForm{Next: localPath(r.URL.Query().Get("next"), "")})
}

func (c *Console) renderSignIn(w http.ResponseWriter, r *http.Request, status int, f signInForm) {
	v := &view{loc: c.localeOf(r, nil), Path: "/signin", Data: f}
	if f.Next != "" {
		v.Path += "?next=" + url.QueryEscape(f.Next)
	}
	v.Title = v.T("signin.title")
	c.render(w, r, status, "signin", v)
}

// signIn takes the sign-in form (it works without JavaScript): on success
// it sets the session cookie and goes to the page asked for or the role's
// home; otherwise it shows the form again with the reason.
func (c *Console) signIn(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	name := strings.TrimSpace(r.PostFormValue("name"))
	password := r.PostFormValue("password")
	f := signInForm{Name: name, Next: localPath(r.PostFormValue("next"), "")}
	loc := c.localeOf(r, nil)
	if name == "" || password == "" {
		f.Error, f.ErrorField = loc.printer.Sprintf("signin.error.missing"), "name"
		if name != "" {
			f.ErrorField = "password"
		}
		c.renderSignIn(w, r, http.StatusBadRequest, f)
		return
	}
	cookie, viewer, err := c.cfg.Auth.SignIn(r.Context(), name, password, c.cfg.ClientAddr(r))
	var throttled *ThrottledError
	switch {
	case err == nil:
	case errors.Is(err, ErrBadCredentials):
		c.log.Info("console: sign-in refused", "name", name, "addr", c.cfg.ClientAddr(r))
		f.Error, f.ErrorField = loc.printer.Sprintf("signin.error.bad"), "password"
		c.renderSignIn(w, r, http.StatusUnauthorized, f)
		return
	case errors.As(err, &throttled):
		minutes := int(math.Ceil(throttled.RetryAfter.Minutes()))
		minutes = max(minutes, 1)
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(throttled.RetryAfter.Seconds()))))
		f.Error = loc.printer.Sprintf("signin.error.throttled", minutes)
		c.renderSignIn(w, r, http.StatusTooManyRequests, f)
		return
	default:
		c.log.Error("console: sign-in", "name", name, "err", err)
		f.Error = loc.printer.Sprintf("signin.error.failed")
		c.renderSignIn(w, r, http.StatusServiceUnavailable, f)
		return
	}
	if cookie != nil {
		http.SetCookie(w, cookie)
	}
	// The profile's language wins from now on over what this browser chose
	// before: a shared PC's next user gets their own language.
	if l, ok := c.catalog.Supported(viewer.Language); ok {
		http.SetCookie(w, &http.Cookie{Name: langCookie, Value: l.Code, Path: "/", MaxAge: 365 * 24 * 3600,
			HttpOnly: true, Secure: c.cfg.SecureCookies, SameSite: http.SameSiteLaxMode})
	}
	c.log.Info("console: signed in", "user", viewer.Name, "role", viewer.Role)
	http.Redirect(w, r, localPath(f.Next, homeOf(viewer.Role)), http.StatusSeeOther)
}

func (c *Console) signOut(w http.ResponseWriter, r *http.Request) {
	cookie, err := c.cfg.Auth.SignOut(r.Context(), r)
	if err != nil && !errors.Is(err, ErrNoSession) {
		c.log.Error("console: sign out", "err", err)
	}
	if cookie != nil {
		http.SetCookie(w, cookie)
	}
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
}

func (c *Console) soonPage(s soonPage) func(http.ResponseWriter, *http.Request, *view) {
	return func(w http.ResponseWriter, r *http.Request, v *view) {
		v.Active = s.key
		v.Title = v.T("nav." + s.key)
		v.Data = s.key
		c.render(w, r, http.StatusOK, "soon", v)
	}
}
