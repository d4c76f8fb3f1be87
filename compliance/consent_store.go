package compliance

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// ConsentStore keeps consent records in SQL and the ConsentIndex in step;
// grants and revocations go to the audit trail.
type ConsentStore struct {
	db    *sql.DB
	index *ConsentIndex
	audit Recorder
	clock func() time.Time
}

// NewConsentStore returns the store; audit may be nil (tools).
func NewConsentStore(db *sql.DB, index *ConsentIndex, audit Recorder, clock func() time.Time) *ConsentStore {
	return &ConsentStore{db: db, index: index, audit: audit, clock: clock}
}

const consentColumns = `id, number, purpose, method, source, proof, granted_at, revoked_at`

func scanConsent(r scanner) (ConsentRecord, error) {
	var c ConsentRecord
	var granted int64
	var revoked sql.NullInt64
	if err := r.Scan(&c.ID, &c.Number, &c.Purpose, &c.Method, &c.Source, &c.Proof, &granted, &revoked); err != nil {
		return ConsentRecord{}, err
	}
	c.GrantedAt = msTime(granted)
	if revoked.Valid {
		t := msTime(revoked.Int64)
		c.RevokedAt = &t
	}
	return c, nil
}

// Load reads every record into the index.
func (s *ConsentStore) Load(ctx context.Context) error {
	rows, err := s.db.QueryContext(ctx, `SELECT `+consentColumns+` FROM consents`)
	if err != nil {
		return fmt.Errorf("load consents: %w", err)
	}
	defer rows.Close()
	by := map[string][]ConsentRecord{}
	for rows.Next() {
		c, err := scanConsent(rows)
		if err != nil {
			return fmt.Errorf("load consents: %w", err)
		}
		by[c.Number] = append(by[c.Number], c)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("load consents: %w", err)
	}
	s.index.replace(by)
	return nil
}

// Grant records a consent (GrantedAt zero means now).
func (s *ConsentStore) Grant(ctx context.Context, c ConsentRecord) (ConsentRecord, error) {
	if !IsE164(c.Number) {
		return ConsentRecord{}, fmt.Errorf("consent number %q: %w", c.Number, ErrBadNumber)
	}
	if !validPurpose(c.Purpose) || !validMethod(c.Method) || c.Source == "" {
		return ConsentRecord{}, fmt.Errorf("consent: purpose %q, method %q and a source are required: %w", c.Purpose, c.Method, ErrInvalidRules)
	}
	if c.GrantedAt.IsZero() {
		c.GrantedAt = s.clock()
	}
	c.GrantedAt = msTime(c.GrantedAt.UnixMilli())
	c.RevokedAt = nil
	if err := s.db.QueryRowContext(ctx, `INSERT INTO consents (number, purpose, method, source, proof, granted_at)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, c.Number, c.Purpose, c.Method, c.Source, c.Proof,
		c.GrantedAt.UnixMilli()).Scan(&c.ID); err != nil {
		return ConsentRecord{}, fmt.Errorf("grant consent %s: %w", c.Number, err)
	}
	s.index.Put(c)
	return c, s.record(ctx, "grant", c)
}

// Revoke ends a consent now; the record is kept.
func (s *ConsentStore) Revoke(ctx context.Context, id int64) (ConsentRecord, error) {
	now := msTime(s.clock().UnixMilli())
	c, err := scanConsent(s.db.QueryRowContext(ctx, `UPDATE consents SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL
		RETURNING `+consentColumns, now.UnixMilli(), id))
	if errors.Is(err, sql.ErrNoRows) {
		return ConsentRecord{}, fmt.Errorf("consent %d (or not in force): %w", id, ErrNotListed)
	}
	if err != nil {
		return ConsentRecord{}, fmt.Errorf("revoke consent %d: %w", id, err)
	}
	s.index.Put(c)
	return c, s.record(ctx, "revoke", c)
}

func (s *ConsentStore) record(ctx context.Context, action string, c ConsentRecord) error {
	if s.audit == nil {
		return nil
	}
	return s.audit.Record(ctx, AuditEvent{Kind: AuditConsent, At: s.clock(), Number: c.Number,
		Body: map[string]any{"action": action, "consent": c}})
}
