package web

import "net/http"

// VersionInfo says which build answers: GET /api/v1/health reports it, as
// `alo version` prints it.
type VersionInfo struct {
	Version    string `json:"version"`
	Commit     string `json:"commit,omitempty"`
	CommitTime string `json:"commit_time,omitempty"`
	Modified   bool   `json:"modified,omitempty"`
	GoVersion  string `json:"go_version"`
}

// healthBody is GET /api/v1/health's answer.
type healthBody struct {
	Status string `json:"status"`
	VersionInfo
}

func (s *Server) health(w http.ResponseWriter, _ *http.Request, _ User) error {
	writeJSON(w, http.StatusOK, healthBody{Status: "ok", VersionInfo: s.cfg.Version})
	return nil
}
