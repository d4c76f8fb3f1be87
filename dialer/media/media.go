package media

import (
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// PortRange is the inclusive range of UDP ports alo may bind for RTP.
type PortRange struct{ Min, Max int }

// ParsePortRange reads "10000-20000". Both ends must be even-aligned (RTP on
// even ports, RTCP on the odd one above, RFC 3550 §11), so Min must be even
// and Max odd or even; the range must hold at least one even port.
func ParsePortRange(s string) (PortRange, error) {
	lo, hi, ok := strings.Cut(strings.TrimSpace(s), "-")
	if !ok {
		return PortRange{}, fmt.Errorf("rtp port range %q: want MIN-MAX, e.g. 10000-20000", s)
	}
	min, err := strconv.Atoi(strings.TrimSpace(lo))
	if err != nil {
		return PortRange{}, fmt.Errorf("rtp port range %q: minimum %q is not a number", s, lo)
	}
	max, err := strconv.Atoi(strings.TrimSpace(hi))
	if err != nil {
		return PortRange{}, fmt.Errorf("rtp port range %q: maximum %q is not a number", s, hi)
	}
	r := PortRange{Min: min, Max: max}
	if err := r.Validate(); err != nil {
		return PortRange{}, fmt.Errorf("rtp port range %q: %w", s, err)
	}
	return r, nil
}

// Validate checks the bounds: 1024 ≤ Min ≤ Max ≤ 65535 and Min even.
func (r PortRange) Validate() error {
	switch {
	case r.Min < 1024 || r.Max > 65535:
		return fmt.Errorf("ports must lie within 1024-65535, got %d-%d", r.Min, r.Max)
	case r.Min > r.Max:
		return fmt.Errorf("minimum %d is above maximum %d", r.Min, r.Max)
	case r.Min%2 != 0:
		return fmt.Errorf("minimum %d must be even (RTP uses even ports)", r.Min)
	}
	return nil
}

// String formats the range as ParsePortRange reads it.
func (r PortRange) String() string { return fmt.Sprintf("%d-%d", r.Min, r.Max) }

// ErrNoPort says every even port of the RTP range is taken.
var ErrNoPort = errors.New("no free RTP port in range")

// portPool hands out even UDP ports from a range, round robin so that a
// port just released is not reused at once (late packets of the old call
// would land on the new one).
type PortPool struct {
	host  string // IP to bind, "" for all
	rng   PortRange
	mu    sync.Mutex
	next  int
	inUse map[int]bool
	// frames paces the own audio of every stream bound from this pool.
	frames *frameClock
}

// newPortPool returns a pool for the even ports of r, bound on host.
func NewPortPool(host string, r PortRange) *PortPool {
	return &PortPool{host: host, rng: r, next: r.Min, inUse: map[int]bool{}, frames: newFrameClock()}
}

// open binds the next free even port. Ports that another process holds are
// skipped.
func (p *PortPool) open() (*net.UDPConn, int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	count := (p.rng.Max-p.rng.Min)/2 + 1
	for range count {
		port := p.next
		p.next += 2
		if p.next > p.rng.Max {
			p.next = p.rng.Min
		}
		if p.inUse[port] {
			continue
		}
		conn, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(p.bindAddr(), uint16(port))))
		if err != nil {
			continue // held by someone else
		}
		p.inUse[port] = true
		return conn, port, nil
	}
	return nil, 0, fmt.Errorf("%w %s", ErrNoPort, p.rng)
}

func (p *PortPool) bindAddr() netip.Addr {
	if a, err := netip.ParseAddr(p.host); err == nil {
		return a
	}
	return netip.IPv4Unspecified()
}

// release returns a port to the pool.
func (p *PortPool) release(port int) {
	p.mu.Lock()
	delete(p.inUse, port)
	p.mu.Unlock()
}

// inUseCount reports how many ports are bound now.
func (p *PortPool) InUseCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.inUse)
}

// StreamStats counts one stream's RTP traffic.
type StreamStats struct {
	PacketsIn, PacketsOut uint64
	BytesIn, BytesOut     uint64 // RTP bytes, headers included
	Dropped               uint64 // received but not forwarded: no target, unknown payload type, bad packet
	LastIn                time.Time
}

// Stream is one leg's RTP socket (an even port from the range) with its own
// outgoing SSRC, sequence number and timestamp, so the peer sees one
// continuous stream whatever alo relays into it.
type Stream struct {
	conn   *net.UDPConn
	port   int
	pool   *PortPool
	log    *slog.Logger
	codec  string
	pt     uint8 // payload type the peer expects for codec
	dtmfPT uint8 // peer's telephone-event type, 0 if none

	remote atomic.Pointer[netip.AddrPort] // SDP address, then the latched source
	fwd    atomic.Pointer[Stream]         // where received packets go (relay.go)
	tap    atomic.Pointer[MediaTap]       // who listens to received packets (answer analysis, keys)
	closed atomic.Bool

	packetsIn, packetsOut atomic.Uint64
	bytesIn, bytesOut     atomic.Uint64
	dropped               atomic.Uint64
	lastIn                atomic.Int64              // unix nanoseconds
	firstIn               atomic.Pointer[time.Time] // the first packet's arrival (monotonic)

	wmu      sync.Mutex // guards the outgoing state below (one writer at a time)
	ssrc     uint32
	seq      uint16
	ts       uint32
	lastSent time.Time
	lastSrc  *Stream
	srcSSRC  uint32 // SSRC of lastSrc's current stream; a change is a new source too
	tsOffset uint32 // added to the source's timestamps while lastSrc is current
	ownLast  bool   // the last packet sent was alo's own audio (playback.go)

	onNewSource atomic.Pointer[func(time.Time)] // OnNewSource's one-shot hook

	started  atomic.Bool
	readDone chan struct{}

	rx   receiveStats // RFC 3550 counts of what the peer sends (rtcp.go)
	rtcp *rtcpSession // nil when port+1 was taken

	play player // alo's own audio into this stream (playback.go)
}

// newStream binds a port; the stream reads nothing until start.
func NewStream(pool *PortPool, log *slog.Logger) (*Stream, error) {
	conn, port, err := pool.open()
	if err != nil {
		return nil, err
	}
	return &Stream{
		conn:     conn,
		port:     port,
		pool:     pool,
		log:      log,
		codec:    CodecPCMU,
		pt:       PayloadPCMU,
		ssrc:     rand.Uint32(),
		seq:      uint16(rand.Uint32()),
		ts:       rand.Uint32(),
		readDone: make(chan struct{}),
	}, nil
}

// Port is the local UDP port (even).
func (m *Stream) Port() int { return m.port }

// Codec is the codec the peer answered with: "PCMU" or "PCMA".
func (m *Stream) Codec() string { return m.codec }

// Remote is where packets for the peer go now: the SDP address until a
// packet arrives, then the source seen (symmetric RTP, for NAT'd peers).
func (m *Stream) Remote() netip.AddrPort {
	if p := m.remote.Load(); p != nil {
		return *p
	}
	return netip.AddrPort{}
}

// FirstIn is when the first packet arrived, zero before any did.
func (m *Stream) FirstIn() time.Time {
	if p := m.firstIn.Load(); p != nil {
		return *p
	}
	return time.Time{}
}

// Stats returns the stream's counters.
func (m *Stream) Stats() StreamStats {
	s := StreamStats{
		PacketsIn:  m.packetsIn.Load(),
		PacketsOut: m.packetsOut.Load(),
		BytesIn:    m.bytesIn.Load(),
		BytesOut:   m.bytesOut.Load(),
		Dropped:    m.dropped.Load(),
	}
	if ns := m.lastIn.Load(); ns != 0 {
		s.LastIn = time.Unix(0, ns)
	}
	return s
}

// ssrcOut is the SSRC of what we send on this stream.
func (m *Stream) ssrcOut() uint32 {
	m.wmu.Lock()
	defer m.wmu.Unlock()
	return m.ssrc
}

// start sets the peer's media and begins reading the socket.
//
// A stream already started by early media (a 183 with SDP) only takes the
// answer's address: RFC 3261 §13.2.1 makes the 2xx repeat the answer the
// 18x gave, and the reader goroutine already uses its payload types.
func (m *Stream) Start(rm Remote) {
	if m.started.Load() {
		if rm.Codec != m.codec || rm.PT != m.pt {
			m.log.Warn("answer's SDP differs from the early media's; keeping the early codec",
				"early", m.codec, "answer", rm.Codec)
		}
		if rm.Addr.IsValid() && rm.Addr.Port() != 0 {
			a := rm.Addr
			m.remote.Store(&a)
		}
		return
	}
	m.codec, m.pt, m.dtmfPT = rm.Codec, rm.PT, rm.DTMFPT
	if rm.Addr.IsValid() && rm.Addr.Port() != 0 {
		a := rm.Addr
		m.remote.Store(&a)
	}
	m.started.Store(true)
	m.rtcp = startRTCP(m, m.pool.bindAddr())
	go m.readLoop()
}

// close stops reading, unbinds the port and stops forwarding from and
// (lazily) into this stream. Safe to call more than once.
func (m *Stream) Close() {
	if m.closed.Swap(true) {
		return
	}
	m.fwd.Store(nil)
	_ = m.conn.Close()
	if m.rtcp != nil {
		m.rtcp.close()
	}
	m.pool.release(m.port)
	if !m.started.Load() {
		close(m.readDone)
	}
}

// wait blocks until the reader goroutine has stopped (after close).
func (m *Stream) Wait() { <-m.readDone }
