package live

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
)

// Transport carries events between the nodes' buses. Messages are opaque
// to it; every node receives every message, its own included (the bus
// ignores its own echo).
type Transport interface {
	// Send delivers msgs, in order, to every node's Receive.
	Send(ctx context.Context, msgs [][]byte) error
	// Receive calls onMessage for each message from any node, in the order
	// sent, until ctx ends. It calls onConnect each time it has
	// (re)subscribed: messages sent while it was not subscribed are lost,
	// and the bus starts a new epoch. A transport that cannot deliver
	// any more returns an error.
	Receive(ctx context.Context, onMessage func([]byte), onConnect func()) error
}

// wireVersion is the version of the message format between nodes; a node
// ignores (and logs) messages of another version, so a rolling upgrade
// that changes it loses the other nodes' events rather than misreading them.
const wireVersion = 1

// wireMessage is an event on its way between nodes. The event's ID is
// the sender's; each receiver numbers it anew in its own epoch.
type wireMessage struct {
	V        int    `json:"v"`
	Node     string `json:"node"`
	Instance string `json:"instance"`
	Event    Event  `json:"event"`
}

// sendBatch bounds how many events one Send carries (one Redis pipeline).
const sendBatch = 256

// Run connects the bus to the other nodes through its transport: it sends
// what Publish queued and delivers what the other nodes publish, until ctx
// ends (then it returns nil). Without a transport it just waits for ctx.
// It fails when the transport gives up.
func (b *Bus) Run(ctx context.Context) error {
	if b.tr == nil {
		<-ctx.Done()
		return nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	wg.Go(func() { b.send(ctx) })
	err := b.tr.Receive(ctx, b.receive, b.onConnect)
	cancel()
	wg.Wait()
	if ctx.Err() != nil && (err == nil || errors.Is(err, context.Canceled)) {
		return nil
	}
	if err == nil {
		err = errors.New("transport stopped")
	}
	return fmt.Errorf("live: receive from other nodes: %w", err)
}

// send drains the outbox to the transport in batches. A failed batch is
// dropped, not retried: by the time Redis is back the events are stale, and
// the other nodes, which lost their connection too, start new epochs.
func (b *Bus) send(ctx context.Context) {
	batch := make([][]byte, 0, sendBatch)
	failing := false
	for {
		batch = batch[:0]
		select {
		case <-ctx.Done():
			return
		case e := <-b.outbox:
			batch = b.appendWire(batch, e)
		}
	fill:
		for len(batch) < sendBatch {
			select {
			case e := <-b.outbox:
				batch = b.appendWire(batch, e)
			default:
				break fill
			}
		}
		if len(batch) == 0 {
			continue
		}
		err := b.tr.Send(ctx, batch)
		switch {
		case err != nil && ctx.Err() != nil:
			return
		case err != nil:
			b.stats.sendErrors.Add(1)
			if !failing {
				b.log.Warn("live: cannot send events to other nodes; dropping them until the transport is back", "err", err, "events", len(batch))
			}
			failing = true
		case failing:
			b.log.Info("live: sending events to other nodes again")
			failing = false
		}
	}
}

func (b *Bus) appendWire(batch [][]byte, e Event) [][]byte {
	msg, err := json.Marshal(wireMessage{V: wireVersion, Node: b.node, Instance: b.instance, Event: e})
	if err != nil { // Publish checked the data is JSON: only a bug gets here
		b.log.Error("live: encode event for other nodes", "type", e.Type, "id", e.ID, "err", err)
		return batch
	}
	return append(batch, msg)
}

// receive delivers one message from the transport to this node's
// subscribers, numbered in this bus's epoch.
func (b *Bus) receive(msg []byte) {
	var m wireMessage
	if err := json.Unmarshal(msg, &m); err != nil {
		b.log.Warn("live: unreadable message from another node", "err", err, "bytes", len(msg))
		return
	}
	if m.V != wireVersion {
		b.log.Warn("live: message of another wire version ignored", "version", m.V, "want", wireVersion, "from_node", m.Node)
		return
	}
	if m.Instance == b.instance {
		b.stats.echoes.Add(1)
		return
	}
	e := m.Event
	if err := checkType(e.Type); err != nil {
		b.log.Warn("live: invalid event from another node", "err", err, "from_node", m.Node)
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return
	}
	b.deliverLocked(e)
	b.stats.remote.Add(1)
}

// onConnect starts a new epoch at every (re)subscription of the
// transport: what other nodes published meanwhile never reached us, so
// neither the subscribers' state nor the ring can be trusted to be
// complete. Every subscription ends with ErrGap (its client reads a fresh
// snapshot) and ids of the old epoch no longer resume.
func (b *Bus) onConnect() {
	b.mu.Lock()
	b.gen++
	b.epoch = b.epochName()
	b.ring.reset(b.seq + 1)
	n := len(b.subs)
	for s := range b.subs {
		b.endLocked(s, ErrGap)
	}
	epoch := b.epoch
	b.mu.Unlock()
	first := false
	b.connOnce.Do(func() { close(b.connected); first = true })
	if first {
		b.log.Info("live: connected to other nodes", "epoch", epoch, "subscribers_ended", n)
		return
	}
	b.stats.gaps.Add(1)
	b.log.Warn("live: reconnected to other nodes; events may have been lost, subscribers start again", "epoch", epoch, "subscribers_ended", n)
}
