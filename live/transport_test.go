package live

import (
	"context"
	"errors"
	"sync"
	"testing"
)

// memHub is an in-memory Transport shared by buses: every message sent
// reaches every receiver, the sender's own included, like Redis pub/sub.
type memHub struct {
	mu        sync.Mutex
	receivers map[*memTransport]chan []byte
}

func newMemHub() *memHub { return &memHub{receivers: map[*memTransport]chan []byte{}} }

type memTransport struct {
	hub       *memHub
	reconnect chan struct{} // a value makes Receive report a reconnection
}

func (h *memHub) transport() *memTransport {
	return &memTransport{hub: h, reconnect: make(chan struct{})}
}

func (m *memTransport) Send(_ context.Context, msgs [][]byte) error {
	m.hub.mu.Lock()
	defer m.hub.mu.Unlock()
	for _, ch := range m.hub.receivers {
		for _, msg := range msgs {
			ch <- msg
		}
	}
	return nil
}

func (m *memTransport) Receive(ctx context.Context, onMessage func([]byte), onConnect func()) error {
	ch := make(chan []byte, 1024)
	m.hub.mu.Lock()
	m.hub.receivers[m] = ch
	m.hub.mu.Unlock()
	defer func() {
		m.hub.mu.Lock()
		delete(m.hub.receivers, m)
		m.hub.mu.Unlock()
	}()
	onConnect()
	for {
		select {
		case <-ctx.Done():
			return nil
		case msg := <-ch:
			onMessage(msg)
		case <-m.reconnect:
			onConnect()
		}
	}
}

// runBus runs b until the test ends and waits for its first connection.
func runBus(t *testing.T, b *Bus) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	<-b.Connected()
}

// TestAcrossNodes: an event published on one node reaches the other's
// subscribers, numbered in the receiver's epoch; nobody gets their own
// event twice.
func TestAcrossNodes(t *testing.T) {
	hub := newMemHub()
	a := newTestBus(t, Config{Node: "a", Transport: hub.transport()})
	b := newTestBus(t, Config{Node: "b", Transport: hub.transport()})
	runBus(t, a)
	runBus(t, b)
	onA, _ := a.Subscribe("onA", nil)
	onB, _ := b.Subscribe("onB", nil)
	crossNodes(t, a, b, onA, onB)
}

// crossNodes publishes one event on a and one on b (after the first went
// round) and checks each side got both once, in order, in its own epoch.
func crossNodes(t *testing.T, a, b *Bus, onA, onB *Subscription) {
	t.Helper()
	ctx := context.Background()
	if err := a.Publish(ctx, Event{Type: TypeAgentState, AgentID: 1, Data: []byte(`{"state":"ready"}`)}); err != nil {
		t.Fatal(err)
	}
	if e := next(t, onB); e.AgentID != 1 || string(e.Data) != `{"state":"ready"}` || !hasEpoch(e, b) {
		t.Fatalf("b got %+v, want agent 1's event in b's epoch %s", e, b.Epoch())
	}
	// Redis (and the hub) deliver a's event to a's own subscription before
	// b's next one: when a sees b's event, its echo was already ignored.
	if err := b.Publish(ctx, Event{Type: TypeAgentState, AgentID: 2}); err != nil {
		t.Fatal(err)
	}
	got := []Event{next(t, onA), next(t, onA)}
	if types(got) != "agent.state/1 agent.state/2" || !hasEpoch(got[0], a) || !hasEpoch(got[1], a) {
		t.Fatalf("a got %s (%s, %s), want agents 1 then 2 in a's epoch %s", types(got), got[0].ID, got[1].ID, a.Epoch())
	}
	if e := next(t, onB); e.AgentID != 2 {
		t.Fatalf("b got agent %d, want its own event (agent 2)", e.AgentID)
	}
	if n := len(onA.C()) + len(onB.C()); n != 0 {
		t.Errorf("%d events more than published (an echo delivered?)", n)
	}
	if sa := a.Stats(); sa.Echoes < 1 || sa.Remote < 1 {
		t.Errorf("a's stats %+v: want its echo ignored and b's event received", sa)
	}
}

func hasEpoch(e Event, b *Bus) bool {
	return len(e.ID) > len(b.Epoch()) && e.ID[:len(b.Epoch())+1] == b.Epoch()+"-"
}

// TestReconnectStartsEpoch: after the transport reconnects, subscribers end
// with ErrGap and the old epoch's ids no longer resume.
func TestReconnectStartsEpoch(t *testing.T) {
	hub := newMemHub()
	tr := hub.transport()
	b := newTestBus(t, Config{Node: "b", Transport: tr})
	runBus(t, b)
	s, _ := b.Subscribe("s", nil)
	publish(t, b, TypeAgentState, 1, 0)
	last := next(t, s).ID
	before := b.Epoch()
	tr.reconnect <- struct{}{}
	if err := ended(t, s); !errors.Is(err, ErrGap) {
		t.Fatalf("subscription ended with %v, want ErrGap", err)
	}
	if b.Epoch() == before {
		t.Fatalf("epoch %s unchanged after a reconnection", before)
	}
	if _, err := b.Since(last, nil); !errors.Is(err, ErrCannotResume) {
		t.Errorf("resume from the old epoch: %v, want ErrCannotResume", err)
	}
	if st := b.Stats(); st.Gaps != 1 {
		t.Errorf("gaps = %d, want 1", st.Gaps)
	}
}
