package campaigns

import (
	"errors"
	"testing"
	"time"

	"github.com/alo-dialer/alo/sqldb"
)

func TestCampaignMediaSettings(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		tests := []struct {
			name    string
			amd     AMDSettings
			lang    string
			wantErr bool
		}{
			{name: "off by default"},
			{name: "on with beep message", amd: AMDSettings{Enabled: true, MachineAction: MachineMessage, GreetingMs: 1200, MaxWords: 4}, lang: "ru"},
			{name: "unknown action refused", amd: AMDSettings{Enabled: true, MachineAction: "shout"}, wantErr: true},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				f := newStateMachineFixture(t, db, Campaign{}, 0)
				c, err := f.s.CreateCampaign(f.ctx, Campaign{ClientID: f.camp.ClientID, Name: tt.name, AMD: tt.amd, Language: tt.lang})
				if tt.wantErr {
					if !errors.Is(err, ErrInvalid) {
						t.Fatalf("err = %v, want ErrInvalid", err)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				got, err := f.s.GetCampaign(f.ctx, c.ID)
				if err != nil {
					t.Fatal(err)
				}
				if got.AMD != tt.amd || got.Language != tt.lang {
					t.Fatalf("stored amd %+v lang %q, want %+v %q", got.AMD, got.Language, tt.amd, tt.lang)
				}
			})
		}
	})
}

func TestAttemptMedia(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		f := newStateMachineFixture(t, db, Campaign{}, 0)
		cs, err := f.s.AddContacts(f.ctx, f.camp.ID, []NewContact{{Phone: "+998901234567", Language: "ru"}})
		if err != nil {
			t.Fatal(err)
		}
		if c := f.contact(t, cs[0].ID); c.Language != "ru" {
			t.Fatalf("contact language %q", c.Language)
		}
		a, err := f.s.BeginDialing(f.ctx, f.queueOne(t, cs[0].ID), DialingInfo{Node: "n1"})
		if err != nil {
			t.Fatal(err)
		}
		at := f.clock.Now().Truncate(time.Millisecond)
		greet, msg := at.Add(900*time.Millisecond), at.Add(2900*time.Millisecond)
		if err := f.s.MarkMedia(f.ctx, a.ID, AttemptMedia{GreetingEndAt: &greet, AMDVerdict: "HUMAN", AMDCause: "HUMAN", AMDDecidedAt: &greet}); err != nil {
			t.Fatal(err)
		}
		if err := f.s.Finish(f.ctx, a.ID, Result{Outcome: OutcomeAbandoned, SIPCode: 200}); err != nil {
			t.Fatal(err)
		}
		// Facts learnt as the call ends land after the outcome; earlier ones stay.
		if err := f.s.MarkMedia(f.ctx, a.ID, AttemptMedia{MessageAt: &msg, Key: "9"}); err != nil {
			t.Fatal(err)
		}
		got, err := f.s.GetAttemptMedia(f.ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.GreetingEndAt == nil || !got.GreetingEndAt.Equal(greet) || got.AMDVerdict != "HUMAN" ||
			got.MessageAt == nil || !got.MessageAt.Equal(msg) || got.Key != "9" {
			t.Fatalf("media = %+v", got)
		}
		if err := f.s.MarkMedia(f.ctx, 999999, AttemptMedia{Key: "9"}); !errors.Is(err, ErrNotFound) {
			t.Fatalf("unknown attempt: err = %v", err)
		}
	})
}
