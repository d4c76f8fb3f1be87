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
		// dialed makes a campaign of its own (so no case reads another's
		// damage) with one contact, two numbers and a custom field, and
		// ends one answered attempt to it, ready for a disposition.
		dialed := func(t *testing.T) (Campaign, Attempt) {
			t.Helper()
			camp, err := s.CreateCampaign(ctx, Campaign{ClientID: cl.ID, Name: t.Name()})
			if err != nil {
				t.Fatal(err)
			}
			res, err := s.AddContacts(ctx, camp.ID, []NewContact{{Phone: "+77011000001", MorePhones: []string{"+77011000002"},
				Fields: map[string]string{"card": "Gold"}}})
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
			return camp, a
		}
		tests := []struct {
			name   string
			table  string // campaigns or contacts: the row damaged is the case's own
			column string
			read   func(camp Campaign, a Attempt) error
		}{
			{"campaign settings", "campaigns", "schedule_json", func(c Campaign, _ Attempt) error {
				_, err := s.GetCampaign(ctx, c.ID)
				return err
			}},
			{"contact numbers", "contacts", "phones_json", func(_ Campaign, a Attempt) error {
				_, err := s.GetContact(ctx, a.ContactID)
				return err
			}},
			{"contact fields in a list", "contacts", "fields_json", func(c Campaign, _ Attempt) error {
				_, err := s.ListContacts(ctx, c.ID, 100, 0)
				return err
			}},
			{"export's numbers", "contacts", "phones_json", func(c Campaign, _ Attempt) error {
				return s.ExportCSV(ctx, c.ID, ExportContacts, false, io.Discard)
			}},
			{"export's fields", "contacts", "fields_json", func(c Campaign, _ Attempt) error {
				return s.ExportCSV(ctx, c.ID, ExportContacts, false, io.Discard)
			}},
			{"wrong number disposition", "contacts", "phones_json", func(_ Campaign, a Attempt) error {
				_, err := s.Dispose(ctx, DisposeRequest{AttemptID: a.ID, Code: "wrong_number"})
				return err
			}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				camp, a := dialed(t)
				id, names := a.ContactID, fmt.Sprintf("contact %d: %s", a.ContactID, tt.column)
				if tt.table == "campaigns" {
					id, names = camp.ID, fmt.Sprintf("campaign %d: %s", camp.ID, tt.column)
				}
				if _, err := db.ExecContext(ctx, `UPDATE `+tt.table+` SET `+tt.column+` = '{not json' WHERE id = $1`, id); err != nil {
					t.Fatal(err)
				}
				err := tt.read(camp, a)
				var syn *json.SyntaxError
				if err == nil || !strings.Contains(err.Error(), names) || !errors.As(err, &syn) {
					t.Fatalf("err = %v, want a JSON syntax error naming %q", err, names)
				}
			})
		}
	})
}
