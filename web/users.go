package web

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
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
)

// Role is what a user may do. Roles are coarse for now: admin and marketer
// may change anything through the API, the others may only read.
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

// CanWrite reports whether r may change state through the API.
func (r Role) CanWrite() bool { return r == RoleAdmin || r == RoleMarketer }

// User is a person or program that calls the API.
type User struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Role      Role      `json:"role"`
	CreatedAt time.Time `json:"created_at"`
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
type Users struct {
	db    *sqldb.DB
	clock func() time.Time
}

// NewUsers returns the store on db (migrated with Migrations under the
// owner "web"). clock stamps created_at.
func NewUsers(db *sqldb.DB, clock func() time.Time) *Users {
	return &Users{db: db, clock: clock}
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

// Add creates a user and returns it with its bearer token. The token is
// returned only here, once: the store keeps its hash.
func (u *Users) Add(ctx context.Context, name string, role Role) (User, string, error) {
	name = strings.TrimSpace(name)
	if err := ValidateUserName(name); err != nil {
		return User{}, "", err
	}
	if !role.Valid() {
		return User{}, "", fmt.Errorf("role %q: %w: want one of admin, marketer, agent, supervisor, compliance", role, ErrInvalid)
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return User{}, "", fmt.Errorf("add user: token: %w", err)
	}
	token := tokenPrefix + base64.RawURLEncoding.EncodeToString(raw)
	now := time.UnixMilli(u.clock().UnixMilli()).UTC()
	user := User{Name: name, Role: role, CreatedAt: now}
	err := u.db.QueryRowContext(ctx,
		`INSERT INTO users (name, role, token_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING id`,
		name, string(role), hashToken(token), now.UnixMilli()).Scan(&user.ID)
	if sqldb.IsUniqueViolation(err) {
		return User{}, "", fmt.Errorf("user %q: %w", name, ErrExists)
	}
	if err != nil {
		return User{}, "", fmt.Errorf("add user %q: %w", name, err)
	}
	return user, token, nil
}

// Authenticate returns the user a bearer token belongs to, or an error
// matching ErrUnauthenticated. The error never contains the token.
func (u *Users) Authenticate(ctx context.Context, token string) (User, error) {
	if !strings.HasPrefix(token, tokenPrefix) || len(token) > maxTokenLength {
		return User{}, ErrUnauthenticated
	}
	var user User
	var role string
	var created int64
	err := u.db.QueryRowContext(ctx,
		`SELECT id, name, role, created_at FROM users WHERE token_hash = $1`, hashToken(token)).
		Scan(&user.ID, &user.Name, &role, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, ErrUnauthenticated
	}
	if err != nil {
		return User{}, fmt.Errorf("authenticate: %w", err)
	}
	user.Role = Role(role)
	user.CreatedAt = time.UnixMilli(created).UTC()
	return user, nil
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
