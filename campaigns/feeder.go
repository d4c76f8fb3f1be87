package campaigns

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Feeder turns contacts due within a short horizon into attempt:due tasks,
// so Redis holds the near future and a million-contact campaign stays an
// SQL table (DESIGN.md, "Shape").
type Feeder struct {
	store   *Store
	enq     Enqueuer
	clock   func() time.Time
	horizon time.Duration
	log     *slog.Logger
	// Batch bounds the contacts queued per campaign per QueueDue call.
	Batch int
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
		for {
			due, err := f.store.QueueDue(ctx, c.ID, horizon, batch)
			if err != nil {
				errs = append(errs, fmt.Errorf("feeder: %w", err))
				break
			}
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
			if len(due) > 0 {
				f.log.Debug("feeder: queued", "campaign", c.ID, "count", len(due))
			}
			if len(due) < batch || ctx.Err() != nil {
				break
			}
		}
	}
	return total, errors.Join(errs...)
}
