package dialer

import (
	"testing"
	"time"

	"github.com/alo-dialer/alo/dialer/audio"
	spoken "github.com/alo-dialer/alo/dialer/speech"
)

// TestReminderPromptsShipped: every part a recorded reminder can need, at
// any date and minute, exists in the shipped prompts of both languages,
// as do the fixed phrases of recorded calls.
func TestReminderPromptsShipped(t *testing.T) {
	pr := audio.NewPrompts(BuiltinPrompts(), "en")
	need := map[string]bool{"confirmed": true, "hold": true, "callback_later": true, "notice": true, "notice_keys": true}
	for _, lang := range []string{spoken.English, spoken.Russian} {
		names := map[string]bool{}
		for k := range need {
			names[k] = true
		}
		start := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
		for d := 0; d < 366; d++ {
			for _, n := range spoken.Date(lang, start.AddDate(0, 0, d)) {
				names[n] = true
			}
		}
		for m := 0; m < 24*60; m++ {
			for _, n := range spoken.Time(lang, start.Add(time.Duration(m)*time.Minute)) {
				names[n] = true
			}
		}
		for _, n := range spoken.Reminder(lang, start) {
			names[n] = true
		}
		for n := range names {
			pm, err := pr.For(n, lang)
			if err != nil {
				t.Errorf("%s/%s: %v", lang, n, err)
				continue
			}
			if pm.Lang != lang {
				t.Errorf("%s/%s: only in %s", lang, n, pm.Lang)
			}
		}
	}
}
