package sipua

import (
	"context"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// sipgo logs every message it cannot parse at ERROR with the whole message
// ("failed to parse", attribute "data"), and every request it cannot make a
// transaction of with its start line. Anyone who can reach the SIP port can
// send such messages without authenticating, so alo counts them and logs
// each source at most once per interval, with a short escaped excerpt.
// Parsed traffic is never held back: only the log lines are limited.
const (
	sipgoParseFailed   = "failed to parse"
	sipgoRequestFailed = "Server tx failed to handle request"

	// malformedInterval is how often one source may be logged.
	malformedInterval = time.Minute
	// malformedExcerpt is how many bytes of a bad message are logged.
	malformedExcerpt = 64
	// malformedSources bounds the per-source table under a flood from
	// many (spoofed) addresses; past it sources share one entry.
	malformedSources = 4096
	// malformedLinesPerMinute and malformedBurst bound the lines for all
	// sources together, so spoofed addresses cannot multiply them.
	malformedLinesPerMinute = 30
	malformedBurst          = 20
	// unattributed keys the messages whose source is not known (a
	// request sipgo parsed but could not make a transaction of).
	unattributed = "unknown"
)

// malformedGuard counts malformed SIP messages and decides which to log.
type malformedGuard struct {
	log   *slog.Logger
	clock func() time.Time
	total atomic.Uint64
	lines *rate.Limiter

	mu         sync.Mutex
	sources    map[string]*malformedSource // by source IP
	suppressed uint64                      // not logged for the global bound, since the last line
	swept      time.Time

	readers sync.Map // *tracker → struct{}: sockets and connections being read
}

// malformedSource is one source's state in the current interval.
type malformedSource struct {
	logged  time.Time // when it was last logged
	skipped uint64    // messages not logged since then
}

func newMalformedGuard(log *slog.Logger, clock func() time.Time) *malformedGuard {
	return &malformedGuard{log: log, clock: clock, sources: map[string]*malformedSource{},
		lines: rate.NewLimiter(rate.Limit(malformedLinesPerMinute/60.0), malformedBurst)}
}

// MalformedMessages counts the SIP messages received since New that could
// not be parsed or made into a transaction (a metric for monitoring).
func (s *UA) MalformedMessages() uint64 { return s.guard.total.Load() }

// report counts one malformed message from src (an ip:port, or "") and
// logs it unless src was logged within the interval.
func (g *malformedGuard) report(src, excerpt, why string) {
	g.total.Add(1)
	key := unattributed
	if ap, err := netip.ParseAddrPort(src); err == nil {
		key = ap.Addr().Unmap().String()
	}
	now := g.clock()
	g.mu.Lock()
	st := g.source(key, now)
	if !st.logged.IsZero() && now.Sub(st.logged) < malformedInterval {
		st.skipped++
		g.mu.Unlock()
		return
	}
	if !g.lines.AllowN(now, 1) {
		g.suppressed++
		g.mu.Unlock()
		return
	}
	skipped, others := st.skipped, g.suppressed
	st.logged, st.skipped, g.suppressed = now, 0, 0
	g.mu.Unlock()
	g.log.Warn("sip message malformed, dropped", "source", key, "excerpt", excerpt, "error", truncate(why, 120),
		"skipped_from_source", skipped, "skipped_other_sources", others, "total", g.total.Load())
}

// source returns key's entry, sweeping entries of past intervals when the
// table is full; past the bound every new source shares one entry.
func (g *malformedGuard) source(key string, now time.Time) *malformedSource {
	if st, ok := g.sources[key]; ok {
		return st
	}
	if len(g.sources) >= malformedSources && now.Sub(g.swept) > malformedInterval {
		for k, st := range g.sources {
			if now.Sub(st.logged) >= malformedInterval {
				delete(g.sources, k)
			}
		}
		g.swept = now
	}
	if len(g.sources) >= malformedSources {
		key = "many"
		if st, ok := g.sources[key]; ok {
			return st
		}
	}
	st := &malformedSource{}
	g.sources[key] = st
	return st
}

// excerpt is the start of a bad message, escaped so that control
// characters and invalid UTF-8 cannot forge or break log lines.
func excerpt(data string) string {
	q := strconv.QuoteToASCII(truncate(data, malformedExcerpt))
	if len(data) > malformedExcerpt {
		return q[1:len(q)-1] + "..."
	}
	return q[1 : len(q)-1]
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// sourceOf finds which socket or connection is handling data now: sipgo
// logs a parse failure on the goroutine that read the message, before it
// reads the next one, so the reader's last message is the logged one.
func (g *malformedGuard) sourceOf(data string) string {
	src := ""
	g.readers.Range(func(k, _ any) bool {
		if s, ok := k.(*tracker).holds(data); ok {
			src = s
			return false
		}
		return true
	})
	return src
}

// handler wraps the handler sipgo logs to: malformed-message records go
// to the guard, the rest through.
func (g *malformedGuard) handler(next slog.Handler) slog.Handler {
	return &guardHandler{next: next, g: g}
}

type guardHandler struct {
	next slog.Handler
	g    *malformedGuard
}

func (h *guardHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelError || h.next.Enabled(ctx, l)
}

// Handle diverts sipgo's malformed-message records; everything else is
// passed on unchanged.
func (h *guardHandler) Handle(ctx context.Context, r slog.Record) error {
	switch r.Message {
	case sipgoParseFailed:
		data, why := recordAttr(r, "data"), recordAttr(r, "error")
		h.g.report(h.g.sourceOf(data), excerpt(data), why)
		return nil
	case sipgoRequestFailed:
		h.g.report("", excerpt(recordAttr(r, "req")), recordAttr(r, "error"))
		return nil
	}
	if !h.next.Enabled(ctx, r.Level) {
		return nil
	}
	return h.next.Handle(ctx, r)
}

func (h *guardHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &guardHandler{next: h.next.WithAttrs(as), g: h.g}
}

func (h *guardHandler) WithGroup(name string) slog.Handler {
	return &guardHandler{next: h.next.WithGroup(name), g: h.g}
}

func recordAttr(r slog.Record, key string) string {
	v := ""
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == key {
			v = a.Value.String()
			return false
		}
		return true
	})
	return v
}

// tracker keeps the last message one reader (a UDP socket or a TCP
// connection) read, so a parse failure can be traced to its source.
type tracker struct {
	mu   sync.Mutex
	src  string
	last []byte
}

func (t *tracker) record(b []byte, src string) {
	t.mu.Lock()
	t.last = append(t.last[:0], b...)
	t.src = src
	t.mu.Unlock()
}

func (t *tracker) holds(data string) (string, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.src, len(t.last) > 0 && string(t.last) == data
}

// firstReadConn signals when sipgo starts reading the SIP socket, and
// tracks each datagram's source for the guard.
type firstReadConn struct {
	net.PacketConn
	once    sync.Once
	reading chan struct{}
	tracker
}

// watchPacket wraps a UDP socket sipgo is about to serve.
func (g *malformedGuard) watchPacket(conn net.PacketConn) *firstReadConn {
	c := &firstReadConn{PacketConn: conn, reading: make(chan struct{})}
	g.readers.Store(&c.tracker, struct{}{})
	return c
}

// ReadFrom signals once, then reads.
func (c *firstReadConn) ReadFrom(b []byte) (int, net.Addr, error) {
	c.once.Do(func() { close(c.reading) })
	n, addr, err := c.PacketConn.ReadFrom(b)
	if n > 0 && addr != nil {
		c.record(b[:n], addr.String())
	}
	return n, addr, err
}

// watchListener wraps the TCP listener phones register over, so each
// connection's messages are tracked while it is open.
func (g *malformedGuard) watchListener(ln net.Listener) net.Listener {
	return &trackedListener{Listener: ln, g: g}
}

type trackedListener struct {
	net.Listener
	g *malformedGuard
}

// Accept tracks the accepted connection until it is closed.
func (l *trackedListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	tc := &trackedConn{Conn: c, g: l.g}
	l.g.readers.Store(&tc.tracker, struct{}{})
	return tc, nil
}

type trackedConn struct {
	net.Conn
	g         *malformedGuard
	closeOnce sync.Once
	tracker
}

// Read records what a read returned: sipgo parses one read's bytes at a time.
func (c *trackedConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if n > 0 {
		c.record(b[:n], c.RemoteAddr().String())
	}
	return n, err
}

// Close stops tracking the connection.
func (c *trackedConn) Close() error {
	c.closeOnce.Do(func() { c.g.readers.Delete(&c.tracker) })
	return c.Conn.Close()
}
