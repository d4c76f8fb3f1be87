package sipsim

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// carrierMaxRing bounds a call nobody answers and the caller never cancels:
// real networks give up too (480 Temporarily Unavailable).
const carrierMaxRing = 3 * time.Minute

// carrierByeTimeout bounds the wait for the answer to our BYE.
const carrierByeTimeout = 5 * time.Second

// CarrierConfig sets how the simulated carrier treats calls. Each call draws
// once from [0,1): below AnswerRate it is answered, below AnswerRate+BusyRate
// it is busy (486), otherwise it rings until cancelled.
type CarrierConfig struct {
	// Addr is the UDP host:port to listen on; port 0 picks a free one.
	Addr string
	// AnswerRate is the share of calls answered by a "person" (0–1).
	AnswerRate float64
	// RingMin and RingMax bound the ring time before an answer or busy.
	RingMin, RingMax time.Duration
	// TalkMin and TalkMax bound the talk time before the carrier hangs up.
	TalkMin, TalkMax time.Duration
	// BusyRate is the share of calls answered with 486 Busy Here (0–1).
	BusyRate float64
	// Seed makes the draws repeatable: the n-th call to a number behaves
	// the same in every run with the same seed, whatever the call order.
	Seed int64
	// RTPPorts is the media port range; {0, 0} lets the OS pick.
	RTPPorts [2]int
}

// CarrierStats counts what the carrier has done since it started.
type CarrierStats struct {
	Invites         int64 // new calls received
	Answered        int64 // 200 OK sent
	Busy            int64 // 486 sent
	Cancelled       int64 // CANCELled by the caller before an answer
	Rejected        int64 // refused: bad SDP (488), ring cap reached (480), shutdown
	HangupByCarrier int64 // BYE sent by the carrier after the talk time
	HangupByCaller  int64 // BYE received from the caller
	Active          int64 // calls now in progress (ringing or talking)
	RTPSent         int64 // RTP packets sent to callers
	RTPReceived     int64 // RTP packets received from callers
}

// Carrier is a simulated SIP trunk: it answers INVITEs with 100 and 180,
// then answers with audio, reports busy, or rings until cancelled.
type Carrier struct {
	*endpoint
	cfg   CarrierConfig
	ports *portRange
	audio cadence

	mu     sync.Mutex
	dialed map[string]uint64 // number → calls so far, for repeatable draws
	calls  map[string]*carrierCall

	invites, answered, busy, cancelled, rejected atomic.Int64
	byCarrier, byCaller, active                  atomic.Int64
	rtpSent, rtpReceived                         atomic.Int64
}

// carrierCall is one call in progress.
type carrierCall struct {
	dialog *sipgo.DialogServerSession
	answer []byte
	media  *rtpStream
}

// NewCarrier checks cfg and binds the SIP socket; Serve answers calls.
func NewCarrier(cfg CarrierConfig, log *slog.Logger) (*Carrier, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	ports, err := newPortRange(cfg.RTPPorts)
	if err != nil {
		return nil, fmt.Errorf("sipsim carrier: %w", err)
	}
	ep, err := newEndpoint("carrier", cfg.Addr, log)
	if err != nil {
		return nil, err
	}
	c := &Carrier{
		endpoint: ep, cfg: cfg, ports: ports,
		audio:  newCadence(400, 1200*time.Millisecond, 600*time.Millisecond),
		dialed: map[string]uint64{},
		calls:  map[string]*carrierCall{},
	}
	ep.srv.OnInvite(c.onInvite)
	ep.srv.OnBye(c.onBye)
	ep.srv.OnOptions(c.onOptions)
	return c, nil
}

func (cfg CarrierConfig) validate() error {
	var errs []error
	if cfg.AnswerRate < 0 || cfg.AnswerRate > 1 || cfg.BusyRate < 0 || cfg.BusyRate > 1 || cfg.AnswerRate+cfg.BusyRate > 1 {
		errs = append(errs, fmt.Errorf("answer rate %v and busy rate %v: want each in 0-1 and their sum at most 1", cfg.AnswerRate, cfg.BusyRate))
	}
	if cfg.RingMin < 0 || cfg.RingMax < cfg.RingMin {
		errs = append(errs, fmt.Errorf("ring %v-%v: want 0 <= min <= max", cfg.RingMin, cfg.RingMax))
	}
	if cfg.TalkMin < 0 || cfg.TalkMax < cfg.TalkMin {
		errs = append(errs, fmt.Errorf("talk %v-%v: want 0 <= min <= max", cfg.TalkMin, cfg.TalkMax))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("sipsim carrier: %w", err)
	}
	return nil
}

// Serve answers calls until ctx ends; Ready is closed once it runs.
func (c *Carrier) Serve(ctx context.Context) error { return c.serve(ctx) }

// Stats returns the counters so far.
func (c *Carrier) Stats() CarrierStats {
	return CarrierStats{
		Invites: c.invites.Load(), Answered: c.answered.Load(), Busy: c.busy.Load(),
		Cancelled: c.cancelled.Load(), Rejected: c.rejected.Load(),
		HangupByCarrier: c.byCarrier.Load(), HangupByCaller: c.byCaller.Load(),
		Active: c.active.Load(), RTPSent: c.rtpSent.Load(), RTPReceived: c.rtpReceived.Load(),
	}
}

// carrierFate is what happens to one call.
type carrierFate int

const (
	fateAnswer carrierFate = iota
	fateBusy
	fateNoAnswer
)

// plan draws the call's fate, ring and talk time from a source seeded by
// the configured seed, the number and how often it was dialed before.
func (c *Carrier) plan(number string) (carrierFate, time.Duration, time.Duration) {
	c.mu.Lock()
	n := c.dialed[number]
	c.dialed[number] = n + 1
	c.mu.Unlock()
	h := fnv.New64a()
	h.Write([]byte(number))
	r := rand.New(rand.NewPCG(uint64(c.cfg.Seed), h.Sum64()+n))
	between := func(lo, hi time.Duration) time.Duration {
		if hi <= lo {
			return lo
		}
		return lo + time.Duration(r.Int64N(int64(hi-lo)+1))
	}
	u := r.Float64()
	ring := between(c.cfg.RingMin, c.cfg.RingMax)
	talk := between(c.cfg.TalkMin, c.cfg.TalkMax)
	switch {
	case u < c.cfg.AnswerRate:
		return fateAnswer, ring, talk
	case u < c.cfg.AnswerRate+c.cfg.BusyRate:
		return fateBusy, ring, talk
	}
	return fateNoAnswer, ring, talk
}

// onInvite runs for the whole INVITE transaction (sipgo ends the transaction
// when the handler returns), and for an answered call until it ends.
func (c *Carrier) onInvite(req *sip.Request, tx sip.ServerTransaction) {
	id := callID(req)
	if inDialog(req) {
		c.refresh(req, tx)
		return
	}
	c.invites.Add(1)
	c.active.Add(1)
	defer c.active.Add(-1)
	log := c.log.With("call_id", id, "number", req.Recipient.User)

	remote, err := parseOffer(req.Body())
	if err != nil {
		log.Info("rejecting offer", "error", err)
		c.rejected.Add(1)
		c.respond(req, tx, 488, "Not Acceptable Here", nil)
		return
	}
	dlg, err := c.dialogs.ReadInvite(req, tx)
	if err != nil {
		log.Info("bad INVITE", "error", err)
		c.rejected.Add(1)
		c.respond(req, tx, 400, "Bad Request", nil)
		return
	}
	defer dlg.Close()
	fate, ring, talk := c.plan(req.Recipient.User)
	if err := dlg.Respond(100, "Trying", nil); err != nil {
		return
	}
	if err := dlg.Respond(180, "Ringing", nil); err != nil {
		return
	}
	ctx := c.context()
	wait := ring
	if fate == fateNoAnswer {
		wait = carrierMaxRing
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case <-dlg.Context().Done():
		// CANCEL: sipgo has sent 200 to the CANCEL and 487 to the INVITE.
		c.cancelled.Add(1)
		log.Debug("cancelled by the caller")
		return
	case <-ctx.Done():
		c.rejected.Add(1)
		_ = dlg.Respond(503, "Service Unavailable", nil)
		return
	case <-timer.C:
	}

	switch fate {
	case fateBusy:
		c.busy.Add(1)
		_ = dlg.Respond(486, "Busy Here", nil)
		return
	case fateNoAnswer:
		c.rejected.Add(1)
		_ = dlg.Respond(480, "Temporarily Unavailable", nil)
		return
	}
	c.answerAndTalk(ctx, log, id, dlg, remote, talk)
}

// answerAndTalk answers with SDP, streams audio, and hangs up after talk
// unless the caller does first.
func (c *Carrier) answerAndTalk(ctx context.Context, log *slog.Logger, id string, dlg *sipgo.DialogServerSession, remote *net.UDPAddr, talk time.Duration) {
	conn, err := c.ports.listen(c.host)
	if err != nil {
		log.Warn("no RTP port", "error", err)
		c.rejected.Add(1)
		_ = dlg.Respond(503, "Service Unavailable", nil)
		return
	}
	sess := rand.Uint64() >> 1
	call := &carrierCall{dialog: dlg, answer: answerSDP("carrier", c.host, conn.LocalAddr().(*net.UDPAddr).Port, sess)}
	c.mu.Lock()
	c.calls[id] = call
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.calls, id)
		c.mu.Unlock()
	}()

	// Media starts with the 200 (a caller may send early); RespondSDP
	// returns once the ACK arrives.
	call.media = startRTP(conn, remote, c.audio, rand.Uint32(), uint16(rand.Uint32()), streamCounters{&c.rtpSent, &c.rtpReceived})
	defer call.media.stop()
	c.answered.Add(1)
	if err := dlg.RespondSDP(call.answer); err != nil {
		log.Info("answer not acknowledged", "error", err)
		return
	}
	log.Debug("answered", "talk", talk)

	timer := time.NewTimer(talk)
	defer timer.Stop()
	select {
	case <-dlg.Context().Done():
		c.byCaller.Add(1)
		log.Debug("caller hung up")
	case <-timer.C:
		c.hangup(log, dlg)
	case <-ctx.Done():
		c.hangup(log, dlg)
	}
}

// hangup sends BYE, bounded in time.
func (c *Carrier) hangup(log *slog.Logger, dlg *sipgo.DialogServerSession) {
	ctx, cancel := context.WithTimeout(context.Background(), carrierByeTimeout)
	defer cancel()
	if err := dlg.Bye(ctx); err != nil {
		log.Info("BYE failed", "error", err)
		return
	}
	c.byCarrier.Add(1)
	log.Debug("carrier hung up")
}

// onBye ends a call on the caller's BYE (481 for a call we do not know).
func (c *Carrier) onBye(req *sip.Request, tx sip.ServerTransaction) {
	// Gone before the 200 goes out (ReadBye sends it), for any request the
	// caller sends as soon as it has the 200.
	c.mu.Lock()
	delete(c.calls, callID(req))
	c.mu.Unlock()
	if err := c.dialogs.ReadBye(req, tx); err != nil {
		c.respond(req, tx, 481, "Call/Transaction Does Not Exist", nil)
	}
}

// refresh answers an in-dialog re-INVITE (a session-timer refresh or a
// media change) with our SDP, following the caller's media if it moved.
func (c *Carrier) refresh(req *sip.Request, tx sip.ServerTransaction) {
	c.mu.Lock()
	call := c.calls[callID(req)]
	c.mu.Unlock()
	if call == nil || call.media == nil {
		c.respond(req, tx, 481, "Call/Transaction Does Not Exist", nil)
		return
	}
	if remote, err := parseOffer(req.Body()); err == nil {
		call.media.setRemote(remote)
	}
	c.respond(req, tx, 200, "OK", call.answer)
}

// onOptions answers keep-alives: 200 outside a dialog or in a live one,
// 481 in a dialog that has ended.
func (c *Carrier) onOptions(req *sip.Request, tx sip.ServerTransaction) {
	if inDialog(req) {
		c.mu.Lock()
		_, ok := c.calls[callID(req)]
		c.mu.Unlock()
		if !ok {
			c.respond(req, tx, 481, "Call/Transaction Does Not Exist", nil)
			return
		}
	}
	c.respond(req, tx, 200, "OK", nil)
}
