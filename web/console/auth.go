package console

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Role is what a person does; the same five names as web.Role.
type Role string

// The roles of docs/architecture.md, "Who may do what".
const (
	RoleAdmin      Role = "admin"
	RoleMarketer   Role = "marketer"
	RoleSupervisor Role = "supervisor"
	RoleAgent      Role = "agent"
	RoleCompliance Role = "compliance"
)

// Viewer is the signed-in person a page is rendered for.
type Viewer struct {
	UserID int64
	Name   string
	Role   Role
	// Language is the profile's BCP 47 code ("ru"); "" lets the browser's
	// Accept-Language decide.
	Language string
	// TimeZone is the profile's IANA zone ("Asia/Tashkent"); "" means the
	// node's default.
	TimeZone string
	// AgentID is the agent a user with role agent is (0 for the others):
	// the id their console's actions and events are about.
	AgentID int64
}

// Auth signs people in and out and tells who a request belongs to. The
// session engineer's store satisfies it through a small adapter in cmd/alo.
type Auth interface {
	// SignIn checks a name and password from addr (the client's IP, for
	// rate limits) and returns the session cookie to set. Its errors are
	// ErrBadCredentials, a *ThrottledError, or anything else (shown as
	// "sign-in is not available").
	SignIn(ctx context.Context, name, password, addr string) (*http.Cookie, Viewer, error)
	// ViewerOf returns the person r's session cookie belongs to, or an
	// error matching ErrNoSession when there is none or it expired.
	ViewerOf(r *http.Request) (Viewer, error)
	// SignOut ends r's session and returns the cookie that clears it.
	SignOut(ctx context.Context, r *http.Request) (*http.Cookie, error)
}

// LanguageSaver stores a person's choice of language in their profile. An
// Auth that also implements it gets the language switch saved there;
// otherwise the choice lives in a cookie of this browser only.
type LanguageSaver interface {
	SaveLanguage(ctx context.Context, userID int64, code string) error
}

// Errors an Auth returns.
var (
	ErrBadCredentials = errors.New("wrong name or password")
	ErrNoSession      = errors.New("not signed in")
)

// ThrottledError refuses a sign-in for a while: too many attempts from an
// address or for a name, or a locked account.
type ThrottledError struct {
	RetryAfter time.Duration
}

func (e *ThrottledError) Error() string {
	return fmt.Sprintf("too many sign-in attempts: retry after %s", e.RetryAfter)
}
