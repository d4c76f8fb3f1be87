package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/alo-dialer/alo/campaigns"
	"github.com/alo-dialer/alo/compliance"
	"github.com/alo-dialer/alo/dialer"
	"github.com/alo-dialer/alo/dialer/agent"
	"github.com/alo-dialer/alo/dialer/media"
	"github.com/alo-dialer/alo/dialer/prompt"
	"github.com/alo-dialer/alo/dialer/recording"
	"github.com/alo-dialer/alo/dialer/registrar"
	"github.com/alo-dialer/alo/dialer/sipua"
	"github.com/alo-dialer/alo/dialer/trunk"
	"github.com/alo-dialer/alo/live"
	"github.com/alo-dialer/alo/pacing"
	"github.com/alo-dialer/alo/sqldb"
	"github.com/alo-dialer/alo/web"
)

// clockNow is the wall clock; it is chosen here, in cmd, and passed to every
// component that needs time.
func clockNow() time.Time { return time.Now() }

// Intervals of the periodic work. The feeder looks a few minutes ahead so
// Redis holds the near future only; asynq's forwarder promotes tasks due now
// every second.
const (
	feedEvery      = "@every 2s"
	reconcileEvery = "@every 10s"
	feedHorizon    = 2 * time.Minute
	claimLease     = 30 * time.Second
	nodeTTL        = 10 * time.Second
	// minRing is the floor of every ring timeout until rule sets carry
	// their own (docs/architecture.md invariant 5; Ofcom asks for 15 s).
	minRing = 15 * time.Second
)

// app is one running alo node: every component, wired.
type app struct {
	log   *slog.Logger
	cfg   ServeConfig
	db    *sqldb.DB
	rdb   *redis.Client
	store *campaigns.Store
	users *web.Users
	sip   *sipua.UA
	eng   *dialer.Engine

	trunks *trunk.Set
	reg    *registrar.Registrar

	agents *agent.Registry
	// live is the node's live event bus; publishers (the dialer, campaigns)
	// take it from here.
	live   *live.Bus
	closer []func()
	// drainFor is how long a shutdown lets calls in progress finish
	// (health.go); 0 hangs them up at once.
	drainFor time.Duration
}

// newApp opens the databases and builds every component, but starts nothing
// that takes traffic; run does. redisURL is the URL to use (the config's,
// or the private child's).
func newApp(ctx context.Context, cfg ServeConfig, redisURL string, log *slog.Logger) (_ *app, err error) {
	a := &app{log: log, cfg: cfg}
	defer func() {
		if err != nil {
			a.close()
		}
	}()
	a.db, err = sqldb.Open(ctx, cfg.DatabaseURL, cfg.DataDir)
	if err != nil {
		return nil, err
	}
	a.closer = append(a.closer, func() { a.db.Close() })
	if err := migrateAll(ctx, a.db); err != nil {
		return nil, err
	}

	opt, err := redis.ParseURL(redisURL)
	if err != nil {
		return nil, fmt.Errorf("REDIS_URL: %w", err)
	}
	a.rdb = redis.NewClient(opt)
	a.closer = append(a.closer, func() { a.rdb.Close() })
	if err := a.rdb.Ping(ctx).Err(); err != nil {
		return nil, fmt.Errorf("redis: %w", err)
	}

	// Live events: this node's bus, joined to the other nodes' over Redis
	// pub/sub (run connects it).
	// An agent's browser may stream from a node other than the one their
	// phone's leg is on. MaxAge: long enough to resume over a short network
	// drop, bounded so a client days behind gets a fresh snapshot.
	a.live, err = live.NewBus(live.Config{Node: cfg.Node, Clock: clockNow, Log: log.With("component", "live"),
		Transport: live.NewRedisTransport(a.rdb, live.RedisChannel(a.rdb)), MaxAge: 10 * time.Minute})
	if err != nil {
		return nil, err
	}
	a.closer = append(a.closer, a.live.Close)

	a.store = campaigns.NewStore(a.db, clockNow)
	a.users = web.NewUsers(a.db, clockNow)

	rtp, err := media.ParsePortRange(cfg.RTPPorts)
	if err != nil {
		return nil, fmt.Errorf("ALO_RTP_PORTS (--rtp-ports): %w", err)
	}
	// Trunks: those managed through the API, plus ALO_TRUNK_URI as the
	// default group's trunk.
	a.trunks, err = trunk.NewSet(trunk.SetConfig{
		Store:   trunk.NewStore(a.db, clockNow),
		Default: trunk.Trunk{URI: cfg.TrunkURI, User: cfg.TrunkUser, Password: cfg.TrunkPassword},
		Clock:   clockNow,
		Log:     log.With("component", "trunks"),
	})
	if err != nil {
		return nil, err
	}
	if err := a.trunks.Reload(ctx); err != nil {
		return nil, err
	}
	// The registrar: agents' phones REGISTER with their SIP account, and
	// an agent whose sip_uri is sip:<user>@alo is called where it registered.
	a.reg, err = registrar.New(registrar.Config{DB: a.db, Redis: a.rdb, Clock: clockNow, Log: log.With("component", "registrar")})
	if err != nil {
		return nil, err
	}
	sipTLS, err := cfg.sipTLS()
	if err != nil {
		return nil, err
	}
	a.sip, err = sipua.New(sipua.Config{
		TLS:        sipTLS,
		ListenAddr: cfg.SIPAddr,
		RTPPorts:   rtp,
		Trunks:     a.trunks,
		Legs:       sipua.NewCallLegs(a.db),
		Clock:      clockNow,
		MinRing:    minRing,
		UserAgent:  "alo",
		Registrar:  a.reg,
	}, log.With("component", "sip"))
	if err != nil {
		return nil, err
	}
	return a, nil
}

// migrateAll applies every package's migrations; each package owns its tables.
func migrateAll(ctx context.Context, db *sqldb.DB) error {
	if err := sqldb.Migrate(ctx, db, "campaigns", campaigns.Migrations); err != nil {
		return err
	}
	if err := sqldb.Migrate(ctx, db, "compliance", compliance.Migrations); err != nil {
		return err
	}
	if err := sqldb.Migrate(ctx, db, "dialer", dialer.Migrations); err != nil {
		return err
	}
	return sqldb.Migrate(ctx, db, "web", web.Migrations)
}

func (a *app) close() {
	for i := len(a.closer) - 1; i >= 0; i-- {
		a.closer[i]()
	}
	a.closer = nil
}

// run starts every component and blocks until ctx ends; then it shuts down
// in order: stop taking work, let calls end, close connections.
//
// The caller closes the app (close) after run returns, so it can still read
// the database, as the demo's summary does.
func (a *app) run(ctx context.Context, onReady func(httpURL string)) error {
	log := a.log
	node := a.cfg.Node

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	errc := make(chan error, 8)
	goRun := func(name string, f func() error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f(); err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, http.ErrServerClosed) {
				errc <- fmt.Errorf("%s: %w", name, err)
			}
		}()
	}

	// Compliance.
	comp, err := newCompliance(ctx, a.db, a.cfg.DataDir, a.store, log)
	if err != nil {
		return err
	}
	gate, dnc := comp.gate, comp.global
	rdy, stopReady := a.startReadiness(ctx, comp.audit)
	defer stopReady()
	// The audit trail outlives the pacers, so outcomes recorded while
	// calls end at shutdown are written too.
	auditCtx, stopAudit := context.WithCancel(context.WithoutCancel(ctx))
	defer stopAudit()
	auditDone := make(chan struct{})
	go func() {
		defer close(auditDone)
		if err := comp.run(auditCtx); err != nil {
			log.Error("audit trail", "err", err)
		}
	}()

	// Campaigns: Redis side.
	ready := campaigns.NewReadySet(a.rdb, clockNow)
	nodes := campaigns.NewNodes(a.rdb, clockNow)
	aclient := asynq.NewClientFromRedisClient(a.rdb)
	insp := asynq.NewInspectorFromRedisClient(a.rdb)
	feeder := campaigns.NewFeeder(a.store, aclient, clockNow, feedHorizon, log.With("component", "feeder"))
	feeder.Gate = gate // due times land in the contact's calling window
	reconciler := campaigns.NewReconciler(a.store, ready, nodes, insp, aclient, clockNow, log.With("component", "reconciler"))
	// Calls this node had on the wire when it last stopped are gone with
	// its memory: settle them before dialing again.
	if n, err := reconciler.RecoverNode(ctx, node); err != nil {
		return err
	} else if n > 0 {
		log.Warn("ended attempts left dialing by this node's previous run", "count", n)
	}
	handlers := campaigns.NewHandlers(ready, feeder, reconciler, clockNow, log.With("component", "tasks"))
	dispatcher := campaigns.NewDispatcher(a.store, ready, node, claimLease, log.With("component", "dispatcher"))

	// Large contact uploads: spooled under the data dir, imported by this
	// node's own queue (the file is only here).
	imports := campaigns.NewImportJobs(a.store, filepath.Join(a.cfg.DataDir, "imports"), node, aclient, clockNow,
		log.With("component", "imports"))

	// Results to clients' CRMs: outbox events relayed to asynq and posted,
	// signed, with back-off.
	hooks := campaigns.NewWebhookDelivery(a.store, aclient, &http.Client{Timeout: 10 * time.Second}, clockNow,
		log.With("component", "webhooks"))

	mux := asynq.NewServeMux()
	handlers.Register(mux)
	imports.Register(mux)
	hooks.Register(mux)
	srv := asynq.NewServerFromRedisClient(a.rdb, asynq.Config{
		Concurrency:              10,
		Queues:                   map[string]int{campaigns.QueueAttempts: 6, campaigns.QueueWebhooks: 2, imports.Queue(): 1},
		RetryDelayFunc:           hooks.RetryDelay,
		DelayedTaskCheckInterval: time.Second,
		TaskCheckInterval:        200 * time.Millisecond,
		Logger:                   asynqLogger{log.With("component", "asynq")},
		ErrorHandler:             taskErrors(log.With("component", "asynq")),
		LogLevel:                 asynq.WarnLevel,
		ShutdownTimeout:          3 * time.Second,
	})
	// The scheduler gets its own connection: asynq refuses to close a shared
	// one and logs an error at every shutdown.
	ro := a.rdb.Options()
	sched := asynq.NewScheduler(asynq.RedisClientOpt{
		Network: ro.Network, Addr: ro.Addr, Username: ro.Username, Password: ro.Password, DB: ro.DB, TLSConfig: ro.TLSConfig,
	}, &asynq.SchedulerOpts{
		Logger:   asynqLogger{log.With("component", "asynq-scheduler")},
		LogLevel: asynq.WarnLevel,
	})
	if _, err := sched.Register(feedEvery, campaigns.NewFeedTask(), asynq.Unique(2*time.Second)); err != nil {
		return fmt.Errorf("schedule feeder: %w", err)
	}
	if _, err := sched.Register("@every 2s", campaigns.NewWebhookRelayTask(), asynq.Unique(2*time.Second)); err != nil {
		return fmt.Errorf("schedule webhook relay: %w", err)
	}
	if _, err := sched.Register(reconcileEvery, campaigns.NewReconcileTask(), asynq.Unique(10*time.Second)); err != nil {
		return fmt.Errorf("schedule reconciler: %w", err)
	}

	// Dialer.
	a.agents = agent.NewRegistry(agent.Config{
		DB: a.db,
		Dial: func(ctx context.Context, uri string) (agent.PhoneLeg, error) {
			leg, res, err := a.sip.DialAgent(ctx, uri, sipua.DialOptions{AutoAnswer: true, RingTimeout: 30 * time.Second})
			if err != nil {
				return nil, err
			}
			if !res.Answered {
				return nil, fmt.Errorf("agent phone %s: %d %s", uri, res.Code, res.Reason)
			}
			return leg, nil
		},
		Clock: clockNow,
		Log:   log.With("component", "agents"),
		// A phone that registers is redialled at once if its agent is
		// logged in and waiting.
		Registered: a.reg.Registered(),
	})
	// Live events: the consoles' stream, fed by the registry and the
	// engine (the feed subscribes before the agents are restored).
	feed := newAgentFeed(a.live, a.agents, a.store, log.With("component", "live-feed"))
	// Recorded messages uploaded through the API (<data>/prompts/<lang>/<name>.wav).
	prompts := prompt.NewLibrary(filepath.Join(a.cfg.DataDir, "prompts"), prompt.Builtin(), "en")
	if err := prompts.Prompts().Check(); err != nil {
		log.Warn("prompts that cannot be played (calls needing them fall back or fail)", "err", err)
	}
	met := newMetrics(metricsParts{sip: a.sip, agents: a.agents, trunks: a.trunks, store: a.store, ready: ready, insp: insp,
		queues: []string{campaigns.QueueAttempts, campaigns.QueueWebhooks, imports.Queue()},
		eng:    func() *dialer.Engine { return a.eng }, rdy: rdy})
	eng := dialer.NewEngine(dialer.EngineConfig{
		Node:      node,
		Campaigns: a.store,
		Attempts:  countedAttempts{comp.attempts(dispatcher, a.store), met},
		Marker:    a.store,
		Gate:      countedGate{gate, met},
		Agents:    a.agents,
		SIP:       a.sip,
		Clock:     clockNow,
		Log:       log.With("component", "pacer"),
		Heartbeat: func(ctx context.Context) error { return nodes.Beat(ctx, node, nodeTTL) },
		// Safe harbour: the campaign's rule set says how long a live answer
		// may wait for an agent; the stop key goes on the client's DNC list.
		Abandonment: func(ctx context.Context, campaignID int64) (dialer.AbandonRule, error) {
			e, _, err := comp.rules.EngineFor(ctx, campaignID)
			if errors.Is(err, compliance.ErrNotBound) {
				return dialer.AbandonRuleFromCap(compliance.Baseline().Abandonment), nil
			}
			if err != nil {
				return dialer.AbandonRule{}, err
			}
			return dialer.AbandonRuleFromCap(e.Rules().Abandonment), nil
		},
		DNC: comp.dncs,
		// Key results of recorded calls (1 confirms, a caller no one could
		// take is called back) become dispositions.
		Disposer: a.store,
		// Uploaded prompts (a notice's message) over the shipped ones.
		Library: prompts,
		// Recorded calls of campaigns that record, linked from the attempt.
		RecordingsDir: filepath.Join(a.cfg.DataDir, "recordings"),
		// Predictive pacing overdials only against the campaign's
		// abandonment ledger for the legal window in force.
		Budget: func(ctx context.Context, campaignID int64, at time.Time) (pacing.Budget, error) {
			w, err := comp.gate.Budget(ctx, campaignID, at)
			if err != nil {
				return pacing.Budget{}, err
			}
			return dialer.BudgetFromLedger(w), nil
		},
		// Screen pops and calls' ends for the agents' consoles.
		Events: feed,
		Ready:  rdy.Ready,
		Offers: feed,
	})
	a.eng = eng
	eng.OnAnswerToBridged(met.ObserveAnswerToBridged)

	// Web. People sign in with a password (a session in SQL); an agent
	// who is working is never signed out for being idle.
	sessions := web.NewSessions(a.db, a.users, clockNow, web.SessionConfig{IdleTimeout: a.cfg.sessionIdle(), Pinner: web.PinAgents(func(id int64) bool {
		st, _ := a.agents.StateOf(id) // live state, no SQL per request
		return st == agent.Ready || st == agent.Reserved || st == agent.OnCall || st == agent.WrapUp
	})})
	signIn, err := web.NewSignIn(a.users, sessions, clockNow, log.With("component", "sign-in"), web.SignInConfig{})
	if err != nil {
		return err
	}
	// Event streams are never idle, so Shutdown would wait them out to its
	// deadline: they end when it begins.
	streamsDone := make(chan struct{})
	erasure, err := comp.erasure(a.store, a.cfg.DataDir)
	if err != nil {
		return err
	}
	api := web.NewServer(web.ServerConfig{
		Sessions: sessions, SignIn: signIn,
		Campaigns: a.store, Agents: a.agents, DNC: dnc, Users: a.users, Waker: eng, Trunks: a.trunks, SIPAccounts: a.reg,
		Compliance: comp.service, Imports: imports, Webhooks: a.store, Dispositions: a.store, WrapUp: a.agents, Prompts: prompts, Idempotency: web.NewIdempotencyKeys(a.db, clockNow),
		Attempts: a.store, RecordingsDir: filepath.Join(a.cfg.DataDir, "recordings"), Version: versionInfo(), Erasure: erasure,
		Teams: a.agents, PauseReasons: a.agents, Clock: clockNow, // the agent registry keeps teams and pause reasons
		Calls:     eng, // an agent's hang up, mute and hold
		Disposals: feed,
		Live:      web.LiveConfig{Bus: a.live, Snapshots: feed, Done: streamsDone, Clock: clockNow},
		Ready:     rdy, Metrics: met.Handler(),
		Log: log.With("component", "web"),
	})
	h, err := handler(api, signIn, web.NewConsoleDirectory(a.users, signIn, a.agents, a.store), log.With("component", "console"))
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", a.cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", a.cfg.HTTPAddr, err)
	}
	// Read, write and idle timeouts; streams and uploads extend theirs as they move.
	hs := web.NewHTTPServer(h, web.DefaultTimeouts())
	// Shutdown neither cancels nor waits out an event stream: end them.
	hs.RegisterOnShutdown(sync.OnceFunc(func() { close(streamsDone) }))

	// Start: SIP first (agents' phones and calls need it), then the work.
	sipCtx, sipCancel := context.WithCancel(context.Background())
	defer sipCancel()
	sipDone := make(chan error, 1)
	go func() { sipDone <- a.sip.Serve(sipCtx) }()
	select {
	case <-a.sip.Ready():
	case err := <-sipDone:
		return fmt.Errorf("sip: %w", err)
	case <-ctx.Done():
		return nil
	}
	// OPTIONS keep-alive of every trunk, for as long as SIP runs.
	go a.trunks.KeepAlive(sipCtx, a.sip)
	// Recorded calls past their campaign's retention, on this node's disk.
	sweeper := &recording.Sweeper{Dir: filepath.Join(a.cfg.DataDir, "recordings"), Campaigns: dialer.RecordingRetention{Campaigns: a.store},
		Clock: clockNow, Log: log.With("component", "recordings")}
	go sweeper.Run(sipCtx, time.Hour)
	if err := srv.Start(mux); err != nil {
		return fmt.Errorf("asynq server: %w", err)
	}
	if err := sched.Start(); err != nil {
		srv.Shutdown()
		return fmt.Errorf("asynq scheduler: %w", err)
	}
	if err := a.agents.Restore(ctx); err != nil {
		log.Warn("restore agents", "err", err)
	}
	goRun("live feed", func() error { feed.Run(ctx); return nil })
	engDone := make(chan struct{})
	// The engine outlives ctx by the drain, so calls in progress end well.
	engCtx, stopEng := context.WithCancel(context.WithoutCancel(ctx))
	defer stopEng()
	go func() {
		defer close(engDone)
		_ = eng.Run(engCtx)
	}()
	goRun("live", func() error { return a.live.Run(ctx) })
	goRun("http", func() error { return hs.Serve(ln) })

	url := "http://" + ln.Addr().String()
	log.Info("alo is serving", "http", url, "sip", a.cfg.SIPAddr, "node", node, "db", string(a.db.Dialect))
	if onReady != nil {
		onReady(url)
	}

	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-errc:
		cancel()
	}
	log.Info("shutting down")
	a.drain(rdy, eng)
	stopEng()
	sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer scancel()
	_ = hs.Shutdown(sctx)
	sched.Shutdown()
	<-engDone // pacers stop; calls in progress hang up and record outcomes
	stopAudit()
	<-auditDone
	a.agents.Close()
	srv.Shutdown()
	aclient.Close()
	insp.Close()
	sipCancel()
	<-sipDone
	wg.Wait()
	return runErr
}

// asynqLogger adapts slog to asynq's logger interface.
type asynqLogger struct{ l *slog.Logger }

func (a asynqLogger) Debug(args ...any) { a.l.Debug(fmt.Sprint(args...)) }
func (a asynqLogger) Info(args ...any)  { a.l.Info(fmt.Sprint(args...)) }
func (a asynqLogger) Warn(args ...any)  { a.l.Warn(fmt.Sprint(args...)) }
func (a asynqLogger) Error(args ...any) { a.l.Error(fmt.Sprint(args...)) }
func (a asynqLogger) Fatal(args ...any) { a.l.Error(fmt.Sprint(args...)) }
