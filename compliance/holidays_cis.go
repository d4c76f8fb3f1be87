package compliance

import "strings"

// cisHolidays is the 2026–2027 table of days without calls in the five CIS
// markets: fixed and movable public holidays and the official transfers
// known when it was written. It is data, copied into each rule set made from
// cis-default and editable there. Sources and confidence are in
// docs/compliance.md; in short:
//   - Islamic holidays (Ramazan/Oraza, Qurban/Kurban) are astronomical
//     estimates; each government fixes the date by decree shortly before.
//   - "transfer" rows are days off moved from a holiday falling on a
//     weekend (each country's labour code) or by government decree (RU 2026).
//   - Ukraine's list is the statutory one as amended in 2023; under martial
//     law these are working days, but alo still does not call on them.
//
// Each line: country, date, kind (h = holiday, t = transferred day off),
// name.
const cisHolidayTable = `
UZ 2026-01-01 h New Year
UZ 2026-03-08 h International Women's Day
UZ 2026-03-09 t Women's Day transfer (Sunday)
UZ 2026-03-20 h Ramazan Hayit (estimate)
UZ 2026-03-21 h Navruz
UZ 2026-03-23 t Navruz transfer (Saturday)
UZ 2026-05-09 h Day of Remembrance and Honour
UZ 2026-05-11 t Remembrance Day transfer (Saturday)
UZ 2026-05-27 h Qurbon Hayit (estimate)
UZ 2026-09-01 h Independence Day
UZ 2026-10-01 h Teachers' Day
UZ 2026-12-08 h Constitution Day
UZ 2027-01-01 h New Year
UZ 2027-03-08 h International Women's Day
UZ 2027-03-10 h Ramazan Hayit (estimate)
UZ 2027-03-21 h Navruz
UZ 2027-03-22 t Navruz transfer (Sunday)
UZ 2027-05-09 h Day of Remembrance and Honour
UZ 2027-05-10 t Remembrance Day transfer (Sunday)
UZ 2027-05-16 h Qurbon Hayit (estimate)
UZ 2027-05-17 t Qurbon Hayit transfer (Sunday)
UZ 2027-09-01 h Independence Day
UZ 2027-10-01 h Teachers' Day
UZ 2027-12-08 h Constitution Day
KZ 2026-01-01 h New Year
KZ 2026-01-02 h New Year
KZ 2026-01-07 h Orthodox Christmas
KZ 2026-03-08 h International Women's Day
KZ 2026-03-09 t Women's Day transfer (Sunday)
KZ 2026-03-21 h Nauryz
KZ 2026-03-22 h Nauryz
KZ 2026-03-23 h Nauryz
KZ 2026-03-24 t Nauryz transfer (Saturday)
KZ 2026-03-25 t Nauryz transfer (Sunday)
KZ 2026-05-01 h Unity Day
KZ 2026-05-07 h Defender of the Fatherland Day
KZ 2026-05-09 h Victory Day
KZ 2026-05-11 t Victory Day transfer (Saturday)
KZ 2026-05-27 h Kurban Ait (estimate)
KZ 2026-07-06 h Capital Day
KZ 2026-08-30 h Constitution Day
KZ 2026-08-31 t Constitution Day transfer (Sunday)
KZ 2026-10-25 h Republic Day
KZ 2026-10-26 t Republic Day transfer (Sunday)
KZ 2026-12-16 h Independence Day
KZ 2027-01-01 h New Year
KZ 2027-01-02 h New Year
KZ 2027-01-04 t New Year transfer (Saturday)
KZ 2027-01-07 h Orthodox Christmas
KZ 2027-03-08 h International Women's Day
KZ 2027-03-21 h Nauryz
KZ 2027-03-22 h Nauryz
KZ 2027-03-23 h Nauryz
KZ 2027-03-24 t Nauryz transfer (Sunday)
KZ 2027-05-01 h Unity Day
KZ 2027-05-03 t Unity Day transfer (Saturday)
KZ 2027-05-07 h Defender of the Fatherland Day
KZ 2027-05-09 h Victory Day
KZ 2027-05-10 t Victory Day transfer (Sunday)
KZ 2027-05-16 h Kurban Ait (estimate)
KZ 2027-07-06 h Capital Day
KZ 2027-08-30 h Constitution Day
KZ 2027-10-25 h Republic Day
KZ 2027-12-16 h Independence Day
AZ 2026-01-01 h New Year
AZ 2026-01-02 h New Year
AZ 2026-03-08 h International Women's Day
AZ 2026-03-09 t Women's Day transfer (Sunday)
AZ 2026-03-20 h Novruz; Ramazan bayrami (estimate)
AZ 2026-03-21 h Novruz; Ramazan bayrami (estimate)
AZ 2026-03-22 h Novruz
AZ 2026-03-23 h Novruz
AZ 2026-03-24 h Novruz
AZ 2026-03-25 t Novruz transfer (Saturday)
AZ 2026-03-26 t Novruz transfer (Sunday)
AZ 2026-03-27 t Ramazan bayrami transfer (Saturday)
AZ 2026-05-09 h Victory over Fascism Day
AZ 2026-05-11 t Victory over Fascism Day transfer (Saturday)
AZ 2026-05-27 h Gurban bayrami (estimate)
AZ 2026-05-28 h Gurban bayrami (estimate); Independence Day
AZ 2026-05-29 t Independence Day transfer (coincides with Gurban bayrami)
AZ 2026-06-15 h National Salvation Day
AZ 2026-06-26 h Armed Forces Day
AZ 2026-11-08 h Victory Day
AZ 2026-11-09 h State Flag Day
AZ 2026-11-10 t Victory Day transfer (Sunday)
AZ 2026-12-31 h World Azerbaijanis Solidarity Day
AZ 2027-01-01 h New Year
AZ 2027-01-02 h New Year
AZ 2027-01-04 t New Year transfer (Saturday)
AZ 2027-03-08 h International Women's Day
AZ 2027-03-10 h Ramazan bayrami (estimate)
AZ 2027-03-11 h Ramazan bayrami (estimate)
AZ 2027-03-20 h Novruz
AZ 2027-03-21 h Novruz
AZ 2027-03-22 h Novruz
AZ 2027-03-23 h Novruz
AZ 2027-03-24 h Novruz
AZ 2027-03-25 t Novruz transfer (Saturday)
AZ 2027-03-26 t Novruz transfer (Sunday)
AZ 2027-05-09 h Victory over Fascism Day
AZ 2027-05-10 t Victory over Fascism Day transfer (Sunday)
AZ 2027-05-16 h Gurban bayrami (estimate)
AZ 2027-05-17 h Gurban bayrami (estimate)
AZ 2027-05-18 t Gurban bayrami transfer (Sunday)
AZ 2027-05-28 h Independence Day
AZ 2027-06-15 h National Salvation Day
AZ 2027-06-26 h Armed Forces Day
AZ 2027-06-28 t Armed Forces Day transfer (Saturday)
AZ 2027-11-08 h Victory Day
AZ 2027-11-09 h State Flag Day
AZ 2027-12-31 h World Azerbaijanis Solidarity Day
UA 2026-01-01 h New Year
UA 2026-03-08 h International Women's Day
UA 2026-04-12 h Easter (Orthodox)
UA 2026-04-13 t Easter Monday
UA 2026-05-01 h Labour Day
UA 2026-05-08 h Day of Remembrance and Victory over Nazism
UA 2026-05-31 h Trinity
UA 2026-06-01 t Trinity Monday
UA 2026-06-28 h Constitution Day
UA 2026-07-15 h Statehood Day
UA 2026-08-24 h Independence Day
UA 2026-10-01 h Defenders Day
UA 2026-12-25 h Christmas
UA 2027-01-01 h New Year
UA 2027-03-08 h International Women's Day
UA 2027-05-01 h Labour Day
UA 2027-05-02 h Easter (Orthodox)
UA 2027-05-03 t Easter Monday
UA 2027-05-08 h Day of Remembrance and Victory over Nazism
UA 2027-06-20 h Trinity
UA 2027-06-21 t Trinity Monday
UA 2027-06-28 h Constitution Day
UA 2027-07-15 h Statehood Day
UA 2027-08-24 h Independence Day
UA 2027-10-01 h Defenders Day
UA 2027-12-25 h Christmas
RU 2026-01-01 h New Year holidays
RU 2026-01-02 h New Year holidays
RU 2026-01-03 h New Year holidays
RU 2026-01-04 h New Year holidays
RU 2026-01-05 h New Year holidays
RU 2026-01-06 h New Year holidays
RU 2026-01-07 h Orthodox Christmas
RU 2026-01-08 h New Year holidays
RU 2026-01-09 t Transfer from Saturday 3 January (decree)
RU 2026-02-23 h Defender of the Fatherland Day
RU 2026-03-08 h International Women's Day
RU 2026-03-09 t Women's Day transfer (Sunday)
RU 2026-05-01 h Spring and Labour Day
RU 2026-05-09 h Victory Day
RU 2026-05-11 t Victory Day transfer (Saturday)
RU 2026-06-12 h Russia Day
RU 2026-11-04 h Unity Day
RU 2026-12-31 t Transfer from Sunday 4 January (decree)
RU 2027-01-01 h New Year holidays
RU 2027-01-02 h New Year holidays
RU 2027-01-03 h New Year holidays
RU 2027-01-04 h New Year holidays
RU 2027-01-05 h New Year holidays
RU 2027-01-06 h New Year holidays
RU 2027-01-07 h Orthodox Christmas
RU 2027-01-08 h New Year holidays
RU 2027-02-23 h Defender of the Fatherland Day
RU 2027-03-08 h International Women's Day
RU 2027-05-01 h Spring and Labour Day
RU 2027-05-03 t Labour Day transfer (Saturday)
RU 2027-05-09 h Victory Day
RU 2027-05-10 t Victory Day transfer (Sunday)
RU 2027-06-12 h Russia Day
RU 2027-06-14 t Russia Day transfer (Saturday)
RU 2027-11-04 h Unity Day
`

// cisHolidays parses cisHolidayTable.
func cisHolidays() []Holiday {
	var out []Holiday
	for _, line := range strings.Split(cisHolidayTable, "\n") {
		f := strings.SplitN(strings.TrimSpace(line), " ", 4)
		if len(f) < 4 {
			continue
		}
		kind := DayHoliday
		if f[2] == "t" {
			kind = DayOff
		}
		out = append(out, Holiday{Country: f[0], Date: f[1], Kind: kind, Name: f[3]})
	}
	return out
}
