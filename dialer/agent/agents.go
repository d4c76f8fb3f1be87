package agent

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/alo-dialer/alo/dialer/media"
	"github.com/alo-dialer/alo/dialer/siphdr"
	"github.com/alo-dialer/alo/dialer/sipua"
	"github.com/alo-dialer/alo/input"
	"github.com/alo-dialer/alo/sqldb"
)

// PhoneLeg is the nailed-up call to an agent's phone, as the registry needs
// it. *Leg satisfies it; unit tests use a fake.
type PhoneLeg interface {
	CallID() string
	Media() *media.Stream
	Done() <-chan struct{}
	Hangup(ctx context.Context) error
	// KeepAlive checks the phone still holds the dialog (in-dialog
	// OPTIONS): a muted phone sends no RTP, so silence proves nothing.
	KeepAlive(ctx context.Context) error
}

// PhoneDialer places the nailed-up call to an agent's phone and returns once
// it is answered (or refused).
type PhoneDialer func(ctx context.Context, uri string) (PhoneLeg, error)

// Config holds the registry's dependencies.
type Config struct {
	DB    *sqldb.DB
	Dial  PhoneDialer
	Clock func() time.Time
	Log   *slog.Logger
	// Registered delivers the SIP users whose phones just registered to
	// alo (registrar.Registered), so a waiting agent's phone is redialled
	// at once; nil when no phone registers.
	Registered <-chan string
	// Redial bounds the back-off between attempts to nail up a phone that
	// refused or dropped (default 1 s doubling to 30 s).
	RedialMin, RedialMax time.Duration
	// KeepAliveEvery is how often a nailed-up leg is probed (default 30 s).
	KeepAliveEvery time.Duration
}

// Registry is the registry of agents: their definitions in SQL and their live
// state in memory, including the nailed-up leg to each logged-in phone.
type Registry struct {
	cfg Config

	mu       sync.Mutex
	sessions map[int64]*agentSession

	watchMu  sync.Mutex
	watchers []chan []int64 // Ready's subscribers
	closeOne sync.Once
	closed   chan struct{}

	// changeMu guards Changes' subscribers; it is taken inside mu, so
	// every subscriber sees an agent's changes in the order they happened.
	changeMu    sync.Mutex
	changeSubs  []chan Change
	changeDrops uint64
}

// agentSession is one logged-in agent on this node.
type agentSession struct {
	agent   Agent
	state   State
	since   time.Time // when state was entered: consoles show time in state from it
	leg     PhoneLeg
	idleAt  time.Time // since when ready: the longest-idle agent gets the next call
	callAt  time.Time // since when on the current call: predictive pacing dials ahead of its end
	pause   string    // a pause requested while busy, applied when the call ends
	pausing bool
	// wrapTimer ends a wrap-up the agent does not end themselves, at
	// wrapEnds.
	wrapTimer *time.Timer
	wrapEnds  time.Time
	cancel    context.CancelFunc
	// wake cuts the redial back-off short: the phone just registered, so
	// the next attempt can reach it (buffered 1; a send never blocks).
	wake chan struct{}
}

// NewRegistry returns the registry. Call Restore to log back in the agents who
// were logged in before a restart.
func NewRegistry(cfg Config) *Registry {
	if cfg.RedialMin <= 0 {
		cfg.RedialMin = time.Second
	}
	if cfg.RedialMax <= 0 {
		cfg.RedialMax = 30 * time.Second
	}
	if cfg.KeepAliveEvery <= 0 {
		cfg.KeepAliveEvery = 30 * time.Second
	}
	r := &Registry{cfg: cfg, sessions: map[int64]*agentSession{}, closed: make(chan struct{})}
	if cfg.Registered != nil {
		go r.watchRegistrations(cfg.Registered)
	}
	return r
}

// watchRegistrations redials the phones that register, until Close.
func (a *Registry) watchRegistrations(users <-chan string) {
	for {
		select {
		case <-a.closed:
			return
		case u := <-users:
			a.PhoneRegistered(u)
		}
	}
}

// Ready returns a channel that receives an agent's campaigns each time the
// agent becomes able to take a call, so their pacers wake at once (the
// engine subscribes). Each call is a new subscriber; one that falls behind
// misses wake-ups, which the pacers' own ticks cover.
func (a *Registry) Ready() <-chan []int64 {
	ch := make(chan []int64, 256)
	a.watchMu.Lock()
	a.watchers = append(a.watchers, ch)
	a.watchMu.Unlock()
	return ch
}

// readied tells Ready's subscribers; called without a.mu held.
func (a *Registry) readied(campaignIDs []int64) {
	a.watchMu.Lock()
	defer a.watchMu.Unlock()
	for _, ch := range a.watchers {
		select {
		case ch <- campaignIDs:
		default:
		}
	}
}

// ValidateSIPURI checks an agent's phone address: a sip: or sips: URI with a
// host, no characters that could split a SIP header, no headers and no
// parameters but transport, user and lr (siphdr.ParseURI).
func ValidateSIPURI(s string) error {
	if _, err := siphdr.ParseURI(s); err != nil {
		return input.Invalid("sip_uri", err.Error())
	}
	return nil
}

// CreateAgent stores a new agent, offline.
func (a *Registry) CreateAgent(ctx context.Context, in NewAgent) (Agent, error) {
	var ps input.Problems
	if strings.TrimSpace(in.Name) == "" {
		ps.Add("name", "required")
	} else if p := input.TextProblem(in.Name); p != "" {
		ps.Add("name", p)
	}
	ps.AddErr(ValidateSIPURI(in.SIPURI))
	if len(in.CampaignIDs) == 0 {
		ps.Add("campaign_ids", "at least one")
	}
	if err := ps.Err(); err != nil {
		return Agent{}, err
	}
	now := a.cfg.Clock()
	tx, err := a.cfg.DB.BeginTx(ctx, nil)
	if err != nil {
		return Agent{}, fmt.Errorf("create agent: %w", err)
	}
	defer tx.Rollback()
	var id int64
	err = tx.QueryRowContext(ctx,
		`INSERT INTO agents (name, sip_uri, login, created_at) VALUES ($1, $2, 'offline', $3) RETURNING id`,
		in.Name, in.SIPURI, now.UnixMilli()).Scan(&id)
	if err != nil {
		return Agent{}, fmt.Errorf("create agent: %w", err)
	}
	ids := dedupe(in.CampaignIDs)
	for _, c := range ids {
		if _, err := tx.ExecContext(ctx, `INSERT INTO agent_campaigns (agent_id, campaign_id) VALUES ($1, $2)`, id, c); err != nil {
			return Agent{}, fmt.Errorf("create agent: campaign %d: %w", c, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return Agent{}, fmt.Errorf("create agent: %w", err)
	}
	return Agent{ID: id, Name: in.Name, SIPURI: in.SIPURI, CampaignIDs: ids, TeamIDs: []int64{}, State: Offline, CreatedAt: now.UTC()}, nil
}

// SetSIPURI changes where alo calls an agent's phone. A logged-in agent's
// leg is placed at the new address the next time it is (re)dialled.
func (a *Registry) SetSIPURI(ctx context.Context, id int64, uri string) (Agent, error) {
	if err := ValidateSIPURI(uri); err != nil {
		return Agent{}, err
	}
	res, err := a.cfg.DB.ExecContext(ctx, `UPDATE agents SET sip_uri = $1 WHERE id = $2`, uri, id)
	if err != nil {
		return Agent{}, fmt.Errorf("agent %d: set sip_uri: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return Agent{}, fmt.Errorf("agent %d: %w", id, input.ErrNotFound)
	}
	a.mu.Lock()
	if s, ok := a.sessions[id]; ok {
		s.agent.SIPURI = uri
	}
	a.mu.Unlock()
	return a.GetAgent(ctx, id)
}

func dedupe(ids []int64) []int64 {
	seen := map[int64]bool{}
	out := make([]int64, 0, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// GetAgent returns one agent with its live state.
func (a *Registry) GetAgent(ctx context.Context, id int64) (Agent, error) {
	ag, _, err := a.load(ctx, id)
	if err != nil {
		return Agent{}, err
	}
	return a.withLive(ag), nil
}

// ListAgents returns every agent with its live state.
func (a *Registry) ListAgents(ctx context.Context) ([]Agent, error) {
	rows, err := a.cfg.DB.QueryContext(ctx, `SELECT id, name, sip_uri, login, pause_reason, created_at FROM agents ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list agents: %w", err)
	}
	var out []Agent
	for rows.Next() {
		ag, _, err := scanAgent(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("list agents: %w", err)
		}
		out = append(out, ag)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list agents: %w", err)
	}
	camps, err := a.allCampaigns(ctx)
	if err != nil {
		return nil, err
	}
	members, err := a.memberships(ctx)
	if err != nil {
		return nil, err
	}
	teams := map[int64][]int64{}
	for _, m := range members {
		teams[m.agent] = append(teams[m.agent], m.team)
	}
	for i := range out {
		out[i].CampaignIDs = camps[out[i].ID]
		out[i].TeamIDs = teams[out[i].ID]
		if out[i].TeamIDs == nil {
			out[i].TeamIDs = []int64{}
		}
		out[i] = a.withLive(out[i])
	}
	if out == nil {
		out = []Agent{}
	}
	return out, nil
}

type rowScanner interface{ Scan(...any) error }

func scanAgent(r rowScanner) (Agent, string, error) {
	var ag Agent
	var login string
	var created int64
	if err := r.Scan(&ag.ID, &ag.Name, &ag.SIPURI, &login, &ag.PauseReason, &created); err != nil {
		return Agent{}, "", err
	}
	ag.CreatedAt = time.UnixMilli(created).UTC()
	ag.State = Offline
	if login == string(Paused) {
		ag.State = Paused
	}
	return ag, login, nil
}

func (a *Registry) load(ctx context.Context, id int64) (Agent, string, error) {
	row := a.cfg.DB.QueryRowContext(ctx, `SELECT id, name, sip_uri, login, pause_reason, created_at FROM agents WHERE id = $1`, id)
	ag, login, err := scanAgent(row)
	if errors.Is(err, sql.ErrNoRows) {
		return Agent{}, "", fmt.Errorf("agent %d: %w", id, input.ErrNotFound)
	}
	if err != nil {
		return Agent{}, "", fmt.Errorf("agent %d: %w", id, err)
	}
	if ag.CampaignIDs, err = a.campaignsOf(ctx, id); err != nil {
		return Agent{}, "", err
	}
	if ag.TeamIDs, err = a.teamsOf(ctx, id); err != nil {
		return Agent{}, "", err
	}
	return ag, login, nil
}

// campaignsOf returns the campaigns agent id logs in to, in id order.
func (a *Registry) campaignsOf(ctx context.Context, id int64) ([]int64, error) {
	rows, err := a.cfg.DB.QueryContext(ctx, `SELECT campaign_id FROM agent_campaigns WHERE agent_id = $1 ORDER BY campaign_id`, id)
	if err != nil {
		return nil, fmt.Errorf("agent %d campaigns: %w", id, err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var c int64
		if err := rows.Scan(&c); err != nil {
			return nil, fmt.Errorf("agent %d campaigns: %w", id, err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func (a *Registry) allCampaigns(ctx context.Context) (map[int64][]int64, error) {
	rows, err := a.cfg.DB.QueryContext(ctx, `SELECT agent_id, campaign_id FROM agent_campaigns ORDER BY agent_id, campaign_id`)
	if err != nil {
		return nil, fmt.Errorf("agent campaigns: %w", err)
	}
	defer rows.Close()
	out := map[int64][]int64{}
	for rows.Next() {
		var ag, c int64
		if err := rows.Scan(&ag, &c); err != nil {
			return nil, fmt.Errorf("agent campaigns: %w", err)
		}
		out[ag] = append(out[ag], c)
	}
	return out, rows.Err()
}

// withLive overlays the in-memory state of a logged-in agent.
func (a *Registry) withLive(ag Agent) Agent {
	a.mu.Lock()
	defer a.mu.Unlock()
	if s, ok := a.sessions[ag.ID]; ok {
		ag.State = s.state
		ag.PauseReason = s.pause
		if s.state != Paused {
			ag.PauseReason = ""
		}
		if busy(s.state) && s.pausing {
			ag.PauseAfterCall, ag.PauseAfterCallReason = true, s.pause
		}
		if s.leg != nil {
			ag.CallID = s.leg.CallID()
		}
	}
	return ag
}

func (a *Registry) saveLogin(ctx context.Context, id int64, login State, reason string) error {
	if _, err := a.cfg.DB.ExecContext(ctx, `UPDATE agents SET login = $1, pause_reason = $2 WHERE id = $3`, string(login), reason, id); err != nil {
		return fmt.Errorf("agent %d: save login: %w", id, err)
	}
	return nil
}

// SetReady logs the agent in (if needed) and makes them available: alo calls
// their phone once and keeps that leg up between customer calls. Until the
// phone answers the agent is phone_down and pacing does not count them.
func (a *Registry) SetReady(ctx context.Context, id int64) (Agent, error) {
	return a.setLogin(ctx, id, Ready, "")
}

// SetPaused keeps the agent logged in (the leg stays up) but stops calls
// for them; an agent on a call is paused when that call ends. A reason
// must be on the list offered to the agent, if the floor keeps one.
func (a *Registry) SetPaused(ctx context.Context, id int64, reason string) (Agent, error) {
	return a.setLogin(ctx, id, Paused, reason)
}

// SetOffline logs the agent out and hangs up their phone's leg.
func (a *Registry) SetOffline(ctx context.Context, id int64) (Agent, error) {
	return a.setLogin(ctx, id, Offline, "")
}

// setLogin is the one transition of an agent's login: stored first (so a
// restart restores it), then applied to the live session.
func (a *Registry) setLogin(ctx context.Context, id int64, want State, reason string) (Agent, error) {
	ag, _, err := a.load(ctx, id)
	if err != nil {
		return Agent{}, err
	}
	if want == Paused {
		if err := a.checkPauseReason(ctx, ag, reason); err != nil {
			return Agent{}, err
		}
	}
	if err := a.saveLogin(ctx, id, want, reason); err != nil {
		return Agent{}, err
	}
	if want == Offline {
		a.logout(ag)
	} else {
		a.login(ag, want, reason)
	}
	return a.withLive(ag), nil
}

// logout ends the agent's session on this node and hangs up its phone leg.
func (a *Registry) logout(ag Agent) {
	id := ag.ID
	a.mu.Lock()
	s := a.sessions[id]
	delete(a.sessions, id)
	if s != nil {
		a.announceLocked(Change{AgentID: id, Name: ag.Name, State: Offline, At: a.cfg.Clock(), CampaignIDs: ag.CampaignIDs})
	}
	a.mu.Unlock()
	if s != nil {
		s.cancel()
	}
}

// Restore logs back in every agent whose login was ready or paused before
// this node started.
func (a *Registry) Restore(ctx context.Context) error {
	rows, err := a.cfg.DB.QueryContext(ctx, `SELECT id FROM agents WHERE login IN ('ready', 'paused')`)
	if err != nil {
		return fmt.Errorf("restore agents: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return fmt.Errorf("restore agents: %w", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	for _, id := range ids {
		ag, login, err := a.load(ctx, id)
		if err != nil {
			return err
		}
		a.login(ag, State(login), ag.PauseReason)
	}
	return nil
}

// Close hangs up every nailed-up leg.
func (a *Registry) Close() {
	a.closeOne.Do(func() { close(a.closed) })
	a.mu.Lock()
	ss := a.sessions
	a.sessions = map[int64]*agentSession{}
	a.mu.Unlock()
	for _, s := range ss {
		s.cancel()
	}
}

// login applies a requested state (ready or paused) to the agent's session,
// starting the session and its phone leg if they are not running.
func (a *Registry) login(ag Agent, want State, reason string) {
	a.mu.Lock()
	s, ok := a.sessions[ag.ID]
	if !ok {
		ctx, cancel := context.WithCancel(context.Background())
		s = &agentSession{agent: ag, state: PhoneDown, cancel: cancel, wake: make(chan struct{}, 1)}
		a.sessions[ag.ID] = s
		go a.keepPhoneUp(ctx, s)
	}
	s.agent = ag
	becameReady := false
	next := s.state
	switch {
	case busy(s.state):
		// Busy: remember the wish; EndCall applies it.
		s.pausing = want == Paused
		s.pause = reason
	case want == Paused:
		if s.state != PhoneDown {
			next = Paused
		}
		s.pausing, s.pause = true, reason
	default: // ready
		s.pausing, s.pause = false, ""
		if s.state == Paused {
			next = Ready
			s.idleAt = a.cfg.Clock()
			becameReady = true
		}
	}
	// Announced even when the state stays: the reason or the wish to
	// pause after the call may have changed.
	a.setLocked(s, next)
	camps := ag.CampaignIDs
	a.mu.Unlock()
	if becameReady {
		a.readied(camps)
	}
}

// busy reports whether an agent in st has a call: being placed for them,
// bridged, or in wrap-up. A pause asked for meanwhile waits for its end.
func busy(st State) bool { return st == Reserved || st == OnCall || st == WrapUp }

// PauseAfterCall asks for agent id to be paused (with reason) when the call
// they are on (reserved for, or wrapping up) ends, or withdraws that wish
// (on false). An agent with no call is paused at once on true (the call
// they meant has just ended) and left as they are on false. An agent who
// is not logged in on this node is ErrConflict.
func (a *Registry) PauseAfterCall(ctx context.Context, id int64, on bool, reason string) (Agent, error) {
	ag, _, err := a.load(ctx, id)
	if err != nil {
		return Agent{}, err
	}
	st, ok := a.StateOf(id)
	if !ok {
		return Agent{}, fmt.Errorf("agent %d is not logged in: %w", id, ErrConflict)
	}
	if on {
		return a.SetPaused(ctx, id, reason)
	}
	if !busy(st) {
		return a.withLive(ag), nil
	}
	// Withdrawn: what a restart restores is ready again, and the call's
	// end makes the agent ready.
	if err := a.saveLogin(ctx, id, Ready, ""); err != nil {
		return Agent{}, err
	}
	a.mu.Lock()
	if s, ok := a.sessions[id]; ok && busy(s.state) {
		s.pausing, s.pause = false, ""
	}
	a.mu.Unlock()
	return a.withLive(ag), nil
}

// keepPhoneUp nails up the agent's leg and places it again whenever it drops,
// for as long as the agent is logged in.
func (a *Registry) keepPhoneUp(ctx context.Context, s *agentSession) {
	// s.agent is replaced under the lock when the agent logs in again.
	a.mu.Lock()
	log := a.cfg.Log.With("agent", s.agent.ID)
	a.mu.Unlock()
	backoff := a.cfg.RedialMin
	for ctx.Err() == nil {
		a.mu.Lock()
		uri := s.agent.SIPURI
		a.mu.Unlock()
		leg, err := a.cfg.Dial(ctx, uri)
		if err != nil {
			log.Warn("agent phone not reached", "uri", uri, "err", err, "retry_in", backoff)
			t := time.NewTimer(backoff)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-s.wake:
				// The phone registered: it is reachable now, so redial at
				// once and start the back-off over.
				t.Stop()
				backoff = a.cfg.RedialMin
				log.Info("agent phone registered; placing the leg now")
				continue
			case <-t.C:
			}
			backoff = min(backoff*2, a.cfg.RedialMax)
			continue
		}
		backoff = a.cfg.RedialMin
		select {
		case <-s.wake: // registered while this dial was under way: already reached
		default:
		}
		a.mu.Lock()
		s.leg = leg
		ready := !s.pausing
		if ready {
			s.idleAt = a.cfg.Clock()
			a.setLocked(s, Ready)
		} else {
			a.setLocked(s, Paused)
		}
		camps := s.agent.CampaignIDs
		a.mu.Unlock()
		log.Info("agent phone nailed up", "call_id", leg.CallID(), "ready", ready)
		if ready {
			a.readied(camps)
		}
		if !a.holdLeg(ctx, leg, log) {
			return
		}
		a.mu.Lock()
		s.leg = nil
		if a.sessions[s.agent.ID] == s {
			// Announced at once: the agent's console shows the phone is
			// down before the first redial.
			a.setLocked(s, PhoneDown)
		} else {
			s.state = PhoneDown // logged out meanwhile: nothing to tell
		}
		a.mu.Unlock()
		log.Warn("agent phone leg dropped; placing it again", "call_id", leg.CallID())
	}
}

// holdLeg waits while the leg is up, probing it every KeepAliveEvery; a
// phone that no longer answers the probe is hung up. It returns false when
// the agent logged out (ctx ended) and true when the leg is gone.
func (a *Registry) holdLeg(ctx context.Context, leg PhoneLeg, log *slog.Logger) bool {
	probe := time.NewTicker(a.cfg.KeepAliveEvery)
	defer probe.Stop()
	for {
		select {
		case <-ctx.Done():
			hctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			_ = leg.Hangup(hctx)
			cancel()
			return false
		case <-leg.Done():
			return true
		case <-probe.C:
			pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			err := leg.KeepAlive(pctx)
			cancel()
			if err != nil && ctx.Err() == nil {
				log.Warn("agent phone failed the keep-alive; hanging up", "call_id", leg.CallID(), "err", err)
				hctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
				_ = leg.Hangup(hctx)
				cancel()
				return true
			}
		}
	}
}

// PhoneRegistered tells the registry that SIP user user's phone has just
// registered to alo. A logged-in agent called at sip:<user>@alo whose leg is
// down is redialled at once instead of after the rest of the back-off (up
// to RedialMax): a phone that rebooted or changed network is back in
// service within a second of its REGISTER.
func (a *Registry) PhoneRegistered(user string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, s := range a.sessions {
		if s.leg != nil || !RegisteredAs(s.agent.SIPURI, user) {
			continue
		}
		select {
		case s.wake <- struct{}{}:
		default: // a wake is already pending
		}
	}
}

// RegisteredAs reports whether uri means "the phone registered as user".
func RegisteredAs(uri, user string) bool {
	var u sip.Uri
	if err := sip.ParseUri(uri, &u); err != nil {
		return false
	}
	return u.Host == sipua.RegistrarDomain && u.User == user
}

// StateOf is the live state of an agent logged in on this node, without
// asking SQL; false when they are not logged in here.
func (a *Registry) StateOf(id int64) (State, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	s, ok := a.sessions[id]
	if !ok {
		return Offline, false
	}
	return s.state, true
}

// PhoneLegs are the nailed-up legs of the agents logged in on this node.
func (a *Registry) PhoneLegs() []PhoneLeg {
	a.mu.Lock()
	defer a.mu.Unlock()
	legs := make([]PhoneLeg, 0, len(a.sessions))
	for _, s := range a.sessions {
		if s.leg != nil {
			legs = append(legs, s.leg)
		}
	}
	return legs
}

// ReadyFor counts agents logged in to campaignID who can take a call now or
// are reserved for one being placed.
func (a *Registry) ReadyFor(campaignID int64) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := 0
	for _, s := range a.sessions {
		if (s.state == Ready || s.state == Reserved) && servesCampaign(s.agent, campaignID) {
			n++
		}
	}
	return n
}

// Busy is an agent on a call or in wrap-up, as a pacer sees them.
type Busy struct {
	Elapsed   time.Duration // since the call started
	Wrapping  bool          // the call ended; wrap-up until the disposition
	PauseNext bool          // a pause waits for the end of this call
}

// FloorFor lists, for campaignID's pacer, the agents on a call or in
// wrap-up with the time since their call started (when each will be free
// again is what predictive pacing dials ahead of), and counts the agents
// logged in but paused or with their phone down (never dialed for).
func (a *Registry) FloorFor(campaignID int64, now time.Time) (busy []Busy, paused int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, s := range a.sessions {
		if !servesCampaign(s.agent, campaignID) {
			continue
		}
		switch s.state {
		case OnCall, WrapUp:
			busy = append(busy, Busy{Elapsed: now.Sub(s.callAt), Wrapping: s.state == WrapUp, PauseNext: s.pausing})
		case Paused, PhoneDown:
			paused++
		}
	}
	return busy, paused
}

func servesCampaign(ag Agent, campaignID int64) bool {
	for _, c := range ag.CampaignIDs {
		if c == campaignID {
			return true
		}
	}
	return false
}

// Reservation is an agent held for one call being placed.
type Reservation struct {
	AgentID int64
	Leg     PhoneLeg
	// WrapUp is the campaign's wrap-up limit: after a bridged call the
	// agent stays in wrap_up until they dispose the call or this passes
	// (0: ready at once).
	WrapUp time.Duration
}

// ReservePreferred holds agentID for a call of campaignID when that agent
// is ready (a promised callback goes to the agent who promised it), else
// the longest-idle ready agent, as Reserve.
func (a *Registry) ReservePreferred(campaignID, agentID int64) (Reservation, bool) {
	if agentID > 0 {
		a.mu.Lock()
		s, ok := a.sessions[agentID]
		if ok && s.state == Ready && s.leg != nil && servesCampaign(s.agent, campaignID) {
			a.setLocked(s, Reserved)
			r := Reservation{AgentID: agentID, Leg: s.leg}
			a.mu.Unlock()
			return r, true
		}
		a.mu.Unlock()
	}
	return a.Reserve(campaignID)
}

// EndWrapUp ends an agent's wrap-up (they disposed the call, or the limit
// passed): ready again, or paused if they asked meanwhile. It reports
// whether the agent was in wrap-up.
func (a *Registry) EndWrapUp(agentID int64) bool {
	a.mu.Lock()
	s, ok := a.sessions[agentID]
	if !ok || s.state != WrapUp {
		a.mu.Unlock()
		return false
	}
	if s.wrapTimer != nil {
		s.wrapTimer.Stop()
		s.wrapTimer = nil
	}
	a.backFromCallLocked(s)
	ready := s.state == Ready
	camps := s.agent.CampaignIDs
	a.mu.Unlock()
	if ready {
		a.readied(camps)
	}
	return true
}

// backFromCallLocked makes an agent whose call (or wrap-up) ended ready,
// or paused when they asked meanwhile; a.mu is held.
func (a *Registry) backFromCallLocked(s *agentSession) {
	if s.pausing {
		a.setLocked(s, Paused)
		return
	}
	s.idleAt = a.cfg.Clock()
	a.setLocked(s, Ready)
}

// Reserve holds the longest-idle ready agent of campaignID for a call. It
// returns false when none is ready.
func (a *Registry) Reserve(campaignID int64) (Reservation, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	var best *agentSession
	for _, s := range a.sessions {
		if s.state != Ready || s.leg == nil || !servesCampaign(s.agent, campaignID) {
			continue
		}
		if best == nil || s.idleAt.Before(best.idleAt) || (s.idleAt.Equal(best.idleAt) && s.agent.ID < best.agent.ID) {
			best = s
		}
	}
	if best == nil {
		return Reservation{}, false
	}
	a.setLocked(best, Reserved)
	return Reservation{AgentID: best.agent.ID, Leg: best.leg}, true
}

// StartCall moves a reserved agent on to the call. It returns false when the
// agent's phone leg is gone (the caller must not bridge).
func (a *Registry) StartCall(r Reservation) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	s, ok := a.sessions[r.AgentID]
	if !ok || s.leg != r.Leg || s.state != Reserved {
		return false
	}
	s.callAt = a.cfg.Clock()
	a.setLocked(s, OnCall)
	return true
}

// EndCall returns an agent from a reservation or a call to ready (or to the
// pause they asked for meanwhile), and wakes their campaigns' pacers.
func (a *Registry) EndCall(r Reservation) {
	a.mu.Lock()
	s, ok := a.sessions[r.AgentID]
	if !ok || s.leg != r.Leg || (s.state != Reserved && s.state != OnCall && s.state != WrapUp) {
		a.mu.Unlock()
		return
	}
	if s.state == OnCall && r.WrapUp > 0 {
		// A bridged call ends in wrap-up: the agent writes the result
		// before the next call (pacing counts them busy meanwhile).
		id, now := r.AgentID, a.cfg.Clock()
		s.wrapEnds = now.Add(r.WrapUp)
		s.wrapTimer = time.AfterFunc(r.WrapUp, func() { a.EndWrapUp(id) })
		a.setAtLocked(s, WrapUp, now)
		a.mu.Unlock()
		return
	}
	a.backFromCallLocked(s)
	ready := s.state == Ready
	camps := s.agent.CampaignIDs
	a.mu.Unlock()
	if ready {
		a.readied(camps)
	}
}
