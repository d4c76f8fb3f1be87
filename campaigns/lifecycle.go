package campaigns

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// A campaign's life: draft → scheduled (start date ahead) → running ⇄
// paused → completed (nothing left, or its end date) or stopped (by a
// person). Completed and stopped are final.

// final reports whether a campaign can no longer run.
func (st Status) final() bool { return st == StatusCompleted || st == StatusStopped }

// Start sets a campaign running, or scheduled when its start date is still
// ahead (the feeder starts it then). A completed or stopped campaign
// cannot start again (ErrConflict).
func (s *Store) Start(ctx context.Context, id int64) (Campaign, error) {
	c, err := s.GetCampaign(ctx, id)
	if err != nil {
		return Campaign{}, err
	}
	if c.Status.final() {
		return Campaign{}, fmt.Errorf("campaign %d is %s: %w: it cannot start again", id, c.Status, ErrConflict)
	}
	st := StatusRunning
	if c.StartsAt != nil && c.StartsAt.After(s.clock()) {
		st = StatusScheduled
	}
	if err := s.transition(ctx, id, st, c.Status); err != nil {
		return Campaign{}, err
	}
	return s.GetCampaign(ctx, id)
}

// Pause stops a running (or scheduled) campaign's pacer pulling; calls in
// progress finish.
func (s *Store) Pause(ctx context.Context, id int64) (Campaign, error) {
	c, err := s.GetCampaign(ctx, id)
	if err != nil {
		return Campaign{}, err
	}
	if c.Status.final() || c.Status == StatusDraft {
		return Campaign{}, fmt.Errorf("campaign %d is %s: %w: only a running or scheduled campaign pauses", id, c.Status, ErrConflict)
	}
	if err := s.transition(ctx, id, StatusPaused, c.Status); err != nil {
		return Campaign{}, err
	}
	return s.GetCampaign(ctx, id)
}

// transition moves a campaign from one status to another, refusing if it
// moved meanwhile.
func (s *Store) transition(ctx context.Context, id int64, to, from Status) error {
	res, err := s.db.ExecContext(ctx, `UPDATE campaigns SET status = $1 WHERE id = $2 AND status = $3`, string(to), id, string(from))
	if err != nil {
		return fmt.Errorf("campaign %d: %s → %s: %w", id, from, to, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("campaign %d changed meanwhile: %w", id, ErrConflict)
	}
	return nil
}

// Stop ends a campaign for good: every contact still scheduled or queued
// is closed with close_reason stopped (its unused attempt number given
// back), the reason is recorded on the campaign, and calls in progress
// finish normally (their outcome closes or, for a retry, the contact stays
// closed by the next Stop sweep the feeder runs).
func (s *Store) Stop(ctx context.Context, id int64, reason string) (Campaign, error) {
	c, err := s.GetCampaign(ctx, id)
	if err != nil {
		return Campaign{}, err
	}
	if c.Status.final() {
		return Campaign{}, fmt.Errorf("campaign %d is already %s: %w", id, c.Status, ErrConflict)
	}
	if _, err := s.end(ctx, id, StatusStopped, CloseStopped, reason); err != nil {
		return Campaign{}, err
	}
	return s.GetCampaign(ctx, id)
}

// end closes a campaign's open contacts with closeReason and sets its
// final status; it returns how many contacts it closed.
func (s *Store) end(ctx context.Context, id int64, st Status, closeReason, why string) (int64, error) {
	now := ms(s.clock())
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("end campaign %d: %w", id, err)
	}
	defer tx.Rollback()
	closed, err := closeOpen(ctx, tx, `campaign_id = $3`, closeReason, id)
	if err != nil {
		return 0, fmt.Errorf("end campaign %d: %w", id, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE campaigns SET status = $1, stop_reason = $2, ended_at = $3 WHERE id = $4`,
		string(st), why, now, id); err != nil {
		return 0, fmt.Errorf("end campaign %d: %w", id, err)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("end campaign %d: %w", id, err)
	}
	return closed, nil
}

// closeOpen closes the scheduled and queued contacts matching where (whose
// placeholders start at $3) with reason. A queued contact had taken its
// next attempt number; it is given back, since that attempt is never made
// (the ready set's copy is refused at BeginDialing).
func closeOpen(ctx context.Context, tx *sql.Tx, where, reason string, args ...any) (int64, error) {
	var total int64
	for _, q := range []struct {
		state ContactState
		set   string
	}{{ContactScheduled, ""}, {ContactQueued, ", attempts = attempts - 1"}} {
		res, err := tx.ExecContext(ctx, `UPDATE contacts SET state = $1, close_reason = $2, next_due_at = NULL`+q.set+`
			WHERE `+where+` AND state = '`+string(q.state)+`'`, append([]any{string(ContactDone), reason}, args...)...)
		if err != nil {
			return total, err
		}
		n, _ := res.RowsAffected()
		total += n
	}
	return total, nil
}

// CloseExpired closes a campaign's scheduled contacts whose deadline has
// passed or whose next due time falls at or after it (a retry or a
// gate-deferred call that could only come too late): a welcome call past
// its deadline or a reminder inside its cut-off is closed, not dialed.
func (s *Store) CloseExpired(ctx context.Context, c Campaign, now time.Time) (int64, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE contacts SET state = $1, close_reason = $2, next_due_at = NULL
		WHERE campaign_id = $3 AND state = $4 AND deadline_at IS NOT NULL AND (deadline_at <= $5 OR next_due_at >= deadline_at)`,
		string(ContactDone), c.expiryReason(), c.ID, string(ContactScheduled), ms(now))
	if err != nil {
		return 0, fmt.Errorf("close expired contacts of campaign %d: %w", c.ID, err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// closeExpiredAttempt closes a queued contact whose deadline passed before
// its attempt could be dialed, giving the attempt number back. It reports
// whether it did.
func (s *Store) closeExpiredAttempt(ctx context.Context, key AttemptKey, now time.Time) (bool, error) {
	var typ string
	if err := s.db.QueryRowContext(ctx, `SELECT type FROM campaigns WHERE id = $1`, key.CampaignID).Scan(&typ); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return false, nil
		}
		return false, err
	}
	res, err := s.db.ExecContext(ctx, `UPDATE contacts SET state = $1, close_reason = $2, next_due_at = NULL, attempts = attempts - 1
		WHERE id = $3 AND campaign_id = $4 AND state = $5 AND attempts = $6 AND deadline_at IS NOT NULL AND deadline_at <= $7`,
		string(ContactDone), Campaign{Type: Type(typ)}.expiryReason(), key.ContactID, key.CampaignID, string(ContactQueued),
		key.Number, ms(now))
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// Advance moves campaigns along their life at now: scheduled ones whose
// start date came start running; running or paused ones past their end
// date complete (what is left closed "ended"); a running list or notice
// campaign whose every contact is done completes. Welcome calls and
// reminders keep running with nothing to do, since the CRM sends more.
func (s *Store) Advance(ctx context.Context, now time.Time) error {
	camps, err := s.queryCampaigns(ctx, "WHERE status IN ($1, $2, $3)", string(StatusScheduled), string(StatusRunning), string(StatusPaused))
	if err != nil {
		return err
	}
	var errs []error
	for _, c := range camps {
		switch {
		case c.EndsAt != nil && !now.Before(*c.EndsAt):
			if _, err := s.end(ctx, c.ID, StatusCompleted, CloseEnded, "end date reached"); err != nil {
				errs = append(errs, err)
			}
		case c.Status == StatusScheduled && (c.StartsAt == nil || !now.Before(*c.StartsAt)):
			if err := s.transition(ctx, c.ID, StatusRunning, StatusScheduled); err != nil {
				errs = append(errs, err)
			}
		case c.Status == StatusRunning && (c.Type == TypeOutboundList || c.Type == TypeNotice):
			var open, all int64
			if err := s.db.QueryRowContext(ctx, `SELECT COALESCE(SUM(CASE WHEN state <> $2 THEN 1 ELSE 0 END), 0), COUNT(*)
				FROM contacts WHERE campaign_id = $1`, c.ID, string(ContactDone)).Scan(&open, &all); err != nil {
				errs = append(errs, err)
				continue
			}
			if all > 0 && open == 0 {
				if _, err := s.end(ctx, c.ID, StatusCompleted, CloseEnded, "every contact is done"); err != nil {
					errs = append(errs, err)
				}
			}
		}
	}
	return errors.Join(errs...)
}
