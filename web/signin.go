package web

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/alo-dialer/alo/sqldb"
)

// Sign-in errors; each matches ErrUnauthenticated or carries a wait.
var (
	// ErrBadCredentials is a wrong name or password (the two are not told
	// apart, so names cannot be probed).
	ErrBadCredentials = fmt.Errorf("%w: wrong name or password", ErrUnauthenticated)
	// ErrRateLimited is too many sign-ins from one address or for one name.
	ErrRateLimited = errors.New("too many sign-in attempts")
	// ErrLockedOut is a (name, address) pair locked after repeated failures.
	ErrLockedOut = errors.New("signing in is locked")
)

// RetryError is a refused sign-in that may be tried again after Wait. It
// matches ErrRateLimited or ErrLockedOut.
type RetryError struct {
	Err  error
	Wait time.Duration
}

func (e *RetryError) Error() string {
	return fmt.Sprintf("%v: try again in %s", e.Err, e.Wait.Round(time.Second))
}

// Unwrap returns the sentinel.
func (e *RetryError) Unwrap() error { return e.Err }

// SignInConfig is the sign-in policy. Zero values take the defaults.
type SignInConfig struct {
	// MaxFailures failed sign-ins of one name from one address lock that
	// pair for LockOut (defaults 5 and 15 min). Failures more than LockOut
	// apart are not added up.
	MaxFailures int
	LockOut     time.Duration
	// AddrRate and AddrBurst limit sign-in attempts per address (default
	// 5/s, burst 100): a whole floor behind one NAT signs in at the start
	// of a shift, so this is a flood limit, not a lock.
	AddrRate  rate.Limit
	AddrBurst int
	// NameRate and NameBurst limit failed sign-ins per name from all
	// addresses together (default one a minute, burst 10): guessing one
	// user's password from many addresses stays slow. A successful sign-in
	// costs nothing.
	NameRate  rate.Limit
	NameBurst int
	// MaxHashing bounds concurrent argon2id computations (each takes the
	// hash's memory, 19 MiB by default); default GOMAXPROCS.
	MaxHashing int
}

func (c SignInConfig) withDefaults() SignInConfig {
	if c.MaxFailures <= 0 {
		c.MaxFailures = 5
	}
	if c.LockOut <= 0 {
		c.LockOut = 15 * time.Minute
	}
	if c.AddrRate <= 0 {
		c.AddrRate = 5
	}
	if c.AddrBurst <= 0 {
		c.AddrBurst = 100
	}
	if c.NameRate <= 0 {
		c.NameRate = rate.Every(time.Minute)
	}
	if c.NameBurst <= 0 {
		c.NameBurst = 10
	}
	if c.MaxHashing <= 0 {
		c.MaxHashing = runtime.GOMAXPROCS(0)
	}
	return c
}

// maxLimiters bounds each in-memory limiter map; past it, limiters that
// are full again (idle long enough) are dropped.
const maxLimiters = 10000

// SignIn signs people in with a name and password, and changes passwords.
// The API's /api/v1/session routes and the console's sign-in page both
// call it.
//
// Lock-outs are kept in SQL (sign_in_failures), not in memory: they then
// survive a restart (restarting a node does not hand an attacker five
// more guesses) and hold on every node sharing the database (round-robin
// behind a load balancer does not multiply them). Rate limits are in
// memory, per node: they are flood control, cheap to check before any
// SQL, and losing them in a restart costs nothing.
type SignIn struct {
	users    *Users
	sessions *Sessions
	db       *sqldb.DB
	clock    func() time.Time
	log      *slog.Logger
	cfg      SignInConfig
	hashing  chan struct{}

	mu        sync.Mutex
	byAddr    map[string]*rate.Limiter
	byName    map[string]*rate.Limiter
	lastSweep time.Time

	// dummyHash is verified for unknown names so they take as long as
	// known ones.
	dummyHash string
}

// NewSignIn returns sign-in over users and sessions (the same database);
// log receives failures and lock-outs (never a password).
func NewSignIn(users *Users, sessions *Sessions, clock func() time.Time, log *slog.Logger, cfg SignInConfig) (*SignIn, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cfg = cfg.withDefaults()
	dummy, err := HashPassword("not a password of anyone", users.params)
	if err != nil {
		return nil, err
	}
	return &SignIn{users: users, sessions: sessions, db: users.db, clock: clock, log: log, cfg: cfg,
		hashing: make(chan struct{}, cfg.MaxHashing), byAddr: map[string]*rate.Limiter{}, byName: map[string]*rate.Limiter{},
		dummyHash: dummy}, nil
}

// Sessions returns the session store sign-in creates sessions in.
func (s *SignIn) Sessions() *Sessions { return s.sessions }

// limiter returns the limiter of key in m, made with r and b.
func (s *SignIn) limiter(m map[string]*rate.Limiter, key string, r rate.Limit, b int, now time.Time) *rate.Limiter {
	l, ok := m[key]
	if !ok {
		if len(m) >= maxLimiters {
			for k, v := range m {
				if v.TokensAt(now) >= float64(b) {
					delete(m, k)
				}
			}
		}
		l = rate.NewLimiter(r, b)
		m[key] = l
	}
	return l
}

// wait is how long until l has a token at now.
func wait(l *rate.Limiter, now time.Time) time.Duration {
	missing := 1 - l.TokensAt(now)
	if missing <= 0 {
		return 0
	}
	return time.Duration(missing / float64(l.Limit()) * float64(time.Second))
}

// failureKey bounds what is stored and logged of a typed name.
func failureKey(name string) string {
	if len(name) > 4*MaxUserNameLength {
		return name[:4*MaxUserNameLength]
	}
	return name
}

// SignIn checks name and password from addr and starts a session: it
// returns the user and the session cookie's value. A wrong name or
// password matches ErrBadCredentials; too many attempts are a *RetryError.
// Failures and lock-outs are logged with the name and address, never the
// password.
func (s *SignIn) SignIn(ctx context.Context, name, password, addr string) (User, string, error) {
	name = failureKey(strings.TrimSpace(name))
	now := s.clock()
	s.mu.Lock()
	addrLim := s.limiter(s.byAddr, addr, s.cfg.AddrRate, s.cfg.AddrBurst, now)
	nameLim := s.limiter(s.byName, name, s.cfg.NameRate, s.cfg.NameBurst, now)
	if !addrLim.AllowN(now, 1) {
		w := wait(addrLim, now)
		s.mu.Unlock()
		s.log.Warn("sign-in rate limited", "user", name, "addr", addr, "per", "address")
		return User{}, "", &RetryError{Err: ErrRateLimited, Wait: w}
	}
	if nameLim.TokensAt(now) < 1 {
		w := wait(nameLim, now)
		s.mu.Unlock()
		s.log.Warn("sign-in rate limited", "user", name, "addr", addr, "per", "name")
		return User{}, "", &RetryError{Err: ErrRateLimited, Wait: w}
	}
	s.mu.Unlock()

	until, err := s.lockedUntil(ctx, name, addr)
	if err != nil {
		return User{}, "", err
	}
	if now.Before(until) {
		s.log.Warn("sign-in refused: locked", "user", name, "addr", addr, "until", until)
		return User{}, "", &RetryError{Err: ErrLockedOut, Wait: until.Sub(now)}
	}

	u, hash, err := s.users.ByName(ctx, name)
	reason := ""
	switch {
	case errors.Is(err, ErrUserNotFound):
		reason, hash = "unknown user", s.dummyHash
	case err != nil:
		return User{}, "", err
	case hash == "":
		reason, hash = "no password set", s.dummyHash
	}
	ok, err := s.verify(ctx, password, hash)
	if err != nil {
		return User{}, "", err
	}
	switch {
	case reason != "":
	case !ok:
		reason = "wrong password"
	case u.Disabled:
		reason = "user disabled"
	}
	if reason != "" {
		if err := s.fail(ctx, name, addr, reason, now); err != nil {
			return User{}, "", err
		}
		return User{}, "", ErrBadCredentials
	}
	if _, err := s.db.ExecContext(ctx, `DELETE FROM sign_in_failures WHERE name = $1 AND addr = $2`, name, addr); err != nil {
		return User{}, "", fmt.Errorf("sign in: %w", err)
	}
	at := time.UnixMilli(now.UnixMilli()).UTC()
	if _, err := s.db.ExecContext(ctx, `UPDATE users SET last_sign_in_at = $1 WHERE id = $2`, at.UnixMilli(), u.ID); err != nil {
		return User{}, "", fmt.Errorf("sign in: %w", err)
	}
	u.LastSignInAt = &at
	token, _, err := s.sessions.Create(ctx, u.ID, addr)
	if err != nil {
		return User{}, "", err
	}
	s.log.Info("signed in", "user", u.Name, "addr", addr, "role", string(u.Role))
	return u, token, nil
}

// verify checks a password under the hashing semaphore.
func (s *SignIn) verify(ctx context.Context, password, hash string) (bool, error) {
	select {
	case s.hashing <- struct{}{}:
	case <-ctx.Done():
		return false, ctx.Err()
	}
	defer func() { <-s.hashing }()
	return VerifyPassword(password, hash)
}

func (s *SignIn) lockedUntil(ctx context.Context, name, addr string) (time.Time, error) {
	var until int64
	err := s.db.QueryRowContext(ctx, `SELECT locked_until FROM sign_in_failures WHERE name = $1 AND addr = $2`, name, addr).Scan(&until)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, fmt.Errorf("sign in: lock-out: %w", err)
	}
	return time.UnixMilli(until), nil
}

// fail counts a failed sign-in of (name, addr), locks the pair at
// MaxFailures, and spends one of the name's tokens.
func (s *SignIn) fail(ctx context.Context, name, addr, reason string, now time.Time) error {
	s.mu.Lock()
	s.limiter(s.byName, name, s.cfg.NameRate, s.cfg.NameBurst, now).AllowN(now, 1)
	sweep := now.Sub(s.lastSweep) >= time.Minute
	if sweep {
		s.lastSweep = now
	}
	s.mu.Unlock()
	ms := now.UnixMilli()
	var failures int
	err := s.db.QueryRowContext(ctx, `INSERT INTO sign_in_failures (name, addr, failures, last_at, locked_until)
		VALUES ($1, $2, 1, $3, 0)
		ON CONFLICT (name, addr) DO UPDATE SET
			failures = CASE WHEN sign_in_failures.last_at < $4 THEN 1 ELSE sign_in_failures.failures + 1 END,
			last_at = $3
		RETURNING failures`, name, addr, ms, now.Add(-s.cfg.LockOut).UnixMilli()).Scan(&failures)
	if err != nil {
		return fmt.Errorf("sign in: count failure: %w", err)
	}
	s.log.Warn("sign-in failed", "user", name, "addr", addr, "reason", reason, "failures", failures)
	if failures >= s.cfg.MaxFailures {
		until := now.Add(s.cfg.LockOut)
		if _, err := s.db.ExecContext(ctx, `UPDATE sign_in_failures SET locked_until = $1, failures = 0 WHERE name = $2 AND addr = $3`,
			until.UnixMilli(), name, addr); err != nil {
			return fmt.Errorf("sign in: lock: %w", err)
		}
		s.log.Warn("sign-in locked", "user", name, "addr", addr, "failures", failures, "until", until)
	}
	if sweep {
		_, _ = s.db.ExecContext(ctx, `DELETE FROM sign_in_failures WHERE last_at < $1 AND locked_until < $2`,
			now.Add(-s.cfg.LockOut).UnixMilli(), ms)
	}
	return nil
}

// Unlock lifts every lock-out of name (from every address) and forgets its
// failures; it returns how many (name, address) pairs were cleared.
func (s *SignIn) Unlock(ctx context.Context, name string) (int64, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM sign_in_failures WHERE name = $1`, name)
	if err != nil {
		return 0, fmt.Errorf("unlock %q: %w", name, err)
	}
	s.mu.Lock()
	delete(s.byName, name)
	s.mu.Unlock()
	n, _ := res.RowsAffected()
	return n, nil
}

// LockedOut returns the names locked out now from at least one address,
// each with the end of its latest lock-out. Names are as they were typed
// at sign-in (trimmed), so they match users' names exactly.
func (s *SignIn) LockedOut(ctx context.Context) (map[string]time.Time, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT name, MAX(locked_until) FROM sign_in_failures WHERE locked_until > $1 GROUP BY name`,
		s.clock().UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("locked out: %w", err)
	}
	defer rows.Close()
	out := map[string]time.Time{}
	for rows.Next() {
		var name string
		var until int64
		if err := rows.Scan(&name, &until); err != nil {
			return nil, fmt.Errorf("locked out: %w", err)
		}
		out[name] = time.UnixMilli(until).UTC()
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("locked out: %w", err)
	}
	return out, nil
}

// ChangePassword sets u's password to newPW after checking oldPW, and signs
// u out of every session but keepSession (the cookie value of the session
// asking; "" signs out all). Bad input is an *InvalidUserError naming
// old_password and new_password as needed.
func (s *SignIn) ChangePassword(ctx context.Context, u User, oldPW, newPW, keepSession string) error {
	var bad []FieldError
	if err := ValidatePassword(newPW); err != nil {
		bad = append(bad, FieldError{Field: "new_password", Reason: reasonOf(err)})
	} else if newPW == oldPW {
		bad = append(bad, FieldError{Field: "new_password", Reason: "must differ from the old password"})
	}
	now := s.clock()
	s.mu.Lock()
	nameLim := s.limiter(s.byName, u.Name, s.cfg.NameRate, s.cfg.NameBurst, now)
	limited := nameLim.TokensAt(now) < 1
	w := wait(nameLim, now)
	s.mu.Unlock()
	if limited {
		return &RetryError{Err: ErrRateLimited, Wait: w}
	}
	_, hash, err := s.users.Get(ctx, u.ID)
	if err != nil {
		return err
	}
	if hash == "" {
		return &InvalidUserError{Fields: append([]FieldError{{Field: "old_password", Reason: "this user has no password yet: an admin sets the first one"}}, bad...)}
	}
	ok, err := s.verify(ctx, oldPW, hash)
	if err != nil {
		return err
	}
	if !ok {
		s.mu.Lock()
		nameLim.AllowN(now, 1)
		s.mu.Unlock()
		s.log.Warn("password change refused: wrong old password", "user", u.Name)
		bad = append([]FieldError{{Field: "old_password", Reason: "wrong password"}}, bad...)
	}
	if bad != nil {
		return &InvalidUserError{Fields: bad}
	}
	if err := s.users.setPassword(ctx, u.ID, newPW); err != nil {
		return err
	}
	n, err := s.sessions.DeleteUser(ctx, u.ID, keepSession)
	if err != nil {
		return err
	}
	s.log.Info("password changed", "user", u.Name, "target", u.Name, "sessions_ended", n)
	return nil
}
