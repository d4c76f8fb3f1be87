package sipua

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
	"github.com/google/uuid"

	"github.com/alo-dialer/alo/dialer/media"
	"github.com/alo-dialer/alo/dialer/siphdr"
	"github.com/alo-dialer/alo/dialer/trunk"
	"github.com/alo-dialer/alo/e164"
)

// DialOptions shape one outgoing call.
type DialOptions struct {
	// CallerID is the E.164 number presented to the callee, or empty (the
	// trunk's FromUser then).
	CallerID string
	// CampaignID picks the trunk group (Trunks.SetCampaignGroup).
	CampaignID int64
	// AttemptID ties the call legs recorded to the attempt.
	AttemptID int64
	// RingTimeout is when alo gives up with CANCEL, counted from the first
	// 18x, or from the INVITE if none comes. Zero means DefaultRingTimeout;
	// customer calls never ring less than SIPConfig.MinRing nor MinRing.
	RingTimeout time.Duration
	MinRing     time.Duration
	// AutoAnswer asks the phone to pick up at once (agent legs): Call-Info
	// answer-after=0 and Alert-Info info=alert-autoanswer, which between them
	// Polycom, Yealink, Grandstream, Snom and most softphones honour.
	AutoAnswer bool
	// OnProvisional, if set, sees every provisional response code (100, 180,
	// 183, …) in the order they arrive.
	OnProvisional func(code int)
}

// DefaultRingTimeout bounds ringing when DialOptions.RingTimeout is zero.
const DefaultRingTimeout = 60 * time.Second

// DialResult is how an attempt's INVITEs ended (the last one when the call
// failed over to another trunk).
type DialResult struct {
	Answered bool
	Code     int // final SIP code (0 if none)
	Reason   string
	// End says how an unanswered call ended, in SIP's terms; the dialer
	// turns it and Code into the attempt's outcome.
	End    End
	CallID string
	// CancelRaced says a 200 arrived after our CANCEL: it was ACKed and
	// BYEd at once, so the callee was not left with a silent call.
	CancelRaced bool
	// Trunk names the trunk of the last INVITE; Legs counts the INVITEs
	// sent (more than one after a failover).
	Trunk   string
	TrunkID int64
	Legs    int

	// early says the trunk refused before any 18x (500, 502, 503 or no
	// response at all): the callee cannot have been reached, so another
	// trunk may be tried within the same attempt (docs/architecture.md).
	early bool
	// answeredAt and answerMono are when the 2xx arrived (Leg.AnsweredAt,
	// Leg.AnswerMono).
	answeredAt, answerMono time.Time
}

// End is how an unanswered INVITE ended, as far as SIP tells.
type End string

// The ends of an unanswered call.
const (
	EndNoTrunk         End = "no_trunk"         // no trunk of the group could take the call
	EndFinal           End = "final"            // a final response (Code) ended it
	EndCancelledFinal  End = "cancelled_final"  // we cancelled, then a final response (Code) came
	EndRangOut         End = "rang_out"         // we cancelled after it rang; no final came
	EndCancelledSilent End = "cancelled_silent" // we cancelled before any response
	EndNoResponse      End = "no_response"      // nothing came back at all
	EndLateAnswer      End = "late_answer"      // a 2xx raced our CANCEL and was hung up
	EndUnusable        End = "unusable"         // answered, but the ACK failed or the SDP was unusable
)

// ErrInvalidInput marks a number, caller ID or URI refused before any
// header was built.
var ErrInvalidInput = errors.New("invalid dial input")

// errRingTimeout is the cancel cause when the ring timeout fires.
var errRingTimeout = errors.New("ring timeout")

// DialCustomer calls an E.164 number through the campaign's trunk group,
// answering 401/407 challenges with each trunk's credentials. A trunk that
// refuses before any 18x (500, 502, 503, or no response within
// SIPConfig.NoResponseTimeout) hands the call to the next trunk of the
// group: more legs, one attempt. A SIP refusal is a DialResult with
// Answered=false and a nil Leg; err is for local failures (bad number, no
// RTP port, SIP not listening, ctx ended).
func (s *UA) DialCustomer(ctx context.Context, number string, o DialOptions) (*Leg, DialResult, error) {
	if !e164.Valid(number) {
		return nil, DialResult{}, fmt.Errorf("%w: number %q is not E.164 (+ and 8-15 digits)", ErrInvalidInput, number)
	}
	if o.CallerID != "" && !e164.Valid(o.CallerID) {
		return nil, DialResult{}, fmt.Errorf("%w: caller id %q is not E.164", ErrInvalidInput, o.CallerID)
	}
	cands := s.trunks.Route(o.CampaignID)
	res := DialResult{End: EndNoTrunk}
	if len(cands) == 0 {
		res.Reason = fmt.Sprintf("%v: no trunk in group %q", trunk.ErrNoTrunk, s.trunks.CampaignGroup(o.CampaignID))
		return nil, res, nil
	}
	var skipped []string
	for i, lt := range cands {
		release, err := lt.Acquire(s.clock())
		if err != nil {
			skipped = append(skipped, err.Error())
			continue
		}
		legs := res.Legs
		uri := lt.URI()
		uri.User = number
		// The leg releases the trunk's slot when it ends; set before the
		// leg's own goroutines (media and session timers) can end it.
		leg, r, err := s.dial(ctx, dialSpec{kind: "customer", uri: uri, trunk: lt, onEnd: release}, o)
		r.Legs = legs + 1
		if leg == nil {
			release()
		}
		if err == nil && (r.Code != 0 || r.early) {
			s.trunks.Observe(lt, r.Code, s.clock())
		}
		res = r
		if err != nil || r.Answered || !r.early {
			return leg, res, err
		}
		if i < len(cands)-1 {
			s.log.Warn("trunk refused before ringing; failing over", "trunk", lt.Trunk(), "code", r.Code,
				"call_id", r.CallID, "attempt_id", o.AttemptID)
		}
	}
	if res.Legs == 0 {
		res.Reason = fmt.Sprintf("%v: %s", trunk.ErrNoTrunk, strings.Join(skipped, "; "))
	}
	return nil, res, nil
}

// DialAgent calls an agent's phone directly at its SIP URI.
func (s *UA) DialAgent(ctx context.Context, uri string, o DialOptions) (*Leg, DialResult, error) {
	if err := siphdr.Check(uri); err != nil {
		return nil, DialResult{}, fmt.Errorf("%w: agent uri: %w", ErrInvalidInput, err)
	}
	var u sip.Uri
	if err := sip.ParseUri(uri, &u); err != nil {
		return nil, DialResult{}, fmt.Errorf("%w: agent uri %q: %w", ErrInvalidInput, uri, err)
	}
	if u.Scheme != "sip" || u.Host == "" {
		return nil, DialResult{}, fmt.Errorf("%w: agent uri %q: want sip:user@host[:port]", ErrInvalidInput, uri)
	}
	if o.CallerID != "" && !e164.Valid(o.CallerID) {
		return nil, DialResult{}, fmt.Errorf("%w: caller id %q is not E.164", ErrInvalidInput, o.CallerID)
	}
	spec := dialSpec{kind: "agent", uri: u}
	if u.Host == RegistrarDomain && s.registrar != nil {
		// A registered phone: call its Contact, sent to the address its
		// REGISTER came from (behind NAT nothing else reaches it).
		b, err := s.registrar.Locate(ctx, u.User)
		if err != nil {
			return nil, DialResult{}, fmt.Errorf("dial agent %s: %w", uri, err)
		}
		var c sip.Uri
		if err := sip.ParseUri(b.Contact, &c); err != nil {
			return nil, DialResult{}, fmt.Errorf("dial agent %s: registered contact %q: %w", uri, b.Contact, err)
		}
		spec.uri, spec.dest, spec.transport = c, b.Source, b.Transport
	}
	return s.dial(ctx, spec, o)
}

// dialSpec is where one INVITE goes.
type dialSpec struct {
	kind  string // customer or agent
	uri   sip.Uri
	trunk *trunk.Live // customer legs
	// dest, if set, sends the INVITE to this host:port over transport
	// whatever the Request-URI says (a registered phone behind NAT is
	// reached at the address its REGISTER came from).
	dest      string
	transport string
	// onEnd runs when an established leg ends (a trunk's call slot).
	onEnd func()
}

func (s *UA) dial(ctx context.Context, spec dialSpec, o DialOptions) (*Leg, DialResult, error) {
	kind := spec.kind
	var sock *sipSocket
	var err error
	var tk trunk.Trunk
	if spec.trunk != nil {
		tk = spec.trunk.Trunk()
		sock, err = s.socketFor(ctx, tk)
	} else if spec.transport == "tcp" || spec.transport == "tls" {
		sock, err = s.socketFor(ctx, trunk.Trunk{Transport: spec.transport})
	} else {
		sock, err = s.session(ctx)
	}
	if err != nil {
		return nil, DialResult{}, fmt.Errorf("dial %s: %w", kind, err)
	}
	log := s.log.With("leg", kind, "to", spec.uri.String())
	if spec.trunk != nil {
		log = log.With("trunk", tk.String())
	}
	if o.AttemptID != 0 {
		log = log.With("attempt_id", o.AttemptID)
	}
	stream, err := media.NewStream(s.ports, log)
	if err != nil {
		return nil, DialResult{}, fmt.Errorf("dial %s: %w", kind, err)
	}
	sessID := rand.Uint64() >> 2
	req, fromUser := s.inviteRequest(spec, o, media.OfferSDP(s.advertise, stream.Port(), sessID, 1))
	callID := req.CallID().Value()
	log = log.With("call_id", callID)
	res := DialResult{CallID: callID, Trunk: tk.Name, TrunkID: tk.ID}
	ev := CallLeg{AttemptID: o.AttemptID, Kind: kind, TrunkID: tk.ID, Trunk: tk.Name, CallID: callID,
		CallerID: fromUser, Callee: spec.uri.User}
	if kind == "agent" {
		ev.Callee = spec.uri.String()
	}

	ringTimeout := o.RingTimeout
	if ringTimeout <= 0 {
		ringTimeout = DefaultRingTimeout
	}
	if kind == "customer" {
		// Never ring less than the rule set's minimum (docs/architecture.md, invariant 5).
		ringTimeout = max(ringTimeout, s.cfg.MinRing, o.MinRing)
	}
	ringCtx, cancelRing := context.WithCancelCause(ctx)
	defer cancelRing(nil)
	var evMu sync.Mutex // the timers and OnResponse run on other goroutines
	timer := time.AfterFunc(ringTimeout, func() {
		evMu.Lock()
		ev.CancelAt = s.clock()
		evMu.Unlock()
		cancelRing(errRingTimeout)
	})
	defer timer.Stop()
	// A trunk that sends nothing at all is dead or unreachable; waiting for
	// Timer B (32 s) would hold the attempt, so give up on it early. No
	// CANCEL can be sent before a provisional (RFC 3261 §9.1).
	var noResponse atomic.Bool
	silence := time.AfterFunc(s.cfg.NoResponseTimeout, func() {
		noResponse.Store(true)
		cancelRing(sipgo.WaitAnswerForceCancelErr)
	})
	defer silence.Stop()

	ev.InviteAt = s.clock()
	dialog, err := sock.dialogUA.WriteInvite(ctx, req)
	if err != nil {
		stream.Close()
		return nil, res, fmt.Errorf("dial %s: send invite: %w", kind, err)
	}
	log.Info("invite sent")
	user, password := "", ""
	if spec.trunk != nil {
		user, password = tk.User, tk.Password
	}
	var rang, provisional, earlyMedia bool
	err = dialog.WaitAnswer(ringCtx, sipgo.AnswerOptions{
		Username: user,
		Password: password,
		OnResponse: func(r *sip.Response) error {
			silence.Stop()
			if !r.IsProvisional() {
				if r.IsSuccess() {
					evMu.Lock()
					// On arrival, once: the answer time and the start
					// of answer-to-bridged.
					res.answeredAt, res.answerMono = s.clock(), time.Now()
					ev.AnswerAt = res.answeredAt
					evMu.Unlock()
				}
				return nil
			}
			evMu.Lock()
			if !provisional {
				ev.ProvisionalAt, ev.ProvisionalCode = s.clock(), r.StatusCode
			}
			evMu.Unlock()
			if len(r.Body()) > 0 && !earlyMedia {
				// Early media (ringback, an operator announcement): read
				// and drop it from now on, so that none of it is still
				// queued in the socket when the answer's analysis starts
				// (a greeting detector fed seconds of ringback would hear
				// a long greeting, i.e. a machine).
				if rm, err := media.ParseSDP(r.Body()); err == nil {
					earlyMedia = true
					stream.Start(rm)
				}
			}
			provisional = true
			if r.StatusCode >= 180 && !rang {
				rang = true
				// The ring timeout counts from the first ring (docs/architecture.md,
				// invariant 5: a call rings at least the minimum).
				if timer.Stop() {
					timer.Reset(ringTimeout)
				}
			}
			if o.OnProvisional != nil {
				o.OnProvisional(r.StatusCode)
			}
			return nil
		},
	})
	silence.Stop()
	timer.Stop()
	final := dialog.InviteResponse
	if final != nil && final.IsProvisional() {
		final = nil
	}
	if final != nil {
		res.Code, res.Reason = final.StatusCode, final.Reason
	}
	evMu.Lock()
	ev.Code, ev.Reason = res.Code, res.Reason
	evMu.Unlock()

	if err == nil {
		return s.established(ctx, kind, dialog, stream, sessID, res, &ev, spec.onEnd, log)
	}
	stream.Close()
	defer dialog.Close()

	cause := context.Cause(ringCtx)
	cancelled := ringCtx.Err() != nil
	timedOut := errors.Is(cause, errRingTimeout)
	silent := noResponse.Load() && !provisional && final == nil
	if cancelled && final != nil && final.IsSuccess() {
		// The callee answered as our CANCEL crossed: ACK and BYE at once.
		res.CancelRaced = true
		s.hangupGhost(sock, dialog.InviteRequest.Clone(), final, log)
	} else if cancelled && final == nil {
		// CANCEL sent (or the INVITE abandoned), no final yet: if a 200
		// still comes, ACK and BYE it.
		s.watchGhost(sock, dialog.InviteRequest.Clone())
	}

	switch {
	case final != nil && final.IsSuccess():
		res.End = EndLateAnswer // rang out; the late answer was dropped
	case final != nil && cancelled:
		res.End = EndCancelledFinal
	case final != nil:
		res.End = EndFinal
	case cancelled && provisional:
		res.End = EndRangOut // rang out, the 487 never came
	case cancelled:
		res.End = EndCancelledSilent
	default:
		res.End = EndNoResponse // no response at all
	}
	if silent {
		res.Reason = "no response to INVITE"
	}
	res.early = !rang && (silent || (final != nil && trunk.Refused(final.StatusCode)) || (final == nil && !provisional && !cancelled))
	if res.CancelRaced {
		ev.ByeAt, ev.ByeBy, ev.EndReason = s.clock(), "local", "answer raced CANCEL"
	}
	s.recordLeg(ev, log)
	log.Info("call not answered", "end", string(res.End), "code", res.Code, "reason", res.Reason,
		"ring_timeout", timedOut, "no_response", silent, "cancel_raced", res.CancelRaced)
	if cancelled && !timedOut && !silent {
		return nil, res, fmt.Errorf("dial %s: %w", kind, ctx.Err())
	}
	return nil, res, nil
}

// recordLeg stores an unanswered leg's evidence.
func (s *UA) recordLeg(ev CallLeg, log *slog.Logger) {
	if s.cfg.Legs == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := s.cfg.Legs.StartLeg(ctx, ev); err != nil {
		log.Error("record call leg", "err", err)
	}
}

// inviteRequest builds the INVITE with our SDP offer and the trunk's
// caller-ID presentation; it returns the From user presented.
func (s *UA) inviteRequest(spec dialSpec, o DialOptions, offer []byte) (*sip.Request, string) {
	uri := spec.uri
	var t trunk.Trunk
	if spec.trunk != nil {
		t = spec.trunk.Trunk()
		if t.Transport == trunk.TransportTCP || t.Transport == trunk.TransportTLS {
			if uri.UriParams == nil {
				uri.UriParams = sip.NewParams()
			}
			uri.UriParams.Add("transport", t.Transport)
		}
	}
	req := sip.NewRequest(sip.INVITE, uri)
	fromUser := o.CallerID
	if fromUser == "" {
		fromUser = t.FromUser
	}
	if fromUser == "" {
		fromUser = t.User
	}
	if fromUser == "" {
		fromUser = "alo"
	}
	from := &sip.FromHeader{Address: sip.Uri{Scheme: "sip", User: fromUser, Host: s.advertise}, Params: sip.NewParams()}
	from.Params.Add("tag", sip.GenerateTagN(16))
	to := &sip.ToHeader{Address: sip.Uri{Scheme: "sip", User: uri.User, Host: uri.Host, Port: uri.Port}, Params: sip.NewParams()}
	callID := sip.CallIDHeader(uuid.NewString())
	req.AppendHeader(from)
	req.AppendHeader(to)
	req.AppendHeader(&callID)
	if spec.trunk != nil && spec.trunk.Proxy() != nil {
		// Loose routing through the outbound proxy (RFC 3261 §16.12.1.1):
		// the Request-URI stays the carrier's.
		p := spec.trunk.Proxy()
		req.AppendHeader(sip.NewHeader("Route", "<"+p.String()+";lr>"))
		req.SetDestination(p.HostPort())
	}
	if spec.dest != "" {
		req.SetDestination(spec.dest)
	}
	if spec.transport != "" {
		req.SetTransport(strings.ToUpper(spec.transport))
	}
	if t.PAI != "" {
		req.AppendHeader(sip.NewHeader("P-Asserted-Identity", "<sip:"+t.PAI+"@"+s.advertise+">"))
	}
	if t.Privacy != "" {
		req.AppendHeader(sip.NewHeader("Privacy", t.Privacy))
	}
	req.AppendHeader(sip.NewHeader("User-Agent", s.cfg.UserAgent))
	req.AppendHeader(sip.NewHeader("Allow", allowMethods))
	// We refresh sessions (RFC 4028) when the answer asks us to, and offer
	// the RFC's recommended half hour; the carrier picks the refresher.
	req.AppendHeader(sip.NewHeader("Supported", "timer"))
	req.AppendHeader(sip.NewHeader("Session-Expires", "1800"))
	if o.AutoAnswer {
		req.AppendHeader(sip.NewHeader("Call-Info", "<sip:"+s.advertise+">;answer-after=0"))
		req.AppendHeader(sip.NewHeader("Alert-Info", "<http://127.0.0.1>;info=alert-autoanswer"))
	}
	req.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	req.SetBody(offer)
	return req, fromUser
}

// established finishes an answered call: parse the answer, start media,
// ACK, and register the leg for in-dialog requests.
func (s *UA) established(ctx context.Context, kind string, dialog *sipgo.DialogClientSession, stream *media.Stream, sessID uint64, res DialResult, ev *CallLeg, onEnd func(), log *slog.Logger) (*Leg, DialResult, error) {
	rm, perr := media.ParseSDP(dialog.InviteResponse.Body())
	var leg *Leg
	if perr == nil {
		// Register the leg before the ACK leaves: the peer may send a
		// re-INVITE or BYE the moment it has the ACK.
		leg = &Leg{
			s:          s,
			kind:       kind,
			callID:     res.CallID,
			dialogID:   dialog.ID,
			dialog:     dialog,
			media:      stream,
			sessID:     sessID,
			done:       make(chan struct{}),
			answeredAt: res.answeredAt,
			answerMono: res.answerMono,
			evidence:   make(chan int64, 1),
			refreshed:  make(chan struct{}, 1),
			onEnd:      onEnd,
		}
		leg.sdpVersion.Store(1)
		leg.log = s.log.With("leg", kind, "call_id", res.CallID)
		stream.Start(rm)
		if kind == "agent" {
			// A nailed-up agent leg is idle between calls: keep it audibly
			// up with comfort silence (playback.go).
			stream.SetComfortSilence(true)
		}
		s.legs.Store(dialog.ID, leg)
	}
	if err := dialog.Ack(ctx); err != nil {
		s.legs.Delete(dialog.ID)
		stream.Close()
		dialog.Close()
		res.End = EndUnusable
		ev.EndReason = "ack failed"
		s.recordLeg(*ev, log)
		return nil, res, fmt.Errorf("dial %s: ack: %w", kind, err)
	}
	ev.AckAt = s.clock()
	if perr != nil {
		// Answered without media we can use: end it rather than hold a
		// silent call (RFC 3264: ACK, then BYE).
		log.Warn("answer has no usable sdp; hanging up", "error", perr)
		stream.Close()
		bye := sip.NewRequest(sip.BYE, ackTarget(dialog.InviteRequest, dialog.InviteResponse))
		bye.Laddr = dialog.InviteRequest.Laddr
		_ = dialog.WriteBye(ctx, bye)
		res.End, res.Reason = EndUnusable, "unusable SDP answer: "+perr.Error()
		ev.ByeAt, ev.ByeBy, ev.EndReason = s.clock(), "local", "unusable SDP answer"
		s.recordLeg(*ev, log)
		return nil, res, nil
	}
	res.Answered = true
	leg.recordStart(*ev)
	leg.startSessionTimer(dialog.InviteResponse)
	if kind == "customer" {
		s.bg.Go(leg.watch)
	}
	log.Info("call answered", "codec", rm.Codec, "rtp_remote", rm.Addr.String(), "rtp_port", stream.Port(), "lenient_sdp", rm.Lenient)
	return leg, res, nil
}

// ackTarget is where ACK and BYE for a 2xx go: the Contact it carries.
func ackTarget(inv *sip.Request, res *sip.Response) sip.Uri {
	if c := res.Contact(); c != nil {
		return *c.Address.Clone()
	}
	return *inv.Recipient.Clone()
}

// ghostWatch is how long a CANCELled INVITE is remembered: a UAS
// retransmits its 2xx for 64*T1 (RFC 3261 §13.3.1.4).
const ghostWatch = 64 * 500 * time.Millisecond

// ghostByeTimeout bounds the BYE of a late 2xx, so shutdown is not held up.
const ghostByeTimeout = 5 * time.Second

// watchGhost remembers a CANCELled INVITE whose transaction ended without a
// final response, so that a 2xx arriving later (handled by
// onUnhandledResponse) is ACKed and BYEd instead of leaving the callee on a
// silent line (docs/architecture.md, invariant 5).
func (s *UA) watchGhost(sock *sipSocket, inv *sip.Request) {
	callID := inv.CallID().Value()
	g := &ghost{sock: sock, inv: inv}
	s.cancelled.Store(callID, g)
	time.AfterFunc(ghostWatch, func() { s.cancelled.CompareAndDelete(callID, g) })
}

// ghost is an INVITE we gave up on, with the socket it left from.
type ghost struct {
	sock *sipSocket
	inv  *sip.Request
}

// onUnhandledResponse sees responses that match no transaction: mostly
// harmless retransmissions, and the one that matters, a 2xx to an INVITE we
// CANCELled after its transaction was gone.
func (s *UA) onUnhandledResponse(res *sip.Response) {
	cseq, callID := res.CSeq(), res.CallID()
	if cseq == nil || callID == nil || cseq.MethodName != sip.INVITE || !res.IsSuccess() {
		return
	}
	v, ok := s.cancelled.LoadAndDelete(callID.Value())
	if !ok {
		return
	}
	g := v.(*ghost)
	s.hangupGhost(g.sock, g.inv, res, s.log.With("call_id", callID.Value()))
}

// hangupGhost ACKs and BYEs a 2xx that answered an INVITE we had
// CANCELled. It runs in the background (bounded), tracked for Serve's exit.
func (s *UA) hangupGhost(sock *sipSocket, inv *sip.Request, res *sip.Response, log *slog.Logger) {
	client := sock.client
	s.cancelled.Delete(inv.CallID().Value())
	target := ackTarget(inv, res)
	mk := func(m sip.RequestMethod, seq uint32) *sip.Request {
		r := sip.NewRequest(m, target)
		r.AppendHeader(sip.HeaderClone(inv.From()))
		r.AppendHeader(sip.HeaderClone(res.To()))
		r.AppendHeader(sip.HeaderClone(inv.CallID()))
		r.AppendHeader(&sip.CSeqHeader{SeqNo: seq, MethodName: m})
		maxFwd := sip.MaxForwardsHeader(70)
		r.AppendHeader(&maxFwd)
		rr := res.GetHeaders("Record-Route")
		for i := len(rr) - 1; i >= 0; i-- {
			r.AppendHeader(sip.NewHeader("Route", rr[i].Value()))
		}
		r.SetTransport(inv.Transport())
		r.Laddr = inv.Laddr
		r.SetBody(nil)
		return r
	}
	seq := inv.CSeq().SeqNo
	if err := client.WriteRequest(mk(sip.ACK, seq), sipgo.ClientRequestAddVia); err != nil {
		log.Warn("ack of late 2xx failed", "error", err)
	}
	log.Warn("2xx raced our CANCEL: ACKed, sending BYE")
	s.bg.Go(func() {
		ctx, cancel := context.WithTimeout(context.Background(), ghostByeTimeout)
		defer cancel()
		bye, err := client.Do(ctx, mk(sip.BYE, seq+1), sipgo.ClientRequestAddVia)
		switch {
		case err != nil:
			log.Warn("bye of late 2xx failed", "error", err)
		case bye.StatusCode >= 300:
			log.Warn("bye of late 2xx refused", "code", bye.StatusCode)
		}
	})
}
