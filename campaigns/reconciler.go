package campaigns

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/hibiken/asynq"
)

// TaskLookup finds an asynq task by queue and id; *asynq.Inspector
// satisfies it. asynq.ErrTaskNotFound and asynq.ErrQueueNotFound mean the
// task is absent.
type TaskLookup interface {
	GetTaskInfo(queue, id string) (*asynq.TaskInfo, error)
}

// Report counts the repairs of one reconciler run.
type Report struct {
	// Requeued counts queued contacts found in no queue and queued again.
	Requeued int `json:"requeued"`
	// Returned counts expired claims that never reached dialing, put back
	// into the ready set.
	Returned int `json:"returned"`
	// Released counts expired claims whose attempt had reached dialing (or
	// was blocked): only the claim was left over.
	Released int `json:"released"`
	// Unknown counts dialing attempts of dead nodes ended as unknown.
	Unknown int `json:"unknown"`
}

// DefaultNodeGrace is how long a node must stay absent before its dialing
// attempts are ended as unknown; a few heartbeats, so that a Redis restart
// or flush (which drops every heartbeat at once) does not kill live calls.
const DefaultNodeGrace = 15 * time.Second

// Reconciler rebuilds Redis state from SQL (invariant 2) and resolves the
// attempts of dead nodes as the state machine says (docs/architecture.md, "The life of
// an attempt").
type Reconciler struct {
	store *Store
	ready *ReadySet
	nodes *Nodes
	insp  TaskLookup
	enq   Enqueuer
	clock func() time.Time
	log   *slog.Logger
	// NodeGrace: see DefaultNodeGrace. Zero ends attempts as soon as their
	// node is seen absent.
	NodeGrace time.Duration
	// Batch bounds the queued contacts checked per campaign per run, earliest
	// due first.
	Batch int

	mu        sync.Mutex
	deadSince map[string]time.Time // node → first run that saw it absent
}

// NewReconciler returns a reconciler; run it periodically (TypeReconcile).
func NewReconciler(store *Store, ready *ReadySet, nodes *Nodes, insp TaskLookup, enq Enqueuer, clock func() time.Time, log *slog.Logger) *Reconciler {
	return &Reconciler{store: store, ready: ready, nodes: nodes, insp: insp, enq: enq, clock: clock, log: log,
		NodeGrace: DefaultNodeGrace, Batch: 10000, deadSince: map[string]time.Time{}}
}

// RunOnce makes one pass of the three repairs and reports what it did. It
// continues past individual failures and returns them joined.
func (r *Reconciler) RunOnce(ctx context.Context) (Report, error) {
	var rep Report
	var errs []error
	if err := r.requeueLost(ctx, &rep); err != nil {
		errs = append(errs, err)
	}
	if err := r.resolveExpiredClaims(ctx, &rep); err != nil {
		errs = append(errs, err)
	}
	if err := r.resolveDeadDialing(ctx, &rep); err != nil {
		errs = append(errs, err)
	}
	if rep != (Report{}) {
		r.log.Info("reconciler: repaired", "requeued", rep.Requeued, "returned", rep.Returned,
			"released", rep.Released, "unknown", rep.Unknown)
	}
	return rep, errors.Join(errs...)
}

// requeueLost queues again every queued contact that is in no queue. The
// places are checked in the order an attempt moves through them (asynq
// task, ready set, claim, SQL), so an attempt moving forward during the
// checks is still seen in the later place and never queued twice; a
// spurious requeue would be harmless anyway (same TaskID, the ready set is
// a set, stale keys are dropped at claim).
func (r *Reconciler) requeueLost(ctx context.Context, rep *Report) error {
	camps, err := r.store.ListCampaigns(ctx)
	if err != nil {
		return fmt.Errorf("reconciler: %w", err)
	}
	now := r.clock()
	// Every queued contact must be somewhere, however far ahead it is due.
	farFuture := now.AddDate(100, 0, 0)
	var errs []error
	for _, c := range camps {
		queued, err := r.store.QueuedContacts(ctx, c.ID, farFuture, r.Batch)
		if err != nil {
			errs = append(errs, fmt.Errorf("reconciler: %w", err))
			continue
		}
		for _, d := range queued {
			if err := r.requeueIfLost(ctx, d, now, rep); err != nil {
				errs = append(errs, fmt.Errorf("reconciler: %w", err))
			}
		}
	}
	return errors.Join(errs...)
}

func (r *Reconciler) requeueIfLost(ctx context.Context, d DueAttempt, now time.Time, rep *Report) error {
	info, err := r.insp.GetTaskInfo(QueueAttempts, d.Key.String())
	deadTask := false // an archived or completed task still holds the id
	switch {
	case err == nil && info.State != asynq.TaskStateArchived && info.State != asynq.TaskStateCompleted:
		return nil // pending, scheduled, active or retrying
	case err == nil:
		deadTask = true
	case errors.Is(err, asynq.ErrTaskNotFound), errors.Is(err, asynq.ErrQueueNotFound):
	default:
		return fmt.Errorf("look up task %s: %w", d.Key, err)
	}
	if ok, err := r.ready.Contains(ctx, d.Key); err != nil || ok {
		return err
	}
	if ok, err := r.ready.Claimed(ctx, d.Key); err != nil || ok {
		return err
	}
	c, err := r.store.GetContact(ctx, d.Key.ContactID)
	if err != nil {
		return err
	}
	if c.State != ContactQueued || c.Attempts != d.Key.Number {
		return nil // it moved on while we looked
	}
	created, err := enqueueAttemptDue(ctx, r.enq, d)
	if err != nil {
		return err
	}
	if !created {
		if !deadTask {
			// A live task holds the id after all. (After a Redis flush the
			// Inspector may not list the queue: an asynq.Client registers a
			// queue once per process, so GetTaskInfo says "queue not found"
			// although the task exists and the server will run it.)
			return nil
		}
		// The handler would only add the key to the ready set: do that.
		if d.DueAt.After(now) {
			r.log.Warn("reconciler: lost attempt's task id is held by a dead task; will retry when due",
				"campaign", d.Key.CampaignID, "contact", d.Key.ContactID, "attempt", d.Key.Number)
			return nil
		}
		if err := r.ready.Add(ctx, d.Key, float64(d.DueAt.UnixMilli())); err != nil {
			return err
		}
	}
	rep.Requeued++
	r.log.Info("reconciler: queued lost attempt again",
		"campaign", d.Key.CampaignID, "contact", d.Key.ContactID, "attempt", d.Key.Number, "due", d.DueAt)
	return nil
}

// resolveExpiredClaims settles claims whose lease ran out. Owners release
// a claim within milliseconds of taking it, so an expired lease means the
// owner died or stalled: if the attempt row exists the call was begun and
// only the claim is left over; otherwise it was never dialed and goes back
// to the ready set (a stalled owner that dials later loses at BeginDialing).
func (r *Reconciler) resolveExpiredClaims(ctx context.Context, rep *Report) error {
	claims, err := r.ready.ExpiredClaims(ctx, r.clock())
	if err != nil {
		return fmt.Errorf("reconciler: %w", err)
	}
	var errs []error
	for _, cl := range claims {
		alive, err := r.nodes.Alive(ctx, cl.Owner)
		if err != nil {
			errs = append(errs, fmt.Errorf("reconciler: %w", err))
			continue
		}
		_, err = r.store.FindAttempt(ctx, cl.Key)
		switch {
		case err == nil:
			if err := r.ready.Release(ctx, cl.Key); err != nil {
				errs = append(errs, fmt.Errorf("reconciler: %w", err))
				continue
			}
			rep.Released++
			r.log.Info("reconciler: released left-over claim of a dialed attempt",
				"campaign", cl.Key.CampaignID, "contact", cl.Key.ContactID, "attempt", cl.Key.Number,
				"owner", cl.Owner, "owner_alive", alive)
		case errors.Is(err, ErrNotFound):
			if err := r.ready.Return(ctx, cl.Key); err != nil {
				errs = append(errs, fmt.Errorf("reconciler: %w", err))
				continue
			}
			rep.Returned++
			r.log.Info("reconciler: returned expired claim to the ready set",
				"campaign", cl.Key.CampaignID, "contact", cl.Key.ContactID, "attempt", cl.Key.Number,
				"owner", cl.Owner, "owner_alive", alive, "expired", cl.Expires)
		default:
			errs = append(errs, fmt.Errorf("reconciler: %w", err))
		}
	}
	return errors.Join(errs...)
}

// resolveDeadDialing ends as unknown the dialing attempts of nodes that
// have been absent for NodeGrace; the contact's next attempt then waits for
// the retry delay, since the call may have reached the customer.
func (r *Reconciler) resolveDeadDialing(ctx context.Context, rep *Report) error {
	dialing, err := r.store.DialingAttempts(ctx)
	if err != nil {
		return fmt.Errorf("reconciler: %w", err)
	}
	now := r.clock()
	r.mu.Lock()
	defer r.mu.Unlock()
	dead := map[string]time.Time{}
	alive := map[string]bool{}
	var errs []error
	for _, a := range dialing {
		if alive[a.Node] {
			continue
		}
		since, known := dead[a.Node]
		if !known {
			ok, err := r.nodes.Alive(ctx, a.Node)
			if err != nil {
				errs = append(errs, fmt.Errorf("reconciler: %w", err))
				continue
			}
			if ok && a.Node != "" {
				alive[a.Node] = true
				continue
			}
			since = now
			if prev, ok := r.deadSince[a.Node]; ok {
				since = prev
			}
			dead[a.Node] = since
		}
		if now.Sub(since) < r.NodeGrace {
			continue
		}
		err := r.store.MarkUnknown(ctx, a.ID)
		if errors.Is(err, ErrConflict) {
			continue // it finished while we looked
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("reconciler: %w", err))
			continue
		}
		rep.Unknown++
		r.log.Warn("reconciler: dialing attempt of a dead node ended as unknown",
			"campaign", a.CampaignID, "contact", a.ContactID, "attempt", a.Number, "node", a.Node,
			"call_id", a.CallID, "attempt_id", a.ID)
	}
	r.deadSince = dead
	return errors.Join(errs...)
}

// RecoverNode ends as unknown the attempts a node left dialing before it
// stopped (a crash, a kill -9): a node starting again under the same name
// beats as alive at once, so resolveDeadDialing would never see them dead,
// and it has no memory of those calls. Call it at start, before the node
// dials. The contacts' next attempts follow the retry rules for unknown.
func (r *Reconciler) RecoverNode(ctx context.Context, node string) (int, error) {
	dialing, err := r.store.DialingAttempts(ctx)
	if err != nil {
		return 0, fmt.Errorf("recover node %s: %w", node, err)
	}
	n := 0
	var errs []error
	for _, a := range dialing {
		if a.Node != node {
			continue
		}
		err := r.store.MarkUnknown(ctx, a.ID)
		if errors.Is(err, ErrConflict) {
			continue
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("recover node %s: %w", node, err))
			continue
		}
		n++
		r.log.Warn("attempt left dialing by this node's previous run ended as unknown",
			"campaign", a.CampaignID, "contact", a.ContactID, "attempt", a.Number, "call_id", a.CallID, "attempt_id", a.ID)
	}
	return n, errors.Join(errs...)
}
