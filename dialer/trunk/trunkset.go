package trunk

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/emiago/sipgo/sip"
	"golang.org/x/time/rate"

	"github.com/alo-dialer/alo/input"
)

// SetConfig holds the live trunk set's dependencies and limits.
type SetConfig struct {
	// Store holds the trunks managed through the API; nil means only
	// Default is used.
	Store *Store
	// Default is the trunk of ALO_TRUNK_URI (group "default", id 0); a
	// zero URI means none.
	Default Trunk
	Clock   func() time.Time
	Log     *slog.Logger
	// BreakerFailures consecutive refusals (500, 502, 503, no response)
	// open a trunk's circuit breaker for BreakerCooldown (default 3 and
	// 30 s); then one call is let through to test it.
	BreakerFailures int
	BreakerCooldown time.Duration
	// KeepAliveEvery is how often each trunk gets an OPTIONS (default 30 s).
	KeepAliveEvery time.Duration
}

// Set is the live set of trunks: routing of a campaign to its group,
// the per-trunk concurrency cap and set-up token bucket, the circuit
// breaker and the OPTIONS keep-alive state. It changes through its methods,
// which write the store and reload.
type Set struct {
	cfg SetConfig

	mu     sync.RWMutex
	byID   map[int64]*Live
	groups map[string][]*Live // by priority
	camps  map[int64]string   // campaign → group (absent: default)
}

// Live is one trunk's runtime state: its calls in progress, its set-up
// rate and its breaker, as the user agent routes calls over it.
type Live struct {
	t       Trunk
	uri     sip.Uri
	proxy   *sip.Uri
	limiter *rate.Limiter // nil: no set-up cap

	mu        sync.Mutex
	active    int
	failures  int
	openUntil time.Time
	up        bool // the last OPTIONS got an answer (true until one fails)
	lastPing  time.Time
}

// Status is a trunk with its live state, as the API shows it.
type Status struct {
	Trunk
	Up          bool      `json:"up"`
	BreakerOpen bool      `json:"breaker_open"`
	ActiveCalls int       `json:"active_calls"`
	LastPing    time.Time `json:"last_ping,omitzero"`
}

// ErrNoTrunk says no trunk of the campaign's group can take a call now
// (none configured, all at their cap, down or with an open breaker).
var ErrNoTrunk = errors.New("no trunk available")

// NewSet checks the default trunk and returns the set; call Reload to
// read the store.
func NewSet(cfg SetConfig) (*Set, error) {
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.BreakerFailures <= 0 {
		cfg.BreakerFailures = 3
	}
	if cfg.BreakerCooldown <= 0 {
		cfg.BreakerCooldown = 30 * time.Second
	}
	if cfg.KeepAliveEvery <= 0 {
		cfg.KeepAliveEvery = 30 * time.Second
	}
	if cfg.Default.URI != "" {
		cfg.Default.ID = 0
		if cfg.Default.Name == "" {
			cfg.Default.Name = "default"
		}
		cfg.Default.Group = DefaultGroup
		cfg.Default.Normalize()
		if err := cfg.Default.Validate(); err != nil {
			return nil, fmt.Errorf("default trunk (ALO_TRUNK_URI): %w", err)
		}
	}
	t := &Set{cfg: cfg}
	if err := t.Apply(nil, nil); err != nil {
		return nil, err
	}
	return t, nil
}

// NewLive builds a trunk's runtime state from its definition (its target and
// proxy parsed, its set-up limiter made).
func NewLive(t Trunk) (*Live, error) {
	u, err := parseTrunkURI(t.URI)
	if err != nil {
		return nil, fmt.Errorf("trunk %s uri: %w", t, err)
	}
	lt := &Live{t: t, uri: u, up: true}
	if t.OutboundProxy != "" {
		p, err := parseTrunkURI(t.OutboundProxy)
		if err != nil {
			return nil, fmt.Errorf("trunk %s outbound proxy: %w", t, err)
		}
		lt.proxy = &p
	}
	if t.MaxCPS > 0 {
		// A burst of one second's worth: a pacer's tick launches a batch.
		lt.limiter = rate.NewLimiter(rate.Limit(t.MaxCPS), max(1, int(t.MaxCPS)))
	}
	return lt, nil
}

// apply swaps in a new trunk list, keeping the live state (calls up,
// breaker, keep-alive) of trunks whose settings did not change.
func (t *Set) Apply(trunks []Trunk, camps map[int64]string) error {
	all := trunks
	if t.cfg.Default.URI != "" {
		all = append([]Trunk{t.cfg.Default}, trunks...)
	}
	t.mu.RLock()
	old := t.byID
	t.mu.RUnlock()
	byID := map[int64]*Live{}
	groups := map[string][]*Live{}
	for _, tr := range all {
		lt, ok := old[tr.ID]
		if !ok || lt.t != tr {
			var err error
			if lt, err = NewLive(tr); err != nil {
				return err
			}
			if o, ok := old[tr.ID]; ok {
				o.mu.Lock()
				lt.active, lt.failures, lt.openUntil, lt.up, lt.lastPing = o.active, o.failures, o.openUntil, o.up, o.lastPing
				o.mu.Unlock()
			}
		}
		byID[tr.ID] = lt
		groups[tr.Group] = append(groups[tr.Group], lt)
	}
	for _, g := range groups {
		sort.SliceStable(g, func(i, j int) bool {
			if g[i].t.Priority != g[j].t.Priority {
				return g[i].t.Priority < g[j].t.Priority
			}
			return g[i].t.ID < g[j].t.ID
		})
	}
	if camps == nil {
		camps = map[int64]string{}
	}
	t.mu.Lock()
	t.byID, t.groups, t.camps = byID, groups, camps
	t.mu.Unlock()
	return nil
}

// Reload reads the trunks and campaign groups from the store.
func (t *Set) Reload(ctx context.Context) error {
	if t.cfg.Store == nil {
		return nil
	}
	trunks, err := t.cfg.Store.List(ctx)
	if err != nil {
		return err
	}
	camps, err := t.cfg.Store.CampaignGroups(ctx)
	if err != nil {
		return err
	}
	return t.Apply(trunks, camps)
}

// Create stores a trunk and puts it in service.
func (t *Set) Create(ctx context.Context, tr Trunk) (Trunk, error) {
	if t.cfg.Store == nil {
		return Trunk{}, fmt.Errorf("create trunk: no store: %w", input.ErrInvalid)
	}
	out, err := t.cfg.Store.Create(ctx, tr)
	if err != nil {
		return Trunk{}, err
	}
	return out, t.Reload(ctx)
}

// Update changes a trunk (an empty password keeps the stored one).
func (t *Set) Update(ctx context.Context, tr Trunk) (Trunk, error) {
	if t.cfg.Store == nil {
		return Trunk{}, fmt.Errorf("trunk %d: %w", tr.ID, input.ErrNotFound)
	}
	out, err := t.cfg.Store.Update(ctx, tr)
	if err != nil {
		return Trunk{}, err
	}
	return out, t.Reload(ctx)
}

// Delete takes a trunk out of service; its calls in progress go on.
func (t *Set) Delete(ctx context.Context, id int64) error {
	if t.cfg.Store == nil {
		return fmt.Errorf("trunk %d: %w", id, input.ErrNotFound)
	}
	if err := t.cfg.Store.Delete(ctx, id); err != nil {
		return err
	}
	return t.Reload(ctx)
}

// SetCampaignGroup routes a campaign's calls through a trunk group.
func (t *Set) SetCampaignGroup(ctx context.Context, campaignID int64, group string) error {
	if t.cfg.Store == nil {
		return fmt.Errorf("campaign trunk group: no store: %w", input.ErrInvalid)
	}
	if err := t.cfg.Store.SetCampaignGroup(ctx, campaignID, group); err != nil {
		return err
	}
	return t.Reload(ctx)
}

// CampaignGroup is the trunk group a campaign dials through.
func (t *Set) CampaignGroup(campaignID int64) string {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if g, ok := t.camps[campaignID]; ok {
		return g
	}
	return DefaultGroup
}

// Status lists every trunk (the default one first, id 0) with its live state.
func (t *Set) Status() []Status {
	now := t.cfg.Clock()
	t.mu.RLock()
	lts := make([]*Live, 0, len(t.byID))
	for _, lt := range t.byID {
		lts = append(lts, lt)
	}
	t.mu.RUnlock()
	sort.Slice(lts, func(i, j int) bool { return lts[i].t.ID < lts[j].t.ID })
	out := make([]Status, 0, len(lts))
	for _, lt := range lts {
		out = append(out, lt.status(now))
	}
	return out
}

// StatusOf is one trunk with its live state.
func (t *Set) StatusOf(id int64) (Status, error) {
	t.mu.RLock()
	lt, ok := t.byID[id]
	t.mu.RUnlock()
	if !ok {
		return Status{}, fmt.Errorf("trunk %d: %w", id, input.ErrNotFound)
	}
	return lt.status(t.cfg.Clock()), nil
}

func (lt *Live) status(now time.Time) Status {
	lt.mu.Lock()
	defer lt.mu.Unlock()
	return Status{Trunk: lt.t, Up: lt.up, BreakerOpen: now.Before(lt.openUntil), ActiveCalls: lt.active, LastPing: lt.lastPing}
}

// route lists the trunks a campaign's call may try, in order.
func (t *Set) Route(campaignID int64) []*Live {
	t.mu.RLock()
	defer t.mu.RUnlock()
	g, ok := t.camps[campaignID]
	if !ok {
		g = DefaultGroup
	}
	return t.groups[g]
}

// acquire takes a call slot and a set-up token on the trunk. It never
// waits: a trunk at its cap hands the call to the next one of the group.
func (lt *Live) Acquire(now time.Time) (release func(), err error) {
	lt.mu.Lock()
	defer lt.mu.Unlock()
	switch {
	case now.Before(lt.openUntil):
		return nil, fmt.Errorf("trunk %s: circuit breaker open until %s", lt.t, lt.openUntil.Format(time.RFC3339))
	case !lt.up:
		return nil, fmt.Errorf("trunk %s: down (no answer to OPTIONS)", lt.t)
	case lt.t.MaxCalls > 0 && lt.active >= lt.t.MaxCalls:
		return nil, fmt.Errorf("trunk %s: at its cap of %d calls", lt.t, lt.t.MaxCalls)
	case lt.limiter != nil && !lt.limiter.AllowN(now, 1):
		return nil, fmt.Errorf("trunk %s: at its cap of %g set-ups per second", lt.t, lt.t.MaxCPS)
	}
	lt.active++
	var once sync.Once
	return func() {
		once.Do(func() {
			lt.mu.Lock()
			lt.active--
			lt.mu.Unlock()
		})
	}, nil
}

// refused says whether a final response (0: none) is the trunk's own
// failure: it counts against the breaker and allows failover.
func Refused(code int) bool {
	return code == 0 || code == 500 || code == 502 || code == 503
}

// observe feeds the circuit breaker with an INVITE's final response.
func (lt *Live) observe(code int, now time.Time, cooldown time.Duration, threshold int, log *slog.Logger) {
	lt.mu.Lock()
	defer lt.mu.Unlock()
	if !Refused(code) {
		lt.failures = 0
		lt.openUntil = time.Time{}
		return
	}
	lt.failures++
	if lt.failures >= threshold {
		lt.openUntil = now.Add(cooldown)
		log.Warn("trunk circuit breaker open", "trunk", lt.t, "failures", lt.failures, "code", code, "until", lt.openUntil)
	}
}

// Observe feeds the final code of a call over lt (0: no response at all)
// to its breaker.
func (t *Set) Observe(lt *Live, code int, now time.Time) {
	lt.observe(code, now, t.cfg.BreakerCooldown, t.cfg.BreakerFailures, t.cfg.Log)
}

// Trunk is the trunk's definition.
func (lt *Live) Trunk() Trunk { return lt.t }

// URI is a copy of where the trunk's INVITEs go, to set the callee's user
// part on.
func (lt *Live) URI() sip.Uri { return *lt.uri.Clone() }

// Proxy is the outbound proxy the trunk's requests are routed through, or
// nil.
func (lt *Live) Proxy() *sip.Uri { return lt.proxy }

// Pinger sends an out-of-dialog OPTIONS to a trunk and returns the
// final status code, or an error when none came. *sipua.UA satisfies it.
type Pinger interface {
	PingTrunk(ctx context.Context, t Trunk) (int, error)
}

// KeepAlive sends OPTIONS to every trunk every KeepAliveEvery until ctx
// ends. Any final response marks the trunk up (a carrier may well answer
// 404 or 405 to OPTIONS, and that still proves it listens); no response
// or 503 marks it down, so calls go to the rest of its group.
func (t *Set) KeepAlive(ctx context.Context, p Pinger) {
	tick := time.NewTicker(t.cfg.KeepAliveEvery)
	defer tick.Stop()
	for {
		t.PingAll(ctx, p)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// PingAll probes every trunk once, in parallel, and waits.
func (t *Set) PingAll(ctx context.Context, p Pinger) {
	t.mu.RLock()
	lts := make([]*Live, 0, len(t.byID))
	for _, lt := range t.byID {
		lts = append(lts, lt)
	}
	t.mu.RUnlock()
	var wg sync.WaitGroup
	for _, lt := range lts {
		wg.Go(func() {
			pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			code, err := p.PingTrunk(pctx, lt.t)
			up := err == nil && code != 503
			lt.mu.Lock()
			was := lt.up
			lt.up, lt.lastPing = up, t.cfg.Clock()
			lt.mu.Unlock()
			if was != up && ctx.Err() == nil {
				t.cfg.Log.Warn("trunk keep-alive changed state", "trunk", lt.t, "up", up, "code", code, "err", err)
			}
		})
	}
	wg.Wait()
}
