package campaigns

import (
	"context"
	"errors"
	"testing"

	"github.com/alo-dialer/alo/sqldb"
)

// TestEraseContactEngines: EraseContact on both engines clears the
// personal fields, replaces the number in the contact and its attempts,
// closes the contact, returns the recordings to delete, and refuses a
// second erasure. (web's TestEraseContact covers the whole erasure.)
func TestEraseContactEngines(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		clock := newTestClock()
		s := NewStore(db, clock.Now)
		cl, _ := s.CreateClient(ctx, "Bank")
		c, _ := s.CreateCampaign(ctx, Campaign{ClientID: cl.ID, Name: "c", DefaultRegion: "UZ"})
		res, err := s.UpsertContacts(ctx, c.ID, []NewContact{{Phone: "+998901234567", MorePhones: []string{"+998911112233"},
			Name: "Aziz", ExternalID: "x-1", Fields: map[string]string{"card": "Gold"}}})
		if err != nil {
			t.Fatal(err)
		}
		due, err := s.QueueDue(ctx, c.ID, clock.Now(), 0)
		if err != nil || len(due) != 1 {
			t.Fatalf("queue: %v %v", due, err)
		}
		at, err := s.BeginDialing(ctx, due[0].Key, DialingInfo{Evidence: `{"n":"+998901234567"}`})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.MarkMedia(ctx, at.ID, AttemptMedia{Recording: "r.wav"}); err != nil {
			t.Fatal(err)
		}
		ps := func(n string) string { return erasedPrefix + "h" + n[len(n)-4:] }
		er, err := s.EraseContact(ctx, c.ID, res.Added[0].ID, ps)
		if err != nil {
			t.Fatal(err)
		}
		if len(er.Numbers) != 2 || len(er.Recordings) != 1 || er.Attempts != 1 || er.Pseudonym != "erased:h4567" {
			t.Fatalf("erasure %+v", er)
		}
		got, err := s.GetContact(ctx, res.Added[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Phone != "erased:h4567" || got.Name != "" || got.Fields != nil || got.ExternalID != "" || got.Phones != nil ||
			got.State != ContactDone || got.CloseReason != CloseErased {
			t.Fatalf("erased contact %+v", got)
		}
		a, err := s.GetAttempt(ctx, at.ID)
		if err != nil {
			t.Fatal(err)
		}
		if a.Phone != "erased:h4567" || string(a.Evidence) != `{"n":"erased:h4567"}` {
			t.Fatalf("erased attempt %+v", a)
		}
		if _, err := s.EraseContact(ctx, c.ID, res.Added[0].ID, ps); !errors.Is(err, ErrConflict) {
			t.Fatalf("second erasure: %v", err)
		}
		if _, err := s.EraseContact(ctx, c.ID, 999, ps); !errors.Is(err, ErrNotFound) {
			t.Fatalf("unknown contact: %v", err)
		}
	})
}
