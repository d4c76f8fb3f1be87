package compliance

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"sync"
	"time"
)

// DNCEntry is one number on the internal do-not-call list.
type DNCEntry struct {
	Number  string    `json:"number"`
	Note    string    `json:"note,omitempty"`
	AddedAt time.Time `json:"added_at"`
}

// DNCList is the internal do-not-call list. SQL is the truth; a copy in
// memory answers the gate without a query on the originate path.
type DNCList struct {
	db    *sql.DB
	clock func() time.Time
	audit Recorder

	mu  sync.RWMutex
	set map[string]struct{}
}

// NewDNCList returns the list stored in db (tables created by Migrations).
// Call Load before the first Contains.
func NewDNCList(db *sql.DB, clock func() time.Time) *DNCList {
	return &DNCList{db: db, clock: clock, set: map[string]struct{}{}}
}

// NewAuditedDNCList is NewDNCList whose additions and removals are also
// recorded in the audit trail (source api: this list is the API's).
func NewAuditedDNCList(db *sql.DB, clock func() time.Time, audit Recorder) *DNCList {
	l := NewDNCList(db, clock)
	l.audit = audit
	return l
}

// record appends a change to the audit trail, if there is one.
func (l *DNCList) record(ctx context.Context, action, number, note string) error {
	if l.audit == nil {
		return nil
	}
	now := l.clock()
	return l.audit.Record(ctx, AuditEvent{Kind: AuditDNC, At: now, Number: number, Body: map[string]any{
		"action": action, "scope": ScopeGlobal, "source": SourceAPI, "note": note, "effective_at": now.UTC()}})
}

// Load reads the whole list into memory. Other nodes' additions are seen at
// the next Load; a node adds its own at once.
func (l *DNCList) Load(ctx context.Context) error {
	rows, err := l.db.QueryContext(ctx, `SELECT number FROM dnc_numbers`)
	if err != nil {
		return fmt.Errorf("load dnc: %w", err)
	}
	defer rows.Close()
	set := map[string]struct{}{}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return fmt.Errorf("load dnc: %w", err)
		}
		set[n] = struct{}{}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("load dnc: %w", err)
	}
	l.mu.Lock()
	l.set = set
	l.mu.Unlock()
	return nil
}

// AddDNC puts number (E.164) on the list; adding it again keeps the first
// entry. It takes effect for the next gate decision.
func (l *DNCList) AddDNC(ctx context.Context, number, note string) error {
	if !IsE164(number) {
		return fmt.Errorf("dnc number %q: %w", number, ErrBadNumber)
	}
	_, err := l.db.ExecContext(ctx,
		`INSERT INTO dnc_numbers (number, note, added_at) VALUES ($1, $2, $3) ON CONFLICT (number) DO NOTHING`,
		number, note, l.clock().UnixMilli())
	if err != nil {
		return fmt.Errorf("add dnc %s: %w", number, err)
	}
	l.mu.Lock()
	l.set[number] = struct{}{}
	l.mu.Unlock()
	return l.record(ctx, "add", number, note)
}

// RemoveDNC takes number off the list.
func (l *DNCList) RemoveDNC(ctx context.Context, number string) error {
	res, err := l.db.ExecContext(ctx, `DELETE FROM dnc_numbers WHERE number = $1`, number)
	if err != nil {
		return fmt.Errorf("remove dnc %s: %w", number, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("dnc number %s: %w", number, ErrNotListed)
	}
	l.mu.Lock()
	delete(l.set, number)
	l.mu.Unlock()
	return l.record(ctx, "remove", number, "")
}

// ListDNC returns every entry, ordered by number.
func (l *DNCList) ListDNC(ctx context.Context) ([]DNCEntry, error) {
	rows, err := l.db.QueryContext(ctx, `SELECT number, note, added_at FROM dnc_numbers ORDER BY number`)
	if err != nil {
		return nil, fmt.Errorf("list dnc: %w", err)
	}
	defer rows.Close()
	out := []DNCEntry{}
	for rows.Next() {
		var e DNCEntry
		var ms int64
		if err := rows.Scan(&e.Number, &e.Note, &ms); err != nil {
			return nil, fmt.Errorf("list dnc: %w", err)
		}
		e.AddedAt = time.UnixMilli(ms).UTC()
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Number < out[j].Number })
	return out, rows.Err()
}

// Contains reports whether number is on the list (from memory).
func (l *DNCList) Contains(number string) bool {
	l.mu.RLock()
	_, ok := l.set[number]
	l.mu.RUnlock()
	return ok
}
