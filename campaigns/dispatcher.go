package campaigns

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Dispatcher is the face of campaigns that a node's pacer uses: claim ready
// attempts, then dial, block or give back each one, then finish it.
type Dispatcher struct {
	store *Store
	ready *ReadySet
	node  string
	lease time.Duration
	log   *slog.Logger
}

// Claimed is an attempt this node holds a claim on, with what the gate and
// the dialer need to place it.
type Claimed struct {
	Key      AttemptKey
	Campaign Campaign
	Contact  Contact
}

// NewDispatcher returns the dispatcher of node; claims it takes expire
// after lease unless released.
func NewDispatcher(store *Store, ready *ReadySet, node string, lease time.Duration, log *slog.Logger) *Dispatcher {
	return &Dispatcher{store: store, ready: ready, node: node, lease: lease, log: log}
}

// Node returns the node name claims and attempts are recorded under.
func (d *Dispatcher) Node() string { return d.node }

// Claim claims up to n ready attempts of a campaign and loads their contact
// and campaign. Stale keys (the contact is no longer queued for that attempt
// number, e.g. a task asynq ran twice) are released and dropped. If the
// campaign is not running, or SQL fails, the claims are given back and none
// returned.
func (d *Dispatcher) Claim(ctx context.Context, campaignID int64, n int) ([]Claimed, error) {
	keys, err := d.ready.Claim(ctx, campaignID, n, d.node, d.lease)
	if err != nil || len(keys) == 0 {
		return nil, err
	}
	camp, err := d.store.GetCampaign(ctx, campaignID)
	if err == nil && camp.Status != StatusRunning {
		err = fmt.Errorf("campaign %d is %s: %w", campaignID, camp.Status, ErrConflict)
	}
	if err != nil {
		d.giveBack(ctx, keys)
		return nil, fmt.Errorf("claim: %w", err)
	}
	out := make([]Claimed, 0, len(keys))
	for i, k := range keys {
		c, err := d.store.GetContact(ctx, k.ContactID)
		if err != nil && !errors.Is(err, ErrNotFound) {
			for _, c := range out {
				d.giveBack(ctx, []AttemptKey{c.Key})
			}
			d.giveBack(ctx, keys[i:])
			return nil, fmt.Errorf("claim: %w", err)
		}
		if err != nil || c.CampaignID != campaignID || c.State != ContactQueued || c.Attempts != k.Number {
			d.log.Info("dropped stale ready entry", "campaign", k.CampaignID, "contact", k.ContactID,
				"attempt", k.Number, "contact_state", c.State, "contact_attempts", c.Attempts)
			if err := d.ready.Release(ctx, k); err != nil {
				d.log.Warn("release stale claim", "campaign", k.CampaignID, "contact", k.ContactID, "err", err)
			}
			continue
		}
		out = append(out, Claimed{Key: k, Campaign: camp, Contact: c})
	}
	return out, nil
}

// giveBack returns claims this node cannot use now.
func (d *Dispatcher) giveBack(ctx context.Context, keys []AttemptKey) {
	for _, k := range keys {
		if err := d.ready.Return(ctx, k); err != nil {
			d.log.Warn("return claim", "campaign", k.CampaignID, "contact", k.ContactID, "err", err)
		}
	}
}

// Dial records the attempt as dialing (BeginDialing, with this node as its
// owner unless info names one) and releases the claim; send the INVITE only
// after it succeeds. ErrAlreadyDialed means another holder got there first:
// do not dial. On any other error the claim is kept and the reconciler
// settles it once the lease expires (it checks SQL, so an attempt whose
// commit did happen is not dialed again).
func (d *Dispatcher) Dial(ctx context.Context, c Claimed, info DialingInfo) (Attempt, error) {
	if info.Node == "" {
		info.Node = d.node
	}
	if info.Phone == "" {
		info.Phone = c.Contact.Phone
	}
	a, err := d.store.BeginDialing(ctx, c.Key, info)
	if err != nil && !errors.Is(err, ErrAlreadyDialed) {
		return Attempt{}, err
	}
	if rerr := d.ready.Release(ctx, c.Key); rerr != nil {
		// The attempt is safe in SQL; the reconciler drops the claim later.
		d.log.Warn("release claim after dialing", "campaign", c.Key.CampaignID, "contact", c.Key.ContactID, "err", rerr)
	}
	return a, err
}

// Unclaim gives a claimed attempt back to the ready set without dialing it
// (e.g. no agent after all).
func (d *Dispatcher) Unclaim(ctx context.Context, c Claimed) error {
	if err := d.store.Requeue(ctx, c.Key); err != nil {
		return err
	}
	return d.ready.Return(ctx, c.Key)
}

// Block records that the gate denied the claimed attempt (with its deny
// evidence) and releases the claim; nextDue is when the contact may be tried
// again, nil for never.
func (d *Dispatcher) Block(ctx context.Context, c Claimed, evidence, reason string, nextDue *time.Time) (Attempt, error) {
	a, err := d.store.Block(ctx, c.Key, c.Contact.Phone, evidence, reason, nextDue)
	if err != nil && !errors.Is(err, ErrAlreadyDialed) {
		return Attempt{}, err
	}
	if rerr := d.ready.Release(ctx, c.Key); rerr != nil {
		d.log.Warn("release claim after block", "campaign", c.Key.CampaignID, "contact", c.Key.ContactID, "err", rerr)
	}
	return a, err
}

// Defer gives back a claimed attempt the gate deferred: the contact is
// scheduled again at nextDue with the same attempt number (no attempt row),
// and the claim is released.
func (d *Dispatcher) Defer(ctx context.Context, c Claimed, nextDue time.Time) error {
	err := d.store.Defer(ctx, c.Key, nextDue)
	if err != nil && !errors.Is(err, ErrAlreadyDialed) {
		return err
	}
	if rerr := d.ready.Release(ctx, c.Key); rerr != nil {
		d.log.Warn("release claim after defer", "campaign", c.Key.CampaignID, "contact", c.Key.ContactID, "err", rerr)
	}
	return err
}

// Finish records an attempt's outcome (see Store.Finish).
func (d *Dispatcher) Finish(ctx context.Context, attemptID int64, r Result) error {
	return d.store.Finish(ctx, attemptID, r)
}

// QueueLen returns how many attempts of the campaign are ready to claim;
// the pacer uses it to know whether claiming is worth a round trip.
func (d *Dispatcher) QueueLen(ctx context.Context, campaignID int64) (int64, error) {
	return d.ready.Len(ctx, campaignID)
}

// Hold keeps c claimed by this node until until, so the reconciler does
// not hand it to another node while a preview offer stands.
func (d *Dispatcher) Hold(ctx context.Context, c Claimed, until time.Time) error {
	return d.ready.Extend(ctx, c.Key, until)
}
