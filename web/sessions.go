package web

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/alo-dialer/alo/sqldb"
)

// SessionCookie is the name of the cookie that carries a browser session.
const SessionCookie = "alo_session"

// Session defaults (SessionConfig's zero values).
const (
	DefaultIdleTimeout   = 30 * time.Minute
	DefaultSessionMaxAge = 12 * time.Hour
	DefaultTouchInterval = time.Minute
)

// ErrSessionExpired is a session past its idle or absolute limit; it
// matches ErrUnauthenticated.
var ErrSessionExpired = fmt.Errorf("%w: session expired", ErrUnauthenticated)

// SessionPinner says which signed-in users must not be signed out for
// being idle: an agent who is ready, on a call or in wrap-up has a phone
// leg up and no reason to click anything. The dialer's agent registry
// implements it (through PinAgents); nil pins nobody. The absolute limit
// (MaxAge) still applies.
type SessionPinner interface {
	Pinned(u User) bool
}

// PinnerFunc is a SessionPinner written as a function.
type PinnerFunc func(u User) bool

// Pinned calls f.
func (f PinnerFunc) Pinned(u User) bool { return f(u) }

// PinAgents pins agent users whose agent busy reports as working (ready,
// reserved, on a call, in wrap-up: whatever the caller counts).
func PinAgents(busy func(agentID int64) bool) SessionPinner {
	return PinnerFunc(func(u User) bool { return u.Role == RoleAgent && u.AgentID != 0 && busy(u.AgentID) })
}

// SessionConfig is the session policy. Zero durations take the defaults.
type SessionConfig struct {
	// IdleTimeout signs a session out after this long without a request
	// (unless the Pinner pins its user); default 30 min.
	IdleTimeout time.Duration
	// MaxAge signs a session out this long after sign-in, whatever
	// happens; default 12 h (a long shift).
	MaxAge time.Duration
	// TouchInterval is how stale last_seen_at may be before a request
	// writes it again: at most one write a minute per session by default.
	TouchInterval time.Duration
	// SecureCookie marks the cookie Secure even for plain-HTTP requests:
	// set it behind a proxy that terminates TLS. Requests that arrive over
	// TLS always get a Secure cookie.
	SecureCookie bool
	// Pinner keeps working agents signed in; nil: nobody is pinned.
	Pinner SessionPinner
}

func (c SessionConfig) withDefaults() SessionConfig {
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = DefaultIdleTimeout
	}
	if c.MaxAge <= 0 {
		c.MaxAge = DefaultSessionMaxAge
	}
	if c.TouchInterval <= 0 {
		c.TouchInterval = DefaultTouchInterval
	}
	return c
}

// Session is one signed-in browser, as stored.
type Session struct {
	UserID     int64     `json:"user_id"`
	CreatedAt  time.Time `json:"created_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
	// ExpiresAt is the absolute limit (created + MaxAge).
	ExpiresAt time.Time `json:"expires_at"`
}

// Sessions stores browser sessions in SQL, so they survive a restart and
// are shared by every node. The cookie carries 32 random bytes; the table
// keeps only their SHA-256.
type Sessions struct {
	db    *sqldb.DB
	users *Users
	clock func() time.Time
	cfg   SessionConfig
}

// NewSessions returns the session store on db (migrated with Migrations),
// reading users from users. clock decides every expiry.
func NewSessions(db *sqldb.DB, users *Users, clock func() time.Time, cfg SessionConfig) *Sessions {
	return &Sessions{db: db, users: users, clock: clock, cfg: cfg.withDefaults()}
}

// Config returns the policy in force (with defaults filled in).
func (s *Sessions) Config() SessionConfig { return s.cfg }

// maxSessionToken bounds what Authenticate hashes: a token is 43 bytes.
const maxSessionToken = 64

// Create starts a session for userID from addr and returns the cookie's
// value (shown only here).
func (s *Sessions) Create(ctx context.Context, userID int64, addr string) (string, Session, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", Session{}, fmt.Errorf("new session: %w", err)
	}
	token := base64.RawURLEncoding.EncodeToString(raw)
	now := time.UnixMilli(s.clock().UnixMilli()).UTC()
	if _, err := s.db.ExecContext(ctx, `INSERT INTO sessions (id_hash, user_id, created_at, last_seen_at, addr) VALUES ($1, $2, $3, $3, $4)`,
		hashToken(token), userID, now.UnixMilli(), addr); err != nil {
		return "", Session{}, fmt.Errorf("new session of user %d: %w", userID, err)
	}
	return token, Session{UserID: userID, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(s.cfg.MaxAge)}, nil
}

// Authenticate returns the user of the session whose cookie value is
// token, and records the use (at most once per TouchInterval). An unknown
// token matches ErrUnauthenticated; an expired one ErrSessionExpired (and
// its row is deleted); a disabled user's ErrDisabled.
func (s *Sessions) Authenticate(ctx context.Context, token string) (User, Session, error) {
	if token == "" || len(token) > maxSessionToken {
		return User{}, Session{}, ErrUnauthenticated
	}
	id := hashToken(token)
	var sess Session
	var created, seen int64
	err := s.db.QueryRowContext(ctx, `SELECT user_id, created_at, last_seen_at FROM sessions WHERE id_hash = $1`, id).
		Scan(&sess.UserID, &created, &seen)
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, Session{}, ErrUnauthenticated
	}
	if err != nil {
		return User{}, Session{}, fmt.Errorf("session: %w", err)
	}
	sess.CreatedAt, sess.LastSeenAt = time.UnixMilli(created).UTC(), time.UnixMilli(seen).UTC()
	sess.ExpiresAt = sess.CreatedAt.Add(s.cfg.MaxAge)
	now := s.clock()
	if !now.Before(sess.ExpiresAt) {
		s.drop(ctx, id)
		return User{}, Session{}, ErrSessionExpired
	}
	u, _, err := s.users.Get(ctx, sess.UserID)
	if errors.Is(err, ErrUserNotFound) {
		return User{}, Session{}, ErrUnauthenticated
	}
	if err != nil {
		return User{}, Session{}, err
	}
	if u.Disabled {
		s.drop(ctx, id)
		return User{}, Session{}, ErrDisabled
	}
	idle := now.Sub(sess.LastSeenAt)
	if idle >= s.cfg.IdleTimeout && (s.cfg.Pinner == nil || !s.cfg.Pinner.Pinned(u)) {
		s.drop(ctx, id)
		return User{}, Session{}, ErrSessionExpired
	}
	if idle >= s.cfg.TouchInterval {
		ms := now.UnixMilli()
		if _, err := s.db.ExecContext(ctx, `UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2`, ms, id); err != nil {
			return User{}, Session{}, fmt.Errorf("touch session: %w", err)
		}
		sess.LastSeenAt = time.UnixMilli(ms).UTC()
	}
	return u, sess, nil
}

func (s *Sessions) drop(ctx context.Context, idHash string) {
	_, _ = s.db.ExecContext(context.WithoutCancel(ctx), `DELETE FROM sessions WHERE id_hash = $1`, idHash)
}

// Delete signs out the session whose cookie value is token (nothing
// happens for an unknown one).
func (s *Sessions) Delete(ctx context.Context, token string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE id_hash = $1`, hashToken(token)); err != nil {
		return fmt.Errorf("sign out: %w", err)
	}
	return nil
}

// DeleteUser signs userID out of every session but the one whose cookie
// value is except ("" for none) and returns how many ended.
func (s *Sessions) DeleteUser(ctx context.Context, userID int64, except string) (int64, error) {
	keep := ""
	if except != "" {
		keep = hashToken(except)
	}
	res, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1 AND id_hash <> $2`, userID, keep)
	if err != nil {
		return 0, fmt.Errorf("sign out user %d: %w", userID, err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// Sweep deletes sessions past their absolute limit or idle for longer than
// the idle timeout and returns how many. Pinned users' idle sessions are
// not swept: an agent on a call keeps theirs. Run it now and then (a
// periodic task); Authenticate refuses expired sessions without it.
func (s *Sessions) Sweep(ctx context.Context) (int64, error) {
	now := s.clock()
	res, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE created_at <= $1`, now.Add(-s.cfg.MaxAge).UnixMilli())
	if err != nil {
		return 0, fmt.Errorf("sweep sessions: %w", err)
	}
	n, _ := res.RowsAffected()
	rows, err := s.db.QueryContext(ctx, `SELECT id_hash, user_id FROM sessions WHERE last_seen_at <= $1`, now.Add(-s.cfg.IdleTimeout).UnixMilli())
	if err != nil {
		return n, fmt.Errorf("sweep sessions: %w", err)
	}
	type idle struct {
		id   string
		user int64
	}
	var stale []idle
	for rows.Next() {
		var i idle
		if err := rows.Scan(&i.id, &i.user); err != nil {
			rows.Close()
			return n, fmt.Errorf("sweep sessions: %w", err)
		}
		stale = append(stale, i)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return n, fmt.Errorf("sweep sessions: %w", err)
	}
	for _, i := range stale {
		if s.cfg.Pinner != nil {
			if u, _, err := s.users.Get(ctx, i.user); err == nil && s.cfg.Pinner.Pinned(u) {
				continue
			}
		}
		if _, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE id_hash = $1`, i.id); err != nil {
			return n, fmt.Errorf("sweep sessions: %w", err)
		}
		n++
	}
	return n, nil
}

// Cookie returns the cookie that carries token for a response to r:
// HttpOnly, SameSite=Lax, Path=/, and Secure when r came over TLS or the
// config says TLS ends in front of us. It has no expiry: it ends with the
// browser, and the server ends the session before that.
func (s *Sessions) Cookie(r *http.Request, token string) *http.Cookie {
	return &http.Cookie{Name: SessionCookie, Value: token, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil || s.cfg.SecureCookie}
}

// ClearCookie returns the cookie that removes the session cookie.
func (s *Sessions) ClearCookie(r *http.Request) *http.Cookie {
	c := s.Cookie(r, "")
	c.MaxAge = -1
	return c
}
