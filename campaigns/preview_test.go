package campaigns

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/alo-dialer/alo/input"
	"github.com/alo-dialer/alo/sqldb"
)

// TestPreviewSettings: a preview campaign gets 30 s and "call" by default,
// and each wrong preview field is named.
func TestPreviewSettings(t *testing.T) {
	tests := []struct {
		name    string
		preview PreviewSettings
		want    PreviewSettings
		fields  []string
	}{
		{"defaults", PreviewSettings{}, PreviewSettings{Seconds: 30, AtZero: PreviewCall}, nil},
		{"skip at zero", PreviewSettings{Seconds: 600, AtZero: PreviewSkip}, PreviewSettings{Seconds: 600, AtZero: PreviewSkip}, nil},
		{"too long and unknown action", PreviewSettings{Seconds: 601, AtZero: "wait"}, PreviewSettings{}, []string{"preview.seconds", "preview.at_zero"}},
		{"negative", PreviewSettings{Seconds: -1}, PreviewSettings{}, []string{"preview.seconds"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := withDefaults(Campaign{ClientID: 1, Name: "p", Pacing: "preview", Preview: tc.preview})
			err := c.Validate()
			var fields []string
			var ie *input.Error
			if errors.As(err, &ie) {
				for _, p := range ie.Problems {
					fields = append(fields, p.Field)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(fields, tc.fields) {
				t.Errorf("fields %v, want %v (%v)", fields, tc.fields, err)
			}
			if tc.fields == nil && c.Preview != tc.want {
				t.Errorf("preview %+v, want %+v", c.Preview, tc.want)
			}
		})
	}
}

// TestPreviewStored: a preview campaign's offer settings survive the
// store on both engines.
func TestPreviewStored(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		s, _ := newTestStore(t, db)
		ctx := context.Background()
		cl, err := s.CreateClient(ctx, "Bank")
		if err != nil {
			t.Fatal(err)
		}
		c, err := s.CreateCampaign(ctx, Campaign{ClientID: cl.ID, Name: "p", Pacing: "preview",
			Preview: PreviewSettings{Seconds: 45, AtZero: PreviewSkip}})
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.GetCampaign(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Preview != (PreviewSettings{Seconds: 45, AtZero: PreviewSkip}) {
			t.Errorf("stored preview %+v", got.Preview)
		}
	})
}
