package speech

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestReminderPhrases(t *testing.T) {
	tashkent := time.FixedZone("UZT", 5*3600)
	tests := []struct {
		lang string
		at   time.Time
		want string
	}{
		{"en", time.Date(2027, 3, 23, 10, 30, 0, 0, tashkent), "w2 m03 d23 at n10 n30 am"},
		{"en", time.Date(2027, 3, 1, 12, 0, 0, 0, tashkent), "w1 m03 d01 at n12 oclock pm"},
		{"en", time.Date(2027, 3, 2, 0, 5, 0, 0, tashkent), "w2 m03 d02 at n12 oh n5 am"},
		{"en", time.Date(2027, 3, 3, 15, 45, 0, 0, tashkent), "w3 m03 d03 at n3 n40 n5 pm"},
		{"kk", time.Date(2027, 3, 21, 9, 15, 0, 0, tashkent), "w0 m03 d21 at n9 n15 am"}, // falls back to English
		{"ru", time.Date(2027, 3, 23, 10, 30, 0, 0, tashkent), "d23 m03 at n10 hour_many n30 minute_many"},
		{"ru", time.Date(2027, 1, 1, 1, 1, 0, 0, tashkent), "d01 m01 at n1 hour_one n1f minute_one"},
		{"ru", time.Date(2027, 12, 31, 22, 22, 0, 0, tashkent), "d31 m12 at n20 n2 hour_few n20 n2f minute_few"},
		{"ru", time.Date(2027, 5, 9, 14, 11, 0, 0, tashkent), "d09 m05 at n14 hour_many n11 minute_many"},
		{"ru", time.Date(2027, 5, 9, 21, 0, 0, 0, tashkent), "d09 m05 at n20 n1 hour_one"},
		{"ru", time.Date(2027, 5, 9, 0, 54, 0, 0, tashkent), "d09 m05 at n0 hour_many n50 n4 minute_few"},
	}
	for _, tt := range tests {
		got := Reminder(tt.lang, tt.at)
		want := append(append([]string{"reminder_intro"}, strings.Fields(tt.want)...), "reminder_keys")
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s %v:\n got %v\nwant %v", tt.lang, tt.at, got, want)
		}
	}
}

func TestNumberRange(t *testing.T) {
	if Number("en", 60, false) != nil || Number("en", -1, false) != nil {
		t.Fatal("numbers outside 0–59 must say nothing")
	}
}
