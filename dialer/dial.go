package dialer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
	"github.com/google/uuid"

	"github.com/alo-dialer/alo/campaigns"
)

// DialOptions shape one outgoing call.
type DialOptions struct {
	// CallerID is the E.164 number presented to the callee, or empty.
	CallerID string
	// RingTimeout is when alo gives up with CANCEL, counted from the first
	// 18x, or from the INVITE if none comes. Zero means DefaultRingTimeout.
	RingTimeout time.Duration
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

// DialResult is how an INVITE ended.
type DialResult struct {
	Answered bool
	Outcome  campaigns.Outcome // when not answered (OutcomeForResponse)
	Code     int               // final SIP code (0 if none)
	Reason   string
	CallID   string
	// CancelRaced says a 200 arrived after our CANCEL: it was ACKed and
	// BYEd at once, so the callee was not left with a silent call.
	CancelRaced bool
}

// ErrInvalidInput marks a number, caller ID or URI refused before any
// header was built.
var ErrInvalidInput = errors.New("invalid dial input")

// errRingTimeout is the cancel cause when the ring timeout fires.
var errRingTimeout = errors.New("ring timeout")

// DialCustomer calls an E.164 number through the trunk, answering 401/407
// challenges with the trunk's credentials. A SIP refusal is a DialResult
// with Answered=false and a nil Leg; err is for local failures (bad number,
// no RTP port, SIP not listening, ctx ended).
func (s *SIP) DialCustomer(ctx context.Context, number string, o DialOptions) (*Leg, DialResult, error) {
	if !validE164(number) {
		return nil, DialResult{}, fmt.Errorf("%w: number %q is not E.164 (+ and 8-15 digits)", ErrInvalidInput, number)
	}
	if !s.hasTrunk {
		return nil, DialResult{}, errors.New("dial customer: no trunk configured")
	}
	uri := *s.trunk.Clone()
	uri.User = number
	return s.dial(ctx, "customer", uri, o, s.cfg.Trunk.User, s.cfg.Trunk.Password)
}

// DialAgent calls an agent's phone directly at its SIP URI.
func (s *SIP) DialAgent(ctx context.Context, uri string, o DialOptions) (*Leg, DialResult, error) {
	if err := validHeaderValue(uri); err != nil {
		return nil, DialResult{}, fmt.Errorf("%w: agent uri: %w", ErrInvalidInput, err)
	}
	var u sip.Uri
	if err := sip.ParseUri(uri, &u); err != nil {
		return nil, DialResult{}, fmt.Errorf("%w: agent uri %q: %w", ErrInvalidInput, uri, err)
	}
	if u.Scheme != "sip" || u.Host == "" {
		return nil, DialResult{}, fmt.Errorf("%w: agent uri %q: want sip:user@host[:port]", ErrInvalidInput, uri)
	}
	return s.dial(ctx, "agent", u, o, "", "")
}

// validE164 accepts "+" and 8 to 15 digits, the first not 0 (ITU-T E.164).
func validE164(n string) bool {
	if len(n) < 9 || len(n) > 16 || n[0] != '+' || n[1] == '0' {
		return false
	}
	for _, c := range n[1:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// validHeaderValue refuses what could split or end a SIP header (CRLF
// injection, GHSA-chcx-pf5f-wxc7): sipgo does not check values it is given.
func validHeaderValue(v string) error {
	if strings.ContainsAny(v, "\r\n\x00") {
		return errors.New("contains CR, LF or NUL")
	}
	return nil
}

func (s *SIP) dial(ctx context.Context, kind string, uri sip.Uri, o DialOptions, user, password string) (*Leg, DialResult, error) {
	if o.CallerID != "" && !validE164(o.CallerID) {
		return nil, DialResult{}, fmt.Errorf("%w: caller id %q is not E.164", ErrInvalidInput, o.CallerID)
	}
	dua, err := s.session(ctx)
	if err != nil {
		return nil, DialResult{}, err
	}
	log := s.log.With("leg", kind, "to", uri.String())
	stream, err := newStream(s.ports, log)
	if err != nil {
		return nil, DialResult{}, fmt.Errorf("dial %s: %w", kind, err)
	}
	sessID := rand.Uint64() >> 2
	req := s.inviteRequest(kind, uri, o, offerSDP(s.advertise, stream.Port(), sessID, 1))
	callID := req.CallID().Value()
	log = log.With("call_id", callID)
	res := DialResult{CallID: callID}

	ringTimeout := o.RingTimeout
	if ringTimeout <= 0 {
		ringTimeout = DefaultRingTimeout
	}
	ringCtx, cancelRing := context.WithCancelCause(ctx)
	defer cancelRing(nil)
	timer := time.AfterFunc(ringTimeout, func() { cancelRing(errRingTimeout) })
	defer timer.Stop()

	dialog, err := dua.WriteInvite(ctx, req)
	if err != nil {
		stream.close()
		return nil, res, fmt.Errorf("dial %s: send invite: %w", kind, err)
	}
	log.Info("invite sent")
	var rang, provisional bool
	err = dialog.WaitAnswer(ringCtx, sipgo.AnswerOptions{
		Username: user,
		Password: password,
		OnResponse: func(r *sip.Response) error {
			if !r.IsProvisional() {
				return nil
			}
			provisional = true
			if r.StatusCode >= 180 && !rang {
				rang = true
				// The ring timeout counts from the first ring (DESIGN.md,
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
	final := dialog.InviteResponse
	if final != nil && final.IsProvisional() {
		final = nil
	}
	if final != nil {
		res.Code, res.Reason = final.StatusCode, final.Reason
	}

	if err == nil {
		return s.established(ctx, kind, dialog, stream, sessID, res, log)
	}
	stream.close()
	defer dialog.Close()

	cancelled := ringCtx.Err() != nil
	timedOut := errors.Is(context.Cause(ringCtx), errRingTimeout)
	if cancelled && final != nil && final.IsSuccess() {
		// The callee answered as our CANCEL crossed: ACK and BYE at once.
		res.CancelRaced = true
		s.hangupGhost(dialog.InviteRequest.Clone(), final, log)
	} else if cancelled && final == nil {
		// CANCEL sent, no final yet: if a 200 still comes, ACK and BYE it.
		s.watchGhost(dialog.InviteRequest.Clone())
	}

	switch {
	case final != nil && final.IsSuccess():
		res.Outcome = campaigns.OutcomeNoAnswer // rang out; the late answer was dropped
	case final != nil:
		res.Outcome = OutcomeForResponse(final.StatusCode, cancelled)
	case cancelled && provisional:
		res.Outcome = campaigns.OutcomeNoAnswer // rang out, the 487 never came
	default:
		res.Outcome = OutcomeForResponse(0, cancelled) // no response at all
	}
	log.Info("call not answered", "outcome", string(res.Outcome), "code", res.Code, "reason", res.Reason,
		"ring_timeout", timedOut, "cancel_raced", res.CancelRaced)
	if cancelled && !timedOut {
		return nil, res, fmt.Errorf("dial %s: %w", kind, ctx.Err())
	}
	return nil, res, nil
}

// inviteRequest builds the INVITE with our SDP offer.
func (s *SIP) inviteRequest(kind string, uri sip.Uri, o DialOptions, offer []byte) *sip.Request {
	req := sip.NewRequest(sip.INVITE, uri)
	fromUser := o.CallerID
	if fromUser == "" && kind == "customer" {
		fromUser = s.cfg.Trunk.User
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
	req.AppendHeader(sip.NewHeader("User-Agent", s.cfg.UserAgent))
	req.AppendHeader(sip.NewHeader("Allow", allowMethods))
	if o.AutoAnswer {
		req.AppendHeader(sip.NewHeader("Call-Info", "<sip:"+s.advertise+">;answer-after=0"))
		req.AppendHeader(sip.NewHeader("Alert-Info", "<http://127.0.0.1>;info=alert-autoanswer"))
	}
	req.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	req.SetBody(offer)
	return req
}

// established finishes an answered call: parse the answer, start media,
// ACK, and register the leg for in-dialog requests.
func (s *SIP) established(ctx context.Context, kind string, dialog *sipgo.DialogClientSession, stream *Stream, sessID uint64, res DialResult, log *slog.Logger) (*Leg, DialResult, error) {
	rm, perr := parseAnswer(dialog.InviteResponse.Body())
	if err := dialog.Ack(ctx); err != nil {
		stream.close()
		dialog.Close()
		res.Outcome = campaigns.OutcomeFailed
		return nil, res, fmt.Errorf("dial %s: ack: %w", kind, err)
	}
	if perr != nil {
		// Answered without media we can use: end it rather than hold a
		// silent call (RFC 3264: ACK, then BYE).
		log.Warn("answer has no usable sdp; hanging up", "error", perr)
		stream.close()
		bye := sip.NewRequest(sip.BYE, ackTarget(dialog.InviteRequest, dialog.InviteResponse))
		bye.Laddr = dialog.InviteRequest.Laddr
		_ = dialog.WriteBye(ctx, bye)
		res.Outcome, res.Reason = campaigns.OutcomeFailed, "unusable SDP answer: "+perr.Error()
		return nil, res, nil
	}
	leg := &Leg{
		s:        s,
		kind:     kind,
		callID:   res.CallID,
		dialogID: dialog.ID,
		dialog:   dialog,
		media:    stream,
		sessID:   sessID,
		done:     make(chan struct{}),
	}
	leg.sdpVersion.Store(1)
	leg.log = s.log.With("leg", kind, "call_id", res.CallID)
	s.legs.Store(dialog.ID, leg)
	stream.start(rm)
	res.Answered = true
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
// silent line (DESIGN.md, invariant 5).
func (s *SIP) watchGhost(inv *sip.Request) {
	callID := inv.CallID().Value()
	s.cancelled.Store(callID, inv)
	time.AfterFunc(ghostWatch, func() { s.cancelled.CompareAndDelete(callID, inv) })
}

// onUnhandledResponse sees responses that match no transaction: mostly
// harmless retransmissions, and the one that matters, a 2xx to an INVITE we
// CANCELled after its transaction was gone.
func (s *SIP) onUnhandledResponse(res *sip.Response) {
	cseq, callID := res.CSeq(), res.CallID()
	if cseq == nil || callID == nil || cseq.MethodName != sip.INVITE || !res.IsSuccess() {
		return
	}
	v, ok := s.cancelled.LoadAndDelete(callID.Value())
	if !ok {
		return
	}
	s.hangupGhost(v.(*sip.Request), res, s.log.With("call_id", callID.Value()))
}

// hangupGhost ACKs and BYEs a 2xx that answered an INVITE we had
// CANCELled. It runs in the background (bounded), tracked for Serve's exit.
func (s *SIP) hangupGhost(inv *sip.Request, res *sip.Response, log *slog.Logger) {
	s.mu.RLock()
	client := s.client
	s.mu.RUnlock()
	if client == nil {
		return
	}
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
