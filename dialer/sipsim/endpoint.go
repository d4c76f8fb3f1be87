// Package sipsim simulates the SIP peers alo talks to, for `alo demo` and for
// tests: a carrier that answers, rings out, reports busy and hangs up like a
// real trunk (Carrier), and auto-answering agent phones (Phones). Both run on
// loopback UDP, answer with PCMU SDP and send and count RTP. They are written
// apart from the dialer so that a bug in alo's SIP code is not mirrored here.
package sipsim

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// endpoint is one SIP user agent server on a UDP socket: the part Carrier and
// Phones share. The socket is bound at construction, so Addr is known (and a
// port in use reported) before Serve runs.
type endpoint struct {
	log     *slog.Logger
	conn    *net.UDPConn
	host    string
	port    int
	ua      *sipgo.UserAgent
	srv     *sipgo.Server
	dialogs *sipgo.DialogServerCache
	ready   chan struct{}

	// ctx is the Serve context: call handlers end with it.
	mu  sync.Mutex
	ctx context.Context
}

// newEndpoint binds addr (host:port, port 0 for any) and builds the UA.
// user names the endpoint in its Contact header.
func newEndpoint(user, addr string, log *slog.Logger) (*endpoint, error) {
	laddr, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		return nil, fmt.Errorf("sipsim %s: address %q: %w", user, addr, err)
	}
	conn, err := net.ListenUDP("udp", laddr)
	if err != nil {
		return nil, fmt.Errorf("sipsim %s: listen %s: %w", user, addr, err)
	}
	local := conn.LocalAddr().(*net.UDPAddr)
	host := local.IP.String()
	e := &endpoint{log: log, conn: conn, host: host, port: local.Port, ready: make(chan struct{}), ctx: context.Background()}

	ua, err := sipgo.NewUA(sipgo.WithUserAgent("alo-sipsim-"+user), sipgo.WithUserAgentHostname(host))
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("sipsim %s: user agent: %w", user, err)
	}
	srv, err := sipgo.NewServer(ua, sipgo.WithServerLogger(log))
	if err != nil {
		ua.Close()
		conn.Close()
		return nil, fmt.Errorf("sipsim %s: server: %w", user, err)
	}
	// Requests we originate (BYE) leave from the listening socket, as a
	// trunk's do: peers match dialogs by it and NAT-minded ones latch to it.
	client, err := sipgo.NewClient(ua, sipgo.WithClientLogger(log), sipgo.WithClientHostname(host),
		sipgo.WithClientConnectionAddr(e.Addr()))
	if err != nil {
		ua.Close()
		conn.Close()
		return nil, fmt.Errorf("sipsim %s: client: %w", user, err)
	}
	contact := sip.ContactHeader{Address: sip.Uri{Scheme: "sip", User: user, Host: host, Port: local.Port}}
	e.ua, e.srv = ua, srv
	e.dialogs = sipgo.NewDialogServerCache(client, contact)
	srv.OnAck(func(req *sip.Request, tx sip.ServerTransaction) {
		// An ACK for a re-INVITE's 200 carries a newer CSeq than the dialog
		// knows; it needs no answer either way.
		_ = e.dialogs.ReadAck(req, tx)
	})
	return e, nil
}

// Addr is the host:port the endpoint listens on.
func (e *endpoint) Addr() string {
	return net.JoinHostPort(e.host, strconv.Itoa(e.port))
}

// Ready is closed once Serve is running.
func (e *endpoint) Ready() <-chan struct{} { return e.ready }

// context is the Serve context, for call handlers.
func (e *endpoint) context() context.Context {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.ctx
}

// serve answers requests until ctx ends, then closes the socket and the UA.
func (e *endpoint) serve(ctx context.Context) error {
	e.mu.Lock()
	e.ctx = ctx
	e.mu.Unlock()
	errc := make(chan error, 1)
	go func() { errc <- e.srv.ServeUDP(e.conn) }()
	if err := awaitListener(ctx, e.ua, e.Addr()); err != nil {
		e.conn.Close()
		e.ua.Close()
		<-errc
		return fmt.Errorf("sipsim serve %s: %w", e.Addr(), err)
	}
	close(e.ready)
	e.log.Info("sipsim listening", "addr", e.Addr())
	select {
	case <-ctx.Done():
		e.conn.Close()
		e.ua.Close()
		<-errc
		return nil
	case err := <-errc:
		e.ua.Close()
		if err == nil || errors.Is(err, net.ErrClosed) {
			return nil
		}
		return fmt.Errorf("sipsim serve %s: %w", e.Addr(), err)
	}
}

// respond answers req statelessly within its transaction, logging failures
// (the peer retransmits or gives up; nothing else to do).
func (e *endpoint) respond(req *sip.Request, tx sip.ServerTransaction, code int, reason string, body []byte) {
	res := sip.NewResponseFromRequest(req, code, reason, body)
	if body != nil {
		res.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	}
	if err := tx.Respond(res); err != nil {
		e.log.Debug("respond", "call_id", callID(req), "code", code, "error", err)
	}
}

// inDialog reports whether req belongs to an existing dialog (its To header
// carries our tag): a re-INVITE, an in-dialog OPTIONS or UPDATE.
func inDialog(req *sip.Request) bool {
	to := req.To()
	if to == nil {
		return false
	}
	_, ok := to.Params.Get("tag")
	return ok
}

// callID returns req's Call-ID value, or "".
func callID(req *sip.Request) string {
	if h := req.CallID(); h != nil {
		return h.Value()
	}
	return ""
}

// awaitListener waits until sipgo has registered the UDP listener at addr,
// so that requests we originate leave from it (without it, the client would
// try to bind the same address again and fail). sipgo offers no signal for
// this, so it is polled, briefly.
func awaitListener(ctx context.Context, ua *sipgo.UserAgent, addr string) error {
	deadline := time.Now().Add(5 * time.Second)
	for {
		if c, err := ua.TransportLayer().GetConnection("udp", addr); err == nil && c != nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if time.Now().After(deadline) {
			return errors.New("SIP listener not registered in time")
		}
		time.Sleep(time.Millisecond)
	}
}
