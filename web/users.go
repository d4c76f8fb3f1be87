package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/alo-dialer/alo/sqldb"
)

// Sentinel errors of the users store; callers test them with errors.Is.
var (
	ErrInvalid         = errors.New("invalid")
	ErrExists          = errors.New("already exists")
	ErrUnauthenticated = errors.New("unauthenticated")
	// ErrDisabled is a disabled user's token or session; it matches
	// ErrUnauthenticated too.
	ErrDisabled = fmt.Errorf("%w: user disabled", ErrUnauthenticated)
)

// Role is what a user may do; docs/roles.md is the matrix of roles and
// routes, enforced by the route table (roles.go).
type Role string

// The roles of docs/architecture.md's users.
const (
	RoleAdmin      Role = "admin"
	RoleMarketer   Role = "marketer"
	RoleAgent      Role = "agent"
	RoleSupervisor Role = "supervisor"
	RoleCompliance Role = "compliance"
)

// Roles lists every role.
var Roles = []Role{RoleAdmin, RoleMarketer, RoleAgent, RoleSupervisor, RoleCompliance}

// Valid reports whether r is one of the defined roles.
func (r Role) Valid() bool {
	for _, v := range Roles {
		if v == r {
			return true
		}
	}
	return false
}

// CanWrite reports whether r is one of the roles that set campaigns up
// (admin and marketer). What each role may do is the route table's.
func (r Role) CanWrite() bool { return r == RoleAdmin || r == RoleMarketer }

// User is a person or program that calls the API. A user of role agent is
// one agent (AgentID); a user with ClientIDs sees only those clients'
// campaigns (none: every client).
type User struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name"`
	Role        Role      `json:"role"`
	AgentID     int64     `json:"agent_id,omitempty"`
	ClientIDs   []int64   `json:"client_ids,omitempty"`
	Disabled    bool      `json:"disabled"`
	HasPassword bool      `json:"has_password"`
	Language    string    `json:"language,omitempty"`
	TimeZone    string    `json:"time_zone,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	// LastSignInAt is the user's last sign-in with a password; nil: never.
	LastSignInAt *time.Time `json:"last_sign_in_at,omitempty"`
}

// tokenPrefix marks alo's bearer tokens so they are recognisable in a
// leaked-secret scan and cheap to reject when malformed.
const tokenPrefix = "alo_"

// maxTokenLength bounds what Authenticate will hash; real tokens are 47 bytes.
const maxTokenLength = 256

// MaxUserNameLength bounds a user's name.
const MaxUserNameLength = 64

// Users stores API users and authenticates their bearer tokens. Only the
// SHA-256 of a token is stored: tokens are 256 random bits, so a fast hash
// is enough (no password stretching needed) and lookups stay one query.
// Passwords are stored as argon2id hashes (password.go, accounts.go).
type Users struct {
	db     *sqldb.DB
	clock  func() time.Time
	params PasswordParams
}

// NewUsers returns the store on db (migrated with Migrations under the
// owner "web"). clock stamps created_at. Passwords are hashed with
// DefaultPasswordParams unless WithPasswordParams says otherwise.
func NewUsers(db *sqldb.DB, clock func() time.Time) *Users {
	return &Users{db: db, clock: clock, params: DefaultPasswordParams}
}

// WithPasswordParams sets the argon2id costs of new password hashes (tests
// use cheap ones) and returns u.
func (u *Users) WithPasswordParams(p PasswordParams) *Users {
	u.params = p
	return u
}

// ValidateUserName checks a user's name: 1 to 64 letters, digits, '.',
// '_', '-' or '@', so it is safe in logs, audit trails and a shell.
func ValidateUserName(name string) error {
	if name == "" {
		return fmt.Errorf("user name: %w: must not be empty", ErrInvalid)
	}
	if utf8.RuneCountInString(name) > MaxUserNameLength {
		return fmt.Errorf("user name: %w: longer than %d characters", ErrInvalid, MaxUserNameLength)
	}
	for _, r := range name {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !strings.ContainsRune("._-@", r) {
			return fmt.Errorf("user name %q: %w: only letters, digits, '.', '_', '-' and '@' are allowed", name, ErrInvalid)
		}
	}
	return nil
}

// Add creates a user who signs in with a bearer token only and returns it
// with the token. The token is returned only here, once: the store keeps
// its hash. A user of role agent needs its agent: use Create.
func (u *Users) Add(ctx context.Context, name string, role Role) (User, string, error) {
	return u.Create(ctx, NewUser{Name: name, Role: role, Token: true})
}

// Authenticate returns the user a bearer token belongs to, or an error
// matching ErrUnauthenticated (also for a disabled user). The error never
// contains the token.
func (u *Users) Authenticate(ctx context.Context, token string) (User, error) {
	if !strings.HasPrefix(token, tokenPrefix) || len(token) > maxTokenLength {
		return User{}, ErrUnauthenticated
	}
	user, _, err := u.getWhere(ctx, `token_hash = $1`, hashToken(token))
	if errors.Is(err, errNoUser) {
		return User{}, ErrUnauthenticated
	}
	if err != nil {
		return User{}, fmt.Errorf("authenticate: %w", err)
	}
	if user.Disabled {
		return User{}, ErrDisabled
	}
	return user, nil
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
