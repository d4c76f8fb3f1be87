package campaigns

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/hibiken/asynq"
)

// asynq task types of webhook delivery.
const (
	// TypeWebhookRelay queues pending outbox events (periodic).
	TypeWebhookRelay = "webhooks:relay"
	// TypeWebhookDeliver posts one event to its receiver.
	TypeWebhookDeliver = "webhook:deliver"
	// QueueWebhooks is the queue of webhook tasks: a slow CRM must not
	// hold up attempt tasks.
	QueueWebhooks = "webhooks"
)

// WebhookMaxRetry bounds deliveries of one event: with the back-off below
// (1 s doubling, capped at 10 min) the last try is about an hour after the
// first, after which the event is failed and waits for a replay.
const WebhookMaxRetry = 12

// relayBatch bounds the events one relay run queues.
const relayBatch = 500

// WebhookDelivery moves outbox events to the receivers: a periodic relay
// queues each pending event as its own asynq task (task id = event and
// replay generation, so it is queued once), and the task posts it, signed,
// retrying with back-off until a 2xx or WebhookMaxRetry.
type WebhookDelivery struct {
	store  *Store
	enq    Enqueuer
	client *http.Client
	clock  func() time.Time
	log    *slog.Logger
	// RetryBase is the first retry delay (default 1 s), doubled per try.
	RetryBase time.Duration
}

// NewWebhookDelivery returns the delivery; client's Timeout bounds one
// post (a CRM that hangs must not hold a worker).
func NewWebhookDelivery(store *Store, enq Enqueuer, client *http.Client, clock func() time.Time, log *slog.Logger) *WebhookDelivery {
	return &WebhookDelivery{store: store, enq: enq, client: client, clock: clock, log: log, RetryBase: time.Second}
}

// NewWebhookRelayTask returns the periodic relay task.
func NewWebhookRelayTask() *asynq.Task {
	return asynq.NewTask(TypeWebhookRelay, nil, asynq.Queue(QueueWebhooks), asynq.MaxRetry(0), asynq.Timeout(time.Minute))
}

// Register adds the webhook handlers to mux.
func (d *WebhookDelivery) Register(mux *asynq.ServeMux) {
	mux.HandleFunc(TypeWebhookRelay, d.HandleRelay)
	mux.HandleFunc(TypeWebhookDeliver, d.HandleDeliver)
}

// RetryDelay is the back-off of delivery tasks (1 s, 2 s, 4 s … capped at
// 10 min); other tasks keep asynq's default. Set it as the asynq server's
// RetryDelayFunc.
func (d *WebhookDelivery) RetryDelay(n int, err error, t *asynq.Task) time.Duration {
	if t.Type() != TypeWebhookDeliver {
		return asynq.DefaultRetryDelayFunc(n, err, t)
	}
	delay := d.RetryBase << min(n, 20)
	return min(delay, 10*time.Minute)
}

// HandleRelay queues every pending event once.
func (d *WebhookDelivery) HandleRelay(ctx context.Context, _ *asynq.Task) error {
	_, err := d.Relay(ctx)
	return err
}

// Relay queues pending events and returns how many it queued.
func (d *WebhookDelivery) Relay(ctx context.Context) (int, error) {
	rows, err := d.store.db.QueryContext(ctx, `SELECT id, generation FROM webhook_events WHERE status = $1 ORDER BY id LIMIT $2`,
		DeliveryPending, relayBatch)
	if err != nil {
		return 0, fmt.Errorf("webhook relay: %w", err)
	}
	type pending struct {
		id  int64
		gen int
	}
	var todo []pending
	for rows.Next() {
		var p pending
		if err := rows.Scan(&p.id, &p.gen); err != nil {
			rows.Close()
			return 0, fmt.Errorf("webhook relay: %w", err)
		}
		todo = append(todo, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("webhook relay: %w", err)
	}
	queued := 0
	for _, p := range todo {
		id := strconv.FormatInt(p.id, 10)
		task := asynq.NewTask(TypeWebhookDeliver, []byte(id), asynq.TaskID("webhook:"+id+":"+strconv.Itoa(p.gen)),
			asynq.Queue(QueueWebhooks), asynq.MaxRetry(WebhookMaxRetry), asynq.Timeout(time.Minute))
		if _, err := d.enq.EnqueueContext(ctx, task); err != nil && !errors.Is(err, asynq.ErrTaskIDConflict) {
			return queued, fmt.Errorf("webhook relay: event %d: %w", p.id, err)
		}
		// A conflict means a task of this generation exists already: the
		// event is queued either way.
		if _, err := d.store.db.ExecContext(ctx, `UPDATE webhook_events SET status = $1 WHERE id = $2 AND status = $3 AND generation = $4`,
			DeliveryQueued, p.id, DeliveryPending, p.gen); err != nil {
			return queued, fmt.Errorf("webhook relay: event %d: %w", p.id, err)
		}
		queued++
	}
	return queued, nil
}

// HandleDeliver posts one event. A 2xx marks it delivered; anything else
// is recorded and retried by asynq, and the last failure marks it failed.
func (d *WebhookDelivery) HandleDeliver(ctx context.Context, t *asynq.Task) error {
	id, err := strconv.ParseInt(string(t.Payload()), 10, 64)
	if err != nil {
		return fmt.Errorf("%s payload %q: %w", TypeWebhookDeliver, t.Payload(), asynq.SkipRetry)
	}
	var payload, url, secret, eventID, status string
	err = d.store.db.QueryRowContext(ctx, `SELECT e.payload, e.event_id, e.status, w.url, w.secret FROM webhook_events e
		JOIN webhooks w ON w.id = e.webhook_id WHERE e.id = $1`, id).Scan(&payload, &eventID, &status, &url, &secret)
	if err != nil {
		return fmt.Errorf("webhook event %d: %w", id, err)
	}
	if status == DeliveryDelivered {
		return nil // a task run twice by asynq
	}
	code, postErr := d.post(ctx, url, secret, eventID, []byte(payload))
	now := ms(d.clock())
	if postErr == nil {
		_, err := d.store.db.ExecContext(ctx, `UPDATE webhook_events SET status = $1, tries = tries + 1, last_status = $2,
			last_error = '', delivered_at = $3 WHERE id = $4`, DeliveryDelivered, code, now, id)
		return err
	}
	final := false
	if n, ok := asynq.GetRetryCount(ctx); ok {
		if max, ok := asynq.GetMaxRetry(ctx); ok && n >= max {
			final = true
		}
	}
	next := DeliveryQueued
	if final {
		next = DeliveryFailed
	}
	if _, err := d.store.db.ExecContext(ctx, `UPDATE webhook_events SET status = $1, tries = tries + 1, last_status = $2,
		last_error = $3 WHERE id = $4`, next, code, postErr.Error(), id); err != nil {
		d.log.Warn("webhook failure not recorded", "event", id, "err", err)
	}
	d.log.Warn("webhook delivery failed", "event", id, "status", code, "err", postErr, "final", final)
	return fmt.Errorf("webhook event %d: %w", id, postErr)
}

// post sends one signed delivery and returns the receiver's status.
func (d *WebhookDelivery) post(ctx context.Context, url, secret, eventID string, body []byte) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "alo-webhooks")
	req.Header.Set("X-Alo-Event-Id", eventID)
	req.Header.Set("X-Alo-Signature", SignWebhook(secret, d.clock(), body))
	resp, err := d.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, fmt.Errorf("receiver answered %s", resp.Status)
	}
	return resp.StatusCode, nil
}
