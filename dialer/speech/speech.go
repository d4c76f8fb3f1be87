// Package speech turns dates, times and numbers into the names of the
// recorded parts that say them (dialer/prompts/<lang>/<name>.wav, made by
// scripts/make-prompts.sh), for recorded reminders. English and Russian are
// built in; other languages fall back to English.
//
// Phrasing: English "This is a reminder of your appointment on Tuesday
// March twenty third at ten thirty P M"; Russian "Напоминаем о вашей
// записи, двадцать третьего марта в десять часов тридцать минут" (the day
// as an ordinal in the genitive, as dates are said; after "в" hours and
// minutes in the accusative with the noun's plural form for the number,
// feminine "одну/две" for minutes).
package speech

import (
	"strconv"
	"strings"
	"time"
)

// Languages with their own parts; anything else is said in English.
const (
	English = "en"
	Russian = "ru"
)

// Lang returns the language the parts of lang exist in.
func Lang(lang string) string {
	if lang == Russian {
		return Russian
	}
	return English
}

// Number says 0–59 (hours and minutes need no more). feminine picks the
// Russian forms of one and two for feminine nouns (минута).
func Number(lang string, n int, feminine bool) []string {
	if n < 0 || n > 59 {
		return nil
	}
	unit := func(u int) string {
		if Lang(lang) == Russian && feminine && (u == 1 || u == 2) {
			return "n" + strconv.Itoa(u) + "f"
		}
		return "n" + strconv.Itoa(u)
	}
	if n < 20 {
		if n >= 10 {
			return []string{"n" + strconv.Itoa(n)}
		}
		return []string{unit(n)}
	}
	out := []string{"n" + strconv.Itoa(n/10*10)}
	if n%10 != 0 {
		out = append(out, unit(n%10))
	}
	return out
}

// russianForm is the plural form a Russian noun takes after n: one (1, 21,
// 31…), few (2–4, 22–24…) or many (5–20, 25–30, 0…).
func russianForm(n int) string {
	switch {
	case n%10 == 1 && n%100 != 11:
		return "one"
	case n%10 >= 2 && n%10 <= 4 && (n%100 < 12 || n%100 > 14):
		return "few"
	}
	return "many"
}

func two(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}

// Date says the day of t (in t's location).
func Date(lang string, t time.Time) []string {
	day, month := "d"+two(t.Day()), "m"+two(int(t.Month()))
	if Lang(lang) == Russian {
		return []string{day, month}
	}
	return []string{"w" + strconv.Itoa(int(t.Weekday())), month, day}
}

// Time says the time of day of t (in t's location), after "at".
func Time(lang string, t time.Time) []string {
	h, m := t.Hour(), t.Minute()
	if Lang(lang) == Russian {
		out := append([]string{"at"}, Number(lang, h, false)...)
		out = append(out, "hour_"+russianForm(h))
		if m > 0 {
			out = append(out, Number(lang, m, true)...)
			out = append(out, "minute_"+russianForm(m))
		}
		return out
	}
	h12 := h % 12
	if h12 == 0 {
		h12 = 12
	}
	out := append([]string{"at"}, Number(lang, h12, false)...)
	switch {
	case m == 0:
		out = append(out, "oclock")
	case m < 10:
		out = append(out, "oh")
		out = append(out, Number(lang, m, false)...)
	default:
		out = append(out, Number(lang, m, false)...)
	}
	if h < 12 {
		return append(out, "am")
	}
	return append(out, "pm")
}

// Reminder is the whole recorded reminder of an appointment at the
// instant at, said in loc (the contact's zone; nil: at's own): the
// introduction, the date, the time, the place's prompt when place names
// one ("" skips it) and the keys on offer.
func Reminder(lang string, at time.Time, loc *time.Location, place string) []string {
	if loc != nil {
		at = at.In(loc)
	}
	out := []string{"reminder_intro"}
	out = append(out, Date(lang, at)...)
	out = append(out, Time(lang, at)...)
	if place != "" {
		out = append(out, place)
	}
	return append(out, "reminder_keys")
}

// PlacePrompt is the name of the prompt that says an appointment's place:
// "place_" and the place in lower case with every run of characters other
// than ASCII letters and digits made one "_" ("Clinic #2, Chilanzar" →
// "place_clinic_2_chilanzar"). A place with no such characters (written
// only in Cyrillic, say) has none: "".
func PlacePrompt(place string) string {
	var b strings.Builder
	gap := false
	for _, r := range strings.ToLower(place) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			if gap && b.Len() > 0 {
				b.WriteByte('_')
			}
			gap = false
			b.WriteRune(r)
			continue
		}
		gap = true
	}
	if b.Len() == 0 {
		return ""
	}
	return "place_" + b.String()
}
