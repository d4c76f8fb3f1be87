package sipua

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/alo-dialer/alo/dialer/media"
	"github.com/alo-dialer/alo/dialer/trunk"
)

// Config configures the dialer's user agent.
type Config struct {
	ListenAddr    string // UDP host:port for SIP, e.g. "0.0.0.0:5060"
	AdvertiseHost string // IP put in Contact, Via and SDP; "" = ListenAddr host, or 127.0.0.1 if unspecified
	RTPPorts      media.PortRange
	// Trunk is the default trunk (ALO_TRUNK_URI), used when Trunks is nil.
	Trunk trunk.Trunk
	// Trunks is the live trunk set (API-managed trunks and the default);
	// nil builds one holding Trunk only.
	Trunks    *trunk.Set
	UserAgent string
	// Legs records every INVITE's evidence; nil records nothing.
	Legs LegRecorder
	// Clock stamps the leg evidence; nil is time.Now.
	Clock func() time.Time
	// MinRing is the floor of every customer call's ring timeout (the
	// rule set's minimum ring, docs/architecture.md invariant 5); 0 means none.
	MinRing time.Duration
	// NoResponseTimeout is how long a trunk may leave an INVITE without
	// any response before alo gives up on it and fails over (default 5 s;
	// RFC 3261's Timer B, 32 s, is far too long for a dialer).
	NoResponseTimeout time.Duration
	// MediaTimeout ends a customer leg that has received no RTP for this
	// long (default 30 s; negative disables). Agent legs are exempt.
	MediaTimeout time.Duration
	// MaxCallDuration ends a customer leg this long after its answer
	// (default 2 h; negative disables). Agent legs are exempt.
	MaxCallDuration time.Duration
	// Registrar answers REGISTER from agents' phones and locates them for
	// sip:<user>@alo agent URIs; nil refuses REGISTER (405).
	Registrar Registrar
	// TLS is the client configuration for trunks over TLS (LoadTLSConfig):
	// the CAs that vouch for carriers and alo's own certificate. nil
	// verifies carriers against the system roots and presents none.
	TLS *tls.Config
}

// sipSocket is one local SIP address alo sends from, with the client and
// dialog UA bound to it. Trunks that pin a local port get their own.
type sipSocket struct {
	client   *sipgo.Client
	dialogUA *sipgo.DialogUA
	local    netip.AddrPort
	conn     net.PacketConn // nil for the stream (TCP/TLS) socket
}

// UA is alo's SIP user agent: it places calls to customers through the
// trunk and to agents' phones, and answers the in-dialog requests of those
// calls. It sends every request from its listening socket, because carriers
// recognise a customer by source IP and port.
type UA struct {
	cfg       Config
	log       *slog.Logger
	ua        *sipgo.UserAgent
	srv       *sipgo.Server
	ports     *media.PortPool
	trunks    *trunk.Set
	clock     func() time.Time
	listenIP  netip.Addr
	advertise string

	ready     chan struct{}
	serveOnce sync.Once

	mu       sync.RWMutex // guards the fields set by Serve
	main     *sipSocket
	pinned   map[int]*sipSocket // local port → socket of trunks that pin one
	stream   *sipSocket         // TCP requests (ephemeral local ports)
	tls      *sipSocket         // TLS requests (ephemeral local ports)
	tcp      net.Listener       // phones registering over TCP
	serveCtx context.Context
	served   []chan error

	registrar Registrar // nil: REGISTER is refused (405)
	guard     *malformedGuard

	legs      sync.Map // dialog ID → *Leg
	cancelled sync.Map // Call-ID → *sip.Request: INVITEs we CANCELled (a late 2xx is ACKed and BYEd)
	bg        sync.WaitGroup
}

// New checks cfg and builds the user agent; Serve starts it.
func New(cfg Config, log *slog.Logger) (*UA, error) {
	if log == nil {
		log = slog.Default()
	}
	host, portStr, err := net.SplitHostPort(cfg.ListenAddr)
	if err != nil {
		return nil, fmt.Errorf("sip listen address %q: %w", cfg.ListenAddr, err)
	}
	if p, err := strconv.Atoi(portStr); err != nil || p < 0 || p > 65535 {
		return nil, fmt.Errorf("sip listen address %q: bad port %q", cfg.ListenAddr, portStr)
	}
	listenIP := netip.IPv4Unspecified()
	if host != "" {
		if listenIP, err = netip.ParseAddr(host); err != nil {
			return nil, fmt.Errorf("sip listen address %q: host must be an IP: %w", cfg.ListenAddr, err)
		}
	}
	advertise := cfg.AdvertiseHost
	switch {
	case advertise != "":
		if _, err := netip.ParseAddr(advertise); err != nil {
			return nil, fmt.Errorf("sip advertise host %q must be an IP (it goes into SDP c=): %w", advertise, err)
		}
	case listenIP.IsUnspecified():
		advertise = "127.0.0.1"
	default:
		advertise = listenIP.String()
	}
	if err := cfg.RTPPorts.Validate(); err != nil {
		return nil, fmt.Errorf("rtp port range: %w", err)
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.NoResponseTimeout <= 0 {
		cfg.NoResponseTimeout = 5 * time.Second
	}
	if cfg.MediaTimeout == 0 {
		cfg.MediaTimeout = 30 * time.Second
	}
	if cfg.MaxCallDuration == 0 {
		cfg.MaxCallDuration = 2 * time.Hour
	}
	s := &UA{cfg: cfg, log: log, advertise: advertise, ready: make(chan struct{}), clock: cfg.Clock,
		listenIP: listenIP, pinned: map[int]*sipSocket{}, registrar: cfg.Registrar}
	s.trunks = cfg.Trunks
	if s.trunks == nil {
		if s.trunks, err = trunk.NewSet(trunk.SetConfig{Default: cfg.Trunk, Clock: cfg.Clock, Log: log}); err != nil {
			return nil, err
		}
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "alo"
		s.cfg.UserAgent = "alo"
	}
	s.ports = media.NewPortPool(listenIP.String(), cfg.RTPPorts)

	s.guard = newMalformedGuard(log.With("component", "sip"), cfg.Clock)
	sipLog := slog.New(s.guard.handler(log.Handler())).With("component", "sip")
	tlsConf := cfg.TLS
	if tlsConf == nil {
		tlsConf = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	s.ua, err = sipgo.NewUA(
		sipgo.WithUserAgent(cfg.UserAgent),
		sipgo.WithUserAgentHostname(advertise),
		sipgo.WithUserAgentTransactionLayerOptions(
			sip.WithTransactionLayerLogger(sipLog),
			sip.WithTransactionLayerUnhandledResponseHandler(s.onUnhandledResponse),
		),
		sipgo.WithUserAgentTransportLayerOptions(sip.WithTransportLayerLogger(sipLog)),
		// The carrier's certificate is checked against the trunk's host
		// name (or IP); there is no fallback to plain TCP.
		sipgo.WithUserAgenTLSConfig(tlsConf),
	)
	if err != nil {
		return nil, fmt.Errorf("sip user agent: %w", err)
	}
	s.srv, err = sipgo.NewServer(s.ua, sipgo.WithServerLogger(sipLog))
	if err != nil {
		return nil, fmt.Errorf("sip server: %w", err)
	}
	s.srv.OnInvite(s.onInvite)
	s.srv.OnAck(func(*sip.Request, sip.ServerTransaction) {}) // ACKs of our re-INVITE answers: nothing to do
	s.srv.OnBye(s.onBye)
	s.srv.OnCancel(s.onCancel)
	s.srv.OnOptions(s.onOptions)
	s.srv.OnRegister(s.onRegister)
	s.srv.OnUpdate(s.onUpdate)
	s.srv.OnNoRoute(s.onNoRoute)
	return s, nil
}

// Legs are the calls established now, customers' and agents'.
func (s *UA) Legs() []*Leg {
	var legs []*Leg
	s.legs.Range(func(_, v any) bool {
		legs = append(legs, v.(*Leg))
		return true
	})
	return legs
}

// PortsInUse counts the RTP ports bound now (none once Serve has returned).
func (s *UA) PortsInUse() int { return s.ports.InUseCount() }

// Ready is closed once Serve listens; dialling waits for it.
func (s *UA) Ready() <-chan struct{} { return s.ready }

// LocalAddr is the bound SIP address (valid after Ready).
func (s *UA) LocalAddr() netip.AddrPort {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.main == nil {
		return netip.AddrPort{}
	}
	return s.main.local
}

// Trunks is the live trunk set the UA dials through.
func (s *UA) Trunks() *trunk.Set { return s.trunks }

// Serve listens on UDP until ctx is done, then hangs up the legs still up
// (no call is left open at the far end) and closes the socket. It may be
// called once.
func (s *UA) Serve(ctx context.Context) error {
	err := errors.New("sip: Serve called twice")
	s.serveOnce.Do(func() { err = s.serve(ctx) })
	return err
}

// sipUDPBuffer is the socket buffer asked for on SIP UDP sockets. A burst
// of set-ups (hundreds of 100, 180 and final responses within a few
// milliseconds) overflows Linux's default of about 208 KB, and every
// datagram dropped there costs a retransmission or, for a lost final
// response after a 180, a call left ringing. The kernel caps the size at
// net.core.rmem_max / wmem_max.
const sipUDPBuffer = 4 << 20

// growUDPBuffers enlarges a SIP UDP socket's buffers; a refusal leaves the
// defaults, which work at lower rates.
func growUDPBuffers(conn net.PacketConn) {
	if uc, ok := conn.(*net.UDPConn); ok {
		_ = uc.SetReadBuffer(sipUDPBuffer)
		_ = uc.SetWriteBuffer(sipUDPBuffer)
	}
}

func (s *UA) serve(ctx context.Context) error {
	conn, err := net.ListenPacket("udp4", s.cfg.ListenAddr)
	if err != nil {
		return fmt.Errorf("sip: listen udp %s: %w", s.cfg.ListenAddr, err)
	}
	growUDPBuffers(conn)
	sock, err := s.newUDPSocket(conn)
	if err != nil {
		_ = conn.Close()
		return err
	}
	stream, err := s.newStreamSocket(trunk.TransportTCP)
	if err != nil {
		_ = conn.Close()
		return err
	}
	tlsSock, err := s.newStreamSocket(trunk.TransportTLS)
	if err != nil {
		_ = conn.Close()
		return err
	}
	s.mu.Lock()
	s.main, s.stream, s.tls, s.serveCtx = sock, stream, tlsSock, ctx
	s.mu.Unlock()

	served := make(chan error, 1)
	reading := s.guard.watchPacket(conn)
	go func() { served <- s.srv.ServeUDP(reading) }()
	// sipgo registers the socket for outgoing requests before its first
	// read; dialling earlier would open a second socket on the same port.
	select {
	case <-reading.reading:
	case err := <-served:
		_ = conn.Close()
		return fmt.Errorf("sip: serve udp: %w", err)
	}
	// Phones may register over TCP too; their calls then come back over
	// the connection they opened (NAT). A busy TCP port only costs TCP.
	if ln, err := net.Listen("tcp4", sock.local.String()); err != nil {
		s.log.Warn("sip tcp not listening", "addr", sock.local.String(), "err", err)
	} else {
		tcpDone := make(chan error, 1)
		go func() { tcpDone <- s.srv.ServeTCP(s.guard.watchListener(ln)) }()
		s.mu.Lock()
		s.tcp = ln
		s.served = append(s.served, tcpDone)
		s.mu.Unlock()
	}
	close(s.ready)
	s.log.Info("sip listening", "addr", sock.local.String(), "advertise", s.advertise, "rtp_ports", s.cfg.RTPPorts.String(), "trunk", s.cfg.Trunk)

	select {
	case <-ctx.Done():
	case err := <-served:
		_ = conn.Close()
		s.shutdownLegs()
		return fmt.Errorf("sip: serve udp: %w", err)
	}
	s.shutdownLegs()
	s.bg.Wait()
	_ = conn.Close()
	<-served
	s.mu.Lock()
	extra := s.pinned
	s.pinned = map[int]*sipSocket{}
	waits := s.served
	s.mu.Unlock()
	for _, p := range extra {
		_ = p.conn.Close()
	}
	if s.tcp != nil {
		_ = s.tcp.Close()
	}
	for _, w := range waits {
		<-w
	}
	_ = s.ua.Close()
	return nil
}

// newUDPSocket builds the client that sends from conn, so the carrier sees
// the address it knows.
func (s *UA) newUDPSocket(conn net.PacketConn) (*sipSocket, error) {
	laddr := conn.LocalAddr().(*net.UDPAddr).AddrPort()
	client, err := sipgo.NewClient(s.ua,
		sipgo.WithClientHostname(s.advertise),
		sipgo.WithClientPort(int(laddr.Port())),
		// Send from the listening socket: carriers match on source address.
		sipgo.WithClientConnectionAddr(conn.LocalAddr().String()),
		sipgo.WithClientLogger(s.log.With("component", "sip")),
	)
	if err != nil {
		return nil, fmt.Errorf("sip client: %w", err)
	}
	contact := sip.ContactHeader{Address: sip.Uri{Scheme: "sip", User: "alo", Host: s.advertise, Port: int(laddr.Port())}}
	return &sipSocket{
		client:   client,
		dialogUA: &sipgo.DialogUA{Client: client, ContactHDR: contact},
		local:    netip.AddrPortFrom(laddr.Addr().Unmap(), laddr.Port()),
		conn:     conn,
	}, nil
}

// newStreamSocket builds the client for TCP or TLS trunks (transport): the
// transport layer opens (and reuses) one connection per carrier, and the
// carrier's in-dialog requests come back on it. The Contact names the
// transport, so a carrier that opens its own connection uses the same one.
func (s *UA) newStreamSocket(transport string) (*sipSocket, error) {
	client, err := sipgo.NewClient(s.ua,
		sipgo.WithClientHostname(s.advertise),
		sipgo.WithClientLogger(s.log.With("component", "sip")),
	)
	if err != nil {
		return nil, fmt.Errorf("sip stream client: %w", err)
	}
	contact := sip.ContactHeader{Address: sip.Uri{Scheme: "sip", User: "alo", Host: s.advertise}}
	contact.Address.UriParams = sip.NewParams()
	contact.Address.UriParams.Add("transport", transport)
	return &sipSocket{client: client, dialogUA: &sipgo.DialogUA{Client: client, ContactHDR: contact, RewriteContact: true}}, nil
}

// socketFor returns the socket a trunk's requests leave from: its pinned
// UDP port (opened and served on first use), the stream socket for TCP and
// TLS, or the main socket.
func (s *UA) socketFor(ctx context.Context, t trunk.Trunk) (*sipSocket, error) {
	select {
	case <-s.ready:
	case <-ctx.Done():
		return nil, fmt.Errorf("sip not listening yet: %w", ctx.Err())
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch t.Transport {
	case trunk.TransportTCP:
		return s.stream, nil
	case trunk.TransportTLS:
		return s.tls, nil
	}
	if t.LocalPort == 0 || t.LocalPort == int(s.main.local.Port()) {
		return s.main, nil
	}
	if p, ok := s.pinned[t.LocalPort]; ok {
		return p, nil
	}
	if s.serveCtx.Err() != nil {
		return nil, errors.New("sip: shutting down")
	}
	addr := netip.AddrPortFrom(s.listenIP, uint16(t.LocalPort))
	conn, err := net.ListenPacket("udp4", addr.String())
	if err != nil {
		return nil, fmt.Errorf("trunk %s: pinned local port %d: %w", t, t.LocalPort, err)
	}
	growUDPBuffers(conn)
	sock, err := s.newUDPSocket(conn)
	if err != nil {
		_ = conn.Close()
		return nil, err
	}
	done := make(chan error, 1)
	reading := s.guard.watchPacket(conn)
	go func() { done <- s.srv.ServeUDP(reading) }()
	select {
	case <-reading.reading:
	case err := <-done:
		_ = conn.Close()
		return nil, fmt.Errorf("trunk %s: serve pinned port %d: %w", t, t.LocalPort, err)
	}
	s.pinned[t.LocalPort] = sock
	s.served = append(s.served, done)
	s.log.Info("sip listening on a trunk's pinned port", "addr", sock.local.String(), "trunk", t)
	return sock, nil
}

// shutdownLegs sends BYE on every leg still up, in parallel, bounded.
func (s *UA) shutdownLegs() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	s.legs.Range(func(_, v any) bool {
		wg.Go(func() { _ = v.(*Leg).Hangup(ctx) })
		return true
	})
	wg.Wait()
}

// session returns the main socket once Serve set it up, waiting for it.
func (s *UA) session(ctx context.Context) (*sipSocket, error) {
	select {
	case <-s.ready:
	case <-ctx.Done():
		return nil, fmt.Errorf("sip not listening yet: %w", ctx.Err())
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.main, nil
}

// legFor finds the leg an in-dialog request belongs to (alo is the UAC of
// every dialog, so the request's To tag is ours).
func (s *UA) legFor(req *sip.Request) *Leg {
	id, err := sip.DialogIDFromRequestUAC(req)
	if err != nil {
		return nil
	}
	if v, ok := s.legs.Load(id); ok {
		return v.(*Leg)
	}
	return nil
}

func (s *UA) respond(req *sip.Request, tx sip.ServerTransaction, code int, reason string) {
	res := sip.NewResponseFromRequest(req, code, reason, nil)
	if err := tx.Respond(res); err != nil {
		s.log.Debug("sip respond", "code", code, "method", req.Method.String(), "error", err)
	}
}

// onInvite answers re-INVITEs of our calls and refuses new calls: alo only
// places calls.
func (s *UA) onInvite(req *sip.Request, tx sip.ServerTransaction) {
	if to := req.To(); to == nil || !to.Params.Has("tag") {
		s.respond(req, tx, 403, "Forbidden")
		return
	}
	leg := s.legFor(req)
	if leg == nil {
		s.respond(req, tx, 481, "Call/Transaction Does Not Exist")
		return
	}
	leg.answerRefresh(req, tx)
}

// onUpdate answers session refreshes (RFC 3311) of our calls.
func (s *UA) onUpdate(req *sip.Request, tx sip.ServerTransaction) {
	leg := s.legFor(req)
	if leg == nil {
		s.respond(req, tx, 481, "Call/Transaction Does Not Exist")
		return
	}
	leg.answerRefresh(req, tx)
}

// onBye ends the leg the far end hung up.
func (s *UA) onBye(req *sip.Request, tx sip.ServerTransaction) {
	leg := s.legFor(req)
	if leg == nil {
		s.respond(req, tx, 481, "Call/Transaction Does Not Exist")
		return
	}
	leg.remoteBye(req, tx)
}

// onRegister hands REGISTER to the registrar, or refuses it when there is
// none.
func (s *UA) onRegister(req *sip.Request, tx sip.ServerTransaction) {
	if s.registrar == nil {
		s.onNoRoute(req, tx)
		return
	}
	s.registrar.Handle(req, tx)
}

// onCancel only sees CANCELs that match no INVITE transaction.
func (s *UA) onCancel(req *sip.Request, tx sip.ServerTransaction) {
	s.respond(req, tx, 481, "Call/Transaction Does Not Exist")
}

// onOptions answers keep-alive probes from trunks and phones.
func (s *UA) onOptions(req *sip.Request, tx sip.ServerTransaction) {
	res := sip.NewResponseFromRequest(req, 200, "OK", nil)
	res.AppendHeader(sip.NewHeader("Allow", allowMethods))
	res.AppendHeader(sip.NewHeader("Accept", "application/sdp"))
	if err := tx.Respond(res); err != nil {
		s.log.Debug("sip respond options", "error", err)
	}
}

func (s *UA) onNoRoute(req *sip.Request, tx sip.ServerTransaction) {
	res := sip.NewResponseFromRequest(req, 405, "Method Not Allowed", nil)
	res.AppendHeader(sip.NewHeader("Allow", allowMethods))
	if err := tx.Respond(res); err != nil {
		s.log.Debug("sip respond 405", "method", req.Method.String(), "error", err)
	}
}

// allowMethods is what alo's UA accepts.
const allowMethods = "INVITE, ACK, CANCEL, BYE, OPTIONS, UPDATE, REGISTER"

// PingTrunk sends an out-of-dialog OPTIONS to a trunk from the socket its
// calls use and returns the final status code (after one digest challenge
// if the trunk asks for it).
func (s *UA) PingTrunk(ctx context.Context, t trunk.Trunk) (int, error) {
	sock, err := s.socketFor(ctx, t)
	if err != nil {
		return 0, err
	}
	lt, err := trunk.NewLive(t)
	if err != nil {
		return 0, err
	}
	uri := lt.URI()
	if t.Transport == trunk.TransportTCP || t.Transport == trunk.TransportTLS {
		if uri.UriParams == nil {
			uri.UriParams = sip.NewParams()
		}
		uri.UriParams.Add("transport", t.Transport)
	}
	req := sip.NewRequest(sip.OPTIONS, uri)
	if p := lt.Proxy(); p != nil {
		req.AppendHeader(sip.NewHeader("Route", "<"+p.String()+";lr>"))
		req.SetDestination(p.HostPort())
	}
	req.AppendHeader(sip.NewHeader("User-Agent", s.cfg.UserAgent))
	res, err := sock.client.Do(ctx, req)
	if err != nil {
		return 0, fmt.Errorf("options to trunk %s: %w", t, err)
	}
	if (res.StatusCode == 401 || res.StatusCode == 407) && t.Password != "" {
		res, err = sock.client.DoDigestAuth(ctx, req, res, sipgo.DigestAuth{Username: t.User, Password: t.Password})
		if err != nil {
			return 0, fmt.Errorf("options to trunk %s: %w", t, err)
		}
	}
	return res.StatusCode, nil
}
