package compliance

import (
	"fmt"
	"sort"
)

// Preset names.
const (
	PresetUSTCPA     = "us-tcpa"
	PresetUKOfcom    = "uk-ofcom"
	PresetCISDefault = "cis-default"
)

// PresetNames lists the presets in a stable order.
func PresetNames() []string {
	return []string{PresetCISDefault, PresetUKOfcom, PresetUSTCPA}
}

// Preset returns a fresh copy of a preset rule set; a new rule set is made by
// copying one and editing the copy.
func Preset(name string) (RuleSet, error) {
	switch name {
	case PresetUSTCPA:
		return usTCPA(), nil
	case PresetUKOfcom:
		return ukOfcom(), nil
	case PresetCISDefault:
		return cisDefault(), nil
	}
	return RuleSet{}, fmt.Errorf("preset %q: want one of %v: %w", name, PresetNames(), ErrInvalidRules)
}

func everyDay(span string) map[string][]string {
	d := map[string][]string{}
	for _, k := range weekdayKeys {
		d[k] = []string{span}
	}
	return d
}

// usStateMiniTCPA matches numbers of Florida, Oklahoma and Maryland, by area
// code (Florida's statute presumes an FL area code reaches an FL resident)
// or by the contact's state when the record gives one.
func usStateMiniTCPA() Match {
	codes := []string{
		// Florida
		"239", "305", "321", "324", "352", "386", "407", "448", "561", "645", "656", "689", "727", "728",
		"754", "772", "786", "813", "850", "863", "904", "941", "954",
		// Oklahoma
		"405", "539", "572", "580", "918",
		// Maryland
		"227", "240", "301", "410", "443", "667",
	}
	sort.Strings(codes)
	m := Match{States: []string{"FL", "OK", "MD"}}
	for _, c := range codes {
		m.Prefixes = append(m.Prefixes, "1"+c)
	}
	return m
}

// usTCPA: 47 CFR 64.1200 and the TSR: 08:00–21:00 local every day; the
// Florida, Oklahoma and Maryland mini-TCPAs: 08:00–20:00 and ≤ 3 calls per
// 24 h; abandonment ≤ 3 % per campaign per successive 30-day period, 2 s
// from the end of the greeting; ring ≥ 15 s; prerecorded calls need consent.
func usTCPA() RuleSet {
	states := usStateMiniTCPA()
	return RuleSet{
		Name:   PresetUSTCPA,
		Preset: PresetUSTCPA,
		Zone:   "America/New_York",
		Windows: []WindowRule{
			{Name: "TCPA 08:00-21:00", Days: everyDay("08:00-21:00")},
			{Name: "FL/OK/MD 08:00-20:00", Match: states, Days: everyDay("08:00-20:00")},
		},
		Consent: []ConsentRule{
			{Purpose: PurposeTelemarketing, Method: MethodPrerecorded},
			{Purpose: PurposeInformational, Method: MethodPrerecorded},
			{Purpose: PurposeCollection, Method: MethodPrerecorded},
		},
		AttemptLimits: []AttemptLimit{{Name: "FL/OK/MD 3 per 24 h", Match: states, Max: 3, WindowHours: 24}},
		Abandonment: AbandonCap{MaxRate: 0.03, Window: WindowPeriod30d, ThresholdSeconds: 2,
			ClockStart: ClockGreetingEnd},
		MinRingSeconds: 15,
	}
}

// ukOfcom: Ofcom's persistent-misuse statement: abandonment ≤ 3 % per
// campaign per calendar day (AMD false positives included), 2 s from the
// answer; 72 h embargo after an abandoned call, 24 h after a machine, both
// lifted by a guaranteed agent; ring ≥ 15 s. Hours are industry practice.
func ukOfcom() RuleSet {
	days := everyDay("08:00-21:00")
	days["sun"] = []string{"10:00-18:00"}
	return RuleSet{
		Name:    PresetUKOfcom,
		Preset:  PresetUKOfcom,
		Zone:    "Europe/London",
		Windows: []WindowRule{{Name: "Mon-Sat 08:00-21:00, Sun 10:00-18:00", Days: days}},
		Consent: []ConsentRule{{Purpose: PurposeTelemarketing, Method: MethodPrerecorded}},
		Embargoes: []Embargo{
			{After: "abandoned", Hours: 72, LiftWithAgent: true},
			{After: "machine", Hours: 24, LiftWithAgent: true},
		},
		Abandonment: AbandonCap{MaxRate: 0.03, Window: WindowCalendarDay, ThresholdSeconds: 2,
			ClockStart: ClockAnswer, AMDFalsePositiveRate: 0.05},
		MinRingSeconds: 15,
	}
}

// cisDefault: Uzbekistan, Kazakhstan, Azerbaijan, Ukraine and Russia. No
// regulator sets an abandonment cap there; this copies Ofcom's, with the
// working-week hours and public holidays of the number's country, and
// consent for advertising calls (UA Art. 14-3, RU 38-FZ Art. 18).
func cisDefault() RuleSet {
	return RuleSet{
		Name:   PresetCISDefault,
		Preset: PresetCISDefault,
		Zone:   "Asia/Tashkent",
		Windows: []WindowRule{{Name: "Mon-Fri 09:00-20:00, Sat 10:00-18:00", Days: map[string][]string{
			"mon": {"09:00-20:00"}, "tue": {"09:00-20:00"}, "wed": {"09:00-20:00"}, "thu": {"09:00-20:00"},
			"fri": {"09:00-20:00"}, "sat": {"10:00-18:00"},
		}}},
		Holidays: cisHolidays(),
		Consent: []ConsentRule{
			{Purpose: PurposeTelemarketing, Method: MethodLive},
			{Purpose: PurposeTelemarketing, Method: MethodPrerecorded},
		},
		AttemptLimits: []AttemptLimit{{Name: "3 per number per day", Max: 3, WindowHours: 24}},
		Embargoes:     []Embargo{{After: "abandoned", Hours: 72, LiftWithAgent: true}},
		Abandonment: AbandonCap{MaxRate: 0.03, Window: WindowCalendarDay, ThresholdSeconds: 2,
			ClockStart: ClockAnswer},
		MinRingSeconds: 15,
	}
}

// BaselineName names the Baseline rule set in decisions.
const BaselineName = "baseline"

// Baseline is the rule set for campaigns with no rule set pinned: the
// campaign's own hours (passed with each request) in the contact's local
// time, any day; valid numbers with a zone; DNC; the Ofcom abandonment cap.
// It is what the Foundation's first gate checked; pin a preset copy to get
// a market's full rules.
func Baseline() RuleSet {
	return RuleSet{
		Name:    BaselineName,
		Preset:  BaselineName,
		Zone:    "UTC",
		Windows: []WindowRule{{Name: "any day (campaign hours apply)", Days: everyDay("00:00-24:00")}},
		Abandonment: AbandonCap{MaxRate: 0.03, Window: WindowCalendarDay, ThresholdSeconds: 2,
			ClockStart: ClockAnswer},
	}
}
