package campaigns

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/alo-dialer/alo/compliance"
)

// Feeder turns contacts due within a short horizon into attempt:due tasks,
// so Redis holds the near future and a million-contact campaign stays an
// SQL table (docs/architecture.md, "Shape").
type Feeder struct {
	store   *Store
	enq     Enqueuer
	clock   func() time.Time
	horizon time.Duration
	log     *slog.Logger
	// Batch bounds the contacts queued per campaign per QueueDue call.
	Batch int
	// Gate, when set, is asked for each contact before its task is made,
	// so a contact due outside its calling window is rescheduled to the
	// next allowed instant instead of reaching the ready set and tying up an
	// agent for nothing. The dialer asks again at originate time; that
	// check is the one that counts.
	Gate compliance.Gate
}

// NewFeeder returns a feeder that queues contacts due before now+horizon.
func NewFeeder(store *Store, enq Enqueuer, clock func() time.Time, horizon time.Duration, log *slog.Logger) *Feeder {
	return &Feeder{store: store, enq: enq, clock: clock, horizon: horizon, log: log, Batch: defaultQueueBatch}
}

// RunOnce queues every running campaign's contacts due within the horizon
// and creates their tasks; it returns how many tasks it created. A task
// that fails to enqueue leaves its contact queued in SQL, where the
// reconciler finds it; the other tasks are still created.
func (f *Feeder) RunOnce(ctx context.Context) (int, error) {
	// Campaigns first move along their life (start dates, end dates, lists
	// done), so a campaign starting now is fed in this same run.
	if err := f.store.Advance(ctx, f.clock()); err != nil {
		f.log.Warn("feeder: campaign life", "err", err)
	}
	camps, err := f.store.RunningCampaigns(ctx)
	if err != nil {
		return 0, fmt.Errorf("feeder: %w", err)
	}
	horizon := f.clock().Add(f.horizon)
	batch := f.Batch
	if batch <= 0 {
		batch = defaultQueueBatch
	}
	total := 0
	var errs []error
	for _, c := range camps {
		if n, err := f.store.CloseExpired(ctx, c, f.clock()); err != nil {
			errs = append(errs, fmt.Errorf("feeder: %w", err))
		} else if n > 0 {
			f.log.Info("feeder: closed contacts past their deadline", "campaign", c.ID, "count", n, "reason", c.expiryReason())
		}
		for {
			due, err := f.store.QueueDue(ctx, c.ID, horizon, batch)
			if err != nil {
				errs = append(errs, fmt.Errorf("feeder: %w", err))
				break
			}
			n := len(due)
			due = f.planDue(ctx, c, due)
			for _, d := range due {
				created, err := enqueueAttemptDue(ctx, f.enq, d)
				if err != nil {
					f.log.Warn("feeder: enqueue failed; the reconciler will retry",
						"campaign", d.Key.CampaignID, "contact", d.Key.ContactID, "attempt", d.Key.Number, "err", err)
					errs = append(errs, fmt.Errorf("feeder: %w", err))
					continue
				}
				if created {
					total++
				}
			}
			if n > 0 {
				f.log.Debug("feeder: queued", "campaign", c.ID, "count", len(due), "deferred", n-len(due))
			}
			if n < batch || ctx.Err() != nil {
				break
			}
		}
	}
	return total, errors.Join(errs...)
}

// planDue asks the gate about each newly queued attempt at its due time.
// A defer puts the contact back to scheduled at the gate's next allowed
// instant (no attempt used); an allow, a deny (recorded with its evidence
// at originate time) or a gate error leaves the attempt to be queued.
func (f *Feeder) planDue(ctx context.Context, c Campaign, due []DueAttempt) []DueAttempt {
	if f.Gate == nil || len(due) == 0 {
		return due
	}
	ids := make([]int64, len(due))
	for i, d := range due {
		ids[i] = d.Key.ContactID
	}
	contacts, err := f.store.contactsByID(ctx, ids)
	if err != nil {
		f.log.Warn("feeder: load contacts for the gate; queueing unchecked", "campaign", c.ID, "err", err)
		return due
	}
	now := f.clock()
	kept := due[:0]
	for _, d := range due {
		ct, ok := contacts[d.Key.ContactID]
		if !ok {
			kept = append(kept, d)
			continue
		}
		at := d.DueAt
		if at.Before(now) {
			at = now
		}
		dec, err := f.Gate.Check(ctx, GateRequest(c, ct, at, c.ReservesAgent()))
		if err != nil || dec.Verdict != compliance.Defer || !dec.NextAllowed.After(at) {
			kept = append(kept, d)
			continue
		}
		if err := f.store.Defer(ctx, d.Key, dec.NextAllowed); err != nil {
			f.log.Warn("feeder: defer", "campaign", c.ID, "contact", d.Key.ContactID, "err", err)
			kept = append(kept, d)
			continue
		}
		f.log.Debug("feeder: deferred by the gate", "campaign", c.ID, "contact", d.Key.ContactID,
			"next_allowed", dec.NextAllowed, "reason", dec.Reason)
	}
	return kept
}
