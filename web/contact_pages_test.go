package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/alo-dialer/alo/campaigns"
)

// TestContactsByCursor: ?cursor= pages a campaign's contacts as {items,
// next_cursor}, each once, while contacts added meanwhile do not shift a
// page (as an offset would); without ?cursor the answer stays an array.
func TestContactsByCursor(t *testing.T) {
	ctx := context.Background()
	e := newStoreEnv(t, RoleMarketer)
	cl, _ := e.store.CreateClient(ctx, "Bank")
	camp, _ := e.store.CreateCampaign(ctx, campaigns.Campaign{ClientID: cl.ID, Name: "c", DefaultRegion: "UZ"})
	add := func(from, n int) {
		t.Helper()
		var in []campaigns.NewContact
		for i := from; i < from+n; i++ {
			in = append(in, campaigns.NewContact{Phone: fmt.Sprintf("+99890%07d", i)})
		}
		if _, err := e.store.UpsertContacts(ctx, camp.ID, in); err != nil {
			t.Fatal(err)
		}
	}
	add(0, 5)
	api := e.api(t, ServerConfig{})
	seen := map[int64]bool{}
	cursor := ""
	for pages := 0; ; pages++ {
		r := api.call(http.MethodGet, fmt.Sprintf("/api/v1/campaigns/%d/contacts?limit=2&cursor=%s", camp.ID, cursor), RoleMarketer, "", "")
		r.expect(t, http.StatusOK, "")
		var p pageBody[campaigns.Contact]
		if err := json.Unmarshal([]byte(r.body), &p); err != nil {
			t.Fatal(err)
		}
		for _, c := range p.Items {
			if seen[c.ID] {
				t.Fatalf("contact %d on two pages", c.ID)
			}
			seen[c.ID] = true
		}
		if pages == 0 {
			add(5, 2) // arrive while the client pages
		}
		if cursor = p.NextCursor; cursor == "" || pages > 10 {
			break
		}
	}
	if len(seen) != 7 {
		t.Fatalf("paged %d contacts, want 7", len(seen))
	}
	// Attempts page the same way.
	due, err := e.store.QueueDue(ctx, camp.ID, testTime.Add(time.Hour), 3)
	if err != nil || len(due) != 3 {
		t.Fatalf("queue: %v %v", due, err)
	}
	for _, d := range due {
		if _, err := e.store.BeginDialing(ctx, d.Key, campaigns.DialingInfo{}); err != nil {
			t.Fatal(err)
		}
	}
	var attempts []campaigns.Attempt
	for cursor, pages := "", 0; pages < 5; pages++ {
		r := api.call(http.MethodGet, fmt.Sprintf("/api/v1/campaigns/%d/attempts?limit=2&cursor=%s", camp.ID, cursor), RoleMarketer, "", "")
		r.expect(t, http.StatusOK, "")
		var p pageBody[campaigns.Attempt]
		if err := json.Unmarshal([]byte(r.body), &p); err != nil {
			t.Fatal(err)
		}
		attempts = append(attempts, p.Items...)
		if cursor = p.NextCursor; cursor == "" {
			break
		}
	}
	if len(attempts) != 3 || attempts[0].ID >= attempts[2].ID {
		t.Fatalf("attempt pages: %+v", attempts)
	}
	r := api.call(http.MethodGet, fmt.Sprintf("/api/v1/campaigns/%d/contacts?limit=2", camp.ID), RoleMarketer, "", "")
	var arr []campaigns.Contact
	if err := json.Unmarshal([]byte(r.body), &arr); err != nil || len(arr) != 2 {
		t.Fatalf("offset list: %v %s", err, r.body)
	}
}
