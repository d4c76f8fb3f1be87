package web

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alo-dialer/alo/campaigns"
	"github.com/alo-dialer/alo/internal/testenv"
	"github.com/alo-dialer/alo/sqldb"
)

// TestIdempotentIntake: on both SQL engines, the same Idempotency-Key and
// body create contacts once (the answer replayed, even to racing
// requests), the same key with another body is a 409 naming the key, and a
// contact sent again with its external_id is updated, not duplicated.
func TestIdempotentIntake(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		if err := sqldb.Migrate(ctx, db, "campaigns", campaigns.Migrations); err != nil {
			t.Fatal(err)
		}
		clock := func() time.Time { return testTime }
		users := NewUsers(db, clock)
		_, tok, err := users.Add(ctx, "crm", RoleMarketer)
		if err != nil {
			t.Fatal(err)
		}
		store := campaigns.NewStore(db, clock)
		h := NewServer(ServerConfig{Campaigns: store, Agents: newFakeAgents(), Users: users,
			Idempotency: NewIdempotencyKeys(db, clock), Log: slog.New(slog.DiscardHandler)}).Handler()
		post := func(path, key, body string) response {
			t.Helper()
			req := httptest.NewRequest("POST", path, strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+tok)
			req.Header.Set("Content-Type", "application/json")
			if key != "" {
				req.Header.Set("Idempotency-Key", key)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			return response{status: rec.Code, header: rec.Header(), body: rec.Body.String()}
		}
		post("/api/v1/clients", "", `{"name":"Kaspi"}`).expect(t, http.StatusCreated, "")
		post("/api/v1/campaigns", "", `{"name":"welcome","client_id":1,"default_region":"KZ"}`).expect(t, http.StatusCreated, "")

		batch := `[{"phone":"8 701 123 45 67","name":"Айгерим","external_id":"crm-1","phones":["8 702 111 22 33"],
			"language":"kk","region":"ALM","fields":{"card":"Gold"},"appointment_at":"2027-03-23T05:30:00Z"},
			{"phone":"8 705 000 11 22","external_id":"crm-2"}]`
		// Racing retries of one request: exactly one runs, the rest replay or
		// are told it is in progress; never a second contact.
		var wg sync.WaitGroup
		statuses := make([]int, 4)
		for i := range statuses {
			wg.Go(func() { statuses[i] = post("/api/v1/campaigns/1/contacts", "key-1", batch).status })
		}
		wg.Wait()
		created := 0
		for _, st := range statuses {
			switch st {
			case http.StatusCreated:
				created++
			case http.StatusConflict:
			default:
				t.Fatalf("racing statuses %v", statuses)
			}
		}
		if created < 1 {
			t.Fatalf("racing statuses %v", statuses)
		}
		r := post("/api/v1/campaigns/1/contacts", "key-1", batch)
		r.expect(t, http.StatusCreated, "")
		if r.header.Get("Idempotent-Replayed") != "true" || !strings.Contains(r.body, `"added":2`) {
			t.Fatalf("replay: %v %s", r.header, r.body)
		}
		post("/api/v1/campaigns/1/contacts", "key-1", `[{"phone":"8 701 999 99 99"}]`).
			expect(t, http.StatusConflict, `Idempotency-Key "key-1" was used with a different request`)

		// The CRM sends crm-1 again (one object, a new key): updated in place.
		r = post("/api/v1/campaigns/1/contacts", "key-2", `{"phone":"+7 701 123 45 67","name":"Айгерим Нұрланқызы","external_id":"crm-1"}`)
		r.expect(t, http.StatusCreated, "")
		if !strings.Contains(r.body, `"updated":1`) {
			t.Fatalf("update: %s", r.body)
		}
		cs, err := store.ListContacts(ctx, 1, 10, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(cs) != 2 || cs[0].Name != "Айгерим Нұрланқызы" || cs[0].ExternalID != "crm-1" || cs[1].ExternalID != "crm-2" {
			t.Fatalf("contacts %+v", cs)
		}
		post("/api/v1/campaigns/1/contacts", strings.Repeat("k", 300), `[]`).expect(t, http.StatusBadRequest, "invalid request", "Idempotency-Key")
	})
}

// TestIntakeContactFields: the fields of a batch reach the
// store (several numbers, language, region, custom fields, appointment).
func TestIntakeContactFields(t *testing.T) {
	db := testenv.SQLite(t)
	ctx := context.Background()
	if err := sqldb.Migrate(ctx, db, "campaigns", campaigns.Migrations); err != nil {
		t.Fatal(err)
	}
	store := campaigns.NewStore(db, func() time.Time { return testTime })
	cl, _ := store.CreateClient(ctx, "Bank")
	c, _ := store.CreateCampaign(ctx, campaigns.Campaign{ClientID: cl.ID, Name: "r", DefaultRegion: "KZ"})
	good, bad := checkContactItems([]contactItem{{Phone: "8 701 123 45 67", Phones: []string{"8 702 111 22 33"}, Language: "KK",
		Region: "alm", Fields: map[string]string{"card": "Gold"}, ExternalID: "crm-1"}}, "KZ")
	if len(bad) != 0 {
		t.Fatalf("rejected %+v", bad)
	}
	if _, err := store.UpsertContacts(ctx, c.ID, good); err != nil {
		t.Fatal(err)
	}
	cs, _ := store.ListContacts(ctx, c.ID, 10, 0)
	got := cs[0]
	if got.Language != "kk" || got.Region != "ALM" || got.Fields["card"] != "Gold" || len(got.Phones) != 2 || got.Phones[1] != "+77021112233" {
		t.Fatalf("contact %+v", got)
	}
}
