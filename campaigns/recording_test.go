package campaigns

import (
	"errors"
	"testing"

	"github.com/alo-dialer/alo/sqldb"
)

// TestCampaignRecordingSettings: recording is off unless asked; the
// settings round-trip; a disclosure that could never name a prompt file is
// refused, naming the field.
func TestCampaignRecordingSettings(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		tests := []struct {
			name    string
			rec     RecordingSettings
			wantErr bool
		}{
			{name: "off by default"},
			{name: "on with the shipped notice", rec: RecordingSettings{Enabled: true}},
			{name: "on with a campaign prompt", rec: RecordingSettings{Enabled: true, Disclosure: "recording_notice-v2"}},
			{name: "on without a notice", rec: RecordingSettings{Enabled: true, Disclosure: "none"}},
			{name: "path refused", rec: RecordingSettings{Enabled: true, Disclosure: "../abandon"}, wantErr: true},
			{name: "spaces refused", rec: RecordingSettings{Enabled: true, Disclosure: "call recorded"}, wantErr: true},
			{name: "kept 90 days", rec: RecordingSettings{Enabled: true, RetentionDays: 90}},
			{name: "negative retention refused", rec: RecordingSettings{Enabled: true, RetentionDays: -1}, wantErr: true},
			{name: "retention over ten years refused", rec: RecordingSettings{Enabled: true, RetentionDays: MaxRetentionDays + 1}, wantErr: true},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				f := newStateMachineFixture(t, db, Campaign{}, 0)
				c, err := f.s.CreateCampaign(f.ctx, Campaign{ClientID: f.camp.ClientID, Name: tt.name, Recording: tt.rec})
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
				if got.Recording != tt.rec {
					t.Fatalf("stored %+v, want %+v", got.Recording, tt.rec)
				}
			})
		}
	})
}
