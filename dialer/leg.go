package dialer

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// Leg is one established call (the 2xx was ACKed): a customer through the
// trunk, or an agent's phone. It ends once, by a BYE from either side.
type Leg struct {
	s        *SIP
	kind     string // "customer" or "agent"
	callID   string
	dialogID string
	dialog   *sipgo.DialogClientSession
	media    *Stream
	log      *slog.Logger

	sessID     uint64
	sdpVersion atomic.Uint64

	endOnce sync.Once
	endedBy atomic.Value // string
	done    chan struct{}
}

// CallID is the SIP Call-ID of the leg (log field call_id).
func (l *Leg) CallID() string { return l.callID }

// Media is the leg's RTP stream.
func (l *Leg) Media() *Stream { return l.media }

// Done is closed when the leg ends: a BYE from either side, or Hangup.
func (l *Leg) Done() <-chan struct{} { return l.done }

// EndedBy says who ended the leg: "remote", "local", or "" while it is up.
func (l *Leg) EndedBy() string {
	v, _ := l.endedBy.Load().(string)
	return v
}

// Hangup ends the leg from alo's side: it stops the media at once, then
// sends BYE (once; a leg already ended does nothing) and waits for its
// answer within ctx. The leg is ended even when the BYE fails.
func (l *Leg) Hangup(ctx context.Context) error {
	mine := false
	l.endOnce.Do(func() {
		mine = true
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

// finish releases the port, forgets the dialog and signals Done.
func (l *Leg) finish(by string) {
	l.endedBy.Store(by)
	l.media.close()
	l.s.legs.Delete(l.dialogID)
	close(l.done)
}

// answerRefresh answers an in-dialog re-INVITE or UPDATE with 200 and our
// SDP, so the peer (a session timer, a carrier's keep-alive) does not tear
// the call down. Hold and media changes are not acted on yet.
func (l *Leg) answerRefresh(req *sip.Request, tx sip.ServerTransaction) {
	if err := l.dialog.ReadRequest(req, tx); err != nil {
		l.s.respond(req, tx, 500, "Server Internal Error")
		return
	}
	var body []byte
	switch {
	case len(req.Body()) > 0:
		formats := []sdpFormat{{l.media.pt, l.media.codec}}
		if l.media.dtmfPT != 0 {
			formats = append(formats, sdpFormat{l.media.dtmfPT, "telephone-event"})
		}
		body = sdpBody(l.s.advertise, l.media.port, l.sessID, l.sdpVersion.Add(1), formats)
	case req.IsInvite():
		// An offerless re-INVITE wants our offer in the 200.
		body = offerSDP(l.s.advertise, l.media.port, l.sessID, l.sdpVersion.Add(1))
	}
	res := sip.NewResponseFromRequest(req, 200, "OK", body)
	if body != nil {
		res.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	}
	res.AppendHeader(sip.HeaderClone(&l.dialog.UA.ContactHDR))
	if err := tx.Respond(res); err != nil {
		l.log.Debug("answer refresh", "method", req.Method.String(), "error", err)
	}
}

// KeepAlive sends an in-dialog OPTIONS and waits for the answer within ctx.
// A nailed-up agent leg carries no RTP while the agent waits (a muted phone
// sends none either), so SIP is what proves the phone still holds the call
// (DESIGN.md, "Agents"). Any final response but 481 (the phone forgot the
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
