package web

import (
	"context"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/alo-dialer/alo/campaigns"
	"github.com/alo-dialer/alo/compliance"
	"github.com/alo-dialer/alo/sqldb"
)

// TestWithRealStores drives the API over the real campaigns store and DNC
// list on both SQL engines (agents stay fake: the registry needs SIP), so
// the handlers' assumptions about those services' errors and defaults are
// checked against the real thing.
func TestWithRealStores(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		if err := sqldb.Migrate(ctx, db, "campaigns", campaigns.Migrations); err != nil {
			t.Fatal(err)
		}
		if err := sqldb.Migrate(ctx, db, "compliance", compliance.Migrations); err != nil {
			t.Fatal(err)
		}
		clock := func() time.Time { return testTime }
		users := NewUsers(db, clock)
		_, tok, err := users.Add(ctx, "admin", RoleAdmin)
		if err != nil {
			t.Fatal(err)
		}
		a := &testAPI{t: t, tokens: map[Role]string{RoleAdmin: tok}, waker: &fakeWaker{}}
		a.h = NewServer(ServerConfig{
			Campaigns: campaigns.NewStore(db, clock), Agents: newFakeAgents(),
			DNC: compliance.NewDNCList(db.DB, clock), Users: users, Waker: a.waker,
			Log: slog.New(slog.DiscardHandler), DefaultRegion: "KZ",
		}).Handler()

		a.admin("POST", "/api/v1/clients", `{"name":"Halyk"}`).expect(t, http.StatusCreated, "")
		a.admin("POST", "/api/v1/campaigns", `{"name":"n","client_id":7}`).expect(t, http.StatusBadRequest, "invalid request", "client_id")
		r := a.admin("POST", "/api/v1/campaigns", `{"name":"Reminders","client_id":1,"default_region":"KZ","daily_start":"10:00","daily_end":"19:30","retry_delay":"1h"}`)
		r.expect(t, http.StatusCreated, "")
		var c campaignView
		r.decode(t, &c)
		if c.DailyStart != "10:00" || c.DailyEnd != "19:30" || c.RetryDelay != "1h0m0s" || c.RingTimeout != "30s" || c.MaxAttempts != 3 {
			t.Fatalf("campaign %+v", c)
		}
		a.admin("GET", "/api/v1/campaigns/9", "").expect(t, http.StatusNotFound, "campaign 9: not found")

		r = a.call("POST", "/api/v1/campaigns/1/contacts", RoleAdmin, "text/csv",
			"телефон;имя\n8 701 123 45 67;Айгерим\nnope;x\n+7 702 123 45 67;Ерлан\n")
		r.expect(t, http.StatusCreated, "")
		var added addContactsResponse
		r.decode(t, &added)
		if added.Added != 2 || len(added.Rejected) != 1 || *added.Rejected[0].Line != 3 {
			t.Fatalf("upload %+v", added)
		}
		var cs []campaigns.Contact
		a.admin("GET", "/api/v1/campaigns/1/contacts", "").decode(t, &cs)
		if len(cs) != 2 || cs[0].Phone != "+77011234567" || cs[1].Name != "Ерлан" {
			t.Fatalf("contacts %+v", cs)
		}
		a.admin("POST", "/api/v1/campaigns/1/start", "").expect(t, http.StatusOK, "")
		var st campaigns.Stats
		a.admin("GET", "/api/v1/campaigns/1/stats", "").decode(t, &st)
		if st.Contacts[campaigns.ContactScheduled] != 2 {
			t.Fatalf("stats %+v", st)
		}
		a.admin("GET", "/api/v1/campaigns/1/attempts", "").expect(t, http.StatusOK, "")
		a.admin("GET", "/api/v1/campaigns/2/attempts", "").expect(t, http.StatusNotFound, "not found")

		a.admin("POST", "/api/v1/dnc", `{"number":"8 701 123 45 67"}`).expect(t, http.StatusCreated, "")
		a.admin("POST", "/api/v1/dnc", `{"number":"8 701 123 45 67"}`).expect(t, http.StatusCreated, "")
		a.admin("DELETE", "/api/v1/dnc/+77011234567", "").expect(t, http.StatusNoContent, "")
		a.admin("DELETE", "/api/v1/dnc/+77011234567", "").expect(t, http.StatusNotFound, "not on the list")
	})
}
