package dialer

import (
	"context"
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
)

// Trunk is the carrier alo sends customer calls through.
type Trunk struct {
	URI      string // e.g. "sip:127.0.0.1:5070"
	User     string // digest user name, also the From user when no caller ID is given
	Password string // digest password; never logged
}

// LogValue keeps the password out of structured logs.
func (t Trunk) LogValue() slog.Value {
	return slog.GroupValue(slog.String("uri", t.URI), slog.String("user", t.User))
}

// SIPConfig configures the dialer's user agent.
type SIPConfig struct {
	ListenAddr    string // UDP host:port for SIP, e.g. "0.0.0.0:5060"
	AdvertiseHost string // IP put in Contact, Via and SDP; "" = ListenAddr host, or 127.0.0.1 if unspecified
	RTPPorts      PortRange
	Trunk         Trunk
	UserAgent     string
}

// SIP is alo's SIP user agent: it places calls to customers through the
// trunk and to agents' phones, and answers the in-dialog requests of those
// calls. It sends every request from its listening socket, because carriers
// recognise a customer by source IP and port.
type SIP struct {
	cfg       SIPConfig
	log       *slog.Logger
	ua        *sipgo.UserAgent
	srv       *sipgo.Server
	ports     *portPool
	trunk     sip.Uri
	hasTrunk  bool
	advertise string

	ready     chan struct{}
	serveOnce sync.Once

	mu       sync.RWMutex // guards the fields set by Serve
	client   *sipgo.Client
	dialogUA *sipgo.DialogUA
	contact  sip.ContactHeader
	local    netip.AddrPort

	legs      sync.Map // dialog ID → *Leg
	cancelled sync.Map // Call-ID → *sip.Request: INVITEs we CANCELled (a late 2xx is ACKed and BYEd)
	bg        sync.WaitGroup
}

// NewSIP checks cfg and builds the user agent; Serve starts it.
func NewSIP(cfg SIPConfig, log *slog.Logger) (*SIP, error) {
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
	s := &SIP{cfg: cfg, log: log, advertise: advertise, ready: make(chan struct{})}
	if cfg.Trunk.URI != "" {
		if err := sip.ParseUri(cfg.Trunk.URI, &s.trunk); err != nil {
			return nil, fmt.Errorf("trunk uri %q: %w", cfg.Trunk.URI, err)
		}
		if s.trunk.Scheme != "sip" || s.trunk.Host == "" {
			return nil, fmt.Errorf("trunk uri %q: want sip:host[:port]", cfg.Trunk.URI)
		}
		s.hasTrunk = true
	}
	if err := validHeaderValue(cfg.Trunk.User); err != nil {
		return nil, fmt.Errorf("trunk user: %w", err)
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "alo"
		s.cfg.UserAgent = "alo"
	}
	s.ports = newPortPool(listenIP.String(), cfg.RTPPorts)

	sipLog := log.With("component", "sip")
	s.ua, err = sipgo.NewUA(
		sipgo.WithUserAgent(cfg.UserAgent),
		sipgo.WithUserAgentHostname(advertise),
		sipgo.WithUserAgentTransactionLayerOptions(
			sip.WithTransactionLayerLogger(sipLog),
			sip.WithTransactionLayerUnhandledResponseHandler(s.onUnhandledResponse),
		),
		sipgo.WithUserAgentTransportLayerOptions(sip.WithTransportLayerLogger(sipLog)),
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
	s.srv.OnUpdate(s.onUpdate)
	s.srv.OnNoRoute(s.onNoRoute)
	return s, nil
}

// Ready is closed once Serve listens; dialling waits for it.
func (s *SIP) Ready() <-chan struct{} { return s.ready }

// LocalAddr is the bound SIP address (valid after Ready).
func (s *SIP) LocalAddr() netip.AddrPort {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.local
}

// Serve listens on UDP until ctx is done, then hangs up the legs still up
// (no call is left open at the far end) and closes the socket. It may be
// called once.
func (s *SIP) Serve(ctx context.Context) error {
	err := errors.New("sip: Serve called twice")
	s.serveOnce.Do(func() { err = s.serve(ctx) })
	return err
}

func (s *SIP) serve(ctx context.Context) error {
	conn, err := net.ListenPacket("udp4", s.cfg.ListenAddr)
	if err != nil {
		return fmt.Errorf("sip: listen udp %s: %w", s.cfg.ListenAddr, err)
	}
	laddr := conn.LocalAddr().(*net.UDPAddr).AddrPort()
	client, err := sipgo.NewClient(s.ua,
		sipgo.WithClientHostname(s.advertise),
		sipgo.WithClientPort(int(laddr.Port())),
		// Send from the listening socket: carriers match on source address.
		sipgo.WithClientConnectionAddr(conn.LocalAddr().String()),
		sipgo.WithClientLogger(s.log.With("component", "sip")),
	)
	if err != nil {
		_ = conn.Close()
		return fmt.Errorf("sip client: %w", err)
	}
	s.mu.Lock()
	s.client = client
	s.local = netip.AddrPortFrom(laddr.Addr().Unmap(), laddr.Port())
	s.contact = sip.ContactHeader{Address: sip.Uri{Scheme: "sip", User: "alo", Host: s.advertise, Port: int(laddr.Port())}}
	s.dialogUA = &sipgo.DialogUA{Client: client, ContactHDR: s.contact}
	s.mu.Unlock()

	served := make(chan error, 1)
	reading := &firstReadConn{PacketConn: conn, reading: make(chan struct{})}
	go func() { served <- s.srv.ServeUDP(reading) }()
	// sipgo registers the socket for outgoing requests before its first
	// read; dialling earlier would open a second socket on the same port.
	select {
	case <-reading.reading:
	case err := <-served:
		_ = conn.Close()
		return fmt.Errorf("sip: serve udp: %w", err)
	}
	close(s.ready)
	s.log.Info("sip listening", "addr", s.local.String(), "advertise", s.advertise, "rtp_ports", s.cfg.RTPPorts.String(), "trunk", s.cfg.Trunk)

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
	_ = s.ua.Close()
	return nil
}

// firstReadConn signals when sipgo starts reading the SIP socket.
type firstReadConn struct {
	net.PacketConn
	once    sync.Once
	reading chan struct{}
}

// ReadFrom signals once, then reads.
func (c *firstReadConn) ReadFrom(b []byte) (int, net.Addr, error) {
	c.once.Do(func() { close(c.reading) })
	return c.PacketConn.ReadFrom(b)
}

// shutdownLegs sends BYE on every leg still up, in parallel, bounded.
func (s *SIP) shutdownLegs() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	s.legs.Range(func(_, v any) bool {
		wg.Go(func() { _ = v.(*Leg).Hangup(ctx) })
		return true
	})
	wg.Wait()
}

// session returns what Serve set up, waiting for it.
func (s *SIP) session(ctx context.Context) (*sipgo.DialogUA, error) {
	select {
	case <-s.ready:
	case <-ctx.Done():
		return nil, fmt.Errorf("sip not listening yet: %w", ctx.Err())
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.dialogUA, nil
}

// legFor finds the leg an in-dialog request belongs to (alo is the UAC of
// every dialog, so the request's To tag is ours).
func (s *SIP) legFor(req *sip.Request) *Leg {
	id, err := sip.DialogIDFromRequestUAC(req)
	if err != nil {
		return nil
	}
	if v, ok := s.legs.Load(id); ok {
		return v.(*Leg)
	}
	return nil
}

func (s *SIP) respond(req *sip.Request, tx sip.ServerTransaction, code int, reason string) {
	res := sip.NewResponseFromRequest(req, code, reason, nil)
	if err := tx.Respond(res); err != nil {
		s.log.Debug("sip respond", "code", code, "method", req.Method.String(), "error", err)
	}
}

// onInvite answers re-INVITEs of our calls and refuses new calls: alo only
// places calls.
func (s *SIP) onInvite(req *sip.Request, tx sip.ServerTransaction) {
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
func (s *SIP) onUpdate(req *sip.Request, tx sip.ServerTransaction) {
	leg := s.legFor(req)
	if leg == nil {
		s.respond(req, tx, 481, "Call/Transaction Does Not Exist")
		return
	}
	leg.answerRefresh(req, tx)
}

// onBye ends the leg the far end hung up.
func (s *SIP) onBye(req *sip.Request, tx sip.ServerTransaction) {
	leg := s.legFor(req)
	if leg == nil {
		s.respond(req, tx, 481, "Call/Transaction Does Not Exist")
		return
	}
	leg.remoteBye(req, tx)
}

// onCancel only sees CANCELs that match no INVITE transaction.
func (s *SIP) onCancel(req *sip.Request, tx sip.ServerTransaction) {
	s.respond(req, tx, 481, "Call/Transaction Does Not Exist")
}

// onOptions answers keep-alive probes from trunks and phones.
func (s *SIP) onOptions(req *sip.Request, tx sip.ServerTransaction) {
	res := sip.NewResponseFromRequest(req, 200, "OK", nil)
	res.AppendHeader(sip.NewHeader("Allow", allowMethods))
	res.AppendHeader(sip.NewHeader("Accept", "application/sdp"))
	if err := tx.Respond(res); err != nil {
		s.log.Debug("sip respond options", "error", err)
	}
}

func (s *SIP) onNoRoute(req *sip.Request, tx sip.ServerTransaction) {
	res := sip.NewResponseFromRequest(req, 405, "Method Not Allowed", nil)
	res.AppendHeader(sip.NewHeader("Allow", allowMethods))
	if err := tx.Respond(res); err != nil {
		s.log.Debug("sip respond 405", "method", req.Method.String(), "error", err)
	}
}

// allowMethods is what alo's UA accepts.
const allowMethods = "INVITE, ACK, CANCEL, BYE, OPTIONS, UPDATE"
