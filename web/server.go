// Package web serves alo's JSON API under /api/v1: clients, campaigns and
// their contacts, agents, the do-not-call list; bearer-token users with
// coarse roles. Handlers depend on narrow interfaces (services.go) that the
// domain packages satisfy.
package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/go-playground/validator/v10"
)

// ServerConfig holds the API's dependencies.
type ServerConfig struct {
	Campaigns CampaignService
	Agents    AgentService
	DNC       DNCService
	Users     *Users
	// Trunks manages carrier trunks; nil answers those routes with 503.
	Trunks TrunkService
	// SIPAccounts sets agents' registrar credentials; nil answers that
	// route with 503.
	SIPAccounts SIPAccountService
	// Compliance serves rule sets, scoped DNC, consent and reports; nil
	// answers those routes with 503.
	Compliance ComplianceService
	// Idempotency remembers intake requests by Idempotency-Key; nil
	// answers requests carrying the header with 501.
	Idempotency *IdempotencyKeys
	// Dispositions serves disposition codes and records them on attempts;
	// nil answers those routes with 503. WrapUp ends an agent's wrap-up
	// when they dispose (may be nil).
	Dispositions DispositionService
	WrapUp       WrapUpEnder
	// Webhooks manages clients' result webhooks and their delivery log;
	// nil answers those routes with 503.
	Webhooks WebhookService
	// Imports runs large contact uploads as background jobs; nil answers
	// those with 503 (smaller CSV uploads are imported in the request).
	Imports ImportJobService
	// Prompts stores uploaded recorded messages; nil answers those routes
	// with 503.
	Prompts PromptService
	// Attempts and RecordingsDir serve recorded calls; either unset
	// answers that route with 503.
	Attempts      AttemptReader
	RecordingsDir string
	// Waker is told when a campaign starts or an agent turns ready; may be nil.
	Waker Waker
	Live  LiveConfig // GET /api/v1/events (events.go)
	Log   *slog.Logger
	// DefaultRegion reads DNC numbers written without a country code
	// (ISO 3166 alpha-2); empty means they must carry +country code.
	DefaultRegion string
}

// Server is the JSON API.
type Server struct {
	cfg      ServerConfig
	log      *slog.Logger
	validate *validator.Validate
	mux      *http.ServeMux
}

// NewServer returns the API with its routes registered.
func NewServer(cfg ServerConfig) *Server {
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{cfg: cfg, log: log, validate: newValidator(), mux: http.NewServeMux()}
	s.routes()
	return s
}

// access is who may call a route.
type access int

const (
	public access = iota // no token (health checks from load balancers)
	reader               // any authenticated user
	writer               // admin or marketer
)

// apiHandler handles one route for an authenticated user; a returned error
// becomes the JSON error response (response.go decides the status).
type apiHandler func(w http.ResponseWriter, r *http.Request, u User) error

func (s *Server) routes() {
	s.handle("GET /api/v1/health", public, s.health)

	s.handle("POST /api/v1/clients", writer, s.createClient)
	s.handle("GET /api/v1/clients", reader, s.listClients)

	s.handle("POST /api/v1/campaigns", writer, s.createCampaign)
	s.handle("GET /api/v1/campaigns", reader, s.listCampaigns)
	s.handle("GET /api/v1/campaigns/{id}", reader, s.getCampaign)
	s.handle("POST /api/v1/campaigns/{id}/start", writer, s.startCampaign)
	s.handle("POST /api/v1/campaigns/{id}/pause", writer, s.pauseCampaign)
	s.handle("POST /api/v1/campaigns/{id}/stop", writer, s.stopCampaign)
	s.handle("GET /api/v1/campaigns/{id}/contacts/{cid}/attempts", reader, s.listContactAttempts)
	s.handle("GET /api/v1/campaigns/{id}/stats", reader, s.campaignStats)
	s.handle("GET /api/v1/campaigns/{id}/attempts", reader, s.listAttempts)
	s.handle("GET /api/v1/campaigns/{id}/contacts", reader, s.listContacts)
	s.handle("POST /api/v1/campaigns/{id}/contacts", writer, s.addContacts)
	s.handle("GET /api/v1/campaigns/{id}/column-map", reader, s.getColumnMap)
	s.handle("PUT /api/v1/campaigns/{id}/column-map", writer, s.putColumnMap)
	s.handle("GET /api/v1/imports/{id}", reader, s.getImport)
	s.handle("GET /api/v1/campaigns/{id}/export", reader, s.exportCampaign)
	s.webhookRoutes()
	s.dispositionRoutes()
	s.promptRoutes()
	s.recordingRoutes()

	s.handle("POST /api/v1/agents", writer, s.createAgent)
	s.handle("GET /api/v1/agents", reader, s.listAgents)
	s.handle("GET /api/v1/agents/{id}", reader, s.getAgent)
	s.handle("POST /api/v1/agents/{id}/ready", writer, s.agentReady)
	s.handle("POST /api/v1/agents/{id}/pause", writer, s.agentPause)
	s.handle("POST /api/v1/agents/{id}/offline", writer, s.agentOffline)
	s.handle("PUT /api/v1/agents/{id}/sip-account", writer, s.setAgentSIPAccount)

	s.handle("POST /api/v1/trunks", writer, s.createTrunk)
	s.handle("GET /api/v1/trunks", reader, s.listTrunks)
	s.handle("GET /api/v1/trunks/{id}", reader, s.getTrunk)
	s.handle("PUT /api/v1/trunks/{id}", writer, s.updateTrunk)
	s.handle("DELETE /api/v1/trunks/{id}", writer, s.deleteTrunk)
	s.handle("GET /api/v1/campaigns/{id}/trunk-group", reader, s.getCampaignTrunkGroup)
	s.handle("PUT /api/v1/campaigns/{id}/trunk-group", writer, s.setCampaignTrunkGroup)

	s.handle("POST /api/v1/dnc", writer, s.addDNC)
	s.handle("GET /api/v1/dnc", reader, s.listDNC)
	s.handle("DELETE /api/v1/dnc/{number}", writer, s.removeDNC)

	s.complianceRoutes()
	s.eventRoutes()
}

// Handler returns the API as an http.Handler. Requests no route matches get
// a JSON 404 or 405 (with Allow), like every other error.
func (s *Server) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := s.mux.Handler(r); pattern == "" {
			s.mux.ServeHTTP(&jsonErrorWriter{ResponseWriter: w}, r)
			return
		}
		s.mux.ServeHTTP(w, r)
	})
}

// handle registers h behind authentication, the role check, error
// rendering, panic recovery and the access log.
func (s *Server) handle(pattern string, acc access, h apiHandler) {
	s.mux.Handle(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		var u User
		defer func() {
			if p := recover(); p != nil {
				s.log.Error("http handler panic", "route", pattern, "user", u.Name, "panic", fmt.Sprint(p))
				if sw.status == 0 {
					writeJSON(sw, http.StatusInternalServerError, errorBody{Error: "internal error"})
				}
			}
			// The route pattern, not the path: paths can carry phone numbers.
			s.log.Info("http", "route", pattern, "status", sw.status, "user", u.Name,
				"duration_ms", time.Since(start).Milliseconds())
		}()
		var err error
		if acc != public {
			u, err = s.authenticate(r.Context(), r)
			if err == nil && acc == writer && !u.Role.CanWrite() {
				err = errStatus(http.StatusForbidden, fmt.Sprintf("role %s may not change anything here: admin or marketer needed", u.Role))
			}
		}
		if err == nil {
			err = h(sw, r, u)
		}
		if err != nil {
			s.fail(sw, pattern, u, err)
		}
	}))
}

// authenticate reads "Authorization: Bearer <token>".
func (s *Server) authenticate(ctx context.Context, r *http.Request) (User, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return User{}, errStatus(http.StatusUnauthorized, "missing bearer token: send Authorization: Bearer <token>")
	}
	scheme, token, ok := strings.Cut(h, " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return User{}, errStatus(http.StatusUnauthorized, "Authorization must be Bearer <token>")
	}
	if s.cfg.Users == nil {
		return User{}, errStatus(http.StatusUnauthorized, "invalid token")
	}
	u, err := s.cfg.Users.Authenticate(ctx, token)
	if errors.Is(err, ErrUnauthenticated) {
		return User{}, errStatus(http.StatusUnauthorized, "invalid token")
	}
	if err != nil {
		return User{}, fmt.Errorf("authenticate: %w", err)
	}
	return u, nil
}

// fail renders err; a 5xx is logged with its cause, which the client
// never sees.
func (s *Server) fail(w http.ResponseWriter, route string, u User, err error) {
	status, body := statusOf(err)
	if status >= 500 {
		s.log.Error("http request failed", "route", route, "user", u.Name, "err", err)
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="alo"`)
	}
	writeJSON(w, status, body)
}

func (s *Server) health(w http.ResponseWriter, _ *http.Request, _ User) error {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	return nil
}

// statusWriter remembers the status for the access log.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// jsonErrorWriter turns the ServeMux's plain-text 404 and 405 into JSON.
type jsonErrorWriter struct {
	http.ResponseWriter
	wrote bool
}

func (w *jsonErrorWriter) WriteHeader(code int) {
	if w.wrote {
		return
	}
	w.wrote = true
	msg := strings.ToLower(http.StatusText(code))
	if allow := w.Header().Get("Allow"); code == http.StatusMethodNotAllowed && allow != "" {
		msg += "; allowed: " + allow
	}
	w.Header().Del("Content-Length")
	writeJSON(w.ResponseWriter, code, errorBody{Error: msg})
}

// Write drops the mux's text body; WriteHeader has sent the JSON one.
func (w *jsonErrorWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return len(b), nil
}
