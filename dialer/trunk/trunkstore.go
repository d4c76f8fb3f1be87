package trunk

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/alo-dialer/alo/input"
	"github.com/alo-dialer/alo/sqldb"
)

// Store keeps trunks and the campaign → trunk group mapping in SQL.
type Store struct {
	db    *sqldb.DB
	clock func() time.Time
}

// NewStore returns the store over the dialer's migrated tables.
func NewStore(db *sqldb.DB, clock func() time.Time) *Store {
	return &Store{db: db, clock: clock}
}

const trunkColumns = `id, name, grp, priority, uri, transport, username, password, outbound_proxy, local_port,
	from_user, pai, privacy, max_calls, max_cps, created_at`

func scanTrunk(r interface{ Scan(...any) error }) (Trunk, error) {
	var t Trunk
	var created int64
	err := r.Scan(&t.ID, &t.Name, &t.Group, &t.Priority, &t.URI, &t.Transport, &t.User, &t.Password,
		&t.OutboundProxy, &t.LocalPort, &t.FromUser, &t.PAI, &t.Privacy, &t.MaxCalls, &t.MaxCPS, &created)
	if err != nil {
		return Trunk{}, err
	}
	t.CreatedAt = time.UnixMilli(created).UTC()
	t.HasPassword = t.Password != ""
	return t, nil
}

// Create validates and stores a trunk. A duplicate name is ErrInvalid.
func (s *Store) Create(ctx context.Context, t Trunk) (Trunk, error) {
	t.Normalize()
	if err := t.Validate(); err != nil {
		return Trunk{}, err
	}
	t.CreatedAt = s.clock().UTC().Truncate(time.Millisecond)
	err := s.db.QueryRowContext(ctx, `INSERT INTO trunks (name, grp, priority, uri, transport, username, password,
		outbound_proxy, local_port, from_user, pai, privacy, max_calls, max_cps, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id`,
		t.Name, t.Group, t.Priority, t.URI, t.Transport, t.User, t.Password, t.OutboundProxy, t.LocalPort,
		t.FromUser, t.PAI, t.Privacy, t.MaxCalls, t.MaxCPS, t.CreatedAt.UnixMilli()).Scan(&t.ID)
	if sqldb.IsUniqueViolation(err) {
		return Trunk{}, fmt.Errorf("trunk name %q already used: %w", t.Name, input.ErrInvalid)
	}
	if err != nil {
		return Trunk{}, fmt.Errorf("create trunk %q: %w", t.Name, err)
	}
	return t, nil
}

// Update replaces a trunk's settings. An empty password keeps the stored one
// (the API never shows it, so a client cannot send it back).
func (s *Store) Update(ctx context.Context, t Trunk) (Trunk, error) {
	old, err := s.Get(ctx, t.ID)
	if err != nil {
		return Trunk{}, err
	}
	if t.Password == "" {
		t.Password = old.Password
	}
	t.Normalize()
	if err := t.Validate(); err != nil {
		return Trunk{}, err
	}
	t.CreatedAt = old.CreatedAt
	_, err = s.db.ExecContext(ctx, `UPDATE trunks SET name = $1, grp = $2, priority = $3, uri = $4, transport = $5,
		username = $6, password = $7, outbound_proxy = $8, local_port = $9, from_user = $10, pai = $11, privacy = $12,
		max_calls = $13, max_cps = $14 WHERE id = $15`,
		t.Name, t.Group, t.Priority, t.URI, t.Transport, t.User, t.Password, t.OutboundProxy, t.LocalPort,
		t.FromUser, t.PAI, t.Privacy, t.MaxCalls, t.MaxCPS, t.ID)
	if sqldb.IsUniqueViolation(err) {
		return Trunk{}, fmt.Errorf("trunk name %q already used: %w", t.Name, input.ErrInvalid)
	}
	if err != nil {
		return Trunk{}, fmt.Errorf("update trunk %d: %w", t.ID, err)
	}
	return t, nil
}

// Get returns one trunk, password included (for dialling; the API hides it).
func (s *Store) Get(ctx context.Context, id int64) (Trunk, error) {
	t, err := scanTrunk(s.db.QueryRowContext(ctx, `SELECT `+trunkColumns+` FROM trunks WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Trunk{}, fmt.Errorf("trunk %d: %w", id, input.ErrNotFound)
	}
	if err != nil {
		return Trunk{}, fmt.Errorf("trunk %d: %w", id, err)
	}
	return t, nil
}

// List returns every trunk by group, priority and id.
func (s *Store) List(ctx context.Context) ([]Trunk, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+trunkColumns+` FROM trunks ORDER BY grp, priority, id`)
	if err != nil {
		return nil, fmt.Errorf("list trunks: %w", err)
	}
	defer rows.Close()
	out := []Trunk{}
	for rows.Next() {
		t, err := scanTrunk(rows)
		if err != nil {
			return nil, fmt.Errorf("list trunks: %w", err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list trunks: %w", err)
	}
	return out, nil
}

// Delete removes a trunk; calls in progress through it go on.
func (s *Store) Delete(ctx context.Context, id int64) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM trunks WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("delete trunk %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("trunk %d: %w", id, input.ErrNotFound)
	}
	return nil
}

// SetCampaignGroup makes a campaign dial through a trunk group; the default
// group removes the mapping.
func (s *Store) SetCampaignGroup(ctx context.Context, campaignID int64, group string) error {
	if err := ValidateGroup(group); err != nil {
		return err
	}
	if _, err := s.db.ExecContext(ctx, `DELETE FROM campaign_trunk_groups WHERE campaign_id = $1`, campaignID); err != nil {
		return fmt.Errorf("campaign %d trunk group: %w", campaignID, err)
	}
	if group == DefaultGroup {
		return nil
	}
	if _, err := s.db.ExecContext(ctx, `INSERT INTO campaign_trunk_groups (campaign_id, grp) VALUES ($1, $2)`, campaignID, group); err != nil {
		return fmt.Errorf("campaign %d trunk group: %w", campaignID, err)
	}
	return nil
}

// CampaignGroups returns every campaign's trunk group that is not the default.
func (s *Store) CampaignGroups(ctx context.Context) (map[int64]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT campaign_id, grp FROM campaign_trunk_groups`)
	if err != nil {
		return nil, fmt.Errorf("campaign trunk groups: %w", err)
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var id int64
		var g string
		if err := rows.Scan(&id, &g); err != nil {
			return nil, fmt.Errorf("campaign trunk groups: %w", err)
		}
		out[id] = g
	}
	return out, rows.Err()
}
