package web

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/alo-dialer/alo/campaigns"
	"github.com/alo-dialer/alo/sqldb"
)

// maxUserClients bounds the clients one user may be limited to.
const maxUserClients = 1000

// errNoUser is getWhere's "no such row"; callers turn it into their own.
var errNoUser = errors.New("no such user")

// ErrUserNotFound is returned for a user id or name that is not stored.
var ErrUserNotFound = errors.New("not found")

// NewUser is a user to create. A user of role agent is one agent: AgentID
// is required for that role and refused for the others.
type NewUser struct {
	Name string
	Role Role
	// Password signs the user in from a browser; empty: none (a machine
	// with a token).
	Password  string
	AgentID   int64
	ClientIDs []int64
	Language  string
	TimeZone  string
	// Token asks Create to return a bearer token, shown once. A user
	// without one still gets a token hash, of a secret nobody is shown, so
	// the column stays unique and no token signs them in.
	Token bool
}

// UserChange is a partial update of a user: nil fields stay as they are.
// An empty ClientIDs list (not nil) lifts the limit.
type UserChange struct {
	Role      *Role
	Disabled  *bool
	Password  *string
	AgentID   *int64
	ClientIDs *[]int64
	Language  *string
	TimeZone  *string
}

// InvalidUserError lists every field of a user that did not validate. It
// matches ErrInvalid.
type InvalidUserError struct {
	Fields []FieldError
}

func (e *InvalidUserError) Error() string {
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Field + ": " + f.Reason
	}
	return "user: " + ErrInvalid.Error() + ": " + strings.Join(parts, "; ")
}

// Unwrap makes errors.Is(err, ErrInvalid) true.
func (e *InvalidUserError) Unwrap() error { return ErrInvalid }

// reasonOf returns the part of a validation error after "invalid: ".
func reasonOf(err error) string {
	msg := err.Error()
	if _, after, ok := strings.Cut(msg, ErrInvalid.Error()+": "); ok {
		return after
	}
	return msg
}

// checkUser names every field of a user that is wrong. password is
// checked only when non-empty (an unchanged or absent password).
func checkUser(name string, role Role, password string, agentID int64, clientIDs []int64, lang, tz string) []FieldError {
	var bad []FieldError
	if err := ValidateUserName(name); err != nil {
		bad = append(bad, FieldError{Field: "name", Reason: reasonOf(err)})
	}
	if !role.Valid() {
		bad = append(bad, FieldError{Field: "role", Reason: fmt.Sprintf("role %q: want one of admin, marketer, agent, supervisor, compliance", role)})
	}
	switch {
	case role == RoleAgent && agentID <= 0:
		bad = append(bad, FieldError{Field: "agent_id", Reason: "required for role agent: the agent this user is"})
	case role != RoleAgent && role.Valid() && agentID != 0:
		bad = append(bad, FieldError{Field: "agent_id", Reason: "only a user of role agent is an agent"})
	}
	if len(clientIDs) > maxUserClients {
		bad = append(bad, FieldError{Field: "client_ids", Reason: fmt.Sprintf("at most %d clients", maxUserClients)})
	}
	for i, id := range clientIDs {
		if id <= 0 {
			bad = append(bad, FieldError{Field: fmt.Sprintf("client_ids[%d]", i), Reason: "must be a client id (greater than 0)"})
		}
	}
	if password != "" {
		if err := ValidatePassword(password); err != nil {
			bad = append(bad, FieldError{Field: "password", Reason: reasonOf(err)})
		}
	}
	if !validLanguage(lang) {
		bad = append(bad, FieldError{Field: "language", Reason: "must be a language tag such as en, ru or uz-Cyrl"})
	}
	if _, reason := campaigns.CheckTimeZone(tz); reason != "" {
		bad = append(bad, FieldError{Field: "time_zone", Reason: reason})
	}
	return bad
}

// validLanguage accepts "" or a BCP 47-shaped tag: 2 or 3 letters, then
// subtags of 1 to 8 letters or digits.
func validLanguage(tag string) bool {
	if tag == "" {
		return true
	}
	if len(tag) > 35 {
		return false
	}
	for i, sub := range strings.Split(tag, "-") {
		if i == 0 && (len(sub) < 2 || len(sub) > 3) || len(sub) < 1 || len(sub) > 8 {
			return false
		}
		for _, c := range sub {
			letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
			if !letter && (i == 0 || c < '0' || c > '9') {
				return false
			}
		}
	}
	return true
}

// normClients sorts and de-duplicates client ids; nil for none.
func normClients(ids []int64) []int64 {
	if len(ids) == 0 {
		return nil
	}
	out := slices.Clone(ids)
	slices.Sort(out)
	return slices.Compact(out)
}

// Create stores a new user. With nu.Token it also returns the user's bearer
// token, once. A bad field is an *InvalidUserError naming every one; a
// taken name matches ErrExists.
func (u *Users) Create(ctx context.Context, nu NewUser) (User, string, error) {
	nu.Name = strings.TrimSpace(nu.Name)
	if bad := checkUser(nu.Name, nu.Role, nu.Password, nu.AgentID, nu.ClientIDs, nu.Language, nu.TimeZone); bad != nil {
		return User{}, "", &InvalidUserError{Fields: bad}
	}
	hash := ""
	if nu.Password != "" {
		var err error
		if hash, err = HashPassword(nu.Password, u.params); err != nil {
			return User{}, "", err
		}
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return User{}, "", fmt.Errorf("add user: token: %w", err)
	}
	token := tokenPrefix + base64.RawURLEncoding.EncodeToString(raw)
	now := time.UnixMilli(u.clock().UnixMilli()).UTC()
	user := User{Name: nu.Name, Role: nu.Role, AgentID: nu.AgentID, ClientIDs: normClients(nu.ClientIDs),
		HasPassword: hash != "", Language: nu.Language, TimeZone: strings.TrimSpace(nu.TimeZone), CreatedAt: now}
	err := inTx(ctx, u.db, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx,
			`INSERT INTO users (name, role, token_hash, created_at, password_hash, agent_id, language, time_zone)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
			user.Name, string(user.Role), hashToken(token), now.UnixMilli(), hash, nullID(user.AgentID),
			user.Language, user.TimeZone).Scan(&user.ID)
		if err != nil {
			return err
		}
		return setClients(ctx, tx, user.ID, user.ClientIDs)
	})
	if err != nil {
		return User{}, "", u.writeError(user, err)
	}
	if !nu.Token {
		token = ""
	}
	return user, token, nil
}

// writeError turns a unique violation into ErrExists (the name) or a field
// error (the agent, which another user already is). Which constraint it was
// is asked of the table, not read from the driver's message.
func (u *Users) writeError(user User, err error) error {
	if sqldb.IsUniqueViolation(err) {
		if user.AgentID != 0 && u.agentTaken(user) {
			return &InvalidUserError{Fields: []FieldError{{Field: "agent_id",
				Reason: fmt.Sprintf("agent %d is already another user", user.AgentID)}}}
		}
		return fmt.Errorf("user %q: %w", user.Name, ErrExists)
	}
	return fmt.Errorf("user %q: %w", user.Name, err)
}

// agentTaken reports whether another user than user is user.AgentID's.
func (u *Users) agentTaken(user User) bool {
	var n int
	err := u.db.QueryRowContext(context.Background(),
		`SELECT COUNT(*) FROM users WHERE agent_id = $1 AND id <> $2`, user.AgentID, user.ID).Scan(&n)
	return err == nil && n > 0
}

// Update applies ch to user id and returns the user as it now is. Setting a
// password or disabling the user signs them out everywhere.
func (u *Users) Update(ctx context.Context, id int64, ch UserChange) (User, error) {
	cur, _, err := u.Get(ctx, id)
	if err != nil {
		return User{}, err
	}
	next := cur
	if ch.Role != nil {
		next.Role = *ch.Role
		if next.Role != RoleAgent && ch.AgentID == nil {
			next.AgentID = 0 // no longer an agent
		}
	}
	if ch.Disabled != nil {
		next.Disabled = *ch.Disabled
	}
	if ch.AgentID != nil {
		next.AgentID = *ch.AgentID
	}
	if ch.ClientIDs != nil {
		next.ClientIDs = normClients(*ch.ClientIDs)
	}
	if ch.Language != nil {
		next.Language = *ch.Language
	}
	if ch.TimeZone != nil {
		next.TimeZone = strings.TrimSpace(*ch.TimeZone)
	}
	pw := ""
	if ch.Password != nil {
		pw = *ch.Password
		if pw == "" {
			return User{}, &InvalidUserError{Fields: []FieldError{{Field: "password", Reason: fmt.Sprintf("at least %d characters", MinPasswordLength)}}}
		}
	}
	var clients []int64
	if ch.ClientIDs != nil {
		clients = *ch.ClientIDs
	}
	if bad := checkUser(next.Name, next.Role, pw, next.AgentID, clients, next.Language, next.TimeZone); bad != nil {
		return User{}, &InvalidUserError{Fields: bad}
	}
	hash := ""
	if pw != "" {
		if hash, err = HashPassword(pw, u.params); err != nil {
			return User{}, err
		}
		next.HasPassword = true
	}
	err = inTx(ctx, u.db, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE users SET role = $1, disabled = $2, agent_id = $3, language = $4, time_zone = $5
			WHERE id = $6`, string(next.Role), boolInt(next.Disabled), nullID(next.AgentID), next.Language, next.TimeZone, id); err != nil {
			return err
		}
		if hash != "" {
			if _, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = $1 WHERE id = $2`, hash, id); err != nil {
				return err
			}
		}
		if ch.ClientIDs != nil {
			if err := setClients(ctx, tx, id, next.ClientIDs); err != nil {
				return err
			}
		}
		if hash != "" || next.Disabled && !cur.Disabled {
			if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return User{}, u.writeError(next, err)
	}
	return next, nil
}

// setPassword replaces a user's password hash (the caller checked the old
// password and signs other sessions out).
func (u *Users) setPassword(ctx context.Context, id int64, pw string) error {
	hash, err := HashPassword(pw, u.params)
	if err != nil {
		return err
	}
	if _, err := u.db.ExecContext(ctx, `UPDATE users SET password_hash = $1 WHERE id = $2`, hash, id); err != nil {
		return fmt.Errorf("set password of user %d: %w", id, err)
	}
	return nil
}

// Get returns user id and their password hash ("" for none); an unknown
// id matches ErrUserNotFound.
func (u *Users) Get(ctx context.Context, id int64) (User, string, error) {
	user, hash, err := u.getWhere(ctx, `id = $1`, id)
	if errors.Is(err, errNoUser) {
		return User{}, "", fmt.Errorf("user %d: %w", id, ErrUserNotFound)
	}
	return user, hash, err
}

// ByName returns the user called name and their password hash; an unknown
// name matches ErrUserNotFound.
func (u *Users) ByName(ctx context.Context, name string) (User, string, error) {
	user, hash, err := u.getWhere(ctx, `name = $1`, name)
	if errors.Is(err, errNoUser) {
		return User{}, "", fmt.Errorf("user %q: %w", name, ErrUserNotFound)
	}
	return user, hash, err
}

// List returns every user by id, without password hashes.
func (u *Users) List(ctx context.Context) ([]User, error) {
	rows, err := u.db.QueryContext(ctx, `SELECT `+userColumns+` FROM users ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	var out []User
	for rows.Next() {
		user, _, err := scanUser(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("list users: %w", err)
		}
		out = append(out, user)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	clients, err := u.db.QueryContext(ctx, `SELECT user_id, client_id FROM user_clients ORDER BY user_id, client_id`)
	if err != nil {
		return nil, fmt.Errorf("list users' clients: %w", err)
	}
	defer clients.Close()
	byUser := map[int64][]int64{}
	for clients.Next() {
		var uid, cid int64
		if err := clients.Scan(&uid, &cid); err != nil {
			return nil, fmt.Errorf("list users' clients: %w", err)
		}
		byUser[uid] = append(byUser[uid], cid)
	}
	if err := clients.Err(); err != nil {
		return nil, fmt.Errorf("list users' clients: %w", err)
	}
	for i := range out {
		out[i].ClientIDs = byUser[out[i].ID]
	}
	return out, nil
}

const userColumns = `id, name, role, created_at, password_hash, agent_id, disabled, language, time_zone, last_sign_in_at`

type rowScanner interface{ Scan(dest ...any) error }

func scanUser(row rowScanner) (User, string, error) {
	var user User
	var role, hash string
	var created, disabled, signedIn int64
	var agent sql.NullInt64
	if err := row.Scan(&user.ID, &user.Name, &role, &created, &hash, &agent, &disabled, &user.Language, &user.TimeZone, &signedIn); err != nil {
		return User{}, "", err
	}
	if signedIn > 0 {
		at := time.UnixMilli(signedIn).UTC()
		user.LastSignInAt = &at
	}
	user.Role = Role(role)
	user.CreatedAt = time.UnixMilli(created).UTC()
	user.AgentID = agent.Int64
	user.Disabled = disabled != 0
	user.HasPassword = hash != ""
	return user, hash, nil
}

// getWhere reads one user (with their clients) by a condition on users.
func (u *Users) getWhere(ctx context.Context, cond string, arg any) (User, string, error) {
	user, hash, err := scanUser(u.db.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE `+cond, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, "", errNoUser
	}
	if err != nil {
		return User{}, "", err
	}
	rows, err := u.db.QueryContext(ctx, `SELECT client_id FROM user_clients WHERE user_id = $1 ORDER BY client_id`, user.ID)
	if err != nil {
		return User{}, "", fmt.Errorf("clients of user %d: %w", user.ID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return User{}, "", fmt.Errorf("clients of user %d: %w", user.ID, err)
		}
		user.ClientIDs = append(user.ClientIDs, id)
	}
	if err := rows.Err(); err != nil {
		return User{}, "", fmt.Errorf("clients of user %d: %w", user.ID, err)
	}
	return user, hash, nil
}

func setClients(ctx context.Context, tx *sql.Tx, userID int64, ids []int64) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM user_clients WHERE user_id = $1`, userID); err != nil {
		return err
	}
	for _, id := range ids {
		if _, err := tx.ExecContext(ctx, `INSERT INTO user_clients (user_id, client_id) VALUES ($1, $2)`, userID, id); err != nil {
			return err
		}
	}
	return nil
}

// nullID stores 0 as NULL (no agent), which the unique index allows any
// number of.
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// inTx runs fn in a transaction, committed when fn returns nil.
func inTx(ctx context.Context, db *sqldb.DB, fn func(tx *sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}
