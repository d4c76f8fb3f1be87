package campaigns

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/alo-dialer/alo/e164"
	"github.com/alo-dialer/alo/input"
	"github.com/alo-dialer/alo/sqldb"
)

// Page size bounds for the List methods.
const (
	defaultPageSize = 100
	maxPageSize     = 10000
)

// Store is the SQL side of campaigns: clients, campaigns, contacts and the
// attempt state machine (attempts.go). SQL is the source of truth; Redis
// state can always be rebuilt from it.
type Store struct {
	db    *sqldb.DB
	clock func() time.Time
	// window checks a promised callback's time (CheckCallbacksWith);
	// nil checks the campaign's hours only.
	window WindowCheck
}

// NewStore returns a Store on db (already migrated with Migrations). clock
// stamps rows and computes retry times.
func NewStore(db *sqldb.DB, clock func() time.Time) *Store {
	return &Store{db: db, clock: clock}
}

// NewContact is one contact to add to a campaign; Phone is already E.164
// (intake normalises it).
type NewContact struct {
	Phone    string
	Name     string
	TimeZone string
	Language string // of the recorded messages played to the contact; "" for the campaign's
	// DueAt is when the first attempt is due; nil means now.
	DueAt *time.Time
	// MorePhones are the contact's other numbers, in calling order, after Phone.
	MorePhones []string
	// ExternalID is the CRM's id; UpsertContacts updates the contact that
	// already has it.
	ExternalID       string
	Region           string
	Fields           map[string]string
	AppointmentAt    *time.Time
	AppointmentPlace string
}

// phonesJSON is the phones_json column of nc: every number in order, or
// "" when Phone is the only one.
func (nc NewContact) phonesJSON() string {
	if len(nc.MorePhones) == 0 {
		return ""
	}
	return encodeList(append([]string{nc.Phone}, nc.MorePhones...))
}

// AttemptFilter selects attempts for ListAttempts; zero ids match all.
type AttemptFilter struct {
	CampaignID int64
	ContactID  int64
	// AfterID pages by cursor: only attempts with a larger id.
	AfterID int64
	Limit   int
	Offset  int
}

func ms(t time.Time) int64 { return t.UnixMilli() }

func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }

func fromNullMS(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMS(v.Int64)
	return &t
}

func nullMS(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UnixMilli()
}

func page(limit, offset int) (int, int) {
	if limit <= 0 {
		limit = defaultPageSize
	}
	if limit > maxPageSize {
		limit = maxPageSize
	}
	if offset < 0 {
		offset = 0
	}
	return limit, offset
}

// CreateClient adds a client.
func (s *Store) CreateClient(ctx context.Context, name string) (Client, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return Client{}, input.Invalid("name", "a client's name must not be empty")
	}
	if p := input.TextProblem(name); p != "" {
		return Client{}, input.Invalid("name", p)
	}
	c := Client{Name: name, CreatedAt: fromMS(ms(s.clock()))}
	err := s.db.QueryRowContext(ctx,
		`INSERT INTO clients (name, created_at) VALUES ($1, $2) RETURNING id`,
		c.Name, ms(c.CreatedAt)).Scan(&c.ID)
	if err != nil {
		return Client{}, fmt.Errorf("create client: %w", err)
	}
	return c, nil
}

// GetClient returns one client.
func (s *Store) GetClient(ctx context.Context, id int64) (Client, error) {
	var c Client
	var created int64
	err := s.db.QueryRowContext(ctx, `SELECT id, name, created_at FROM clients WHERE id = $1`, id).
		Scan(&c.ID, &c.Name, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return Client{}, fmt.Errorf("client %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return Client{}, fmt.Errorf("get client %d: %w", id, err)
	}
	c.CreatedAt = fromMS(created)
	return c, nil
}

// ListClients returns every client, oldest first.
func (s *Store) ListClients(ctx context.Context) ([]Client, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, name, created_at FROM clients ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list clients: %w", err)
	}
	defer rows.Close()
	var out []Client
	for rows.Next() {
		var c Client
		var created int64
		if err := rows.Scan(&c.ID, &c.Name, &created); err != nil {
			return nil, fmt.Errorf("list clients: %w", err)
		}
		c.CreatedAt = fromMS(created)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list clients: %w", err)
	}
	return out, nil
}

// settingsJSON encodes the JSON columns of c.
func (c Campaign) settingsJSON() (schedule, retry, prompts string) {
	enc := func(v any, empty bool) string {
		if empty {
			return ""
		}
		b, _ := json.Marshal(v) // plain structs and maps always marshal
		return string(b)
	}
	return enc(c.Schedule, c.Schedule == Schedule{}), enc(c.Retry, len(c.Retry) == 0), enc(c.Prompts, c.Prompts == Prompts{})
}

// CreateCampaign stores a new campaign for an existing client, after
// applying defaults (draft, 09:00–20:00 UTC, 3 attempts 30 min apart, 30 s
// ring, progressive) and validating it.
func (s *Store) CreateCampaign(ctx context.Context, c Campaign) (Campaign, error) {
	c = withDefaults(c)
	c.Name = strings.TrimSpace(c.Name)
	if err := c.Validate(); err != nil {
		return Campaign{}, fmt.Errorf("create campaign: %w", err)
	}
	if _, err := s.GetClient(ctx, c.ClientID); err != nil {
		return Campaign{}, fmt.Errorf("create campaign: client_id: %w", err)
	}
	c.CreatedAt = fromMS(ms(s.clock()))
	schedule, retry, prompts := c.settingsJSON()
	err := s.db.QueryRowContext(ctx, `INSERT INTO campaigns
		(client_id, name, status, daily_start, daily_end, time_zone, default_region,
		 max_attempts, retry_delay_ms, ring_timeout_ms, caller_id, pacing, created_at, amd_json, language,
		 type, agentless, starts_at, ends_at, schedule_json, retry_json, max_per_number, priority, wrap_up_ms, prompts_json, lines,
		 recording_json, script, preview_json)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15,
		 $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29) RETURNING id`,
		c.ClientID, c.Name, string(c.Status), c.DailyStart, c.DailyEnd, c.TimeZone, c.DefaultRegion,
		c.MaxAttempts, c.RetryDelay.Milliseconds(), c.RingTimeout.Milliseconds(), c.CallerID, c.Pacing,
		ms(c.CreatedAt), amdJSON(c.AMD), c.Language,
		string(c.Type), boolInt(c.Agentless), nullMS(c.StartsAt), nullMS(c.EndsAt), schedule, retry,
		c.MaxPerNumber, c.Priority, c.WrapUp.Milliseconds(), prompts, c.Lines, recordingJSON(c.Recording), c.Script, previewJSON(c.Preview)).Scan(&c.ID)
	if err != nil {
		return Campaign{}, fmt.Errorf("create campaign: %w", err)
	}
	return c, nil
}

const campaignColumns = `id, client_id, name, status, daily_start, daily_end, time_zone, default_region,
	max_attempts, retry_delay_ms, ring_timeout_ms, caller_id, pacing, created_at, amd_json, language,
	type, agentless, starts_at, ends_at, schedule_json, retry_json, max_per_number, priority, wrap_up_ms,
	prompts_json, stop_reason, ended_at, lines, recording_json, script, preview_json`

// recordingJSON encodes a campaign's recording settings ("" when off and
// unset).
func recordingJSON(r RecordingSettings) string {
	if r == (RecordingSettings{}) {
		return ""
	}
	b, _ := json.Marshal(r) // a plain struct always marshals
	return string(b)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

type rowScanner interface{ Scan(dest ...any) error }

func scanCampaign(r rowScanner) (Campaign, error) {
	var c Campaign
	var status string
	var retry, ring, created int64
	var amd, typ, schedule, retryRules, prompts, recording, preview string
	var agentless int
	var wrapUp int64
	var starts, ends, ended sql.NullInt64
	err := r.Scan(&c.ID, &c.ClientID, &c.Name, &status, &c.DailyStart, &c.DailyEnd, &c.TimeZone,
		&c.DefaultRegion, &c.MaxAttempts, &retry, &ring, &c.CallerID, &c.Pacing, &created, &amd, &c.Language,
		&typ, &agentless, &starts, &ends, &schedule, &retryRules, &c.MaxPerNumber, &c.Priority, &wrapUp,
		&prompts, &c.StopReason, &ended, &c.Lines, &recording, &c.Script, &preview)
	if err != nil {
		return Campaign{}, err
	}
	c.Type, c.Agentless = Type(typ), agentless == 1
	c.StartsAt, c.EndsAt, c.EndedAt = fromNullMS(starts), fromNullMS(ends), fromNullMS(ended)
	c.WrapUp = time.Duration(wrapUp) * time.Millisecond
	for _, col := range []struct {
		name, raw string
		dst       any
	}{{"schedule_json", schedule, &c.Schedule}, {"retry_json", retryRules, &c.Retry}, {"prompts_json", prompts, &c.Prompts},
		{"recording_json", recording, &c.Recording}, {"preview_json", preview, &c.Preview}} {
		if col.raw == "" {
			continue
		}
		if err := json.Unmarshal([]byte(col.raw), col.dst); err != nil {
			return Campaign{}, fmt.Errorf("campaign %d: %s: %w", c.ID, col.name, err)
		}
	}
	if amd != "" {
		if err := json.Unmarshal([]byte(amd), &c.AMD); err != nil {
			return Campaign{}, fmt.Errorf("campaign %d: amd_json: %w", c.ID, err)
		}
	}
	c.Status = Status(status)
	c.RetryDelay = time.Duration(retry) * time.Millisecond
	c.RingTimeout = time.Duration(ring) * time.Millisecond
	c.CreatedAt = fromMS(created)
	return c, nil
}

// GetCampaign returns one campaign.
func (s *Store) GetCampaign(ctx context.Context, id int64) (Campaign, error) {
	c, err := scanCampaign(s.db.QueryRowContext(ctx, `SELECT `+campaignColumns+` FROM campaigns WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Campaign{}, fmt.Errorf("campaign %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return Campaign{}, fmt.Errorf("get campaign %d: %w", id, err)
	}
	return c, nil
}

func (s *Store) queryCampaigns(ctx context.Context, where string, args ...any) ([]Campaign, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+campaignColumns+` FROM campaigns `+where+` ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("list campaigns: %w", err)
	}
	defer rows.Close()
	var out []Campaign
	for rows.Next() {
		c, err := scanCampaign(rows)
		if err != nil {
			return nil, fmt.Errorf("list campaigns: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list campaigns: %w", err)
	}
	return out, nil
}

// ListCampaigns returns every campaign, oldest first.
func (s *Store) ListCampaigns(ctx context.Context) ([]Campaign, error) {
	return s.queryCampaigns(ctx, "")
}

// RunningCampaigns returns the campaigns the feeder and pacers serve.
func (s *Store) RunningCampaigns(ctx context.Context) ([]Campaign, error) {
	return s.queryCampaigns(ctx, "WHERE status = $1", string(StatusRunning))
}

// SetStatus starts, pauses or returns a campaign to draft. Pausing stops
// new claims (the Dispatcher checks the status); attempts already dialing
// finish normally.
func (s *Store) SetStatus(ctx context.Context, id int64, st Status) error {
	if !validStatus(st) {
		return input.Invalidf("status", "%q is not draft, running or paused", st)
	}
	res, err := s.db.ExecContext(ctx, `UPDATE campaigns SET status = $1 WHERE id = $2`, string(st), id)
	if err != nil {
		return fmt.Errorf("set campaign %d status: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("set campaign %d status: %w", id, err)
	} else if n == 0 {
		return fmt.Errorf("campaign %d: %w", id, ErrNotFound)
	}
	return nil
}

// AddContacts adds contacts to a campaign in one transaction, each
// scheduled for its first attempt at DueAt (or now). Nothing is written if
// any contact is invalid; the error (an *input.Error) names every bad field
// by its index. An external_id already in the campaign is ErrConflict
// (UpsertContacts updates instead).
func (s *Store) AddContacts(ctx context.Context, campaignID int64, in []NewContact) ([]Contact, error) {
	res, err := s.upsertContacts(ctx, "add contacts", campaignID, in, false)
	return res.Added, err
}

// UpsertResult is what UpsertContacts did: the contacts added and those
// updated in place, each in request order.
type UpsertResult struct {
	Added   []Contact
	Updated []Contact
}

// UpsertContacts is AddContacts for a CRM: a contact whose ExternalID is
// already in the campaign is updated (numbers, name, zone, language,
// region, fields, appointment), never added twice. Its state, attempts and
// due time are left alone.
func (s *Store) UpsertContacts(ctx context.Context, campaignID int64, in []NewContact) (UpsertResult, error) {
	return s.upsertContacts(ctx, "upsert contacts", campaignID, in, true)
}

func (s *Store) upsertContacts(ctx context.Context, op string, campaignID int64, in []NewContact, update bool) (UpsertResult, error) {
	var res UpsertResult
	camp, err := s.GetCampaign(ctx, campaignID)
	if err != nil {
		return res, fmt.Errorf("%s: %w", op, err)
	}
	if camp.Status.final() {
		return res, fmt.Errorf("%s: campaign %d is %s: %w: it takes no more contacts", op, campaignID, camp.Status, ErrConflict)
	}
	if err := checkNewContacts(in); err != nil {
		return res, fmt.Errorf("%s: %w", op, err)
	}
	now := fromMS(ms(s.clock()))
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return res, fmt.Errorf("%s: %w", op, err)
	}
	defer tx.Rollback()
	var known map[string]int64
	if update {
		if known, err = knownExternalIDs(ctx, tx, s.db.Dialect, campaignID, in); err != nil {
			return res, fmt.Errorf("%s: %w", op, err)
		}
	}
	w, err := prepareContactWriter(ctx, tx)
	if err != nil {
		return res, fmt.Errorf("%s: %w", op, err)
	}
	defer w.close()
	res.Added = make([]Contact, 0, len(in))
	for i, nc := range in {
		if id, ok := known[nc.ExternalID]; ok && nc.ExternalID != "" {
			c, err := w.update(ctx, id, nc, now)
			if err != nil {
				return res, fmt.Errorf("%s: contacts[%d]: %w", op, i, err)
			}
			res.Updated = append(res.Updated, c)
			continue
		}
		c, err := w.insert(ctx, camp, nc, fmt.Sprintf("contacts[%d]", i), now)
		if sqldb.IsUniqueViolation(err) {
			return res, fmt.Errorf("%s: contacts[%d].external_id: %w: %q is already in the campaign", op, i, ErrConflict, nc.ExternalID)
		}
		if err != nil {
			return res, fmt.Errorf("%s: %w", op, err)
		}
		res.Added = append(res.Added, c)
	}
	if err := tx.Commit(); err != nil {
		return UpsertResult{}, fmt.Errorf("%s: commit: %w", op, err)
	}
	return res, nil
}

// checkNewContacts names every number that is not E.164 and every zone
// that is not an IANA name in the batch, all at once. Intake has already
// normalised the numbers; this only keeps garbage out of the table.
func checkNewContacts(in []NewContact) error {
	var ps input.Problems
	zones := map[string]bool{}
	for i, nc := range in {
		for k, p := range append([]string{nc.Phone}, nc.MorePhones...) {
			if !e164.Valid(p) {
				field := fmt.Sprintf("contacts[%d].phone", i)
				if k > 0 {
					field = fmt.Sprintf("contacts[%d].phones[%d]", i, k)
				}
				ps.Addf(field, "%q is not E.164", p)
			}
		}
		if nc.TimeZone == "" || zones[nc.TimeZone] {
			continue
		}
		if _, err := time.LoadLocation(nc.TimeZone); err != nil {
			ps.Addf(fmt.Sprintf("contacts[%d].time_zone", i), "%q is not an IANA zone", nc.TimeZone)
			continue
		}
		zones[nc.TimeZone] = true
	}
	return ps.Err()
}

// contact is the Contact nc becomes when added at now, due at due.
func (nc NewContact) contact(campaignID int64, due, now time.Time) Contact {
	c := Contact{CampaignID: campaignID, Phone: nc.Phone, Name: nc.Name, TimeZone: nc.TimeZone,
		Language: nc.Language, State: ContactScheduled, NextDueAt: &due, CreatedAt: now,
		ExternalID: nc.ExternalID, Region: nc.Region, Fields: nc.Fields, AppointmentPlace: nc.AppointmentPlace}
	if len(nc.MorePhones) > 0 {
		c.Phones = append([]string{nc.Phone}, nc.MorePhones...)
	}
	if nc.AppointmentAt != nil {
		at := fromMS(ms(*nc.AppointmentAt))
		c.AppointmentAt = &at
	}
	return c
}

const contactColumns = `id, campaign_id, phone, name, time_zone, state, attempts, next_due_at, last_outcome, created_at, language,
	external_id, phones_json, region, fields_json, appointment_at, appointment_place, deadline_at, close_reason, updated_at,
	callback_agent_id, priority, callback_at`

func scanContact(r rowScanner) (Contact, error) {
	var c Contact
	var state, last, phones, fields string
	var due, appt, deadline, updated, callback sql.NullInt64
	var created int64
	if err := r.Scan(&c.ID, &c.CampaignID, &c.Phone, &c.Name, &c.TimeZone, &state, &c.Attempts,
		&due, &last, &created, &c.Language, &c.ExternalID, &phones, &c.Region, &fields, &appt,
		&c.AppointmentPlace, &deadline, &c.CloseReason, &updated, &c.CallbackAgentID, &c.Priority, &callback); err != nil {
		return Contact{}, err
	}
	c.State = ContactState(state)
	c.NextDueAt = fromNullMS(due)
	c.LastOutcome = Outcome(last)
	c.CreatedAt = fromMS(created)
	c.AppointmentAt = fromNullMS(appt)
	c.DeadlineAt = fromNullMS(deadline)
	c.UpdatedAt = fromNullMS(updated)
	c.CallbackAt = fromNullMS(callback)
	// Both columns are written by this package from Go values, so a
	// decoding error means a hand-edited or damaged row: say which, rather
	// than show the contact without its numbers or fields.
	if phones != "" {
		if err := json.Unmarshal([]byte(phones), &c.Phones); err != nil {
			return Contact{}, fmt.Errorf("contact %d: phones_json: %w", c.ID, err)
		}
	}
	if fields != "" {
		if err := json.Unmarshal([]byte(fields), &c.Fields); err != nil {
			return Contact{}, fmt.Errorf("contact %d: fields_json: %w", c.ID, err)
		}
	}
	return c, nil
}

// GetContact returns one contact.
func (s *Store) GetContact(ctx context.Context, id int64) (Contact, error) {
	c, err := scanContact(s.db.QueryRowContext(ctx, `SELECT `+contactColumns+` FROM contacts WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Contact{}, fmt.Errorf("contact %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return Contact{}, fmt.Errorf("get contact %d: %w", id, err)
	}
	return c, nil
}

// contactsByID loads the contacts with the given ids in one query.
func (s *Store) contactsByID(ctx context.Context, ids []int64) (map[int64]Contact, error) {
	out := make(map[int64]Contact, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var q strings.Builder
	args := make([]any, len(ids))
	q.WriteString(`SELECT ` + contactColumns + ` FROM contacts WHERE id IN (`)
	for i, id := range ids {
		if i > 0 {
			q.WriteString(", ")
		}
		fmt.Fprintf(&q, "$%d", i+1)
		args[i] = id
	}
	q.WriteString(")")
	rows, err := s.db.QueryContext(ctx, q.String(), args...)
	if err != nil {
		return nil, fmt.Errorf("load contacts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		c, err := scanContact(rows)
		if err != nil {
			return nil, fmt.Errorf("load contacts: %w", err)
		}
		out[c.ID] = c
	}
	return out, rows.Err()
}

// ListContacts returns a page of a campaign's contacts in id order (limit
// defaults to 100).
func (s *Store) ListContacts(ctx context.Context, campaignID int64, limit, offset int) ([]Contact, error) {
	if _, err := s.GetCampaign(ctx, campaignID); err != nil {
		return nil, fmt.Errorf("list contacts: %w", err)
	}
	limit, offset = page(limit, offset)
	rows, err := s.db.QueryContext(ctx, `SELECT `+contactColumns+` FROM contacts
		WHERE campaign_id = $1 ORDER BY id LIMIT $2 OFFSET $3`, campaignID, limit, offset)
	if err != nil {
		return nil, fmt.Errorf("list contacts of campaign %d: %w", campaignID, err)
	}
	defer rows.Close()
	out := []Contact{}
	for rows.Next() {
		c, err := scanContact(rows)
		if err != nil {
			return nil, fmt.Errorf("list contacts of campaign %d: %w", campaignID, err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list contacts of campaign %d: %w", campaignID, err)
	}
	return out, nil
}

// Stats counts a campaign's contacts by state and its attempts by outcome;
// Attempts counts every attempt row, ByOutcome only the finished ones.
func (s *Store) Stats(ctx context.Context, campaignID int64) (Stats, error) {
	if _, err := s.GetCampaign(ctx, campaignID); err != nil {
		return Stats{}, fmt.Errorf("stats: %w", err)
	}
	st := Stats{CampaignID: campaignID, Contacts: map[ContactState]int64{}, ByOutcome: map[Outcome]int64{}}
	rows, err := s.db.QueryContext(ctx, `SELECT state, COUNT(*) FROM contacts WHERE campaign_id = $1 GROUP BY state`, campaignID)
	if err != nil {
		return Stats{}, fmt.Errorf("stats of campaign %d: %w", campaignID, err)
	}
	for rows.Next() {
		var k string
		var n int64
		if err := rows.Scan(&k, &n); err != nil {
			rows.Close()
			return Stats{}, fmt.Errorf("stats of campaign %d: %w", campaignID, err)
		}
		st.Contacts[ContactState(k)] = n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return Stats{}, fmt.Errorf("stats of campaign %d: %w", campaignID, err)
	}
	rows, err = s.db.QueryContext(ctx, `SELECT outcome, COUNT(*) FROM attempts WHERE campaign_id = $1 GROUP BY outcome`, campaignID)
	if err != nil {
		return Stats{}, fmt.Errorf("stats of campaign %d: %w", campaignID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		var n int64
		if err := rows.Scan(&k, &n); err != nil {
			return Stats{}, fmt.Errorf("stats of campaign %d: %w", campaignID, err)
		}
		st.Attempts += n
		if k != "" {
			st.ByOutcome[Outcome(k)] = n
		}
	}
	if err := rows.Err(); err != nil {
		return Stats{}, fmt.Errorf("stats of campaign %d: %w", campaignID, err)
	}
	return st, nil
}

// amdJSON stores AMD settings as JSON: thresholds are many and optional,
// and only the dialer reads them.
func amdJSON(a AMDSettings) string {
	if a == (AMDSettings{}) {
		return ""
	}
	b, _ := json.Marshal(a) // a struct of ints, a bool and a string
	return string(b)
}
