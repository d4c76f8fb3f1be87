package sipua

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/alo-dialer/alo/dialer/media"
	"github.com/alo-dialer/alo/dialer/siphdr"
)

// Leg is one established call (the 2xx was ACKed): a customer through the
// trunk, or an agent's phone. It ends once, by a BYE from either side.
type Leg struct {
	s        *UA
	kind     string // "customer" or "agent"
	callID   string
	dialogID string
	dialog   *sipgo.DialogClientSession
	media    *media.Stream
	log      *slog.Logger

	sessID     uint64
	sdpVersion atomic.Uint64

	endOnce   sync.Once
	endedBy   atomic.Value // string
	endReason atomic.Value // string
	done      chan struct{}

	answeredAt time.Time     // the 2xx's arrival on the UA's clock
	answerMono time.Time     // the same instant on the monotonic clock
	held       atomic.Bool   // the peer put the call on hold: no RTP expected
	onEnd      func()        // releases the trunk's call slot
	evidence   chan int64    // the call_legs row id, once stored
	refreshed  chan struct{} // the peer refreshed the session (re-INVITE, UPDATE)
	refreshes  atomic.Int64  // session refreshes alo made that the peer accepted
}

// Refreshes counts the session refreshes (RFC 4028) alo sent on this leg
// and the peer accepted.
func (l *Leg) Refreshes() int { return int(l.refreshes.Load()) }

// Reasons a leg ended, beyond a plain BYE (Leg.EndReason).
const (
	EndMediaTimeout = "media_timeout" // no RTP from the customer for SIPConfig.MediaTimeout
	EndMaxDuration  = "max_duration"  // the call reached SIPConfig.MaxCallDuration
)

// AnsweredAt is when the 2xx arrived, on the UA's clock: the attempt's
// answer time, from which the dialer's answer deadlines count.
func (l *Leg) AnsweredAt() time.Time { return l.answeredAt }

// AnswerMono is the same instant on the monotonic clock, from which
// latencies (answer to bridged, to the first packet) are measured: an
// injected clock in a test says nothing about elapsed time.
func (l *Leg) AnswerMono() time.Time { return l.answerMono }

// Kind says whose leg it is: "customer" or "agent".
func (l *Leg) Kind() string { return l.kind }

// CallID is the SIP Call-ID of the leg (log field call_id).
func (l *Leg) CallID() string { return l.callID }

// Media is the leg's RTP stream.
func (l *Leg) Media() *media.Stream { return l.media }

// Done is closed when the leg ends: a BYE from either side, or Hangup.
func (l *Leg) Done() <-chan struct{} { return l.done }

// EndedBy says who ended the leg: "remote", "local", or "" while it is up.
func (l *Leg) EndedBy() string {
	v, _ := l.endedBy.Load().(string)
	return v
}

// EndReason says why alo ended the leg when it was not asked to:
// EndMediaTimeout, EndMaxDuration, or "".
func (l *Leg) EndReason() string {
	v, _ := l.endReason.Load().(string)
	return v
}

// Held says the peer has put the call on hold (re-INVITE sendonly or
// inactive) and not resumed it.
func (l *Leg) Held() bool { return l.held.Load() }

// Hangup ends the leg from alo's side: it stops the media at once, then
// sends BYE (once; a leg already ended does nothing) and waits for its
// answer within ctx. The leg is ended even when the BYE fails.
func (l *Leg) Hangup(ctx context.Context) error { return l.hangup(ctx, "") }

func (l *Leg) hangup(ctx context.Context, reason string) error {
	mine := false
	l.endOnce.Do(func() {
		mine = true
		l.endReason.Store(reason)
		l.finish("local")
	})
	if !mine {
		return nil
	}
	bye := sip.NewRequest(sip.BYE, l.target())
	// Pin the listening socket, as for the INVITE (carriers match on source).
	bye.Laddr = l.dialog.InviteRequest.Laddr
	if err := l.dialog.WriteBye(ctx, bye); err != nil {
		l.log.Warn("bye failed", "error", err)
		return fmt.Errorf("hang up %s leg %s: %w", l.kind, l.callID, err)
	}
	l.log.Info("leg hung up", "ended_by", "local")
	return nil
}

// target is where in-dialog requests go: the peer's Contact.
func (l *Leg) target() sip.Uri {
	if c := l.dialog.InviteResponse.Contact(); c != nil {
		return *c.Address.Clone()
	}
	return *l.dialog.InviteRequest.Recipient.Clone()
}

// remoteBye ends the leg because the peer hung up, and answers 200.
func (l *Leg) remoteBye(req *sip.Request, tx sip.ServerTransaction) {
	l.endOnce.Do(func() {
		l.finish("remote")
		l.log.Info("leg hung up", "ended_by", "remote")
	})
	if err := l.dialog.ReadBye(req, tx); err != nil {
		l.log.Debug("answer bye", "error", err)
	}
}

// finish releases the port and the trunk slot, forgets the dialog, records
// the end and signals Done.
func (l *Leg) finish(by string) {
	l.endedBy.Store(by)
	l.media.Close()
	l.s.legs.Delete(l.dialogID)
	if l.onEnd != nil {
		l.onEnd()
	}
	l.recordEnd(by)
	close(l.done)
}

// recordStart stores the leg's evidence in the background: the answer must
// reach the bridge without waiting for SQL.
func (l *Leg) recordStart(ev CallLeg) {
	rec := l.s.cfg.Legs
	if rec == nil {
		close(l.evidence)
		return
	}
	l.s.bg.Go(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		id, err := rec.StartLeg(ctx, ev)
		if err != nil {
			l.log.Error("record call leg", "err", err)
		}
		l.evidence <- id
	})
}

// recordEnd adds the BYE to the leg's evidence once its row exists.
func (l *Leg) recordEnd(by string) {
	rec := l.s.cfg.Legs
	if rec == nil {
		return
	}
	at, reason := l.s.clock(), l.EndReason()
	l.s.bg.Go(func() {
		id := <-l.evidence
		if id == 0 {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := rec.EndLeg(ctx, id, at, by, reason); err != nil {
			l.log.Error("record end of call leg", "err", err)
		}
	})
}

// watch ends a customer leg that went silent or ran too long (docs/architecture.md,
// invariant 5: no ghost or silent calls). A held call is expected to be
// silent. Agent legs are not watched: a muted phone sends no RTP, and SIP
// keep-alives prove those alive.
func (l *Leg) watch() {
	mt, md := l.s.cfg.MediaTimeout, l.s.cfg.MaxCallDuration
	if mt < 0 && md < 0 {
		return
	}
	every := time.Second
	if mt > 0 {
		every = min(every, max(mt/4, 20*time.Millisecond))
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	var maxDur <-chan time.Time
	if md > 0 {
		t := time.NewTimer(md)
		defer t.Stop()
		maxDur = t.C
	}
	quiet := l.s.clock() // silence counted from the answer, or the resume
	for {
		select {
		case <-l.done:
			return
		case <-maxDur:
			l.log.Warn("call reached its maximum duration; hanging up", "max", md)
			l.endAlone(EndMaxDuration)
			return
		case <-tick.C:
			if mt <= 0 {
				continue
			}
			now := l.s.clock()
			if l.held.Load() {
				quiet = now
				continue
			}
			last := l.media.Stats().LastIn
			if last.After(quiet) {
				quiet = last
			}
			if now.Sub(quiet) >= mt {
				l.log.Warn("no RTP from the customer; hanging up", "silent_for", now.Sub(quiet).Round(time.Millisecond))
				l.endAlone(EndMediaTimeout)
				return
			}
		}
	}
}

// endAlone hangs up on alo's initiative, bounded.
func (l *Leg) endAlone(reason string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = l.hangup(ctx, reason)
}

// answerRefresh answers an in-dialog re-INVITE or UPDATE with 200 and our
// SDP, so the peer (a session timer, a carrier's keep-alive) does not tear
// the call down. An offer putting the call on hold (sendonly, inactive or
// c=0.0.0.0) is answered recvonly or inactive and suspends the media
// timeout; sendrecv resumes. A new media address in the offer is used. A
// Session-Expires (RFC 4028) is echoed with the refresher the peer chose,
// or the peer (uac) when it chose none, so the peer keeps refreshing.
func (l *Leg) answerRefresh(req *sip.Request, tx sip.ServerTransaction) {
	if err := l.dialog.ReadRequest(req, tx); err != nil {
		l.s.respond(req, tx, 500, "Server Internal Error")
		return
	}
	select {
	case l.refreshed <- struct{}{}:
	default: // one pending signal is enough
	}
	var body []byte
	switch {
	case len(req.Body()) > 0:
		offerDir := media.OfferDirection(req.Body())
		if rm, err := media.ParseSDP(req.Body()); err == nil && !rm.Inactive && rm.Addr.IsValid() && !rm.Addr.Addr().IsUnspecified() {
			l.media.SetRemote(rm.Addr)
		}
		wasHeld := l.held.Load()
		hold := offerDir == media.DirSendOnly || offerDir == media.DirInactive
		l.held.Store(hold)
		if hold != wasHeld {
			l.log.Info("call hold changed", "held", hold, "method", req.Method.String())
		}
		body = l.media.SDP(l.s.advertise, l.sessID, l.sdpVersion.Add(1), media.AnswerDirection(offerDir))
	case req.IsInvite():
		// An offerless re-INVITE wants our offer in the 200.
		body = media.OfferSDP(l.s.advertise, l.media.Port(), l.sessID, l.sdpVersion.Add(1))
	}
	res := sip.NewResponseFromRequest(req, 200, "OK", body)
	if body != nil {
		res.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	}
	if se := req.GetHeader("Session-Expires"); se != nil {
		v := strings.TrimSpace(se.Value())
		if !strings.Contains(strings.ToLower(v), "refresher=") {
			v += ";refresher=uac"
		}
		if siphdr.Check(v) == nil {
			res.AppendHeader(sip.NewHeader("Session-Expires", v))
			res.AppendHeader(sip.NewHeader("Require", "timer"))
		}
	}
	res.AppendHeader(sip.HeaderClone(&l.dialog.UA.ContactHDR))
	if err := tx.Respond(res); err != nil {
		l.log.Debug("answer refresh", "method", req.Method.String(), "error", err)
	}
}

// KeepAlive sends an in-dialog OPTIONS and waits for the answer within ctx.
// A nailed-up agent leg carries no RTP while the agent waits (a muted phone
// sends none either), so SIP is what proves the phone still holds the call
// (docs/architecture.md, "Agents"). Any final response but 481 (the phone forgot the
// call) or 408 means the phone is there; the caller hangs up on an error.
func (l *Leg) KeepAlive(ctx context.Context) error {
	select {
	case <-l.done:
		return fmt.Errorf("keep-alive %s leg %s: leg ended", l.kind, l.callID)
	default:
	}
	req := sip.NewRequest(sip.OPTIONS, l.target())
	req.Laddr = l.dialog.InviteRequest.Laddr
	res, err := l.dialog.Do(ctx, req)
	if err != nil {
		return fmt.Errorf("keep-alive %s leg %s: %w", l.kind, l.callID, err)
	}
	if res.StatusCode == 481 || res.StatusCode == 408 {
		return fmt.Errorf("keep-alive %s leg %s: %d %s", l.kind, l.callID, res.StatusCode, res.Reason)
	}
	return nil
}
