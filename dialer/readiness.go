package dialer

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/alo-dialer/alo/campaigns"
	"github.com/alo-dialer/alo/input"
)

// ready reports whether this node may place a new call now.
func (e *Engine) ready() bool {
	if e.cfg.Ready == nil {
		return true
	}
	ok, _ := e.cfg.Ready()
	return ok
}

// InFlight is the number of calls this node's pacers have on the wire
// (dialing, answered, bridged or in the message), for a drain to wait on.
func (e *Engine) InFlight() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for _, r := range e.pacers {
		n += int(r.p.inCall.Load())
	}
	return n
}

// Retrying an outcome whose write failed: storage may be full or the
// database restarting, and an outcome lost makes the contact "unknown" at
// the next start, which re-dials a customer who may have been reached.
const (
	outcomeRetryFirst = 250 * time.Millisecond
	outcomeRetryMax   = 5 * time.Second
	// outcomeRetryFor bounds the wait; past it the attempt is left
	// dialing for RecoverNode to settle.
	outcomeRetryFor = 15 * time.Minute
)

// finishRetrying records an outcome, retrying while the failure is the
// storage's (not a refusal: an invalid outcome or an attempt already
// ended). It keeps trying after ctx ends, so a drain or a shutdown does
// not drop an outcome that was known.
func (p *pacer) finishRetrying(ctx context.Context, log *slog.Logger, attemptID int64, r campaigns.Result) error {
	ctx = context.WithoutCancel(ctx)
	deadline := p.e.cfg.Clock().Add(outcomeRetryFor)
	wait := outcomeRetryFirst
	for try := 1; ; try++ {
		err := p.e.cfg.Attempts.Finish(ctx, attemptID, r)
		if err == nil || !retryableOutcome(err) || !p.e.cfg.Clock().Before(deadline) {
			if err == nil && try > 1 {
				log.Info("outcome written after storage came back", "outcome", r.Outcome, "tries", try)
			}
			return err
		}
		if try == 1 {
			log.Warn("outcome not written; kept and retried", "outcome", r.Outcome, "err", err)
		}
		t := time.NewTimer(wait)
		<-t.C
		wait = min(2*wait, outcomeRetryMax)
	}
}

// retryableOutcome tells a storage failure from a refusal.
func retryableOutcome(err error) bool {
	var in *input.Error
	return !errors.As(err, &in) && !errors.Is(err, campaigns.ErrConflict) && !errors.Is(err, campaigns.ErrNotFound)
}

// OnAnswerToBridged has f see every answer-to-bridged latency (the one
// AnswerToBridged summarises), for a metrics histogram. Call it before Run.
func (e *Engine) OnAnswerToBridged(f func(time.Duration)) {
	e.bridgeLatency.mu.Lock()
	defer e.bridgeLatency.mu.Unlock()
	e.bridgeLatency.hook = f
}
