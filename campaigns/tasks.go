package campaigns

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"
)

// asynq task types and the queue they run on.
const (
	// TypeAttemptDue moves one queued attempt into its campaign's ready set
	// when it falls due.
	TypeAttemptDue = "attempt:due"
	// TypeFeed runs the feeder once (periodic).
	TypeFeed = "campaigns:feed"
	// TypeReconcile runs the reconciler once (periodic).
	TypeReconcile = "campaigns:reconcile"
	// QueueAttempts is the asynq queue of every campaigns task; the server
	// must list it in Config.Queues.
	QueueAttempts = "attempts"
)

// attemptDueMaxRetry bounds retries of the tiny attempt:due handler; a task
// archived after them is repaired by the reconciler.
const attemptDueMaxRetry = 5

// attemptDuePayload is the JSON payload of an attempt:due task.
type attemptDuePayload struct {
	CampaignID int64 `json:"campaign_id"`
	ContactID  int64 `json:"contact_id"`
	Attempt    int   `json:"attempt"`
}

// NewAttemptDueTask returns the attempt:due task of key. Its TaskID is the
// key, so while the task exists asynq refuses a second one for the same
// attempt (ErrTaskIDConflict); enqueue it with ProcessAt(due).
func NewAttemptDueTask(key AttemptKey) *asynq.Task {
	// Marshalling three integers cannot fail.
	b, _ := json.Marshal(attemptDuePayload{CampaignID: key.CampaignID, ContactID: key.ContactID, Attempt: key.Number})
	return asynq.NewTask(TypeAttemptDue, b, AttemptDueOptions(key)...)
}

// AttemptDueOptions are the options every attempt:due task carries: its
// TaskID (the key), queue and retry bound. The caller adds ProcessAt(due).
func AttemptDueOptions(key AttemptKey) []asynq.Option {
	return []asynq.Option{asynq.TaskID(key.String()), asynq.Queue(QueueAttempts), asynq.MaxRetry(attemptDueMaxRetry)}
}

// NewFeedTask returns the periodic feeder task (register it with an
// asynq.Scheduler every few seconds; no TaskID, since a periodic task with a
// fixed id never runs again once archived).
func NewFeedTask() *asynq.Task {
	return asynq.NewTask(TypeFeed, nil, asynq.Queue(QueueAttempts), asynq.MaxRetry(0), asynq.Timeout(time.Minute))
}

// NewReconcileTask returns the periodic reconciler task.
func NewReconcileTask() *asynq.Task {
	return asynq.NewTask(TypeReconcile, nil, asynq.Queue(QueueAttempts), asynq.MaxRetry(0), asynq.Timeout(time.Minute))
}

// ParseAttemptDue reads the attempt key of an attempt:due task.
func ParseAttemptDue(t *asynq.Task) (AttemptKey, error) {
	var p attemptDuePayload
	if err := json.Unmarshal(t.Payload(), &p); err != nil {
		return AttemptKey{}, fmt.Errorf("%s payload: %w", TypeAttemptDue, err)
	}
	if p.CampaignID <= 0 || p.ContactID <= 0 || p.Attempt < 1 {
		return AttemptKey{}, fmt.Errorf("%s payload %s: campaign_id, contact_id and attempt must be positive", TypeAttemptDue, t.Payload())
	}
	return AttemptKey{CampaignID: p.CampaignID, ContactID: p.ContactID, Number: p.Attempt}, nil
}

// enqueueAttemptDue creates the attempt:due task of d. A task already
// holding the id means the attempt is queued already: not an error.
func enqueueAttemptDue(ctx context.Context, enq Enqueuer, d DueAttempt) (created bool, err error) {
	_, err = enq.EnqueueContext(ctx, NewAttemptDueTask(d.Key), asynq.ProcessAt(ceilSecond(d.DueAt)))
	if errors.Is(err, asynq.ErrTaskIDConflict) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("enqueue %s: %w", d.Key, err)
	}
	return true, nil
}

// ceilSecond rounds t up to a whole second. asynq keeps scheduled tasks
// by Unix second and runs them once that second has begun, up to a second
// before ProcessAt; rounding up means an attempt never starts before it is
// due (a welcome call's delay, a retry's wait).
func ceilSecond(t time.Time) time.Time {
	if r := t.Truncate(time.Second); !r.Equal(t) {
		return r.Add(time.Second)
	}
	return t
}

// Enqueuer creates asynq tasks; *asynq.Client satisfies it.
type Enqueuer interface {
	EnqueueContext(ctx context.Context, task *asynq.Task, opts ...asynq.Option) (*asynq.TaskInfo, error)
}

// Handlers serves the campaigns task types on an asynq server.
type Handlers struct {
	ready      *ReadySet
	feeder     *Feeder
	reconciler *Reconciler
	clock      func() time.Time
	log        *slog.Logger
}

// NewHandlers returns the task handlers. feeder and reconciler may be nil
// on a process that only moves due attempts (their tasks then fail).
func NewHandlers(ready *ReadySet, feeder *Feeder, reconciler *Reconciler, clock func() time.Time, log *slog.Logger) *Handlers {
	return &Handlers{ready: ready, feeder: feeder, reconciler: reconciler, clock: clock, log: log}
}

// Register adds the campaigns handlers to mux.
func (h *Handlers) Register(mux *asynq.ServeMux) {
	mux.HandleFunc(TypeAttemptDue, h.HandleAttemptDue)
	mux.HandleFunc(TypeFeed, h.HandleFeed)
	mux.HandleFunc(TypeReconcile, h.HandleReconcile)
}

// HandleAttemptDue puts the task's attempt into its campaign's ready set,
// scored by the time it fell due (asynq runs it at ProcessAt). It is tiny
// and idempotent, since asynq may run a task twice: the ready set ignores a
// key already ready or claimed, and a stale key is dropped at claim time.
// A malformed payload is not retried.
func (h *Handlers) HandleAttemptDue(ctx context.Context, t *asynq.Task) error {
	key, err := ParseAttemptDue(t)
	if err != nil {
		h.log.Error("bad attempt:due task", "err", err)
		return fmt.Errorf("%w: %w", err, asynq.SkipRetry)
	}
	if err := h.ready.Add(ctx, key, float64(h.clock().UnixMilli())); err != nil {
		return err
	}
	return nil
}

// HandleFeed runs the feeder once.
func (h *Handlers) HandleFeed(ctx context.Context, _ *asynq.Task) error {
	if h.feeder == nil {
		return fmt.Errorf("%s: no feeder on this node: %w", TypeFeed, asynq.SkipRetry)
	}
	_, err := h.feeder.RunOnce(ctx)
	return err
}

// HandleReconcile runs the reconciler once.
func (h *Handlers) HandleReconcile(ctx context.Context, _ *asynq.Task) error {
	if h.reconciler == nil {
		return fmt.Errorf("%s: no reconciler on this node: %w", TypeReconcile, asynq.SkipRetry)
	}
	_, err := h.reconciler.RunOnce(ctx)
	return err
}
