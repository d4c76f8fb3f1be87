package compliance

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Errors of the rule-set store.
var (
	ErrRuleSetNotFound = errors.New("rule set not found")
	ErrNotBound        = errors.New("campaign has no rule set")
)

// Binding pins a campaign to one version of a rule set, with the purpose
// and method of its calls.
type Binding struct {
	CampaignID int64     `json:"campaign_id"`
	RuleSetID  int64     `json:"rule_set_id"`
	Version    int       `json:"version"`
	Purpose    string    `json:"purpose"`
	Method     string    `json:"method"`
	PinnedAt   time.Time `json:"pinned_at"`
}

// RuleStore keeps rule sets in SQL, versioned: CreateRuleSet makes version
// 1, EditRuleSet a new version; no version is ever changed in place. It
// compiles and caches an Engine per version.
type RuleStore struct {
	db      *sql.DB
	clock   func() time.Time
	zones   *ZoneResolver
	dnc     *DNCIndex
	consent *ConsentIndex

	mu      sync.Mutex
	engines map[[2]int64]*Engine
}

// NewRuleStore returns the store over db (tables from Migrations); engines
// it compiles use zones, dnc and consent.
func NewRuleStore(db *sql.DB, clock func() time.Time, zones *ZoneResolver, dnc *DNCIndex, consent *ConsentIndex) *RuleStore {
	return &RuleStore{db: db, clock: clock, zones: zones, dnc: dnc, consent: consent, engines: map[[2]int64]*Engine{}}
}

// CreateRuleSet stores rs as version 1 of a new rule set.
func (s *RuleStore) CreateRuleSet(ctx context.Context, rs RuleSet, by string) (RuleSet, error) {
	if err := rs.Validate(); err != nil {
		return RuleSet{}, err
	}
	now := s.clock().UnixMilli()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return RuleSet{}, fmt.Errorf("create rule set: %w", err)
	}
	defer tx.Rollback()
	if err := tx.QueryRowContext(ctx, `INSERT INTO rule_sets (name, created_at) VALUES ($1, $2) RETURNING id`,
		rs.Name, now).Scan(&rs.ID); err != nil {
		return RuleSet{}, fmt.Errorf("create rule set: %w", err)
	}
	rs.Version = 1
	if err := insertVersion(ctx, tx, rs, by, now); err != nil {
		return RuleSet{}, err
	}
	if err := tx.Commit(); err != nil {
		return RuleSet{}, fmt.Errorf("create rule set: commit: %w", err)
	}
	return rs, nil
}

// CreateFromPreset copies a preset into a new rule set named name.
func (s *RuleStore) CreateFromPreset(ctx context.Context, preset, name, by string) (RuleSet, error) {
	rs, err := Preset(preset)
	if err != nil {
		return RuleSet{}, err
	}
	if name != "" {
		rs.Name = name
	}
	return s.CreateRuleSet(ctx, rs, by)
}

func insertVersion(ctx context.Context, tx *sql.Tx, rs RuleSet, by string, now int64) error {
	body, err := json.Marshal(rs)
	if err != nil {
		return fmt.Errorf("rule set %d: %w", rs.ID, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO rule_set_versions (rule_set_id, version, body, hash, created_by, created_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, rs.ID, rs.Version, string(body), rs.ContentHash(), by, now); err != nil {
		return fmt.Errorf("rule set %d version %d: %w", rs.ID, rs.Version, err)
	}
	return nil
}

// EditRuleSet stores rs as the next version of rule set id; campaigns pinned
// to earlier versions keep them until re-pinned.
func (s *RuleStore) EditRuleSet(ctx context.Context, id int64, rs RuleSet, by string) (RuleSet, error) {
	if err := rs.Validate(); err != nil {
		return RuleSet{}, err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return RuleSet{}, fmt.Errorf("edit rule set %d: %w", id, err)
	}
	defer tx.Rollback()
	var last sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT MAX(version) FROM rule_set_versions WHERE rule_set_id = $1`, id).Scan(&last); err != nil {
		return RuleSet{}, fmt.Errorf("edit rule set %d: %w", id, err)
	}
	if !last.Valid {
		return RuleSet{}, fmt.Errorf("rule set %d: %w", id, ErrRuleSetNotFound)
	}
	rs.ID, rs.Version = id, int(last.Int64)+1
	if err := insertVersion(ctx, tx, rs, by, s.clock().UnixMilli()); err != nil {
		return RuleSet{}, err
	}
	if err := tx.Commit(); err != nil {
		return RuleSet{}, fmt.Errorf("edit rule set %d: commit: %w", id, err)
	}
	return rs, nil
}

// GetRuleSet returns one version; version 0 means the latest.
func (s *RuleStore) GetRuleSet(ctx context.Context, id int64, version int) (RuleSet, error) {
	q := `SELECT body, version FROM rule_set_versions WHERE rule_set_id = $1 AND version = $2`
	args := []any{id, version}
	if version == 0 {
		q = `SELECT body, version FROM rule_set_versions WHERE rule_set_id = $1 ORDER BY version DESC LIMIT 1`
		args = args[:1]
	}
	var body string
	var v int
	err := s.db.QueryRowContext(ctx, q, args...).Scan(&body, &v)
	if errors.Is(err, sql.ErrNoRows) {
		return RuleSet{}, fmt.Errorf("rule set %d version %d: %w", id, version, ErrRuleSetNotFound)
	}
	if err != nil {
		return RuleSet{}, fmt.Errorf("rule set %d: %w", id, err)
	}
	var rs RuleSet
	if err := json.Unmarshal([]byte(body), &rs); err != nil {
		return RuleSet{}, fmt.Errorf("rule set %d version %d: stored body: %w", id, v, err)
	}
	rs.ID, rs.Version = id, v
	return rs, nil
}

// ListVersions returns every version of a rule set, oldest first.
func (s *RuleStore) ListVersions(ctx context.Context, id int64) ([]RuleSet, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT version FROM rule_set_versions WHERE rule_set_id = $1 ORDER BY version`, id)
	if err != nil {
		return nil, fmt.Errorf("rule set %d versions: %w", id, err)
	}
	var vs []int
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return nil, fmt.Errorf("rule set %d versions: %w", id, err)
		}
		vs = append(vs, v)
	}
	rows.Close()
	if len(vs) == 0 {
		return nil, fmt.Errorf("rule set %d: %w", id, ErrRuleSetNotFound)
	}
	out := make([]RuleSet, 0, len(vs))
	for _, v := range vs {
		rs, err := s.GetRuleSet(ctx, id, v)
		if err != nil {
			return nil, err
		}
		out = append(out, rs)
	}
	return out, nil
}

// Pin holds a campaign to a version of a rule set (version 0: the latest),
// with the purpose and method of its calls.
func (s *RuleStore) Pin(ctx context.Context, b Binding) (Binding, error) {
	if !validPurpose(b.Purpose) || !validMethod(b.Method) {
		return Binding{}, fmt.Errorf("pin campaign %d: purpose %q / method %q: %w", b.CampaignID, b.Purpose, b.Method, ErrInvalidRules)
	}
	rs, err := s.GetRuleSet(ctx, b.RuleSetID, b.Version)
	if err != nil {
		return Binding{}, fmt.Errorf("pin campaign %d: %w", b.CampaignID, err)
	}
	b.Version = rs.Version
	b.PinnedAt = time.UnixMilli(s.clock().UnixMilli()).UTC()
	_, err = s.db.ExecContext(ctx, `INSERT INTO campaign_rules (campaign_id, rule_set_id, version, purpose, method, pinned_at)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (campaign_id) DO UPDATE SET rule_set_id = excluded.rule_set_id, version = excluded.version,
			purpose = excluded.purpose, method = excluded.method, pinned_at = excluded.pinned_at`,
		b.CampaignID, b.RuleSetID, b.Version, b.Purpose, b.Method, b.PinnedAt.UnixMilli())
	if err != nil {
		return Binding{}, fmt.Errorf("pin campaign %d: %w", b.CampaignID, err)
	}
	return b, nil
}

// Binding returns a campaign's pin, or an error wrapping ErrNotBound.
func (s *RuleStore) Binding(ctx context.Context, campaignID int64) (Binding, error) {
	b := Binding{CampaignID: campaignID}
	var at int64
	err := s.db.QueryRowContext(ctx, `SELECT rule_set_id, version, purpose, method, pinned_at FROM campaign_rules
		WHERE campaign_id = $1`, campaignID).Scan(&b.RuleSetID, &b.Version, &b.Purpose, &b.Method, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return Binding{}, fmt.Errorf("campaign %d: %w", campaignID, ErrNotBound)
	}
	if err != nil {
		return Binding{}, fmt.Errorf("campaign %d rules: %w", campaignID, err)
	}
	b.PinnedAt = time.UnixMilli(at).UTC()
	return b, nil
}

// Engine returns the compiled engine of a version (cached: versions never
// change).
func (s *RuleStore) Engine(ctx context.Context, id int64, version int) (*Engine, error) {
	key := [2]int64{id, int64(version)}
	s.mu.Lock()
	e, ok := s.engines[key]
	s.mu.Unlock()
	if ok {
		return e, nil
	}
	rs, err := s.GetRuleSet(ctx, id, version)
	if err != nil {
		return nil, err
	}
	if e, err = NewEngine(rs, s.zones, s.dnc, s.consent); err != nil {
		return nil, fmt.Errorf("rule set %d version %d: %w", id, version, err)
	}
	s.mu.Lock()
	s.engines[key] = e
	s.mu.Unlock()
	return e, nil
}

// EngineFor returns the engine and binding of a campaign.
func (s *RuleStore) EngineFor(ctx context.Context, campaignID int64) (*Engine, Binding, error) {
	b, err := s.Binding(ctx, campaignID)
	if err != nil {
		return nil, Binding{}, err
	}
	e, err := s.Engine(ctx, b.RuleSetID, b.Version)
	return e, b, err
}
