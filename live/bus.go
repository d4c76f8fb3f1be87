package live

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults of Config.
const (
	DefaultRing   = 4096
	DefaultBuffer = 512
	DefaultOutbox = 4096
)

// maxIDLength bounds the last event ids the bus parses (they come from
// clients).
const maxIDLength = 200

// Config is a Bus's dependencies and sizes.
type Config struct {
	// Node names this node (ALO_NODE); it starts every event id the bus
	// assigns, so an id from another node is recognised.
	Node string
	// Transport carries events to and from the other nodes; nil keeps the
	// bus in this process.
	Transport Transport
	// Clock is the bus's time: events' default At, the ring's age.
	// Nil means time.Now.
	Clock func() time.Time
	// Ring is how many recent events are kept for resuming (DefaultRing
	// when 0); MaxAge, when set, also forgets events older than that.
	Ring   int
	MaxAge time.Duration
	// Buffer is how many events may wait for one subscriber before it is
	// dropped as too slow (DefaultBuffer when 0).
	Buffer int
	// Outbox is how many events may wait to be sent to the other nodes;
	// beyond it (the transport is down or slow) they are dropped for the
	// other nodes, never blocking the publisher (DefaultOutbox when 0).
	Outbox int
	Log    *slog.Logger
}

// Bus is the live event bus of one node: publishers hand it events,
// subscribers each get those their filter lets through, in order. Publish
// never waits for a subscriber or the network (the dialer publishes from
// the call path).
type Bus struct {
	node     string
	instance string // random per Bus, stable across epochs: recognises our own echo
	tr       Transport
	clock    func() time.Time
	log      *slog.Logger
	buffer   int
	maxAge   time.Duration

	mu     sync.Mutex
	closed bool
	gen    int    // epoch generation, bumped at every transport (re)connect
	epoch  string // node.instance.gen
	seq    uint64 // last sequence number assigned (never reset)
	ring   ring
	subs   map[*Subscription]struct{}

	outbox    chan Event
	connected chan struct{} // closed at the transport's first connection
	connOnce  sync.Once

	stats struct {
		published, remote, echoes, slowDrops, outboxDrops, sendErrors, gaps atomic.Uint64
	}
}

// NewBus returns a bus for cfg.Node. Call Run to connect it to the other
// nodes and Close when done.
func NewBus(cfg Config) (*Bus, error) {
	if err := checkNode(cfg.Node); err != nil {
		return nil, err
	}
	b := &Bus{
		node: cfg.Node,
		// 40 random bits tell this run from the node's others (and from
		// another process wrongly given the same node name).
		instance:  strings.ToLower(rand.Text()[:8]),
		tr:        cfg.Transport,
		clock:     cfg.Clock,
		log:       cfg.Log,
		buffer:    orDefault(cfg.Buffer, DefaultBuffer),
		maxAge:    cfg.MaxAge,
		ring:      newRing(orDefault(cfg.Ring, DefaultRing)),
		subs:      map[*Subscription]struct{}{},
		outbox:    make(chan Event, orDefault(cfg.Outbox, DefaultOutbox)),
		connected: make(chan struct{}),
	}
	if b.clock == nil {
		b.clock = time.Now
	}
	if b.log == nil {
		b.log = slog.New(slog.DiscardHandler)
	}
	b.epoch = b.epochName()
	b.ring.first = b.seq + 1
	if b.tr == nil {
		b.connOnce.Do(func() { close(b.connected) })
	}
	return b, nil
}

func orDefault(n, def int) int {
	if n <= 0 {
		return def
	}
	return n
}

// checkNode keeps node names to the token cmd/alo accepts for ALO_NODE.
func checkNode(v string) error {
	if v == "" || len(v) > 64 {
		return fmt.Errorf("live: node name %q: want 1 to 64 characters", v)
	}
	for _, r := range v {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.'
		if !ok {
			return fmt.Errorf("live: node name %q: want only letters, digits, '-', '_' and '.'", v)
		}
	}
	return nil
}

func (b *Bus) epochName() string {
	return b.node + "." + b.instance + "." + strconv.Itoa(b.gen)
}

// Node is the node name the bus was made for.
func (b *Bus) Node() string { return b.node }

// Epoch is the bus's current epoch, the part of its event ids before the
// sequence number.
func (b *Bus) Epoch() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.epoch
}

// Connected is closed once the transport first subscribed (at once
// without a transport): from then on, events of other nodes arrive.
func (b *Bus) Connected() <-chan struct{} { return b.connected }

// Publish delivers e to this node's subscribers and queues it for the
// other nodes. It never waits: a full subscriber is dropped (ErrSlowSubscriber)
// and an event the outbox has no room for reaches this node only (counted
// in Stats). It fails only for an invalid event (ErrInvalid) or a closed
// bus (ErrClosed). ctx is not used to cancel anything: an event about a
// call whose context just ended (call.ended) must still go out.
func (b *Bus) Publish(_ context.Context, e Event) error {
	if err := checkType(e.Type); err != nil {
		return err
	}
	if len(e.Data) > 0 && !json.Valid(e.Data) {
		return fmt.Errorf("%w: %s data is not valid JSON", ErrInvalid, e.Type)
	}
	if e.At.IsZero() {
		e.At = b.clock()
	}
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return ErrClosed
	}
	e = b.deliverLocked(e)
	b.mu.Unlock()
	b.stats.published.Add(1)

	if b.tr == nil {
		return nil
	}
	select {
	case b.outbox <- e:
	default:
		if n := b.stats.outboxDrops.Add(1); n&(n-1) == 0 { // log the 1st, 2nd, 4th, 8th … drop
			b.log.Warn("live: outbox full, event not sent to other nodes", "type", e.Type, "id", e.ID, "dropped_total", n)
		}
	}
	return nil
}

// deliverLocked numbers e, keeps it in the ring and hands it to every
// subscriber whose filter takes it. Doing all three under one lock gives
// every subscriber the ring's order and makes Resume gap-free.
func (b *Bus) deliverLocked(e Event) Event {
	b.seq++
	e.ID = b.epoch + "-" + strconv.FormatUint(b.seq, 10)
	now := b.clock()
	b.ring.push(entry{ev: e, at: now}, b.seq)
	b.expireLocked(now)
	for s := range b.subs {
		if s.filter != nil && !s.filter(e) {
			continue
		}
		select {
		case s.ch <- e:
		default:
			b.stats.slowDrops.Add(1)
			b.log.Warn("live: subscriber dropped: too slow", "subscriber", s.name, "buffer", cap(s.ch), "id", e.ID)
			b.endLocked(s, ErrSlowSubscriber)
		}
	}
	return e
}

// expireLocked forgets events older than MaxAge.
func (b *Bus) expireLocked(now time.Time) {
	if b.maxAge <= 0 {
		return
	}
	for b.ring.n > 0 && now.Sub(b.ring.oldest().at) > b.maxAge {
		b.ring.drop()
	}
}

// Subscribe returns a subscription to the events f lets through (all when
// f is nil), from now on. name labels it in logs.
func (b *Bus) Subscribe(name string, f Filter) (*Subscription, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil, ErrClosed
	}
	return b.subscribeLocked(name, f), nil
}

func (b *Bus) subscribeLocked(name string, f Filter) *Subscription {
	s := &Subscription{bus: b, name: name, filter: f, ch: make(chan Event, b.buffer),
		after: b.epoch + "-" + strconv.FormatUint(b.seq, 10)}
	b.subs[s] = struct{}{}
	return s
}

// Since returns the events f lets through that came after lastID, in
// order. It fails with ErrCannotResume (wrapped with why) when lastID is
// from another node or an earlier epoch of this one, is not an id this bus
// gave, or is older than the ring: then the client needs a fresh snapshot.
func (b *Bus) Since(lastID string, f Filter) ([]Event, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil, ErrClosed
	}
	return b.sinceLocked(lastID, f)
}

// Resume is Since and Subscribe at once: the events after lastID, and a
// subscription to those after them, with none lost or repeated between
// the two. On ErrCannotResume there is no subscription.
func (b *Bus) Resume(name, lastID string, f Filter) (*Subscription, []Event, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil, nil, ErrClosed
	}
	evs, err := b.sinceLocked(lastID, f)
	if err != nil {
		return nil, nil, err
	}
	return b.subscribeLocked(name, f), evs, nil
}

func (b *Bus) sinceLocked(lastID string, f Filter) ([]Event, error) {
	if len(lastID) > maxIDLength {
		return nil, fmt.Errorf("%w: event id longer than %d bytes", ErrCannotResume, maxIDLength)
	}
	i := strings.LastIndexByte(lastID, '-')
	if i < 0 {
		return nil, fmt.Errorf("%w: %q is not an event id", ErrCannotResume, lastID)
	}
	epoch := lastID[:i]
	seq, err := strconv.ParseUint(lastID[i+1:], 10, 64)
	if err != nil {
		return nil, fmt.Errorf("%w: %q is not an event id", ErrCannotResume, lastID)
	}
	if epoch != b.epoch {
		if strings.HasPrefix(epoch, b.node+".") {
			return nil, fmt.Errorf("%w: %q is from an earlier epoch of this node (restart or lost events)", ErrCannotResume, lastID)
		}
		return nil, fmt.Errorf("%w: %q is from another node", ErrCannotResume, lastID)
	}
	if seq > b.seq {
		return nil, fmt.Errorf("%w: %q is ahead of this node's last event", ErrCannotResume, lastID)
	}
	b.expireLocked(b.clock())
	if seq+1 < b.ring.first {
		return nil, fmt.Errorf("%w: %q is older than the %d events kept", ErrCannotResume, lastID, b.ring.n)
	}
	var out []Event
	for k := seq + 1; k <= b.seq; k++ {
		e := b.ring.at(k).ev
		if f == nil || f(e) {
			out = append(out, e)
		}
	}
	return out, nil
}

// endLocked removes s and closes its channel with why.
func (b *Bus) endLocked(s *Subscription, why error) {
	if _, ok := b.subs[s]; !ok {
		return
	}
	delete(b.subs, s)
	s.mu.Lock()
	s.err = why
	s.mu.Unlock()
	close(s.ch)
}

// Close ends every subscription (ErrClosed) and refuses further events.
// Run returns once its context ends; Close does not stop it.
func (b *Bus) Close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return
	}
	b.closed = true
	for s := range b.subs {
		b.endLocked(s, ErrClosed)
	}
}

// Stats are the bus's counters since it started.
type Stats struct {
	Published   uint64 // events published on this node
	Remote      uint64 // events received from other nodes
	Echoes      uint64 // our own events coming back from the transport, ignored
	SlowDrops   uint64 // subscribers dropped as too slow
	OutboxDrops uint64 // events not sent to other nodes: the outbox was full
	SendErrors  uint64 // batches the transport failed to send
	Gaps        uint64 // transport reconnections (each starts a new epoch)
	Subscribers int    // subscriptions open now
}

// Stats returns the bus's counters.
func (b *Bus) Stats() Stats {
	b.mu.Lock()
	n := len(b.subs)
	b.mu.Unlock()
	return Stats{
		Published: b.stats.published.Load(), Remote: b.stats.remote.Load(), Echoes: b.stats.echoes.Load(),
		SlowDrops: b.stats.slowDrops.Load(), OutboxDrops: b.stats.outboxDrops.Load(),
		SendErrors: b.stats.sendErrors.Load(), Gaps: b.stats.gaps.Load(), Subscribers: n,
	}
}

// Subscription is one subscriber's events, in the bus's order.
type Subscription struct {
	bus    *Bus
	name   string
	filter Filter
	ch     chan Event
	after  string

	mu  sync.Mutex
	err error
}

// C delivers the events. It is closed when the subscription ends: by
// Close, by the bus (Err says why).
func (s *Subscription) C() <-chan Event { return s.ch }

// After is the id of the last event before this subscription's first: a
// snapshot read just after subscribing is resumable from it.
func (s *Subscription) After() string { return s.after }

// Err is why the bus ended the subscription (ErrSlowSubscriber, ErrGap,
// ErrClosed), nil while it runs or when its owner closed it.
func (s *Subscription) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// Close ends the subscription; C is closed after the events already in it.
func (s *Subscription) Close() {
	s.bus.mu.Lock()
	defer s.bus.mu.Unlock()
	s.bus.endLocked(s, nil)
}

// entry is one event of the ring and when this bus received it.
type entry struct {
	ev Event
	at time.Time
}

// ring keeps the last events, numbered first … first+n-1 (the bus's
// sequence numbers, contiguous because every event goes through it).
type ring struct {
	buf   []entry
	head  int    // index of the oldest
	n     int    // how many are kept
	first uint64 // sequence number of the oldest (of the next, when empty)
}

func newRing(size int) ring { return ring{buf: make([]entry, size)} }

func (r *ring) push(e entry, seq uint64) {
	if r.n == 0 {
		r.first = seq
	}
	if r.n == len(r.buf) {
		r.drop()
	}
	r.buf[(r.head+r.n)%len(r.buf)] = e
	r.n++
}

func (r *ring) oldest() entry { return r.buf[r.head] }

// drop forgets the oldest event.
func (r *ring) drop() {
	r.buf[r.head] = entry{} // let its data be collected
	r.head = (r.head + 1) % len(r.buf)
	r.n--
	r.first++
}

// at returns the event numbered seq, which the caller knows is kept.
func (r *ring) at(seq uint64) entry {
	return r.buf[(r.head+int(seq-r.first))%len(r.buf)]
}

// reset forgets every event; the next is numbered next.
func (r *ring) reset(next uint64) {
	clear(r.buf)
	r.head, r.n, r.first = 0, 0, next
}
