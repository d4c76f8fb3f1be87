package campaigns

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"
)

// webhookReceiver is a CRM endpoint that fails its first failures requests
// (500), then accepts; it checks every signature and keeps each event once.
type webhookReceiver struct {
	t        *testing.T
	secret   string
	mu       sync.Mutex
	failures int
	requests int
	events   map[string]WebhookPayload
	badSigs  int
	got      chan struct{}
}

func (rc *webhookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.requests++
	if err := VerifyWebhook(rc.secret, r.Header.Get("X-Alo-Signature"), body, time.Now(), 5*time.Minute); err != nil {
		rc.badSigs++
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	if rc.requests <= rc.failures {
		http.Error(w, "CRM down", http.StatusInternalServerError)
		return
	}
	var p WebhookPayload
	if err := json.Unmarshal(body, &p); err != nil || p.EventID != r.Header.Get("X-Alo-Event-Id") {
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	if _, dup := rc.events[p.EventID]; !dup {
		rc.events[p.EventID] = p
		rc.got <- struct{}{}
	}
	w.WriteHeader(http.StatusNoContent)
}

// TestWebhooksDeliverEveryOutcomeOnce: outcomes written with their outbox
// events reach a real HTTP receiver through a real redis-server and asynq
// server; a receiver that fails for a while then recovers gets every event
// (de-duplicated by event id), signed; the delivery log shows the retries;
// a failed event is replayable.
func TestWebhooksDeliverEveryOutcomeOnce(t *testing.T) {
	w := newTestWorld(t, newMigratedSQLiteDB(t))
	c, contacts := w.campaign(t, Campaign{}, 6)
	rc := &webhookReceiver{t: t, secret: "s3cret-s3cret-s3cret", failures: 4, events: map[string]WebhookPayload{}, got: make(chan struct{}, 16)}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	if _, err := w.store.SetWebhook(w.ctx, c.ClientID, srv.URL, "short"); !errors.Is(err, ErrInvalid) {
		t.Fatalf("short secret: %v", err)
	}
	if _, err := w.store.SetWebhook(w.ctx, c.ClientID, srv.URL, rc.secret); err != nil {
		t.Fatal(err)
	}

	// Six outcomes, written as the dialer does.
	if _, err := w.store.QueueDue(w.ctx, c.ID, w.clock.Now(), 0); err != nil {
		t.Fatal(err)
	}
	outcomes := []Outcome{OutcomeHuman, OutcomeBusy, OutcomeNoAnswer, OutcomeHuman, OutcomeMachine, OutcomeDeclined}
	for i, ct := range contacts {
		a, err := w.store.BeginDialing(w.ctx, AttemptKey{CampaignID: c.ID, ContactID: ct.ID, Number: 1}, DialingInfo{Node: "n1"})
		if err != nil {
			t.Fatal(err)
		}
		if err := w.store.Finish(w.ctx, a.ID, Result{Outcome: outcomes[i], SIPCode: 200}); err != nil {
			t.Fatal(err)
		}
	}
	pending, err := w.store.WebhookEvents(w.ctx, DeliveryPending, 0, 0)
	if err != nil || len(pending) != len(contacts) {
		t.Fatalf("outbox %d events, %v", len(pending), err)
	}

	d := NewWebhookDelivery(w.store, w.client, srv.Client(), time.Now, w.log)
	d.RetryBase = 20 * time.Millisecond
	mux := asynq.NewServeMux()
	d.Register(mux)
	asrv := asynq.NewServerFromRedisClient(w.rdb, asynq.Config{Concurrency: 2, Queues: map[string]int{QueueWebhooks: 1},
		RetryDelayFunc: d.RetryDelay, TaskCheckInterval: 20 * time.Millisecond, DelayedTaskCheckInterval: 20 * time.Millisecond,
		LogLevel: asynq.FatalLevel})
	if err := asrv.Start(mux); err != nil {
		t.Fatal(err)
	}
	defer asrv.Shutdown()
	if n, err := d.Relay(w.ctx); err != nil || n != len(contacts) {
		t.Fatalf("relay queued %d: %v", n, err)
	}
	if n, _ := d.Relay(w.ctx); n != 0 {
		t.Fatalf("a second relay queued %d again", n)
	}
	timeout := time.After(20 * time.Second)
	for range contacts {
		select {
		case <-rc.got:
		case <-timeout:
			t.Fatalf("received %d of %d events", len(rc.events), len(contacts))
		}
	}
	rc.mu.Lock()
	if rc.badSigs != 0 || len(rc.events) != len(contacts) {
		t.Fatalf("events %d, bad signatures %d", len(rc.events), rc.badSigs)
	}
	byOutcome := map[Outcome]int{}
	for _, p := range rc.events {
		byOutcome[p.Outcome]++
		if p.Type != EventAttemptFinished || p.CampaignID != c.ID || p.Attempt != 1 {
			t.Errorf("payload %+v", p)
		}
	}
	rc.mu.Unlock()
	if byOutcome[OutcomeHuman] != 2 || byOutcome[OutcomeBusy] != 1 {
		t.Fatalf("outcomes %v", byOutcome)
	}
	// The log shows which events needed retries (4 failed posts in all).
	deadline := time.Now().Add(5 * time.Second)
	for {
		events, err := w.store.WebhookEvents(w.ctx, "", 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		tries, delivered := 0, 0
		for _, e := range events {
			tries += e.Tries
			if e.Status == DeliveryDelivered {
				delivered++
			}
		}
		if delivered == len(contacts) && tries == len(contacts)+rc.failures {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("log: %d delivered, %d tries", delivered, tries)
		}
		time.Sleep(20 * time.Millisecond) // the handler records after the receiver answered
	}

	// Replay a delivered event: the receiver sees it again with the same id.
	events, _ := w.store.WebhookEvents(w.ctx, DeliveryDelivered, 1, 0)
	if _, err := w.store.ReplayWebhookEvent(w.ctx, events[0].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := w.store.ReplayWebhookEvent(w.ctx, events[0].ID); !errors.Is(err, ErrConflict) {
		t.Fatalf("replay of a pending event: %v", err)
	}
	before := rc.requestCount()
	if n, err := d.Relay(w.ctx); err != nil || n != 1 {
		t.Fatalf("relay after replay: %d %v", n, err)
	}
	for rc.requestCount() == before {
		select {
		case <-timeout:
			t.Fatal("replay not delivered")
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func (rc *webhookReceiver) requestCount() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.requests
}
