package campaigns

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// AttemptMedia is what the audio of an answered attempt told alo: the
// greeting's end (the US abandonment clock start), the AMD verdict, the
// safe-harbour or machine message and the key pressed during it, and the
// recording. Zero fields were not observed.
type AttemptMedia struct {
	GreetingEndAt *time.Time `json:"greeting_end_at,omitempty"`
	AMDVerdict    string     `json:"amd_verdict,omitempty"` // HUMAN, MACHINE, NOTSURE
	AMDCause      string     `json:"amd_cause,omitempty"`
	AMDDecidedAt  *time.Time `json:"amd_decided_at,omitempty"`
	MessageAt     *time.Time `json:"message_at,omitempty"`
	Key           string     `json:"dtmf_key,omitempty"`
	Recording     string     `json:"recording,omitempty"` // path in the data dir
	// Quality is the legs' media quality as JSON ({"customer": …,
	// "agent": …}: packets, loss, jitter, what RTCP reported).
	Quality string `json:"media_stats,omitempty"`
}

// MarkMedia records an answered attempt's media facts. It may be called
// while the attempt is dialing or after it finished (the facts come from
// the call that just ended); fields left zero keep what is stored.
func (s *Store) MarkMedia(ctx context.Context, attemptID int64, m AttemptMedia) error {
	res, err := s.db.ExecContext(ctx, `UPDATE attempts SET
		greeting_end_at = COALESCE($1, greeting_end_at),
		amd_verdict = CASE WHEN $2 = '' THEN amd_verdict ELSE $2 END,
		amd_cause = CASE WHEN $3 = '' THEN amd_cause ELSE $3 END,
		amd_decided_at = COALESCE($4, amd_decided_at),
		message_at = COALESCE($5, message_at),
		dtmf_key = CASE WHEN $6 = '' THEN dtmf_key ELSE $6 END,
		recording = CASE WHEN $7 = '' THEN recording ELSE $7 END,
		media_stats = CASE WHEN $9 = '' THEN media_stats ELSE $9 END
		WHERE id = $8`,
		nullMS(m.GreetingEndAt), m.AMDVerdict, m.AMDCause, nullMS(m.AMDDecidedAt), nullMS(m.MessageAt),
		m.Key, m.Recording, attemptID, m.Quality)
	if err != nil {
		return fmt.Errorf("attempt %d: record media: %w", attemptID, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("attempt %d: record media: %w", attemptID, err)
	} else if n == 0 {
		return fmt.Errorf("attempt %d: record media: %w", attemptID, ErrNotFound)
	}
	return nil
}

// GetAttemptMedia returns an attempt's media facts.
func (s *Store) GetAttemptMedia(ctx context.Context, attemptID int64) (AttemptMedia, error) {
	var m AttemptMedia
	var greet, decided, msg sql.NullInt64
	err := s.db.QueryRowContext(ctx, `SELECT greeting_end_at, amd_verdict, amd_cause, amd_decided_at,
		message_at, dtmf_key, recording, media_stats FROM attempts WHERE id = $1`, attemptID).
		Scan(&greet, &m.AMDVerdict, &m.AMDCause, &decided, &msg, &m.Key, &m.Recording, &m.Quality)
	if errors.Is(err, sql.ErrNoRows) {
		return AttemptMedia{}, fmt.Errorf("attempt %d: %w", attemptID, ErrNotFound)
	}
	if err != nil {
		return AttemptMedia{}, fmt.Errorf("attempt %d: media: %w", attemptID, err)
	}
	m.GreetingEndAt, m.AMDDecidedAt, m.MessageAt = fromNullMS(greet), fromNullMS(decided), fromNullMS(msg)
	return m, nil
}
