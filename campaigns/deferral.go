package campaigns

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/alo-dialer/alo/compliance"
)

// Defer puts a claimed attempt the gate deferred back to scheduled, due at
// nextDue (the gate's next allowed instant). Unlike Block it writes no
// attempt row and does not consume the attempt number: a call that was
// never placed must not use up the contact's attempts (the gate's reasons
// go to the compliance audit trail instead). Like BeginDialing it fails
// with ErrAlreadyDialed if the attempt moved on.
func (s *Store) Defer(ctx context.Context, key AttemptKey, nextDue time.Time) error {
	res, err := s.db.ExecContext(ctx, `UPDATE contacts SET state = $1, next_due_at = $2, attempts = attempts - 1
		WHERE id = $3 AND campaign_id = $4 AND state = $5 AND attempts = $6`,
		string(ContactScheduled), ms(nextDue), key.ContactID, key.CampaignID, string(ContactQueued), key.Number)
	if err != nil {
		return fmt.Errorf("defer %s: %w", key, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("defer %s: %w", key, err)
	} else if n == 0 {
		return fmt.Errorf("defer: %w", s.whyNotQueued(ctx, key))
	}
	return nil
}

// CallsSince returns the calls placed to phone since a time, across every
// campaign, for the gate's attempt limits and embargoes (it satisfies
// compliance.History). Blocked attempts are returned with outcome blocked;
// the gate does not count them.
func (s *Store) CallsSince(ctx context.Context, phone string, since time.Time) ([]compliance.PastCall, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT campaign_id, outcome, created_at FROM attempts
		WHERE phone = $1 AND created_at >= $2 ORDER BY created_at`, phone, ms(since))
	if err != nil {
		return nil, fmt.Errorf("calls to %s: %w", phone, err)
	}
	defer rows.Close()
	var out []compliance.PastCall
	for rows.Next() {
		var c compliance.PastCall
		var at int64
		if err := rows.Scan(&c.CampaignID, &c.Outcome, &at); err != nil {
			return nil, fmt.Errorf("calls to %s: %w", phone, err)
		}
		c.At = fromMS(at)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("calls to %s: %w", phone, err)
	}
	return out, nil
}
