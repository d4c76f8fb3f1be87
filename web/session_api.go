package web

import (
	"net"
	"net/http"
)

// sessionRoutes registers signing in and out. Signing in is public (and,
// like every POST, behind CrossOriginProtection, so another site cannot
// sign a browser in as someone else).
func (s *Server) sessionRoutes() {
	s.handle("POST /api/v1/session", public, s.signIn)
	s.handle("GET /api/v1/session", everyone, s.whoAmI)
	s.handle("DELETE /api/v1/session", everyone, s.signOut)
	s.handle("DELETE /api/v1/sessions", everyone, s.signOutEverywhere)
	s.handle("POST /api/v1/session/password", everyone, s.changePassword)
	s.handle("PATCH /api/v1/session/profile", everyone, s.changeProfile)
}

// signInRequest is the body of POST /api/v1/session. Lengths are bounded
// generously here; what a name or password may be is checked on creation.
type signInRequest struct {
	Name     string `json:"name" validate:"required,max=256"`
	Password string `json:"password" validate:"required,max=1024"`
}

// changePasswordRequest is the body of POST /api/v1/session/password.
type changePasswordRequest struct {
	OldPassword string `json:"old_password" validate:"required,max=1024"`
	NewPassword string `json:"new_password" validate:"required,max=1024"`
}

// profileRequest is the body of PATCH /api/v1/session/profile: what a
// person may change of their own profile. Absent fields stay; "" means
// the browser's language, or the node's zone.
type profileRequest struct {
	Language *string `json:"language"`
	TimeZone *string `json:"time_zone"`
}

// ClientAddr returns the address a request came from, as sign-in counts
// it: ServerConfig.ClientAddr's answer, or the host of RemoteAddr.
func (s *Server) ClientAddr(r *http.Request) string {
	if s.cfg.ClientAddr != nil {
		return s.cfg.ClientAddr(r)
	}
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}

func (s *Server) signInService() (*SignIn, error) {
	if s.cfg.SignIn == nil {
		return nil, errStatus(http.StatusServiceUnavailable, "signing in with a password is not configured on this node")
	}
	return s.cfg.SignIn, nil
}

// signIn checks a name and password and sets the session cookie; the body
// is the user.
func (s *Server) signIn(w http.ResponseWriter, r *http.Request, _ User) error {
	svc, err := s.signInService()
	if err != nil {
		return err
	}
	var req signInRequest
	if err := s.decodeValid(w, r, &req); err != nil {
		return err
	}
	u, token, err := svc.SignIn(r.Context(), req.Name, req.Password, s.ClientAddr(r))
	if err != nil {
		return err
	}
	http.SetCookie(w, svc.Sessions().Cookie(r, token))
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, u)
	return nil
}

// whoAmI returns the user the request is authenticated as.
func (s *Server) whoAmI(w http.ResponseWriter, _ *http.Request, u User) error {
	writeJSON(w, http.StatusOK, u)
	return nil
}

// signOut ends the session the request came with.
func (s *Server) signOut(w http.ResponseWriter, r *http.Request, u User) error {
	token := sessionFrom(r.Context())
	if token == "" || s.cfg.Sessions == nil {
		return errStatus(http.StatusBadRequest, "this request carries no session to sign out of (it was authenticated by a token)")
	}
	if err := s.cfg.Sessions.Delete(r.Context(), token); err != nil {
		return err
	}
	http.SetCookie(w, s.cfg.Sessions.ClearCookie(r))
	s.log.Info("signed out", "user", u.Name, "addr", s.ClientAddr(r))
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// signOutEverywhere ends every session of the user, this one included.
func (s *Server) signOutEverywhere(w http.ResponseWriter, r *http.Request, u User) error {
	if s.cfg.Sessions == nil {
		return errStatus(http.StatusServiceUnavailable, "sessions are not configured on this node")
	}
	n, err := s.cfg.Sessions.DeleteUser(r.Context(), u.ID, "")
	if err != nil {
		return err
	}
	if sessionFrom(r.Context()) != "" {
		http.SetCookie(w, s.cfg.Sessions.ClearCookie(r))
	}
	s.log.Info("signed out everywhere", "user", u.Name, "target", u.Name, "sessions_ended", n)
	writeJSON(w, http.StatusOK, map[string]int64{"sessions_ended": n})
	return nil
}

// changePassword sets the user's own password (the old one is needed) and
// signs out every other session; this one stays.
func (s *Server) changePassword(w http.ResponseWriter, r *http.Request, u User) error {
	svc, err := s.signInService()
	if err != nil {
		return err
	}
	var req changePasswordRequest
	if err := s.decodeValid(w, r, &req); err != nil {
		return err
	}
	if err := svc.ChangePassword(r.Context(), u, req.OldPassword, req.NewPassword, sessionFrom(r.Context())); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// changeProfile sets the user's own language and time zone (an admin sets
// everything else, with PATCH /api/v1/users/{id}).
func (s *Server) changeProfile(w http.ResponseWriter, r *http.Request, u User) error {
	users, err := s.usersStore()
	if err != nil {
		return err
	}
	var req profileRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	after, err := users.Update(r.Context(), u.ID, UserChange{Language: req.Language, TimeZone: req.TimeZone})
	if err != nil {
		return err
	}
	s.log.Info("profile changed", "user", u.Name, "target", u.Name, "language_before", u.Language, "language", after.Language,
		"time_zone_before", u.TimeZone, "time_zone", after.TimeZone)
	writeJSON(w, http.StatusOK, after)
	return nil
}
