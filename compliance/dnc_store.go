package compliance

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// DNCStore keeps scoped DNC entries and registry imports in SQL and the
// DNCIndex in step with them. Every change is recorded in the audit trail
// with its source and when it took effect.
type DNCStore struct {
	db    *sql.DB
	index *DNCIndex
	audit Recorder
	clock func() time.Time
}

// NewDNCStore returns the store; audit may be nil (tools).
func NewDNCStore(db *sql.DB, index *DNCIndex, audit Recorder, clock func() time.Time) *DNCStore {
	return &DNCStore{db: db, index: index, audit: audit, clock: clock}
}

func nullTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UnixMilli()
}

func msTime(v int64) time.Time { return time.UnixMilli(v).UTC() }

// Load reads every entry and registry date into the index. Other nodes'
// changes are seen at the next Load.
func (s *DNCStore) Load(ctx context.Context) error {
	rows, err := s.db.QueryContext(ctx, `SELECT id, number, scope, scope_id, registry, source, note, requested_at,
		effective_at, expires_at FROM dnc_entries`)
	if err != nil {
		return fmt.Errorf("load dnc entries: %w", err)
	}
	by := map[string][]DNCRecord{}
	for rows.Next() {
		r, err := scanDNC(rows)
		if err != nil {
			rows.Close()
			return fmt.Errorf("load dnc entries: %w", err)
		}
		by[r.Number] = append(by[r.Number], r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("load dnc entries: %w", err)
	}
	regs := map[string]time.Time{}
	rrows, err := s.db.QueryContext(ctx, `SELECT name, downloaded_at FROM dnc_registries`)
	if err != nil {
		return fmt.Errorf("load dnc registries: %w", err)
	}
	defer rrows.Close()
	for rrows.Next() {
		var name string
		var at int64
		if err := rrows.Scan(&name, &at); err != nil {
			return fmt.Errorf("load dnc registries: %w", err)
		}
		regs[name] = msTime(at)
	}
	if err := rrows.Err(); err != nil {
		return fmt.Errorf("load dnc registries: %w", err)
	}
	s.index.replace(by, regs)
	return nil
}

type scanner interface{ Scan(...any) error }

func scanDNC(r scanner) (DNCRecord, error) {
	var d DNCRecord
	var req, eff int64
	var exp sql.NullInt64
	if err := r.Scan(&d.ID, &d.Number, &d.Scope, &d.ScopeID, &d.Registry, &d.Source, &d.Note, &req, &eff, &exp); err != nil {
		return DNCRecord{}, err
	}
	d.RequestedAt, d.EffectiveAt = msTime(req), msTime(eff)
	if exp.Valid {
		t := msTime(exp.Int64)
		d.ExpiresAt = &t
	}
	return d, nil
}

func validScope(scope string) bool {
	switch scope {
	case ScopeGlobal, ScopeClient, ScopeCampaign:
		return true
	}
	return false
}

func validSource(src string) bool {
	switch src {
	case SourceAgent, SourceKeyPress, SourceAPI, SourceImport:
		return true
	}
	return false
}

// Add records a DNC request. It takes effect at once (alo honours requests
// immediately; the law allows up to 10 business days in the US): a zero
// EffectiveAt or RequestedAt means now.
func (s *DNCStore) Add(ctx context.Context, r DNCRecord) (DNCRecord, error) {
	if !IsE164(r.Number) {
		return DNCRecord{}, fmt.Errorf("dnc number %q: %w", r.Number, ErrBadNumber)
	}
	if !validScope(r.Scope) || (r.Scope != ScopeGlobal && r.ScopeID <= 0) {
		return DNCRecord{}, fmt.Errorf("dnc scope %q (id %d): want global, or client/campaign with an id: %w", r.Scope, r.ScopeID, ErrInvalidRules)
	}
	if !validSource(r.Source) {
		return DNCRecord{}, fmt.Errorf("dnc source %q: want agent, key_press, api or import: %w", r.Source, ErrInvalidRules)
	}
	now := msTime(s.clock().UnixMilli())
	if r.RequestedAt.IsZero() {
		r.RequestedAt = now
	}
	if r.EffectiveAt.IsZero() {
		r.EffectiveAt = now
	}
	if r.Scope == ScopeGlobal {
		r.ScopeID = 0
	}
	r.Registry = ""
	err := s.db.QueryRowContext(ctx, `INSERT INTO dnc_entries (number, scope, scope_id, registry, source, note,
		requested_at, effective_at, expires_at) VALUES ($1, $2, $3, '', $4, $5, $6, $7, $8) RETURNING id`,
		r.Number, r.Scope, r.ScopeID, r.Source, r.Note, r.RequestedAt.UnixMilli(), r.EffectiveAt.UnixMilli(),
		nullTime(r.ExpiresAt)).Scan(&r.ID)
	if err != nil {
		return DNCRecord{}, fmt.Errorf("add dnc %s: %w", r.Number, err)
	}
	s.index.Put(r)
	if s.audit != nil {
		campaign := int64(0)
		if r.Scope == ScopeCampaign {
			campaign = r.ScopeID
		}
		if err := s.audit.Record(ctx, AuditEvent{Kind: AuditDNC, At: now, CampaignID: campaign, Number: r.Number,
			Body: map[string]any{"action": "add", "entry": r}}); err != nil {
			return r, err
		}
	}
	return r, nil
}

// Remove deletes an internal entry by id (the audit trail keeps that it
// existed and when it was removed).
func (s *DNCStore) Remove(ctx context.Context, id int64) error {
	r, err := scanDNC(s.db.QueryRowContext(ctx, `SELECT id, number, scope, scope_id, registry, source, note, requested_at,
		effective_at, expires_at FROM dnc_entries WHERE id = $1 AND scope <> $2`, id, ScopeRegistry))
	if err == sql.ErrNoRows {
		return fmt.Errorf("dnc entry %d: %w", id, ErrNotListed)
	}
	if err != nil {
		return fmt.Errorf("dnc entry %d: %w", id, err)
	}
	if _, err := s.db.ExecContext(ctx, `DELETE FROM dnc_entries WHERE id = $1`, id); err != nil {
		return fmt.Errorf("remove dnc entry %d: %w", id, err)
	}
	s.index.removeID(r.Number, id)
	if s.audit != nil {
		return s.audit.Record(ctx, AuditEvent{Kind: AuditDNC, At: s.clock(), Number: r.Number,
			Body: map[string]any{"action": "remove", "entry": r}})
	}
	return nil
}

// ImportRegistry replaces a registry's entries with numbers, downloaded at
// downloadedAt (its age is checked against the rule set's maximum). Numbers
// that are not E.164 are skipped and counted.
func (s *DNCStore) ImportRegistry(ctx context.Context, name string, downloadedAt time.Time, numbers []string) (imported, skipped int, err error) {
	if name == "" {
		return 0, 0, fmt.Errorf("registry name: required: %w", ErrInvalidRules)
	}
	now := s.clock()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, 0, fmt.Errorf("import registry %s: %w", name, err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM dnc_entries WHERE scope = $1 AND registry = $2`, ScopeRegistry, name); err != nil {
		return 0, 0, fmt.Errorf("import registry %s: %w", name, err)
	}
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO dnc_entries (number, scope, scope_id, registry, source, note,
		requested_at, effective_at) VALUES ($1, $2, 0, $3, $4, '', $5, $6)`)
	if err != nil {
		return 0, 0, fmt.Errorf("import registry %s: %w", name, err)
	}
	defer stmt.Close()
	for _, n := range numbers {
		if !IsE164(n) {
			skipped++
			continue
		}
		if _, err := stmt.ExecContext(ctx, n, ScopeRegistry, name, SourceImport, downloadedAt.UnixMilli(), downloadedAt.UnixMilli()); err != nil {
			return 0, 0, fmt.Errorf("import registry %s: %w", name, err)
		}
		imported++
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO dnc_registries (name, downloaded_at, imported_at, entries) VALUES ($1, $2, $3, $4)
		ON CONFLICT (name) DO UPDATE SET downloaded_at = excluded.downloaded_at, imported_at = excluded.imported_at,
		entries = excluded.entries`, name, downloadedAt.UnixMilli(), now.UnixMilli(), imported); err != nil {
		return 0, 0, fmt.Errorf("import registry %s: %w", name, err)
	}
	if err := tx.Commit(); err != nil {
		return 0, 0, fmt.Errorf("import registry %s: commit: %w", name, err)
	}
	if err := s.Load(ctx); err != nil {
		return imported, skipped, err
	}
	if s.audit != nil {
		err = s.audit.Record(ctx, AuditEvent{Kind: AuditDNC, At: now, Body: map[string]any{"action": "import_registry",
			"registry": name, "downloaded_at": downloadedAt.UTC(), "entries": imported, "skipped": skipped}})
	}
	return imported, skipped, err
}

// List returns the entries of a number.
func (s *DNCStore) List(ctx context.Context, number string) ([]DNCRecord, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, number, scope, scope_id, registry, source, note, requested_at,
		effective_at, expires_at FROM dnc_entries WHERE number = $1 ORDER BY id`, number)
	if err != nil {
		return nil, fmt.Errorf("dnc entries of %s: %w", number, err)
	}
	defer rows.Close()
	out := []DNCRecord{}
	for rows.Next() {
		r, err := scanDNC(rows)
		if err != nil {
			return nil, fmt.Errorf("dnc entries of %s: %w", number, err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
