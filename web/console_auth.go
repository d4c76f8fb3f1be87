package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/alo-dialer/alo/web/console"
)

// ConsoleAuth signs people in to the consoles (web/console) with the API's
// own sign-in, sessions and users, so a browser signed in on either is
// signed in on both (one cookie). It is console.Auth and
// console.LanguageSaver.
type ConsoleAuth struct {
	signIn *SignIn
}

// NewConsoleAuth returns the consoles' sign-in over signIn (its sessions
// and users).
func NewConsoleAuth(signIn *SignIn) *ConsoleAuth { return &ConsoleAuth{signIn: signIn} }

// SignIn checks a name and password from addr and starts a session. A
// wrong name or password is console.ErrBadCredentials; a rate limit or a
// lock-out a *console.ThrottledError.
func (a *ConsoleAuth) SignIn(ctx context.Context, name, password, addr string) (*http.Cookie, console.Viewer, error) {
	u, token, err := a.signIn.SignIn(ctx, name, password, addr)
	var retry *RetryError
	switch {
	case errors.As(err, &retry):
		return nil, console.Viewer{}, &console.ThrottledError{RetryAfter: retry.Wait}
	case errors.Is(err, ErrBadCredentials):
		return nil, console.Viewer{}, console.ErrBadCredentials
	case err != nil:
		return nil, console.Viewer{}, err
	}
	// The console hands over no request: the cookie is Secure when the
	// session policy says TLS ends in front of us (SecureCookie).
	return a.signIn.sessions.Cookie(&http.Request{}, token), consoleViewer(u), nil
}

// ViewerOf returns the person r's session cookie belongs to; no cookie, or
// one of a session that ended or expired, or of a disabled user, matches
// console.ErrNoSession.
func (a *ConsoleAuth) ViewerOf(r *http.Request) (console.Viewer, error) {
	c, err := r.Cookie(SessionCookie)
	if err != nil || c.Value == "" {
		return console.Viewer{}, console.ErrNoSession
	}
	u, _, err := a.signIn.sessions.Authenticate(r.Context(), c.Value)
	if errors.Is(err, ErrUnauthenticated) {
		return console.Viewer{}, fmt.Errorf("%w: %v", console.ErrNoSession, err)
	}
	if err != nil {
		return console.Viewer{}, err
	}
	return consoleViewer(u), nil
}

// SignOut ends r's session (if any) and returns the cookie that clears it.
func (a *ConsoleAuth) SignOut(ctx context.Context, r *http.Request) (*http.Cookie, error) {
	if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
		if err := a.signIn.sessions.Delete(ctx, c.Value); err != nil {
			return nil, err
		}
	}
	return a.signIn.sessions.ClearCookie(r), nil
}

// SaveLanguage stores a language chosen with the consoles' switch in the
// user's profile.
func (a *ConsoleAuth) SaveLanguage(ctx context.Context, userID int64, code string) error {
	_, err := a.signIn.users.Update(ctx, userID, UserChange{Language: &code})
	return err
}

// consoleViewer is u as the consoles see them.
func consoleViewer(u User) console.Viewer {
	return console.Viewer{UserID: u.ID, Name: u.Name, Role: console.Role(u.Role), Language: u.Language,
		TimeZone: u.TimeZone, AgentID: u.AgentID}
}
