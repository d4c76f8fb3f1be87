package campaigns

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/alo-dialer/alo/input"
)

// TestValidateNamesEveryField: Validate names every wrong field of a
// campaign at once, in a stable order, as an *input.Error that still
// matches ErrInvalid; a check that depends on a wrong field is skipped.
func TestValidateNamesEveryField(t *testing.T) {
	ok := withDefaults(Campaign{ClientID: 1, Name: "welcome"})
	fieldsOf := func(t *testing.T, err error) []string {
		t.Helper()
		if err == nil {
			return nil
		}
		var e *input.Error
		if !errors.As(err, &e) || !errors.Is(err, ErrInvalid) {
			t.Fatalf("err %v is not an *input.Error matching ErrInvalid", err)
		}
		var out []string
		for _, p := range e.Problems {
			if p.Reason == "" {
				t.Fatalf("problem %q has no reason", p.Field)
			}
			out = append(out, p.Field)
		}
		return out
	}
	tests := []struct {
		name   string
		change func(c *Campaign)
		want   []string
	}{
		{"valid", func(*Campaign) {}, nil},
		{"several", func(c *Campaign) {
			c.Name, c.MaxAttempts, c.TimeZone, c.Lines = " ", 0, "Mars/Olympus", MaxLines+1
			c.Recording = RecordingSettings{RetentionDays: -1, Disclosure: "no such/prompt"}
		}, []string{"name", "max_attempts", "time_zone", "lines", "recording.retention_days", "recording.disclosure"}},
		{"retry rules in outcome order", func(c *Campaign) {
			c.Retry = RetryRules{OutcomeHuman: {Delay: time.Hour}, OutcomeBusy: {Delay: -time.Second}, OutcomeNoAnswer: {Delay: time.Hour}}
		}, []string{"retry[busy]", "retry[human]"}},
		{"agentless not judged for an unknown type", func(c *Campaign) {
			c.Type, c.Agentless = "survey", true
		}, []string{"type"}},
		{"order of durations not judged while one is negative", func(c *Campaign) {
			c.Type, c.Schedule = TypeWelcomeCall, Schedule{FirstDelay: -time.Hour, Deadline: -2 * time.Hour}
		}, []string{"schedule"}},
		{"daily window", func(c *Campaign) { c.DailyStart, c.DailyEnd = 1500, 1450 }, []string{"daily_start_min", "daily_end_min"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ok
			tt.change(&c)
			if got := fieldsOf(t, c.Validate()); !slices.Equal(got, tt.want) {
				t.Fatalf("fields %v, want %v", got, tt.want)
			}
		})
	}
}
