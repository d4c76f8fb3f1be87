package compliance

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrInvalidRules is wrapped by every rule-set validation error.
var ErrInvalidRules = errors.New("invalid rule set")

// Rule types: each reason the gate gives names one of them, so an auditor can
// tell which rule allowed, deferred or refused a call.
const (
	RuleCallingWindow = "calling_window"
	RuleHoliday       = "holiday"
	RuleDNC           = "dnc"
	RuleConsent       = "consent"
	RuleAttemptLimit  = "attempt_limit"
	RuleEmbargo       = "embargo"
	RuleInvalidNumber = "invalid_number"
	RuleNoZone        = "no_zone"
	RuleNoCommonHours = "no_common_window"
	RuleCallerID      = "caller_id"
	RuleMinRing       = "min_ring"
	RuleInternal      = "internal_error"
	RuleAudit         = "audit"
)

// Purposes of a call (consent depends on them).
const (
	PurposeInformational = "informational"
	PurposeTelemarketing = "telemarketing"
	PurposeCollection    = "collection"
)

// Methods of a call: a live agent or a prerecorded message.
const (
	MethodLive        = "live"
	MethodPrerecorded = "prerecorded"
)

// Abandonment window kinds (docs/architecture.md, "Abandonment, precisely").
const (
	// WindowPeriod30d is the FCC's measure: successive 30-day periods per
	// campaign, counted from its first call.
	WindowPeriod30d = "period_30d"
	// WindowCalendarDay is Ofcom's: midnight to midnight in the rule set's zone.
	WindowCalendarDay = "calendar_day"
)

// Clock starts of the abandonment threshold.
const (
	ClockAnswer      = "answer"
	ClockGreetingEnd = "greeting_end"
)

// Holiday kinds: a public holiday or a transferred day off (no calls), or a
// transferred working day (a weekend day worked: weekday hours apply).
const (
	DayHoliday = "holiday"
	DayOff     = "day_off"
	DayWorking = "working_day"
)

// weekdayKeys name the days in rule-set JSON, Sunday first like time.Weekday.
var weekdayKeys = [7]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// RuleSet is one version of a set of rules. It is data: stored as JSON in
// SQL, edited through the API (an edit makes a new version), and pinned by
// campaigns. The presets are RuleSets too.
type RuleSet struct {
	// ID and Version identify a stored rule set; zero for a preset.
	ID      int64  `json:"id,omitempty"`
	Version int    `json:"version,omitempty"`
	Name    string `json:"name"`
	// Preset names the preset this set was copied from, if any.
	Preset string `json:"preset,omitempty"`
	// Zone is the rule set's own zone: calendar-day abandonment windows are
	// counted in it.
	Zone          string         `json:"zone"`
	Windows       []WindowRule   `json:"windows"`
	Holidays      []Holiday      `json:"holidays,omitempty"`
	DNC           DNCRule        `json:"dnc"`
	Consent       []ConsentRule  `json:"consent,omitempty"`
	AttemptLimits []AttemptLimit `json:"attempt_limits,omitempty"`
	Embargoes     []Embargo      `json:"embargoes,omitempty"`
	Abandonment   AbandonCap     `json:"abandonment"`
	// MinRingSeconds is how long an unanswered call must ring before alo
	// gives up (FCC and Ofcom: 15 s); a shorter ring is a silent-call risk.
	MinRingSeconds int `json:"min_ring_seconds"`
	// CallerIDs lists the caller IDs calls may present; empty allows any.
	CallerIDs []string `json:"caller_ids,omitempty"`
}

// Match selects the numbers a rule applies to; an empty Match applies to
// every number. A number matches when any listed item matches.
type Match struct {
	// Countries are ISO 3166 codes of the number's region (UZ, KZ, RU …).
	Countries []string `json:"countries,omitempty"`
	// Prefixes are E.164 prefixes without '+' ("1305" for Miami).
	Prefixes []string `json:"prefixes,omitempty"`
	// States are the contact's state or province codes (FL, OK, MD) when
	// the contact record gives one.
	States []string `json:"states,omitempty"`
}

// Empty reports whether m matches every number.
func (m Match) Empty() bool {
	return len(m.Countries) == 0 && len(m.Prefixes) == 0 && len(m.States) == 0
}

// WindowRule is a weekly calling window in the callee's local time. Every
// rule matching a number applies, so an overlay (a state's shorter hours)
// narrows the base window.
type WindowRule struct {
	Name  string `json:"name"`
	Match Match  `json:"match,omitempty"`
	// Days maps mon..sun to spans "HH:MM-HH:MM"; a missing or empty day
	// means no calls that day.
	Days map[string][]string `json:"days"`
}

// Holiday is a date on which calls are not made (or, for a transferred
// working day, made with weekday hours) in one country, or everywhere when
// Country is empty (a blackout date).
type Holiday struct {
	Country string `json:"country,omitempty"`
	Date    string `json:"date"` // YYYY-MM-DD, in the callee's local calendar
	Name    string `json:"name"`
	Kind    string `json:"kind,omitempty"` // holiday (default), day_off, working_day
	// HoursAs names the weekday whose hours a working_day uses (default mon).
	HoursAs string `json:"hours_as,omitempty"`
}

// DNCRule says which do-not-call lists a rule set honours. Internal lists
// (global, client, campaign) always apply; registries only when named here.
type DNCRule struct {
	Registries []RegistryRule `json:"registries,omitempty"`
}

// RegistryRule names an imported registry (us-ndnc, uk-tps …) and how old
// its copy may be: the FCC's safe harbour needs a copy ≤ 31 days old, TPS
// ≤ 28 days. An older or missing copy denies every call.
type RegistryRule struct {
	Name       string `json:"name"`
	MaxAgeDays int    `json:"max_age_days"`
}

// ConsentRule requires recorded consent for calls of a purpose and method.
type ConsentRule struct {
	Purpose string `json:"purpose"`
	Method  string `json:"method"`
	Match   Match  `json:"match,omitempty"`
}

// AttemptLimit caps calls to one number over a rolling window, counted
// across every campaign (Florida's "3 per 24 h regardless of the number
// used").
type AttemptLimit struct {
	Name        string `json:"name"`
	Match       Match  `json:"match,omitempty"`
	Max         int    `json:"max"`
	WindowHours int    `json:"window_hours"`
}

// Embargo bars calling a number again for a while after an outcome
// (Ofcom: 72 h after an abandoned call, 24 h after a machine), unless a live
// agent is guaranteed for the new call.
type Embargo struct {
	After string `json:"after"` // abandoned or machine
	Hours int    `json:"hours"`
	// LiftWithAgent lifts the embargo when the call has a reserved agent
	// (preview, or progressive with a reserved agent).
	LiftWithAgent bool `json:"lift_with_agent"`
}

// AbandonCap is the abandonment cap the ledger measures and pacing obeys.
type AbandonCap struct {
	MaxRate          float64 `json:"max_rate"`          // 0.03
	Window           string  `json:"window"`            // period_30d or calendar_day
	ThresholdSeconds float64 `json:"threshold_seconds"` // 2
	ClockStart       string  `json:"clock_start"`       // answer or greeting_end
	// AMDFalsePositiveRate is the share of machine verdicts estimated to be
	// people; Ofcom counts them as abandoned. Zero when not included.
	AMDFalsePositiveRate float64 `json:"amd_false_positive_rate,omitempty"`
}

// Validate checks r and returns every problem found, each naming its field.
func (r RuleSet) Validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if strings.TrimSpace(r.Name) == "" {
		bad("name: required")
	}
	if _, err := time.LoadLocation(r.Zone); err != nil || r.Zone == "" {
		bad("zone: %q is not an IANA zone", r.Zone)
	}
	if len(r.Windows) == 0 {
		bad("windows: at least one calling window is required")
	}
	for i, w := range r.Windows {
		if _, err := compileWeek(w.Days); err != nil {
			bad("windows[%d] (%s): %v", i, w.Name, err)
		}
	}
	for i, h := range r.Holidays {
		if _, err := time.Parse(time.DateOnly, h.Date); err != nil {
			bad("holidays[%d]: date %q: want YYYY-MM-DD", i, h.Date)
		}
		switch h.Kind {
		case "", DayHoliday, DayOff, DayWorking:
		default:
			bad("holidays[%d]: kind %q: want holiday, day_off or working_day", i, h.Kind)
		}
		if h.HoursAs != "" && weekdayIndex(h.HoursAs) < 0 {
			bad("holidays[%d]: hours_as %q: want mon..sun", i, h.HoursAs)
		}
	}
	for i, g := range r.DNC.Registries {
		if g.Name == "" || g.MaxAgeDays <= 0 {
			bad("dnc.registries[%d]: name and a positive max_age_days are required", i)
		}
	}
	for i, c := range r.Consent {
		if !validPurpose(c.Purpose) {
			bad("consent[%d]: purpose %q: want informational, telemarketing or collection", i, c.Purpose)
		}
		if !validMethod(c.Method) {
			bad("consent[%d]: method %q: want live or prerecorded", i, c.Method)
		}
	}
	for i, l := range r.AttemptLimits {
		if l.Max <= 0 || l.WindowHours <= 0 {
			bad("attempt_limits[%d]: max and window_hours must be positive", i)
		}
	}
	for i, e := range r.Embargoes {
		if e.After != "abandoned" && e.After != "machine" {
			bad("embargoes[%d]: after %q: want abandoned or machine", i, e.After)
		}
		if e.Hours <= 0 {
			bad("embargoes[%d]: hours must be positive", i)
		}
	}
	a := r.Abandonment
	if a.MaxRate <= 0 || a.MaxRate >= 1 {
		bad("abandonment.max_rate: %v: want a fraction in (0, 1)", a.MaxRate)
	}
	if a.Window != WindowPeriod30d && a.Window != WindowCalendarDay {
		bad("abandonment.window: %q: want period_30d or calendar_day", a.Window)
	}
	if a.ThresholdSeconds <= 0 {
		bad("abandonment.threshold_seconds: must be positive")
	}
	if a.ClockStart != ClockAnswer && a.ClockStart != ClockGreetingEnd {
		bad("abandonment.clock_start: %q: want answer or greeting_end", a.ClockStart)
	}
	if a.AMDFalsePositiveRate < 0 || a.AMDFalsePositiveRate >= 1 {
		bad("abandonment.amd_false_positive_rate: want a fraction in [0, 1)")
	}
	if r.MinRingSeconds < 0 {
		bad("min_ring_seconds: must not be negative")
	}
	for i, c := range r.CallerIDs {
		if !IsE164(c) {
			bad("caller_ids[%d]: %q is not E.164", i, c)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%w: %w", ErrInvalidRules, errors.Join(errs...))
	}
	return nil
}

// ContentHash is a hash of the rules' content (not of their id, version or
// name), so two copies of the same rules share it and any edit changes it.
func (r RuleSet) ContentHash() string {
	r.ID, r.Version, r.Name, r.Preset = 0, 0, "", ""
	b, _ := json.Marshal(r) // plain data: cannot fail
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])[:16]
}

// VersionLabel names this exact version in decisions and audit records:
// "us-tcpa@<hash>" for a preset, "<name>#<id>v<version>@<hash>" otherwise.
func (r RuleSet) VersionLabel() string {
	if r.ID == 0 {
		name := r.Preset
		if name == "" {
			name = r.Name
		}
		return name + "@" + r.ContentHash()
	}
	return fmt.Sprintf("%s#%dv%d@%s", r.Name, r.ID, r.Version, r.ContentHash())
}

func validPurpose(p string) bool {
	return p == PurposeInformational || p == PurposeTelemarketing || p == PurposeCollection
}

func validMethod(m string) bool { return m == MethodLive || m == MethodPrerecorded }

func weekdayIndex(key string) int {
	for i, k := range weekdayKeys {
		if k == key {
			return i
		}
	}
	return -1
}

// week is a compiled WindowRule: spans per weekday, minutes after midnight.
type week [7][]Window

// compileWeek parses a Days map.
func compileWeek(days map[string][]string) (week, error) {
	var w week
	for key, spans := range days {
		d := weekdayIndex(key)
		if d < 0 {
			return w, fmt.Errorf("day %q: want mon..sun", key)
		}
		for _, s := range spans {
			win, err := ParseWindow(s)
			if err != nil {
				return w, fmt.Errorf("%s: %w", key, err)
			}
			w[d] = append(w[d], win)
		}
	}
	return w, nil
}

// ParseWindow parses "HH:MM-HH:MM" (end may be 24:00).
func ParseWindow(s string) (Window, error) {
	from, to, ok := strings.Cut(s, "-")
	if !ok {
		return Window{}, fmt.Errorf("span %q: want HH:MM-HH:MM", s)
	}
	a, err1 := parseClock(from)
	b, err2 := parseClock(to)
	if err1 != nil || err2 != nil || a >= b {
		return Window{}, fmt.Errorf("span %q: want HH:MM-HH:MM with start before end", s)
	}
	return Window{Start: a, End: b}, nil
}

func parseClock(s string) (int, error) {
	var h, m int
	if _, err := fmt.Sscanf(strings.TrimSpace(s), "%d:%d", &h, &m); err != nil {
		return 0, err
	}
	if h < 0 || m < 0 || m > 59 || h > 24 || (h == 24 && m != 0) {
		return 0, fmt.Errorf("clock %q out of range", s)
	}
	return h*60 + m, nil
}
