// Package web serves alo's JSON API under /api/v1: clients, campaigns and
// their contacts, agents, the do-not-call list; users who sign in with a
// password (a session cookie) or call with a bearer token, each with one of
// five roles that the route table (roles.go, docs/roles.md) checks.
// Handlers depend on narrow interfaces (services.go) that the domain
// packages satisfy.
package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-playground/validator/v10"
)

// ServerConfig holds the API's dependencies.
type ServerConfig struct {
	Campaigns CampaignService
	Agents    AgentService
	// Offers takes agents' Call and Skip on preview offers; nil answers
	// those routes with 503.
	Offers OfferDecider
	DNC    DNCService
	Users  *Users
	// Sessions authenticates browsers by their session cookie and SignIn
	// signs people in (the /api/v1/session routes); nil Sessions accepts
	// bearer tokens only, nil SignIn answers sign-in with 503.
	Sessions *Sessions
	SignIn   *SignIn
	// TrustedOrigins are origins besides the server's own whose browsers
	// may send state-changing requests ("https://crm.bank.example").
	TrustedOrigins []string
	// ClientAddr says which address a request came from, for sign-in rate
	// limits and lock-outs; nil: the host of RemoteAddr. Behind a proxy,
	// read its forwarding header here (only if the proxy sets it).
	ClientAddr func(*http.Request) string
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
	// Disposals hears every disposition recorded (the agent's console
	// drops the call from the screen); may be nil.
	Disposals DisposalListener
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
	// Teams and PauseReasons keep teams of agents and the reasons agents
	// pause with (*agent.Registry both); nil answers those routes with 503.
	Teams        TeamService
	PauseReasons PauseReasonService
	// Clock tells the day for "today" (an agent's callbacks); nil is the
	// wall clock.
	Clock func() time.Time
	// Calls hangs up, mutes and holds agents' calls (*dialer.Engine); nil
	// answers those routes with 503.
	Calls CallControlService
	// Waker is told when a campaign starts or an agent turns ready; may be nil.
	Waker Waker
	Live  LiveConfig // GET /api/v1/events (events.go)
	// Ready answers /readyz; nil means always ready. Metrics, when set,
	// serves /metrics (health.go).
	Ready   ReadinessSource
	Metrics http.Handler
	Log     *slog.Logger
	// Erasure erases contacts (a customer's right); nil answers that
	// route with 503.
	Erasure *Erasure
	// Version is the build GET /api/v1/health reports.
	Version VersionInfo
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
	cop      *http.CrossOriginProtection
	// table is every route and its rule, in registration order.
	table []routeRule
}

// routeRule is one registered route.
type routeRule struct {
	pattern string
	rule    rule
}

// NewServer returns the API with its routes registered.
func NewServer(cfg ServerConfig) *Server {
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{cfg: cfg, log: log, validate: newValidator(), mux: http.NewServeMux(), cop: http.NewCrossOriginProtection()}
	for _, o := range cfg.TrustedOrigins {
		if err := s.cop.AddTrustedOrigin(o); err != nil {
			log.Error("trusted origin ignored", "origin", o, "err", err)
		}
	}
	s.cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.log.Warn("cross-origin request refused", "method", r.Method, "origin", r.Header.Get("Origin"),
			"sec_fetch_site", r.Header.Get("Sec-Fetch-Site"))
		writeJSON(w, http.StatusForbidden, errorBody{Error: "cross-origin request refused: a page of another site may not change anything here"})
	}))
	s.routes()
	return s
}

// clock is the configured clock, else the wall clock.
func (s *Server) clock() time.Time {
	if s.cfg.Clock != nil {
		return s.cfg.Clock()
	}
	return time.Now()
}

// apiHandler handles one route for an authenticated user; a returned error
// becomes the JSON error response (response.go decides the status).
type apiHandler func(w http.ResponseWriter, r *http.Request, u User) error

func (s *Server) routes() {
	s.handle("GET /api/v1/health", public, s.health)
	s.healthRoutes()
	s.handle("GET /api/v1/openapi.json", public, s.openAPI)
	s.sessionRoutes()
	s.userRoutes()

	s.handle("POST /api/v1/clients", roles(RoleAdmin, RoleMarketer).and(unlimited), s.createClient)
	s.handle("GET /api/v1/clients", staff, s.listClients)

	s.handle("POST /api/v1/campaigns", roles(RoleAdmin, RoleMarketer), s.createCampaign)
	s.handle("GET /api/v1/campaigns", everyone, s.listCampaigns)
	s.handle("GET /api/v1/campaigns/{id}", everyone.and(campaignIn("id")), s.getCampaign)
	s.handle("POST /api/v1/campaigns/{id}/start", roles(RoleAdmin, RoleMarketer).and(campaignIn("id")), s.startCampaign)
	s.handle("POST /api/v1/campaigns/{id}/pause", roles(RoleAdmin, RoleMarketer).and(campaignIn("id")), s.pauseCampaign)
	s.handle("POST /api/v1/campaigns/{id}/stop", roles(RoleAdmin, RoleMarketer).and(campaignIn("id")), s.stopCampaign)
	s.handle("PUT /api/v1/campaigns/{id}/script", roles(RoleAdmin, RoleMarketer).and(campaignIn("id")), s.setScript)
	s.handle("GET /api/v1/campaigns/{id}/contacts/{cid}/attempts", staff.and(campaignIn("id")), s.listContactAttempts)
	s.handle("GET /api/v1/campaigns/{id}/stats", staff.and(campaignIn("id")), s.campaignStats)
	s.handle("GET /api/v1/campaigns/{id}/attempts", staff.and(campaignIn("id")), s.listAttempts)
	s.handle("GET /api/v1/campaigns/{id}/contacts", staff.and(campaignIn("id")), s.listContacts)
	s.handle("POST /api/v1/campaigns/{id}/contacts", roles(RoleAdmin, RoleMarketer).and(campaignIn("id")), s.addContacts)
	s.handle("GET /api/v1/campaigns/{id}/column-map", roles(RoleAdmin, RoleMarketer).and(campaignIn("id")), s.getColumnMap)
	s.handle("PUT /api/v1/campaigns/{id}/column-map", roles(RoleAdmin, RoleMarketer).and(campaignIn("id")), s.putColumnMap)
	s.handle("GET /api/v1/imports/{id}", roles(RoleAdmin, RoleMarketer).and(importIn("id")), s.getImport)
	s.handle("GET /api/v1/campaigns/{id}/export", staff.and(campaignIn("id")), s.exportCampaign)
	s.handle("POST /api/v1/campaigns/{id}/contacts/{cid}/erase", roles(RoleAdmin, RoleCompliance).and(campaignIn("id")), s.eraseContact)
	s.webhookRoutes()
	s.dispositionRoutes()
	s.promptRoutes()
	s.recordingRoutes()

	s.handle("POST /api/v1/agents", roles(RoleAdmin, RoleMarketer), s.createAgent)
	s.handle("GET /api/v1/agents", roles(RoleAdmin, RoleMarketer, RoleSupervisor), s.listAgents)
	s.handle("GET /api/v1/agents/{id}", roles(RoleAdmin, RoleMarketer, RoleSupervisor, RoleAgent).and(ownAgent("id")), s.getAgent)
	s.handle("POST /api/v1/agents/{id}/ready", roles(RoleAdmin, RoleSupervisor, RoleAgent).and(ownAgent("id")), s.agentReady)
	s.handle("POST /api/v1/agents/{id}/pause", roles(RoleAdmin, RoleSupervisor, RoleAgent).and(ownAgent("id")), s.agentPause)
	s.handle("POST /api/v1/agents/{id}/offline", roles(RoleAdmin, RoleSupervisor, RoleAgent).and(ownAgent("id")), s.agentOffline)
	s.handle("PUT /api/v1/agents/{id}/pause-after-call", roles(RoleAdmin, RoleSupervisor, RoleAgent).and(ownAgent("id")), s.agentPauseAfterCall)
	s.handle("POST /api/v1/agents/{id}/offer/{offer}/call", roles(RoleAdmin, RoleSupervisor, RoleAgent).and(ownAgent("id")), s.offerCall)
	s.handle("POST /api/v1/agents/{id}/offer/{offer}/skip", roles(RoleAdmin, RoleSupervisor, RoleAgent).and(ownAgent("id")), s.offerSkip)
	s.handle("PUT /api/v1/agents/{id}/sip-account", roles(RoleAdmin), s.setAgentSIPAccount)
	s.handle("POST /api/v1/agents/{id}/hangup", roles(RoleAdmin, RoleSupervisor, RoleAgent).and(ownAgent("id")), s.agentHangup)
	s.handle("POST /api/v1/agents/{id}/mute", roles(RoleAdmin, RoleSupervisor, RoleAgent).and(ownAgent("id")), s.agentMute)
	s.handle("POST /api/v1/agents/{id}/hold", roles(RoleAdmin, RoleSupervisor, RoleAgent).and(ownAgent("id")), s.agentHold)
	s.handle("GET /api/v1/agents/{id}/callbacks", roles(RoleAdmin, RoleSupervisor, RoleAgent).and(ownAgent("id")), s.agentCallbacks)
	s.teamRoutes()

	s.handle("POST /api/v1/trunks", roles(RoleAdmin), s.createTrunk)
	s.handle("GET /api/v1/trunks", roles(RoleAdmin, RoleMarketer, RoleSupervisor), s.listTrunks)
	s.handle("GET /api/v1/trunks/{id}", roles(RoleAdmin, RoleMarketer, RoleSupervisor), s.getTrunk)
	s.handle("PUT /api/v1/trunks/{id}", roles(RoleAdmin), s.updateTrunk)
	s.handle("DELETE /api/v1/trunks/{id}", roles(RoleAdmin), s.deleteTrunk)
	s.handle("GET /api/v1/campaigns/{id}/trunk-group", roles(RoleAdmin, RoleMarketer, RoleSupervisor).and(campaignIn("id")), s.getCampaignTrunkGroup)
	s.handle("PUT /api/v1/campaigns/{id}/trunk-group", roles(RoleAdmin, RoleMarketer).and(campaignIn("id")), s.setCampaignTrunkGroup)

	s.handle("POST /api/v1/dnc", roles(RoleAdmin, RoleCompliance, RoleMarketer), s.addDNC)
	s.handle("GET /api/v1/dnc", roles(RoleAdmin, RoleCompliance, RoleMarketer, RoleSupervisor), s.listDNC)
	s.handle("DELETE /api/v1/dnc/{number}", roles(RoleAdmin, RoleCompliance), s.removeDNC)

	s.complianceRoutes()
	s.eventRoutes()
}

// Handler returns the API as an http.Handler. Requests no route matches get
// a JSON 404 or 405 (with Allow), like every other error. Every
// state-changing request passes http.CrossOriginProtection first: a
// browser page of another site gets 403, while same-origin pages and
// non-browser clients (a CRM with a bearer token sends neither Origin nor
// Sec-Fetch-Site) pass.
func (s *Server) Handler() http.Handler {
	return s.cop.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := s.mux.Handler(r); pattern == "" {
			s.mux.ServeHTTP(&jsonErrorWriter{ResponseWriter: w}, r)
			return
		}
		s.mux.ServeHTTP(w, r)
	}))
}

// handle registers h behind authentication, the route's rule (roles.go),
// error rendering, panic recovery and the access log. Every route is
// registered here, so the table of rules is complete.
func (s *Server) handle(pattern string, rl rule, h apiHandler) {
	s.table = append(s.table, routeRule{pattern: pattern, rule: rl})
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
		if !rl.public {
			var a authInfo
			a, err = s.authenticate(r.Context(), r)
			u = a.user
			if err == nil {
				r = r.WithContext(withAuth(r.Context(), a))
				err = s.authorize(r, rl, u)
			} else if c, cerr := r.Cookie(SessionCookie); cerr == nil && c.Value != "" && s.cfg.Sessions != nil && r.Header.Get("Authorization") == "" {
				// A dead session's cookie is of no more use.
				http.SetCookie(sw, s.cfg.Sessions.ClearCookie(r))
			}
		}
		if err == nil && r.Method == http.MethodPost {
			err = s.idempotent(sw, r, u, h) // every POST honours Idempotency-Key
		} else if err == nil {
			err = h(sw, r, u)
		}
		if err != nil {
			s.fail(sw, pattern, u, err)
		}
	}))
}

// authenticate reads "Authorization: Bearer <token>" (machines) or, when
// there is none, the session cookie (people who signed in).
func (s *Server) authenticate(ctx context.Context, r *http.Request) (authInfo, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" && s.cfg.Sessions != nil {
			u, _, err := s.cfg.Sessions.Authenticate(ctx, c.Value)
			if errors.Is(err, ErrUnauthenticated) {
				return authInfo{}, errStatus(http.StatusUnauthorized, "session expired or signed out: sign in again")
			}
			if err != nil {
				return authInfo{}, fmt.Errorf("authenticate: %w", err)
			}
			return authInfo{user: u, session: c.Value}, nil
		}
		return authInfo{}, errStatus(http.StatusUnauthorized, "missing bearer token: send Authorization: Bearer <token>, or sign in (POST /api/v1/session)")
	}
	scheme, token, ok := strings.Cut(h, " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return authInfo{}, errStatus(http.StatusUnauthorized, "Authorization must be Bearer <token>")
	}
	if s.cfg.Users == nil {
		return authInfo{}, errStatus(http.StatusUnauthorized, "invalid token")
	}
	u, err := s.cfg.Users.Authenticate(ctx, token)
	if errors.Is(err, ErrUnauthenticated) {
		return authInfo{}, errStatus(http.StatusUnauthorized, "invalid token")
	}
	if err != nil {
		return authInfo{}, fmt.Errorf("authenticate: %w", err)
	}
	return authInfo{user: u}, nil
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
	var retry *RetryError
	if errors.As(err, &retry) {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(retry.Wait.Seconds()))))
	}
	writeJSON(w, status, body)
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
