package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/alo-dialer/alo/input"
)

// userRoutes registers the admin API for users. POST /users takes no
// Idempotency-Key: its answer may carry a token, which the idempotency
// store would keep in the clear; a repeated create is a 409 anyway.
func (s *Server) userRoutes() {
	admin := roles(RoleAdmin)
	s.handle("GET /api/v1/users", admin, s.listUsers)
	s.handle("POST /api/v1/users", admin, s.createUser)
	s.handle("GET /api/v1/users/{id}", admin, s.getUser)
	s.handle("PATCH /api/v1/users/{id}", admin, s.patchUser)
	s.handle("POST /api/v1/users/{id}/unlock", admin, s.unlockUser)
}

func (s *Server) usersStore() (*Users, error) {
	if s.cfg.Users == nil {
		return nil, errStatus(http.StatusServiceUnavailable, "users are not configured on this node")
	}
	return s.cfg.Users, nil
}

// createUserRequest is the body of POST /api/v1/users (a NewUser with
// JSON names). A person gets a password; a machine asks for a token (shown
// once, in the answer).
type createUserRequest struct {
	Name      string  `json:"name"`
	Role      Role    `json:"role"`
	Password  string  `json:"password"`
	AgentID   int64   `json:"agent_id"`
	ClientIDs []int64 `json:"client_ids"`
	Language  string  `json:"language"`
	TimeZone  string  `json:"time_zone"`
	Token     bool    `json:"token"`
}

// createdUser is the answer to POST /api/v1/users.
type createdUser struct {
	User
	Token string `json:"token,omitempty"`
}

// patchUserRequest is the body of PATCH /api/v1/users/{id} (a UserChange
// with JSON names): absent fields
// stay as they are; client_ids [] lifts the limit; password resets it (and
// signs the user out everywhere, as disabling does).
type patchUserRequest struct {
	Role      *Role    `json:"role"`
	Disabled  *bool    `json:"disabled"`
	Password  *string  `json:"password"`
	AgentID   *int64   `json:"agent_id"`
	ClientIDs *[]int64 `json:"client_ids"`
	Language  *string  `json:"language"`
	TimeZone  *string  `json:"time_zone"`
}

// adminUser is a user as the admin routes show them: with the end of the
// sign-in lock-out in force on their name, if any (POST .../unlock lifts it).
type adminUser struct {
	User
	LockedUntil *time.Time `json:"locked_until,omitempty"`
}

// lockedOut is SignIn.LockedOut, or none when signing in is not configured.
func (s *Server) lockedOut(ctx context.Context) (map[string]time.Time, error) {
	if s.cfg.SignIn == nil {
		return nil, nil
	}
	return s.cfg.SignIn.LockedOut(ctx)
}

func withLock(u User, locks map[string]time.Time) adminUser {
	a := adminUser{User: u}
	if until, ok := locks[u.Name]; ok {
		a.LockedUntil = &until
	}
	return a
}

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request, _ User) error {
	users, err := s.usersStore()
	if err != nil {
		return err
	}
	list, err := users.List(r.Context())
	if err != nil {
		return err
	}
	locks, err := s.lockedOut(r.Context())
	if err != nil {
		return err
	}
	out := make([]adminUser, len(list))
	for i, u := range list {
		out[i] = withLock(u, locks)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) getUser(w http.ResponseWriter, r *http.Request, _ User) error {
	users, err := s.usersStore()
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	u, _, err := users.Get(r.Context(), id)
	if err != nil {
		return err
	}
	locks, err := s.lockedOut(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, withLock(u, locks))
	return nil
}

// checkRefs names the agent and clients a user would point at that do not
// exist (they live in other packages' tables, so SQL cannot check them).
func (s *Server) checkRefs(ctx context.Context, agentID int64, clientIDs []int64) ([]FieldError, error) {
	var bad []FieldError
	if agentID > 0 && s.cfg.Agents != nil {
		_, err := s.cfg.Agents.GetAgent(ctx, agentID)
		if errors.Is(err, input.ErrNotFound) {
			bad = append(bad, FieldError{Field: "agent_id", Reason: fmt.Sprintf("no agent with id %d", agentID)})
		} else if err != nil {
			return nil, err
		}
	}
	if len(clientIDs) > 0 && s.cfg.Campaigns != nil {
		cs, err := s.cfg.Campaigns.ListClients(ctx)
		if err != nil {
			return nil, err
		}
		known := map[int64]bool{}
		for _, c := range cs {
			known[c.ID] = true
		}
		for i, id := range clientIDs {
			if id > 0 && !known[id] {
				bad = append(bad, FieldError{Field: fmt.Sprintf("client_ids[%d]", i), Reason: fmt.Sprintf("no client with id %d", id)})
			}
		}
	}
	return bad, nil
}

// createUser adds a user; every wrong field is named at once.
func (s *Server) createUser(w http.ResponseWriter, r *http.Request, by User) error {
	users, err := s.usersStore()
	if err != nil {
		return err
	}
	var req createUserRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	bad := checkUser(req.Name, req.Role, req.Password, req.AgentID, req.ClientIDs, req.Language, req.TimeZone)
	if req.Password == "" && !req.Token {
		bad = append(bad, FieldError{Field: "password", Reason: "required, unless token is true (a machine that calls with a bearer token)"})
	}
	refs, err := s.checkRefs(r.Context(), req.AgentID, req.ClientIDs)
	if err != nil {
		return err
	}
	if bad = append(bad, refs...); bad != nil {
		return errFields(bad...)
	}
	u, token, err := users.Create(r.Context(), NewUser(req))
	if err != nil {
		return err
	}
	s.log.Info("user created", "user", by.Name, "target", u.Name, "role", string(u.Role), "agent", u.AgentID,
		"clients", u.ClientIDs, "password", u.HasPassword, "token", token != "")
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusCreated, createdUser{User: u, Token: token})
	return nil
}

// patchUser changes a user's role, agent, clients, language, zone,
// password or disabled flag. An admin may not demote or disable
// themselves: another admin must (so there is always one left who can).
func (s *Server) patchUser(w http.ResponseWriter, r *http.Request, by User) error {
	users, err := s.usersStore()
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var req patchUserRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	before, _, err := users.Get(r.Context(), id)
	if err != nil {
		return err
	}
	var bad []FieldError
	if id == by.ID && req.Role != nil && *req.Role != RoleAdmin {
		bad = append(bad, FieldError{Field: "role", Reason: "you may not demote yourself: another admin can"})
	}
	if id == by.ID && req.Disabled != nil && *req.Disabled {
		bad = append(bad, FieldError{Field: "disabled", Reason: "you may not disable yourself: another admin can"})
	}
	var agentID int64
	if req.AgentID != nil {
		agentID = *req.AgentID
	}
	var clients []int64
	if req.ClientIDs != nil {
		clients = *req.ClientIDs
	}
	refs, err := s.checkRefs(r.Context(), agentID, clients)
	if err != nil {
		return err
	}
	if bad = append(bad, refs...); bad != nil {
		return errFields(bad...)
	}
	after, err := users.Update(r.Context(), id, UserChange(req))
	if err != nil {
		return err
	}
	attrs := []any{"user", by.Name, "target", after.Name}
	if before.Role != after.Role {
		attrs = append(attrs, "role_before", string(before.Role), "role", string(after.Role))
	}
	if before.Disabled != after.Disabled {
		attrs = append(attrs, "disabled", after.Disabled)
	}
	if before.AgentID != after.AgentID {
		attrs = append(attrs, "agent_before", before.AgentID, "agent", after.AgentID)
	}
	if !slices.Equal(before.ClientIDs, after.ClientIDs) {
		attrs = append(attrs, "clients_before", before.ClientIDs, "clients", after.ClientIDs)
	}
	if req.Password != nil {
		attrs = append(attrs, "password_reset", true)
	}
	if before.Language != after.Language {
		attrs = append(attrs, "language", after.Language)
	}
	if before.TimeZone != after.TimeZone {
		attrs = append(attrs, "time_zone", after.TimeZone)
	}
	s.log.Info("user changed", attrs...)
	writeJSON(w, http.StatusOK, after)
	return nil
}

// unlockUser lifts the user's sign-in lock-outs from every address.
func (s *Server) unlockUser(w http.ResponseWriter, r *http.Request, by User) error {
	users, err := s.usersStore()
	if err != nil {
		return err
	}
	svc, err := s.signInService()
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	target, _, err := users.Get(r.Context(), id)
	if err != nil {
		return err
	}
	n, err := svc.Unlock(r.Context(), target.Name)
	if err != nil {
		return err
	}
	s.log.Info("user unlocked", "user", by.Name, "target", target.Name, "addresses", n)
	writeJSON(w, http.StatusOK, map[string]int64{"addresses_unlocked": n})
	return nil
}
