package campaigns

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/alo-dialer/alo/sqldb"
)

// TestCorruptRowNamesIt: a JSON column that does not decode (a hand-edited
// or damaged row) is an error naming the row's id and column, wrapping
// encoding/json's error, never a contact or campaign read without it.
func TestCorruptRowNamesIt(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s, clock := newTestStore(t, db)
		cl, err := s.CreateClient(ctx, "Bank")
		if err != nil {
			t.Fatal(err)
		}
		// Each case damages a row of a campaign of its own, so no case
		// reads another's damage.
		campaign := func(t *testing.T) Campaign {
			t.Helper()
			c, err := s.CreateCampaign(ctx, Campaign{ClientID: cl.ID, Name: t.Name()})
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		// dialed adds a contact with two numbers and ends one answered
		// attempt to it, ready for a disposition.
		dialed := func(t *testing.T, camp Campaign, phone string) Attempt {
			t.Helper()
			res, err := s.AddContacts(ctx, camp.ID, []NewContact{{Phone: phone, MorePhones: []string{"+77019999999"}}})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.QueueDue(ctx, camp.ID, clock.Now(), 0); err != nil {
				t.Fatal(err)
			}
			a, err := s.BeginDialing(ctx, AttemptKey{CampaignID: camp.ID, ContactID: res[0].ID, Number: 1}, DialingInfo{})
			if err != nil {
				t.Fatal(err)
			}
			if err := s.MarkAnswered(ctx, a.ID, clock.Now()); err != nil {
				t.Fatal(err)
			}
			if err := s.Finish(ctx, a.ID, Result{Outcome: OutcomeHuman}); err != nil {
				t.Fatal(err)
			}
			return a
		}
		corrupt := func(t *testing.T, table, column string, id int64) {
			t.Helper()
			if _, err := db.ExecContext(ctx, `UPDATE `+table+` SET `+column+` = '{not json' WHERE id = $1`, id); err != nil {
				t.Fatal(err)
			}
		}
		tests := []struct {
			name string
			// run damages a row and reads it back, returning the error and
			// what it must name.
			run func(t *testing.T) (err error, names string)
		}{
			{"campaign settings", func(t *testing.T) (error, string) {
				c := campaign(t)
				corrupt(t, "campaigns", "schedule_json", c.ID)
				_, err = s.GetCampaign(ctx, c.ID)
				return err, fmt.Sprintf("campaign %d: schedule_json", c.ID)
			}},
			{"contact numbers", func(t *testing.T) (error, string) {
				camp := campaign(t)
				res, err := s.AddContacts(ctx, camp.ID, []NewContact{{Phone: "+77011000001", MorePhones: []string{"+77011000002"}}})
				if err != nil {
					t.Fatal(err)
				}
				corrupt(t, "contacts", "phones_json", res[0].ID)
				_, err = s.GetContact(ctx, res[0].ID)
				return err, fmt.Sprintf("contact %d: phones_json", res[0].ID)
			}},
			{"contact fields in a list", func(t *testing.T) (error, string) {
				camp := campaign(t)
				res, err := s.AddContacts(ctx, camp.ID, []NewContact{{Phone: "+77011000003", Fields: map[string]string{"card": "Gold"}}})
				if err != nil {
					t.Fatal(err)
				}
				corrupt(t, "contacts", "fields_json", res[0].ID)
				_, err = s.ListContacts(ctx, camp.ID, 100, 0)
				return err, fmt.Sprintf("contact %d: fields_json", res[0].ID)
			}},
			{"export", func(t *testing.T) (error, string) {
				camp := campaign(t)
				res, err := s.AddContacts(ctx, camp.ID, []NewContact{{Phone: "+77011000004", Fields: map[string]string{"card": "Gold"}}})
				if err != nil {
					t.Fatal(err)
				}
				corrupt(t, "contacts", "fields_json", res[0].ID)
				return s.ExportCSV(ctx, camp.ID, ExportContacts, false, io.Discard), fmt.Sprintf("contact %d: fields_json", res[0].ID)
			}},
			{"wrong number disposition", func(t *testing.T) (error, string) {
				a := dialed(t, campaign(t), "+77011000005")
				corrupt(t, "contacts", "phones_json", a.ContactID)
				_, err := s.Dispose(ctx, DisposeRequest{AttemptID: a.ID, Code: "wrong_number"})
				return err, fmt.Sprintf("contact %d: phones_json", a.ContactID)
			}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				err, names := tt.run(t)
				var syn *json.SyntaxError
				if err == nil || !strings.Contains(err.Error(), names) || !errors.As(err, &syn) {
					t.Fatalf("err = %v, want a JSON syntax error naming %q", err, names)
				}
			})
		}
	})
}
