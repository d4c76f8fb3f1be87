package campaigns

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/alo-dialer/alo/input"
	"github.com/alo-dialer/alo/sqldb"
)

// The attempt state machine, SQL side (docs/architecture.md, "The life of an
// attempt"). Every transition names the state it leaves in its WHERE clause,
// so that of two racing callers (two nodes, a node and the reconciler, a
// task that asynq ran twice) exactly one moves the row and the other learns
// that it lost.

// DueAttempt is an attempt the feeder moved from scheduled to queued: the
// asynq task to create for it, and when it is due.
type DueAttempt struct {
	Key   AttemptKey
	DueAt time.Time
}

// DialingInfo is what is recorded with an attempt as it reaches dialing,
// before the first INVITE.
type DialingInfo struct {
	// Phone is the number dialed (E.164); empty means the contact's.
	Phone string
	// Node is the alo process that owns the call; the reconciler marks the
	// attempt unknown if that node dies.
	Node string
	// Evidence is the gate's allow evidence (JSON), kept for audit
	// (invariant 3).
	Evidence string
	// AgentID is the agent reserved for the call, if any.
	AgentID int64
}

// Result is how an attempt ended.
type Result struct {
	Outcome Outcome
	// SIPCode is the final SIP response of the customer leg (0 if none).
	SIPCode int
	Reason  string
	// CallID is the SIP Call-ID of the customer leg; empty keeps the one
	// already recorded.
	CallID string
	// MediaToAgent counts customer RTP packets relayed to the agent.
	MediaToAgent int64
}

const defaultQueueBatch = 1000

// QueueDue moves up to limit of a campaign's scheduled contacts due at or
// before horizon to queued, each taking its next attempt number, and returns
// them in due order. The caller (the feeder) creates one asynq task per
// returned attempt; a contact moved here is never returned again for the
// same attempt number.
func (s *Store) QueueDue(ctx context.Context, campaignID int64, horizon time.Time, limit int) ([]DueAttempt, error) {
	if limit <= 0 {
		limit = defaultQueueBatch
	}
	// One statement: the state guard in the outer WHERE is re-checked after
	// the row lock on PostgreSQL, so two feeders cannot queue one contact.
	rows, err := s.db.QueryContext(ctx, `UPDATE contacts SET state = $1, attempts = attempts + 1
		WHERE id IN (SELECT id FROM contacts
			WHERE campaign_id = $2 AND state = $3 AND next_due_at <= $4
			ORDER BY priority DESC, next_due_at, id LIMIT $5)
		AND state = $3
		RETURNING id, attempts, next_due_at`,
		string(ContactQueued), campaignID, string(ContactScheduled), ms(horizon), limit)
	if err != nil {
		return nil, fmt.Errorf("queue due contacts of campaign %d: %w", campaignID, err)
	}
	defer rows.Close()
	var out []DueAttempt
	for rows.Next() {
		d := DueAttempt{Key: AttemptKey{CampaignID: campaignID}}
		var due int64
		if err := rows.Scan(&d.Key.ContactID, &d.Key.Number, &due); err != nil {
			return nil, fmt.Errorf("queue due contacts of campaign %d: %w", campaignID, err)
		}
		d.DueAt = fromMS(due)
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("queue due contacts of campaign %d: %w", campaignID, err)
	}
	sortDue(out)
	return out, nil
}

func sortDue(d []DueAttempt) {
	sort.Slice(d, func(i, j int) bool {
		if !d[i].DueAt.Equal(d[j].DueAt) {
			return d[i].DueAt.Before(d[j].DueAt)
		}
		return d[i].Key.ContactID < d[j].Key.ContactID
	})
}

// QueuedContacts returns up to limit of a campaign's queued contacts due
// before dueBefore, for the reconciler to check that each is somewhere in
// Redis.
func (s *Store) QueuedContacts(ctx context.Context, campaignID int64, dueBefore time.Time, limit int) ([]DueAttempt, error) {
	if limit <= 0 {
		limit = defaultQueueBatch
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, attempts, next_due_at FROM contacts
		WHERE campaign_id = $1 AND state = $2 AND next_due_at < $3
		ORDER BY next_due_at, id LIMIT $4`,
		campaignID, string(ContactQueued), ms(dueBefore), limit)
	if err != nil {
		return nil, fmt.Errorf("queued contacts of campaign %d: %w", campaignID, err)
	}
	defer rows.Close()
	var out []DueAttempt
	for rows.Next() {
		d := DueAttempt{Key: AttemptKey{CampaignID: campaignID}}
		var due sql.NullInt64
		if err := rows.Scan(&d.Key.ContactID, &d.Key.Number, &due); err != nil {
			return nil, fmt.Errorf("queued contacts of campaign %d: %w", campaignID, err)
		}
		if due.Valid {
			d.DueAt = fromMS(due.Int64)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("queued contacts of campaign %d: %w", campaignID, err)
	}
	return out, nil
}

// whyNotQueued explains a failed queued→X transition for key: the contact
// does not exist (ErrNotFound), or it has moved on (ErrAlreadyDialed).
func (s *Store) whyNotQueued(ctx context.Context, key AttemptKey) error {
	var state string
	var attempts int
	err := s.db.QueryRowContext(ctx, `SELECT state, attempts FROM contacts WHERE id = $1 AND campaign_id = $2`,
		key.ContactID, key.CampaignID).Scan(&state, &attempts)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("attempt %s: contact: %w", key, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("attempt %s: %w", key, err)
	}
	return fmt.Errorf("attempt %s: contact is %s at attempt %d: %w", key, state, attempts, ErrAlreadyDialed)
}

// BeginDialing records that attempt key is about to be dialed: in one
// transaction the contact moves queued→dialing and the attempt row is
// written (state dialing, with the gate's evidence). It must succeed before
// the first INVITE is sent. If the attempt was already dialed (or blocked,
// or superseded) it returns an error wrapping ErrAlreadyDialed and changes
// nothing: this, with the table's unique key, is invariant 1's last line of
// defence.
func (s *Store) BeginDialing(ctx context.Context, key AttemptKey, info DialingInfo) (Attempt, error) {
	now := fromMS(ms(s.clock()))
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return Attempt{}, fmt.Errorf("begin dialing %s: %w", key, err)
	}
	defer tx.Rollback()
	var phone string
	err = tx.QueryRowContext(ctx, `UPDATE contacts SET state = $1
		WHERE id = $2 AND campaign_id = $3 AND state = $4 AND attempts = $5 AND (deadline_at IS NULL OR deadline_at > $6)
		RETURNING phone`,
		string(ContactDialing), key.ContactID, key.CampaignID, string(ContactQueued), key.Number, ms(now)).Scan(&phone)
	if errors.Is(err, sql.ErrNoRows) {
		tx.Rollback()
		// A claim that waited past the contact's deadline (a welcome call's
		// last day, a reminder's cut-off) closes the contact, undialed.
		if closed, cerr := s.closeExpiredAttempt(ctx, key, now); cerr == nil && closed {
			return Attempt{}, fmt.Errorf("begin dialing %s: past the contact's deadline, closed: %w", key, ErrAlreadyDialed)
		}
		return Attempt{}, fmt.Errorf("begin dialing: %w", s.whyNotQueued(ctx, key))
	}
	if err != nil {
		return Attempt{}, fmt.Errorf("begin dialing %s: %w", key, err)
	}
	if info.Phone != "" {
		phone = info.Phone
	}
	a := Attempt{CampaignID: key.CampaignID, ContactID: key.ContactID, Number: key.Number, Phone: phone,
		State: StateDialing, Node: info.Node, AgentID: info.AgentID, Evidence: JSONText(info.Evidence), CreatedAt: now}
	err = tx.QueryRowContext(ctx, `INSERT INTO attempts
		(campaign_id, contact_id, attempt_no, phone, state, node, agent_id, evidence, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		a.CampaignID, a.ContactID, a.Number, a.Phone, string(a.State), a.Node, a.AgentID, a.Evidence, ms(now)).Scan(&a.ID)
	if sqldb.IsUniqueViolation(err) {
		return Attempt{}, fmt.Errorf("begin dialing %s: %w", key, ErrAlreadyDialed)
	}
	if err != nil {
		return Attempt{}, fmt.Errorf("begin dialing %s: %w", key, err)
	}
	if err := tx.Commit(); err != nil {
		return Attempt{}, fmt.Errorf("begin dialing %s: commit: %w", key, err)
	}
	return a, nil
}

// whyNotDialing explains a failed transition of a dialing attempt row: it
// does not exist (ErrNotFound) or is past that point (ErrConflict).
func (s *Store) whyNotDialing(ctx context.Context, attemptID int64, what string) error {
	var state string
	err := s.db.QueryRowContext(ctx, `SELECT state FROM attempts WHERE id = $1`, attemptID).Scan(&state)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("attempt %d: %w", attemptID, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("attempt %d: %w", attemptID, err)
	}
	return fmt.Errorf("attempt %d is %s, %s: %w", attemptID, state, what, ErrConflict)
}

// markTime sets a timestamp column of a dialing attempt once.
func (s *Store) markTime(ctx context.Context, attemptID int64, column string, at time.Time) error {
	res, err := s.db.ExecContext(ctx, `UPDATE attempts SET `+column+` = $1
		WHERE id = $2 AND state = $3 AND `+column+` IS NULL`, ms(at), attemptID, string(StateDialing))
	if err != nil {
		return fmt.Errorf("attempt %d: set %s: %w", attemptID, column, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("attempt %d: set %s: %w", attemptID, column, err)
	} else if n == 0 {
		return s.whyNotDialing(ctx, attemptID, column+" already set or attempt ended")
	}
	return nil
}

// MarkAnswered records when the customer answered (the 200 OK).
func (s *Store) MarkAnswered(ctx context.Context, attemptID int64, at time.Time) error {
	return s.markTime(ctx, attemptID, "answered_at", at)
}

// MarkBridged records when the customer was bridged to which agent (an
// unreserved call — predictive pacing, a recorded call's key 2 — learns
// its agent only here).
func (s *Store) MarkBridged(ctx context.Context, attemptID, agentID int64, at time.Time) error {
	if err := s.markTime(ctx, attemptID, "bridged_at", at); err != nil {
		return err
	}
	if agentID == 0 {
		return nil
	}
	if _, err := s.db.ExecContext(ctx, `UPDATE attempts SET agent_id = $1 WHERE id = $2`, agentID, attemptID); err != nil {
		return fmt.Errorf("attempt %d: record agent: %w", attemptID, err)
	}
	return nil
}

// Finish records an attempt's outcome and decides the contact's future: a
// retryable outcome with attempts left schedules the next attempt after the
// campaign's retry delay; anything else ends the contact. Finishing an
// attempt that is not dialing (e.g. twice) returns ErrConflict and changes
// nothing.
func (s *Store) Finish(ctx context.Context, attemptID int64, r Result) error {
	if !r.Outcome.Valid() {
		return fmt.Errorf("finish attempt %d: %w", attemptID, input.Invalidf("outcome", "%q is not an outcome", r.Outcome))
	}
	if r.Outcome == OutcomeBlocked {
		return fmt.Errorf("finish attempt %d: %w", attemptID, input.Invalid("outcome", "blocked attempts are recorded by Block"))
	}
	return s.finish(ctx, attemptID, r)
}

// MarkUnknown ends a dialing attempt whose owner node died: outcome unknown,
// and the contact's next attempt after the retry delay (never at once, the
// call may have reached the customer), or done if attempts are exhausted.
func (s *Store) MarkUnknown(ctx context.Context, attemptID int64) error {
	return s.finish(ctx, attemptID, Result{Outcome: OutcomeUnknown, Reason: "owner node died while dialing"})
}

func (s *Store) finish(ctx context.Context, attemptID int64, r Result) error {
	now := s.clock()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("finish attempt %d: %w", attemptID, err)
	}
	defer tx.Rollback()
	set := `state = $1, outcome = $2, sip_code = $3, reason = $4, media_to_agent = $5, ended_at = $6`
	args := []any{string(StateDone), string(r.Outcome), r.SIPCode, r.Reason, r.MediaToAgent, ms(now),
		attemptID, string(StateDialing)}
	if r.CallID != "" {
		set += `, call_id = $9`
		args = append(args, r.CallID)
	}
	var campaignID, contactID int64
	var number int
	err = tx.QueryRowContext(ctx, `UPDATE attempts SET `+set+` WHERE id = $7 AND state = $8
		RETURNING campaign_id, contact_id, attempt_no`, args...).Scan(&campaignID, &contactID, &number)
	if errors.Is(err, sql.ErrNoRows) {
		tx.Rollback()
		return fmt.Errorf("finish: %w", s.whyNotDialing(ctx, attemptID, "cannot finish again"))
	}
	if err != nil {
		return fmt.Errorf("finish attempt %d: %w", attemptID, err)
	}
	camp, err := scanCampaign(tx.QueryRowContext(ctx, `SELECT `+campaignColumns+` FROM campaigns WHERE id = $1`, campaignID))
	if err != nil {
		return fmt.Errorf("finish attempt %d: campaign %d: %w", attemptID, campaignID, err)
	}
	st, err := retryStateOf(ctx, tx, attemptID, contactID, r.Outcome)
	if err != nil {
		return fmt.Errorf("finish attempt %d: %w", attemptID, err)
	}
	st.Number = number
	next := camp.afterAttempt(r.Outcome, st, now)
	res, err := tx.ExecContext(ctx, `UPDATE contacts SET state = $1, next_due_at = $2, last_outcome = $3, phone = $4,
		close_reason = $5 WHERE id = $6 AND state = $7 AND attempts = $8`,
		string(next.State), nullMS(next.Due), string(r.Outcome), next.Phone, next.Reason, contactID, string(ContactDialing), number)
	if err != nil {
		return fmt.Errorf("finish attempt %d: contact %d: %w", attemptID, contactID, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("finish attempt %d: contact %d: %w", attemptID, contactID, err)
	} else if n == 0 {
		return fmt.Errorf("finish attempt %d: contact %d is not dialing attempt %d: %w", attemptID, contactID, number, ErrConflict)
	}
	// The CRM's event is written with the outcome (an outbox), so a crash
	// between the two cannot lose it.
	if err := s.recordEvent(ctx, tx, attemptID, EventAttemptFinished); err != nil {
		return fmt.Errorf("finish attempt %d: %w", attemptID, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("finish attempt %d: commit: %w", attemptID, err)
	}
	return nil
}

// retryStateOf reads what the retry rules need about a contact whose
// attempt attemptID just ended with o: its numbers and deadline, and how
// many of its attempts ended with o or went to the number just dialed.
func retryStateOf(ctx context.Context, tx *sql.Tx, attemptID, contactID int64, o Outcome) (retryState, error) {
	var st retryState
	var phones string
	var deadline sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT a.phone, c.phones_json, c.deadline_at FROM attempts a
		JOIN contacts c ON c.id = a.contact_id WHERE a.id = $1`, attemptID).Scan(&st.Phone, &phones, &deadline); err != nil {
		return st, fmt.Errorf("contact %d: %w", contactID, err)
	}
	st.Deadline = fromNullMS(deadline)
	if phones != "" {
		if err := json.Unmarshal([]byte(phones), &st.Phones); err != nil {
			return st, fmt.Errorf("contact %d: phones_json: %w", contactID, err)
		}
	}
	if err := tx.QueryRowContext(ctx, `SELECT
		COALESCE(SUM(CASE WHEN outcome = $2 OR id = $4 THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN phone = $3 AND outcome <> $5 THEN 1 ELSE 0 END), 0)
		FROM attempts WHERE contact_id = $1`, contactID, string(o), st.Phone, attemptID, string(OutcomeBlocked)).
		Scan(&st.SameOutcome, &st.OnPhone); err != nil {
		return st, fmt.Errorf("contact %d: attempts: %w", contactID, err)
	}
	return st, nil
}

// Block records that the gate denied attempt key at originate time: an
// attempt row with outcome blocked (state done, with the deny evidence), and
// the contact scheduled again at nextDue (when the gate says it may be
// allowed; the attempt number is consumed) or done when nextDue is nil.
// Like BeginDialing it fails with ErrAlreadyDialed if the attempt moved on.
// A blocked attempt is not a call but counts against MaxAttempts in Finish,
// so blocks can only reduce the calls a contact gets, never add to them.
func (s *Store) Block(ctx context.Context, key AttemptKey, phone, evidence, reason string, nextDue *time.Time) (Attempt, error) {
	now := fromMS(ms(s.clock()))
	state := ContactDone
	if nextDue != nil {
		state = ContactScheduled
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return Attempt{}, fmt.Errorf("block %s: %w", key, err)
	}
	defer tx.Rollback()
	var contactPhone string
	closeReason := ""
	if state == ContactDone {
		closeReason = CloseFinalFailure
	}
	err = tx.QueryRowContext(ctx, `UPDATE contacts SET state = $1, next_due_at = $2, last_outcome = $3, close_reason = $8
		WHERE id = $4 AND campaign_id = $5 AND state = $6 AND attempts = $7 RETURNING phone`,
		string(state), nullMS(nextDue), string(OutcomeBlocked), key.ContactID, key.CampaignID,
		string(ContactQueued), key.Number, closeReason).Scan(&contactPhone)
	if errors.Is(err, sql.ErrNoRows) {
		tx.Rollback()
		return Attempt{}, fmt.Errorf("block: %w", s.whyNotQueued(ctx, key))
	}
	if err != nil {
		return Attempt{}, fmt.Errorf("block %s: %w", key, err)
	}
	if phone == "" {
		phone = contactPhone
	}
	a := Attempt{CampaignID: key.CampaignID, ContactID: key.ContactID, Number: key.Number, Phone: phone,
		State: StateDone, Outcome: OutcomeBlocked, Reason: reason, Evidence: JSONText(evidence), CreatedAt: now, EndedAt: &now}
	err = tx.QueryRowContext(ctx, `INSERT INTO attempts
		(campaign_id, contact_id, attempt_no, phone, state, outcome, reason, evidence, created_at, ended_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id`,
		a.CampaignID, a.ContactID, a.Number, a.Phone, string(a.State), string(a.Outcome), a.Reason, a.Evidence,
		ms(now)).Scan(&a.ID)
	if sqldb.IsUniqueViolation(err) {
		return Attempt{}, fmt.Errorf("block %s: %w", key, ErrAlreadyDialed)
	}
	if err != nil {
		return Attempt{}, fmt.Errorf("block %s: %w", key, err)
	}
	if err := s.recordEvent(ctx, tx, a.ID, EventAttemptFinished); err != nil {
		return Attempt{}, fmt.Errorf("block %s: %w", key, err)
	}
	if err := tx.Commit(); err != nil {
		return Attempt{}, fmt.Errorf("block %s: commit: %w", key, err)
	}
	return a, nil
}

// Requeue is called when a claim goes back to the ready set without being
// dialed. Nothing changes in SQL: ready and claimed are Redis-only states
// of a contact that SQL keeps as queued with the same attempt number, which
// is what lets the reconciler rebuild them. It exists so that the state
// machine has one named transition per arrow.
func (s *Store) Requeue(ctx context.Context, key AttemptKey) error {
	return nil
}

const attemptColumns = `id, campaign_id, contact_id, attempt_no, phone, state, outcome, sip_code, reason,
	node, agent_id, call_id, evidence, media_to_agent, created_at, answered_at, bridged_at, ended_at,
	disposition, disposition_notes, disposed_at, disposed_by, media_stats, recording`

func scanAttempt(r rowScanner) (Attempt, error) {
	var a Attempt
	var state, outcome string
	var created int64
	var answered, bridged, ended, disposed sql.NullInt64
	var stats string
	if err := r.Scan(&a.ID, &a.CampaignID, &a.ContactID, &a.Number, &a.Phone, &state, &outcome, &a.SIPCode,
		&a.Reason, &a.Node, &a.AgentID, &a.CallID, &a.Evidence, &a.MediaToAgent, &created,
		&answered, &bridged, &ended, &a.Disposition, &a.DispositionNotes, &disposed, &a.DisposedBy, &stats, &a.Recording); err != nil {
		return Attempt{}, err
	}
	if stats != "" {
		a.MediaStats = json.RawMessage(stats)
	}
	a.DisposedAt = fromNullMS(disposed)
	a.State = AttemptState(state)
	a.Outcome = Outcome(outcome)
	a.CreatedAt = fromMS(created)
	a.AnsweredAt = fromNullMS(answered)
	a.BridgedAt = fromNullMS(bridged)
	a.EndedAt = fromNullMS(ended)
	return a, nil
}

func (s *Store) queryAttempts(ctx context.Context, query string, args ...any) ([]Attempt, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Attempt{}
	for rows.Next() {
		a, err := scanAttempt(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// GetAttempt returns one attempt.
func (s *Store) GetAttempt(ctx context.Context, id int64) (Attempt, error) {
	a, err := scanAttempt(s.db.QueryRowContext(ctx, `SELECT `+attemptColumns+` FROM attempts WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Attempt{}, fmt.Errorf("attempt %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return Attempt{}, fmt.Errorf("get attempt %d: %w", id, err)
	}
	return a, nil
}

// FindAttempt returns the attempt row of key, or an error wrapping
// ErrNotFound if the attempt never reached dialing (nor was blocked).
func (s *Store) FindAttempt(ctx context.Context, key AttemptKey) (Attempt, error) {
	a, err := scanAttempt(s.db.QueryRowContext(ctx, `SELECT `+attemptColumns+` FROM attempts
		WHERE campaign_id = $1 AND contact_id = $2 AND attempt_no = $3`, key.CampaignID, key.ContactID, key.Number))
	if errors.Is(err, sql.ErrNoRows) {
		return Attempt{}, fmt.Errorf("attempt %s: %w", key, ErrNotFound)
	}
	if err != nil {
		return Attempt{}, fmt.Errorf("find attempt %s: %w", key, err)
	}
	return a, nil
}

// ListAttempts returns a page of attempts in id order, filtered by campaign
// and/or contact. A campaign or contact id that does not exist gives
// ErrNotFound rather than an empty page.
func (s *Store) ListAttempts(ctx context.Context, f AttemptFilter) ([]Attempt, error) {
	var where []string
	var args []any
	if f.CampaignID != 0 {
		if _, err := s.GetCampaign(ctx, f.CampaignID); err != nil {
			return nil, fmt.Errorf("list attempts: %w", err)
		}
		args = append(args, f.CampaignID)
		where = append(where, fmt.Sprintf("campaign_id = $%d", len(args)))
	}
	if f.ContactID != 0 {
		if _, err := s.GetContact(ctx, f.ContactID); err != nil {
			return nil, fmt.Errorf("list attempts: %w", err)
		}
		args = append(args, f.ContactID)
		where = append(where, fmt.Sprintf("contact_id = $%d", len(args)))
	}
	if f.AfterID > 0 {
		args = append(args, f.AfterID)
		where = append(where, fmt.Sprintf("id > $%d", len(args)))
	}
	q := `SELECT ` + attemptColumns + ` FROM attempts`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	limit, offset := page(f.Limit, f.Offset)
	args = append(args, limit, offset)
	q += fmt.Sprintf(` ORDER BY id LIMIT $%d OFFSET $%d`, len(args)-1, len(args))
	out, err := s.queryAttempts(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list attempts: %w", err)
	}
	return out, nil
}

// DialingAttempts returns every attempt currently dialing, for the
// reconciler to check that its node is alive.
func (s *Store) DialingAttempts(ctx context.Context) ([]Attempt, error) {
	out, err := s.queryAttempts(ctx, `SELECT `+attemptColumns+` FROM attempts WHERE state = $1 ORDER BY id`,
		string(StateDialing))
	if err != nil {
		return nil, fmt.Errorf("dialing attempts: %w", err)
	}
	return out, nil
}
