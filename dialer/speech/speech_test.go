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
		name  string
		lang  string
		at    time.Time
		loc   *time.Location
		place string
		want  string
	}{
		{"en morning", "en", time.Date(2027, 3, 23, 10, 30, 0, 0, tashkent), nil, "", "w2 m03 d23 at n10 n30 am"},
		{"en 1st noon", "en", time.Date(2027, 3, 1, 12, 0, 0, 0, tashkent), nil, "", "w1 m03 d01 at n12 oclock pm"},
		{"en 2nd 00:05", "en", time.Date(2027, 3, 2, 0, 5, 0, 0, tashkent), nil, "", "w2 m03 d02 at n12 oh n5 am"},
		{"en 3rd afternoon", "en", time.Date(2027, 3, 3, 15, 45, 0, 0, tashkent), nil, "", "w3 m03 d03 at n3 n40 n5 pm"},
		{"en 21st", "en", time.Date(2027, 3, 21, 23, 59, 0, 0, tashkent), nil, "", "w0 m03 d21 at n11 n50 n9 pm"},
		{"unknown language falls back to English", "kk", time.Date(2027, 3, 21, 9, 15, 0, 0, tashkent), nil, "", "w0 m03 d21 at n9 n15 am"},
		{"said in the contact's zone, across midnight", "en", time.Date(2027, 3, 31, 20, 10, 0, 0, time.UTC), tashkent, "",
			"w4 m04 d01 at n1 n10 am"},
		{"place prompt after the time", "en", time.Date(2027, 3, 23, 10, 0, 0, 0, tashkent), nil, "place_clinic_2",
			"w2 m03 d23 at n10 oclock am place_clinic_2"},
		{"ru many", "ru", time.Date(2027, 3, 23, 10, 30, 0, 0, tashkent), nil, "", "d23 m03 at n10 hour_many n30 minute_many"},
		{"ru one: 01:01", "ru", time.Date(2027, 1, 1, 1, 1, 0, 0, tashkent), nil, "", "d01 m01 at n1 hour_one n1f minute_one"},
		{"ru few: 22:22", "ru", time.Date(2027, 12, 31, 22, 22, 0, 0, tashkent), nil, "", "d31 m12 at n20 n2 hour_few n20 n2f minute_few"},
		{"ru two: 02:02", "ru", time.Date(2027, 2, 2, 2, 2, 0, 0, tashkent), nil, "", "d02 m02 at n2 hour_few n2f minute_few"},
		{"ru five: 05:05", "ru", time.Date(2027, 5, 5, 5, 5, 0, 0, tashkent), nil, "", "d05 m05 at n5 hour_many n5 minute_many"},
		{"ru 11–14 take many", "ru", time.Date(2027, 5, 9, 14, 11, 0, 0, tashkent), nil, "", "d09 m05 at n14 hour_many n11 minute_many"},
		{"ru 21 takes one", "ru", time.Date(2027, 5, 9, 21, 0, 0, 0, tashkent), nil, "", "d09 m05 at n20 n1 hour_one"},
		{"ru 00:54", "ru", time.Date(2027, 5, 9, 0, 54, 0, 0, tashkent), nil, "", "d09 m05 at n0 hour_many n50 n4 minute_few"},
		{"ru 3rd with place", "ru", time.Date(2027, 5, 3, 12, 0, 0, 0, tashkent), nil, "place_x", "d03 m05 at n12 hour_many place_x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Reminder(tt.lang, tt.at, tt.loc, tt.place)
			want := append(append([]string{"reminder_intro"}, strings.Fields(tt.want)...), "reminder_keys")
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s %v:\n got %v\nwant %v", tt.lang, tt.at, got, want)
			}
		})
	}
}

func TestNumberRange(t *testing.T) {
	if Number("en", 60, false) != nil || Number("en", -1, false) != nil {
		t.Fatal("numbers outside 0–59 must say nothing")
	}
}

func TestPlacePrompt(t *testing.T) {
	tests := []struct{ place, want string }{
		{"", ""},
		{"Clinic #2, Chilanzar", "place_clinic_2_chilanzar"},
		{"  main-office  ", "place_main_office"},
		{"Клиника №2", "place_2"},
		{"Клиника", ""},
	}
	for _, tt := range tests {
		if got := PlacePrompt(tt.place); got != tt.want {
			t.Errorf("PlacePrompt(%q) = %q, want %q", tt.place, got, tt.want)
		}
	}
}
