package campaigns

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/alo-dialer/alo/input"
)

// Webhook event types: one per attempt outcome, one per disposition.
const (
	EventAttemptFinished = "attempt.finished"
	EventAttemptDisposed = "attempt.disposed"
)

// States of a webhook event's delivery.
const (
	DeliveryPending   = "pending"   // written with the outcome, not yet queued
	DeliveryQueued    = "queued"    // an asynq task holds it
	DeliveryDelivered = "delivered" // the receiver answered 2xx
	DeliveryFailed    = "failed"    // retries exhausted: replayable
)

// minWebhookSecret is the shortest secret accepted: an HMAC key shorter
// than this is guessable.
const minWebhookSecret = 16

// Webhook is where a client's CRM receives results. The secret signs every
// delivery and is never returned by the API.
type Webhook struct {
	ID        int64     `json:"id"`
	ClientID  int64     `json:"client_id"`
	URL       string    `json:"url"`
	Secret    string    `json:"-"`
	Active    bool      `json:"active"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// WebhookEvent is one event and its delivery record.
type WebhookEvent struct {
	ID          int64           `json:"id"`
	EventID     string          `json:"event_id"`
	WebhookID   int64           `json:"webhook_id"`
	CampaignID  int64           `json:"campaign_id"`
	AttemptID   int64           `json:"attempt_id"`
	Kind        string          `json:"type"`
	Payload     json.RawMessage `json:"payload"`
	Status      string          `json:"status"`
	Tries       int             `json:"tries"`
	LastStatus  int             `json:"last_status,omitempty"`
	LastError   string          `json:"last_error,omitempty"`
	CreatedAt   time.Time       `json:"created_at"`
	DeliveredAt *time.Time      `json:"delivered_at,omitempty"`
}

// WebhookPayload is the JSON body a CRM receives.
type WebhookPayload struct {
	EventID     string     `json:"event_id"`
	Type        string     `json:"type"`
	CreatedAt   time.Time  `json:"created_at"`
	CampaignID  int64      `json:"campaign_id"`
	ContactID   int64      `json:"contact_id"`
	ExternalID  string     `json:"external_id,omitempty"`
	AttemptID   int64      `json:"attempt_id"`
	Attempt     int        `json:"attempt"`
	Phone       string     `json:"phone"`
	Outcome     Outcome    `json:"outcome,omitempty"`
	SIPCode     int        `json:"sip_code,omitempty"`
	Disposition string     `json:"disposition,omitempty"`
	Notes       string     `json:"notes,omitempty"`
	AnsweredAt  *time.Time `json:"answered_at,omitempty"`
	EndedAt     *time.Time `json:"ended_at,omitempty"`
	// ContactState and NextDueAt say what happens next to the contact.
	ContactState ContactState `json:"contact_state"`
	NextDueAt    *time.Time   `json:"next_due_at,omitempty"`
}

// SetWebhook creates or replaces a client's webhook.
func (s *Store) SetWebhook(ctx context.Context, clientID int64, rawURL, secret string) (Webhook, error) {
	var ps input.Problems
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		ps.Add("url", "want an http or https URL")
	}
	if len(secret) < minWebhookSecret {
		ps.Addf("secret", "at least %d characters", minWebhookSecret)
	}
	if err := ps.Err(); err != nil {
		return Webhook{}, err
	}
	if _, err := s.GetClient(ctx, clientID); err != nil {
		return Webhook{}, err
	}
	now := ms(s.clock())
	res, err := s.db.ExecContext(ctx, `UPDATE webhooks SET url = $1, secret = $2, active = 1, updated_at = $3 WHERE client_id = $4`,
		rawURL, secret, now, clientID)
	if err != nil {
		return Webhook{}, fmt.Errorf("set webhook of client %d: %w", clientID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if _, err := s.db.ExecContext(ctx, `INSERT INTO webhooks (client_id, url, secret, active, created_at, updated_at)
			VALUES ($1, $2, $3, 1, $4, $4)`, clientID, rawURL, secret, now); err != nil {
			return Webhook{}, fmt.Errorf("set webhook of client %d: %w", clientID, err)
		}
	}
	return s.Webhook(ctx, clientID)
}

// Webhook returns a client's webhook.
func (s *Store) Webhook(ctx context.Context, clientID int64) (Webhook, error) {
	var w Webhook
	var active int
	var created, updated int64
	err := s.db.QueryRowContext(ctx, `SELECT id, client_id, url, secret, active, created_at, updated_at FROM webhooks WHERE client_id = $1`,
		clientID).Scan(&w.ID, &w.ClientID, &w.URL, &w.Secret, &active, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return Webhook{}, fmt.Errorf("webhook of client %d: %w", clientID, ErrNotFound)
	}
	if err != nil {
		return Webhook{}, fmt.Errorf("webhook of client %d: %w", clientID, err)
	}
	w.Active = active == 1
	w.CreatedAt, w.UpdatedAt = fromMS(created), fromMS(updated)
	return w, nil
}

// recordEvent writes the event of an attempt (its outcome or disposition)
// to the outbox inside tx, when the campaign's client has a webhook.
func (s *Store) recordEvent(ctx context.Context, tx *sql.Tx, attemptID int64, kind string) error {
	var hookID int64
	err := tx.QueryRowContext(ctx, `SELECT w.id FROM webhooks w JOIN campaigns c ON c.client_id = w.client_id
		JOIN attempts a ON a.campaign_id = c.id WHERE a.id = $1 AND w.active = 1`, attemptID).Scan(&hookID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("webhook event of attempt %d: %w", attemptID, err)
	}
	p := WebhookPayload{EventID: uuid.NewString(), Type: kind, CreatedAt: fromMS(ms(s.clock()))}
	var outcome, state, disposition string
	var answered, ended, due sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT a.campaign_id, a.contact_id, a.attempt_no, a.phone, a.outcome, a.sip_code,
		a.disposition, a.disposition_notes, a.answered_at, a.ended_at, ct.external_id, ct.state, ct.next_due_at
		FROM attempts a JOIN contacts ct ON ct.id = a.contact_id WHERE a.id = $1`, attemptID).Scan(
		&p.CampaignID, &p.ContactID, &p.Attempt, &p.Phone, &outcome, &p.SIPCode, &disposition, &p.Notes,
		&answered, &ended, &p.ExternalID, &state, &due); err != nil {
		return fmt.Errorf("webhook event of attempt %d: %w", attemptID, err)
	}
	p.AttemptID = attemptID
	p.Outcome, p.Disposition, p.ContactState = Outcome(outcome), disposition, ContactState(state)
	p.AnsweredAt, p.EndedAt, p.NextDueAt = fromNullMS(answered), fromNullMS(ended), fromNullMS(due)
	body, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("webhook event of attempt %d: %w", attemptID, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO webhook_events (event_id, webhook_id, campaign_id, attempt_id, kind,
		payload, status, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, p.EventID, hookID, p.CampaignID,
		attemptID, kind, string(body), DeliveryPending, ms(p.CreatedAt)); err != nil {
		return fmt.Errorf("webhook event of attempt %d: %w", attemptID, err)
	}
	return nil
}

const webhookEventColumns = `id, event_id, webhook_id, campaign_id, attempt_id, kind, payload, status, tries,
	last_status, last_error, created_at, delivered_at`

func scanWebhookEvent(r rowScanner) (WebhookEvent, error) {
	var e WebhookEvent
	var payload string
	var created int64
	var delivered sql.NullInt64
	if err := r.Scan(&e.ID, &e.EventID, &e.WebhookID, &e.CampaignID, &e.AttemptID, &e.Kind, &payload, &e.Status,
		&e.Tries, &e.LastStatus, &e.LastError, &created, &delivered); err != nil {
		return WebhookEvent{}, err
	}
	e.Payload = json.RawMessage(payload)
	e.CreatedAt, e.DeliveredAt = fromMS(created), fromNullMS(delivered)
	return e, nil
}

// WebhookEvents lists events, newest first, optionally of one status.
func (s *Store) WebhookEvents(ctx context.Context, status string, limit, offset int) ([]WebhookEvent, error) {
	limit, offset = page(limit, offset)
	q := `SELECT ` + webhookEventColumns + ` FROM webhook_events`
	args := []any{}
	if status != "" {
		switch status {
		case DeliveryPending, DeliveryQueued, DeliveryDelivered, DeliveryFailed:
		default:
			return nil, input.Invalidf("status", "%q is not pending, queued, delivered or failed", status)
		}
		q += ` WHERE status = $3`
	}
	q += ` ORDER BY id DESC LIMIT $1 OFFSET $2`
	args = append(args, limit, offset)
	if status != "" {
		args = append(args, status)
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("webhook events: %w", err)
	}
	defer rows.Close()
	out := []WebhookEvent{}
	for rows.Next() {
		e, err := scanWebhookEvent(rows)
		if err != nil {
			return nil, fmt.Errorf("webhook events: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// WebhookEvent returns one event.
func (s *Store) WebhookEvent(ctx context.Context, id int64) (WebhookEvent, error) {
	e, err := scanWebhookEvent(s.db.QueryRowContext(ctx, `SELECT `+webhookEventColumns+` FROM webhook_events WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return WebhookEvent{}, fmt.Errorf("webhook event %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return WebhookEvent{}, fmt.Errorf("webhook event %d: %w", id, err)
	}
	return e, nil
}

// ReplayWebhookEvent queues a failed (or delivered) event again; the relay
// gives it a fresh task. The receiver de-duplicates by event_id.
func (s *Store) ReplayWebhookEvent(ctx context.Context, id int64) (WebhookEvent, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE webhook_events SET status = $1, generation = generation + 1
		WHERE id = $2 AND status IN ($3, $4)`, DeliveryPending, id, DeliveryFailed, DeliveryDelivered)
	if err != nil {
		return WebhookEvent{}, fmt.Errorf("replay webhook event %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		e, err := s.WebhookEvent(ctx, id)
		if err != nil {
			return WebhookEvent{}, err
		}
		return WebhookEvent{}, fmt.Errorf("replay webhook event %d: %w: it is %s", id, ErrConflict, e.Status)
	}
	return s.WebhookEvent(ctx, id)
}

// SignWebhook is the X-Alo-Signature header of a delivery at t:
// "t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" under secret>". The
// time inside the signature lets a receiver refuse replays of old bodies.
func SignWebhook(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + webhookMAC(secret, ts, body)
}

func webhookMAC(secret, ts string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts + "."))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// VerifyWebhook checks a delivery's signature header against body, and
// that it was signed within tolerance of now. Receivers written in Go can
// use it; the scheme is simple enough to redo in any language.
func VerifyWebhook(secret, header string, body []byte, now time.Time, tolerance time.Duration) error {
	var ts, sig string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sig = v
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || sig == "" {
		return errors.New("webhook signature: malformed header")
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return fmt.Errorf("webhook signature: signed %s from now, outside %s", d, tolerance)
	}
	if !hmac.Equal([]byte(sig), []byte(webhookMAC(secret, ts, body))) {
		return errors.New("webhook signature: mismatch")
	}
	return nil
}
