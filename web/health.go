package web

import (
	"fmt"
	"net/http"

	"github.com/alo-dialer/alo/input"
)

// Readiness is what /readyz answers: whether this node takes new work
// (places calls), and each check's finding.
type Readiness struct {
	Ready bool `json:"ready"`
	// Reason says, when not ready, what stops the node, in words.
	Reason string           `json:"reason,omitempty"`
	Checks []ReadinessCheck `json:"checks"`
}

// ReadinessCheck is one dependency's state.
type ReadinessCheck struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail,omitempty"`
}

// ReadinessSource reports the node's readiness (cmd/alo checks SQL,
// Redis, the audit trail, the data dir and whether it is draining).
type ReadinessSource interface {
	Readiness() Readiness
}

// healthRoutes registers the probes: /livez (the process serves HTTP),
// /readyz (it may take new calls; 503 with the reason when not) and
// /metrics.
func (s *Server) healthRoutes() {
	s.handle("GET /livez", public, s.livez)
	s.handle("GET /readyz", public, s.readyz)
	s.handle("GET /metrics", public, s.metrics)
}

// metrics serves the Prometheus exposition (no phone numbers nor contact
// ids in it, so it needs no credentials, like the probes).
func (s *Server) metrics(w http.ResponseWriter, r *http.Request, _ User) error {
	if s.cfg.Metrics == nil {
		return fmt.Errorf("metrics are not served by this node: %w", input.ErrNotFound)
	}
	s.cfg.Metrics.ServeHTTP(w, r)
	return nil
}

func (s *Server) livez(w http.ResponseWriter, _ *http.Request, _ User) error {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	return nil
}

func (s *Server) readyz(w http.ResponseWriter, _ *http.Request, _ User) error {
	rd := Readiness{Ready: true, Checks: []ReadinessCheck{}}
	if s.cfg.Ready != nil {
		rd = s.cfg.Ready.Readiness()
	}
	status := http.StatusOK
	if !rd.Ready {
		status = http.StatusServiceUnavailable
	}
	writeJSON(w, status, rd)
	return nil
}
