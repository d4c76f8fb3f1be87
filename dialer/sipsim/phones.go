package sipsim

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo/sip"
)

// PhoneConfig sets up the simulated agent phones.
type PhoneConfig struct {
	// Addr is the UDP host:port to listen on; port 0 picks a free one.
	Addr string
	// RTPPorts is the media port range; {0, 0} lets the OS pick.
	RTPPorts [2]int
}

// PhoneCall is one call a simulated phone answered.
type PhoneCall struct {
	CallID string
	// Agent is the user part of the Request-URI (agent7 in
	// sip:agent7@127.0.0.1:5070).
	Agent string
	// Received counts RTP packets that reached the phone.
	Received int64
	// Sent counts RTP packets the phone sent (the agent's "voice").
	Sent int64
	// Active is true until either side hangs up.
	Active bool
}

// Phones is any number of auto-answering agent phones behind one SIP
// address: every INVITE, whatever its user part, is answered at once with
// 200 and PCMU SDP, the phone "speaks" a tone cadence and counts the RTP it
// receives, and BYE ends the call.
type Phones struct {
	*endpoint
	ports *portRange
	audio cadence

	mu    sync.Mutex
	calls map[string]*phoneCall
	order []string // Call-IDs in arrival order, for Calls

	rtpSent, rtpReceived atomic.Int64
}

// phoneCall is one answered (or ended) call.
type phoneCall struct {
	agent  string
	answer []byte
	media  *rtpStream
	ended  atomic.Bool
}

// NewPhones checks cfg and binds the SIP socket; Serve answers calls.
func NewPhones(cfg PhoneConfig, log *slog.Logger) (*Phones, error) {
	ports, err := newPortRange(cfg.RTPPorts)
	if err != nil {
		return nil, fmt.Errorf("sipsim phones: %w", err)
	}
	ep, err := newEndpoint("phone", cfg.Addr, log)
	if err != nil {
		return nil, err
	}
	p := &Phones{
		endpoint: ep, ports: ports,
		audio: newCadence(1000, 900*time.Millisecond, 900*time.Millisecond),
		calls: map[string]*phoneCall{},
	}
	ep.srv.OnInvite(p.onInvite)
	ep.srv.OnBye(p.onBye)
	ep.srv.OnOptions(p.onOptions)
	ep.srv.OnUpdate(p.onUpdate)
	return p, nil
}

// Serve answers calls until ctx ends; Ready is closed once it runs.
func (p *Phones) Serve(ctx context.Context) error { return p.serve(ctx) }

// URI is the SIP URI of the phone of the given agent name (agentN).
func (p *Phones) URI(agent string) string { return "sip:" + agent + "@" + p.Addr() }

// Received returns how many RTP packets the call has received so far (0
// for an unknown call).
func (p *Phones) Received(callID string) int64 {
	p.mu.Lock()
	c := p.calls[callID]
	p.mu.Unlock()
	if c == nil || c.media == nil {
		return 0
	}
	return c.media.received.Load()
}

// Calls returns every call answered so far, ended ones included, in the
// order they arrived.
func (p *Phones) Calls() []PhoneCall {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]PhoneCall, 0, len(p.order))
	for _, id := range p.order {
		c := p.calls[id]
		pc := PhoneCall{CallID: id, Agent: c.agent, Active: !c.ended.Load()}
		if c.media != nil {
			pc.Received, pc.Sent = c.media.received.Load(), c.media.sent.Load()
		}
		out = append(out, pc)
	}
	return out
}

// RTPReceived is the total of RTP packets received by all phones.
func (p *Phones) RTPReceived() int64 { return p.rtpReceived.Load() }

func (p *Phones) onInvite(req *sip.Request, tx sip.ServerTransaction) {
	id := callID(req)
	if inDialog(req) {
		p.refresh(req, tx)
		return
	}
	log := p.log.With("call_id", id, "agent", req.Recipient.User)
	remote, err := parseOffer(req.Body())
	if err != nil {
		log.Info("rejecting offer", "error", err)
		p.respond(req, tx, 488, "Not Acceptable Here", nil)
		return
	}
	p.mu.Lock()
	_, dup := p.calls[id]
	p.mu.Unlock()
	if dup {
		// A second INVITE with a known Call-ID and no To tag is a retransmit
		// the transaction layer did not absorb, or a loop: refuse it.
		p.respond(req, tx, 482, "Loop Detected", nil)
		return
	}
	dlg, err := p.dialogs.ReadInvite(req, tx)
	if err != nil {
		log.Info("bad INVITE", "error", err)
		p.respond(req, tx, 400, "Bad Request", nil)
		return
	}
	defer dlg.Close()
	conn, err := p.ports.listen(p.host)
	if err != nil {
		log.Warn("no RTP port", "error", err)
		_ = dlg.Respond(503, "Service Unavailable", nil)
		return
	}
	call := &phoneCall{
		agent:  req.Recipient.User,
		answer: answerSDP("phone", p.host, conn.LocalAddr().(*net.UDPAddr).Port, rand.Uint64()>>1),
	}
	call.media = startRTP(conn, remote, p.audio, rand.Uint32(), uint16(rand.Uint32()), streamCounters{&p.rtpSent, &p.rtpReceived})
	defer call.media.stop()
	p.mu.Lock()
	p.calls[id] = call
	p.order = append(p.order, id)
	p.mu.Unlock()
	defer call.ended.Store(true)

	// RespondSDP returns once the ACK arrives.
	if err := dlg.RespondSDP(call.answer); err != nil {
		log.Info("answer not acknowledged", "error", err)
		return
	}
	log.Debug("phone answered")
	select {
	case <-dlg.Context().Done():
		log.Debug("phone call ended")
	case <-p.context().Done():
	}
}

func (p *Phones) onBye(req *sip.Request, tx sip.ServerTransaction) {
	// Ended before the 200 goes out (ReadBye sends it), not when the call's
	// goroutine gets round to it: a request the caller sends as soon as it
	// has the 200 must already find the call gone.
	if c := p.live(req); c != nil {
		c.ended.Store(true)
	}
	if err := p.dialogs.ReadBye(req, tx); err != nil {
		p.respond(req, tx, 481, "Call/Transaction Does Not Exist", nil)
	}
}

// live returns the active call with req's Call-ID, or nil.
func (p *Phones) live(req *sip.Request) *phoneCall {
	p.mu.Lock()
	defer p.mu.Unlock()
	c := p.calls[callID(req)]
	if c == nil || c.ended.Load() {
		return nil
	}
	return c
}

// refresh answers a re-INVITE with the phone's SDP, following moved media.
func (p *Phones) refresh(req *sip.Request, tx sip.ServerTransaction) {
	c := p.live(req)
	if c == nil {
		p.respond(req, tx, 481, "Call/Transaction Does Not Exist", nil)
		return
	}
	if remote, err := parseOffer(req.Body()); err == nil {
		c.media.setRemote(remote)
	}
	p.respond(req, tx, 200, "OK", c.answer)
}

// onUpdate answers a session-timer UPDATE (RFC 4028) like a refresh.
func (p *Phones) onUpdate(req *sip.Request, tx sip.ServerTransaction) {
	c := p.live(req)
	if c == nil {
		p.respond(req, tx, 481, "Call/Transaction Does Not Exist", nil)
		return
	}
	var body []byte
	if len(req.Body()) > 0 {
		body = c.answer
	}
	p.respond(req, tx, 200, "OK", body)
}

// onOptions answers keep-alives: alo proves a nailed-up leg with in-dialog
// OPTIONS, so a call the phone no longer has gets 481.
func (p *Phones) onOptions(req *sip.Request, tx sip.ServerTransaction) {
	if inDialog(req) && p.live(req) == nil {
		p.respond(req, tx, 481, "Call/Transaction Does Not Exist", nil)
		return
	}
	p.respond(req, tx, 200, "OK", nil)
}
