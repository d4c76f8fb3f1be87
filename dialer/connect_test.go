package dialer

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/alo-dialer/alo/campaigns"
	"github.com/alo-dialer/alo/compliance"
	"github.com/alo-dialer/alo/internal/testenv"
	"github.com/alo-dialer/alo/pacing"
	"github.com/alo-dialer/alo/sqldb"
)

// fakeMarker keeps the moments and media facts connect records.
type fakeMarker struct {
	mu       sync.Mutex
	answered time.Time
	bridged  time.Time
	media    campaigns.AttemptMedia
}

func (m *fakeMarker) MarkAnswered(_ context.Context, _ int64, at time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.answered = at
	return nil
}

func (m *fakeMarker) MarkBridged(_ context.Context, _ int64, at time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.bridged = at
	return nil
}

func (m *fakeMarker) MarkMedia(_ context.Context, _ int64, media campaigns.AttemptMedia) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.media = media
	return nil
}

// testDNC is a compliance DNC store on its own SQLite database.
func testDNC(t *testing.T) (*compliance.DNCStore, *compliance.DNCIndex) {
	t.Helper()
	db := testenv.SQLite(t)
	if err := sqldb.Migrate(context.Background(), db, "compliance", compliance.Migrations); err != nil {
		t.Fatal(err)
	}
	idx := compliance.NewDNCIndex(nil)
	return compliance.NewDNCStore(db.DB, idx, nil, time.Now), idx
}

// TestSafeHarbourStopKey: a live answer with no agent free hears the
// abandonment message within the threshold; the customer presses 9 (RFC
// 4733 from sipp), the number goes on the client's DNC list, alo hangs up
// and the attempt is abandoned.
func TestSafeHarbourStopKey(t *testing.T) {
	carrier := startSipp(t, "uas_safe_harbour.xml", "-m", "1")
	s := newTestSIP(t, Trunk{URI: carrier.uri("")})
	agents := NewAgents(AgentsConfig{DB: testDB(t), Clock: time.Now, Log: testLogger(t)}) // nobody logged in
	t.Cleanup(agents.Close)
	dnc, idx := testDNC(t)
	src := &fakeAttempts{done: make(chan struct{}, 8)}
	marker := &fakeMarker{}
	e := NewEngine(EngineConfig{Attempts: src, Marker: marker, Agents: agents, SIP: s, Clock: time.Now,
		Log: testLogger(t), DNC: dnc})
	camp := campaigns.Campaign{ID: 1, ClientID: 3, Language: "ru"}
	cl := campaigns.Claimed{Key: campaigns.AttemptKey{CampaignID: 1, ContactID: 7, Number: 1}, Campaign: camp,
		Contact: campaigns.Contact{ID: 7, CampaignID: 1, Phone: "+998901234567", Language: "en"}}
	p := newPacer(context.Background(), e, camp, pacing.Progressive{})

	leg, res, err := s.DialCustomer(dialCtx(t), cl.Contact.Phone, DialOptions{RingTimeout: 5 * time.Second})
	if err != nil || !res.Answered {
		t.Fatalf("DialCustomer: %+v, %v", res, err)
	}
	p.connect(dialCtx(t), p.log, cl, 42, leg, nil)
	carrier.wait(t) // sipp got alo's BYE

	if len(src.finished) != 1 || src.finished[0].Outcome != campaigns.OutcomeAbandoned {
		t.Fatalf("finished = %+v, want one abandoned", src.finished)
	}
	m := marker.media
	if m.MessageAt == nil || m.Key != "9" {
		t.Fatalf("media = %+v, want message start and key 9", m)
	}
	if wait := m.MessageAt.Sub(marker.answered); wait > DefaultAbandonRule.Threshold+100*time.Millisecond || wait < DefaultAbandonRule.Threshold-50*time.Millisecond {
		t.Errorf("message started %v after the answer, want about the 2 s threshold", wait)
	}
	t.Logf("answer to message: %v", m.MessageAt.Sub(marker.answered))
	rec, listed := idx.Listed(cl.Contact.Phone, camp.ClientID, camp.ID, nil, time.Now())
	if !listed || rec.Source != compliance.SourceKeyPress || rec.Scope != compliance.ScopeClient {
		t.Fatalf("DNC after key 9: %+v listed=%v", rec, listed)
	}
	// The next attempt to the number is refused: the client's list covers
	// every campaign of the client.
	if _, listed := idx.Listed(cl.Contact.Phone, camp.ClientID, 99, nil, time.Now()); !listed {
		t.Error("another campaign of the same client would still call")
	}
}
