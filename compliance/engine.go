package compliance

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// Verdict is the gate's answer.
type Verdict string

// The three verdicts: call now, call later (at NextAllowedAt), never call
// under these rules.
const (
	Allow Verdict = "allow"
	Defer Verdict = "defer"
	Deny  Verdict = "deny"
)

// Reason is one rule's part in a decision.
type Reason struct {
	Rule   string `json:"rule"`
	Detail string `json:"detail"`
}

// RulesVersion names the exact rules a decision applied.
type RulesVersion struct {
	Name    string `json:"name"`
	ID      int64  `json:"id,omitempty"`
	Version int    `json:"version,omitempty"`
	Hash    string `json:"hash"`
	Label   string `json:"label"`
}

// PastCall is one earlier call to the number (any campaign), the input of
// attempt limits and embargoes.
type PastCall struct {
	At         time.Time `json:"at"`
	CampaignID int64     `json:"campaign_id"`
	// Outcome uses alo's outcome vocabulary (abandoned, machine, human …);
	// blocked attempts were not calls and do not count.
	Outcome string `json:"outcome"`
}

// Input is everything the gate needs to decide one call; it uses plain
// values so the compliance package depends on nothing of alo's.
type Input struct {
	Number string `json:"number"`
	// Zone is the contact's explicit IANA zone; it wins over the number's.
	Zone string `json:"zone,omitempty"`
	// DefaultZone is the campaign's zone, for numbers with no region.
	DefaultZone string `json:"default_zone,omitempty"`
	// State is the contact's state or province code, when known (FL).
	State      string `json:"state,omitempty"`
	CampaignID int64  `json:"campaign_id,omitempty"`
	ClientID   int64  `json:"client_id,omitempty"`
	Purpose    string `json:"purpose"`
	Method     string `json:"method"`
	// GuaranteedAgent is true when an agent is reserved for this call
	// (preview, or progressive with a reserved agent): it lifts embargoes.
	GuaranteedAgent bool `json:"guaranteed_agent,omitempty"`
	// CallerID is the number the call will present, checked against the
	// rule set's allowed list.
	CallerID string `json:"caller_id,omitempty"`
	// RingSeconds is how long the call will ring unanswered; 0: unchecked.
	RingSeconds int `json:"ring_seconds,omitempty"`
	// CampaignHours, if set, narrows the rule set's window every day (the
	// campaign's own hours in the contact's local time).
	CampaignHours *Window `json:"campaign_hours,omitempty"`
	// Recent are the number's calls over the longest limit or embargo
	// window (Engine.Lookback), across campaigns.
	Recent []PastCall `json:"-"`
}

// Result is a decision with its evidence.
type Result struct {
	Decision      Verdict      `json:"decision"`
	NextAllowedAt *time.Time   `json:"next_allowed_at"`
	TimeZones     []string     `json:"time_zones"`
	LocalTimes    []string     `json:"local_times,omitempty"`
	Reasons       []Reason     `json:"reasons"`
	RulesVersion  RulesVersion `json:"rules_version"`
	CheckedAt     time.Time    `json:"checked_at"`
}

// searchDays bounds how far ahead the gate looks for the next allowed
// instant; a window that never opens within it (no common hours across a
// number's zones, or a rule set with no hours) is a denial.
const searchDays = 16

// compiledWindow is a WindowRule ready for the hot path.
type compiledWindow struct {
	name  string
	match Match
	week  week
	// text is each day's spans as evidence text, formatted once.
	text [7]string
}

// Engine decides calls under one version of one rule set. It is safe for
// concurrent use; the DNC and consent indexes it reads are live.
type Engine struct {
	rules    RuleSet
	version  RulesVersion
	windows  []compiledWindow
	holidays map[string]map[int]Holiday // country ("" = everywhere) → yyyymmdd
	zones    *ZoneResolver
	dnc      *DNCIndex
	consent  *ConsentIndex
	lookback time.Duration
}

// NewEngine compiles rs. zones is required; dnc and consent may be nil
// (nothing listed; no consent recorded).
func NewEngine(rs RuleSet, zones *ZoneResolver, dnc *DNCIndex, consent *ConsentIndex) (*Engine, error) {
	if err := rs.Validate(); err != nil {
		return nil, err
	}
	e := &Engine{rules: rs, zones: zones, dnc: dnc, consent: consent, holidays: map[string]map[int]Holiday{}}
	e.version = RulesVersion{Name: rs.Name, ID: rs.ID, Version: rs.Version, Hash: rs.ContentHash(), Label: rs.VersionLabel()}
	for _, w := range rs.Windows {
		wk, _ := compileWeek(w.Days) // validated above
		cw := compiledWindow{name: w.Name, match: w.Match, week: wk}
		for d := range wk {
			cw.text[d] = spansString(wk[d]) + " (" + w.Name + ")"
		}
		e.windows = append(e.windows, cw)
	}
	for _, h := range rs.Holidays {
		d, _ := time.Parse(time.DateOnly, h.Date)
		if e.holidays[h.Country] == nil {
			e.holidays[h.Country] = map[int]Holiday{}
		}
		e.holidays[h.Country][dayKey(d)] = h
	}
	for _, l := range rs.AttemptLimits {
		e.lookback = max(e.lookback, time.Duration(l.WindowHours)*time.Hour)
	}
	for _, em := range rs.Embargoes {
		e.lookback = max(e.lookback, time.Duration(em.Hours)*time.Hour)
	}
	return e, nil
}

// Rules returns the rule set the engine applies.
func (e *Engine) Rules() RuleSet { return e.rules }

// Version names the rules in decisions.
func (e *Engine) Version() RulesVersion { return e.version }

// Lookback is how far back Input.Recent must reach (0: no rule reads it).
func (e *Engine) Lookback() time.Duration { return e.lookback }

func dayKey(t time.Time) int {
	y, m, d := t.Date()
	return y*10000 + int(m)*100 + d
}

// matches reports whether m selects the number.
func (m Match) matches(number, region, state string) bool {
	if m.Empty() {
		return true
	}
	for _, c := range m.Countries {
		if c == region {
			return true
		}
	}
	if state != "" {
		for _, s := range m.States {
			if strings.EqualFold(s, state) {
				return true
			}
		}
	}
	if len(number) > 1 {
		for _, p := range m.Prefixes {
			if strings.HasPrefix(number[1:], p) {
				return true
			}
		}
	}
	return false
}

// Check decides a call to in.Number at now. It never returns an error: any
// problem is a denial naming its rule (fail closed).
func (e *Engine) Check(in Input, now time.Time) Result {
	res := Result{Decision: Deny, RulesVersion: e.version, CheckedAt: now.UTC(), TimeZones: []string{}, Reasons: []Reason{}}
	deny := func(rule, format string, a ...any) Result {
		res.Decision = Deny
		res.Reasons = append(res.Reasons, Reason{Rule: rule, Detail: fmt.Sprintf(format, a...)})
		return res
	}

	info, err := e.zones.Lookup(in.Number)
	if err != nil || !info.Valid {
		return deny(RuleInvalidNumber, "%q is not a valid number", in.Number)
	}

	// Zones: the contact's own, else the number's, else the campaign's.
	var locs []*time.Location
	var zoneSource string
	switch {
	case in.Zone != "":
		loc, err := e.zones.Location(in.Zone)
		if err != nil {
			return deny(RuleNoZone, "contact zone %q is not an IANA zone", in.Zone)
		}
		locs, zoneSource = []*time.Location{loc}, "contact"
	case len(info.Zones) > 0:
		for _, name := range info.Zones {
			loc, err := e.zones.Location(name)
			if err != nil {
				return deny(RuleNoZone, "zone %q of %s is unknown to this tz data", name, in.Number)
			}
			locs = append(locs, loc)
		}
		zoneSource = "number"
	case in.DefaultZone != "":
		loc, err := e.zones.Location(in.DefaultZone)
		if err != nil {
			return deny(RuleNoZone, "campaign zone %q is not an IANA zone", in.DefaultZone)
		}
		locs, zoneSource = []*time.Location{loc}, "campaign default (number has no single region)"
	default:
		return deny(RuleNoZone, "%s maps to no zone and neither the contact nor the campaign gives one", in.Number)
	}
	for _, l := range locs {
		res.TimeZones = append(res.TimeZones, l.String())
	}

	// Rules that time does not lift.
	if e.dnc != nil {
		if r, ok := e.dnc.Listed(in.Number, in.ClientID, in.CampaignID, e.rules.DNC.Registries, now); ok {
			what := r.Scope
			if r.Scope == ScopeRegistry {
				what = "registry " + r.Registry
			} else if r.ScopeID != 0 {
				what = fmt.Sprintf("%s %d", r.Scope, r.ScopeID)
			}
			return deny(RuleDNC, "%s is on the %s do-not-call list (source %s)", in.Number, what, r.Source)
		}
	}
	for _, g := range e.rules.DNC.Registries {
		var at time.Time
		var ok bool
		if e.dnc != nil {
			at, ok = e.dnc.Registry(g.Name)
		}
		if !ok {
			return deny(RuleDNC, "registry %s has not been imported", g.Name)
		}
		if age := now.Sub(at); age > time.Duration(g.MaxAgeDays)*24*time.Hour {
			return deny(RuleDNC, "registry %s copy is %d days old, more than %d", g.Name, int(age.Hours()/24), g.MaxAgeDays)
		}
	}
	if !validPurpose(in.Purpose) || !validMethod(in.Method) {
		return deny(RuleConsent, "purpose %q / method %q unknown: consent cannot be judged", in.Purpose, in.Method)
	}
	consentNote := "no consent needed for " + in.Purpose + " calls by " + in.Method
	for _, c := range e.rules.Consent {
		if c.Purpose != in.Purpose || c.Method != in.Method || !c.Match.matches(in.Number, info.Region, in.State) {
			continue
		}
		r, ok := e.consent.Find(in.Number, in.Purpose, in.Method, now)
		if !ok {
			return deny(RuleConsent, "%s calls by %s need recorded consent; none for %s", in.Purpose, in.Method, in.Number)
		}
		consentNote = fmt.Sprintf("consent %d (%s) for %s by %s", r.ID, r.Source, in.Purpose, in.Method)
	}
	if len(e.rules.CallerIDs) > 0 && !slices.Contains(e.rules.CallerIDs, in.CallerID) {
		return deny(RuleCallerID, "caller ID %q is not in the rule set's allowed list", in.CallerID)
	}
	if in.RingSeconds > 0 && in.RingSeconds < e.rules.MinRingSeconds {
		return deny(RuleMinRing, "ring time %d s is below the minimum %d s", in.RingSeconds, e.rules.MinRingSeconds)
	}

	// Rules that time lifts: embargoes and attempt limits give an instant
	// before which no call; windows and holidays a set of open instants.
	wins := e.windowsFor(in, info.Region)
	var until time.Time
	var waits []Reason
	for _, em := range e.rules.Embargoes {
		if em.LiftWithAgent && in.GuaranteedAgent {
			continue
		}
		d := time.Duration(em.Hours) * time.Hour
		for _, c := range in.Recent {
			if c.Outcome == em.After && now.Sub(c.At) < d {
				end := c.At.Add(d)
				if end.After(until) {
					until = end
				}
				waits = append(waits, Reason{Rule: RuleEmbargo, Detail: fmt.Sprintf("%s call at %s: no new call for %d h without a guaranteed agent",
					em.After, c.At.UTC().Format(time.RFC3339), em.Hours)})
			}
		}
	}
	for _, l := range e.rules.AttemptLimits {
		if !l.Match.matches(in.Number, info.Region, in.State) {
			continue
		}
		d := time.Duration(l.WindowHours) * time.Hour
		var times []time.Time
		for _, c := range in.Recent {
			if c.Outcome != "blocked" && now.Sub(c.At) < d && !c.At.After(now) {
				times = append(times, c.At)
			}
		}
		if len(times) >= l.Max {
			sort.Slice(times, func(i, j int) bool { return times[i].Before(times[j]) })
			end := times[len(times)-l.Max].Add(d)
			if end.After(until) {
				until = end
			}
			waits = append(waits, Reason{Rule: RuleAttemptLimit, Detail: fmt.Sprintf("%s: %d calls in the last %d h (max %d)",
				l.Name, len(times), l.WindowHours, l.Max)})
		}
	}

	open, why := e.openAt(now, locs, info.Region, in.CampaignHours, wins)
	res.LocalTimes = localTimes(now, locs)
	if open && until.IsZero() {
		res.Decision = Allow
		res.Reasons = append(res.Reasons, why...)
		res.Reasons = append(res.Reasons,
			Reason{Rule: RuleDNC, Detail: "not on any applicable do-not-call list"},
			Reason{Rule: RuleConsent, Detail: consentNote})
		if zoneSource != "number" {
			res.Reasons = append(res.Reasons, Reason{Rule: RuleNoZone, Detail: "zone from " + zoneSource})
		}
		return res
	}
	if !open {
		waits = append(waits, why...)
	}
	res.Reasons = append(res.Reasons, waits...)
	next, ok := e.nextOpen(now, until, locs, info.Region, in.CampaignHours, wins)
	if !ok {
		res.Decision = Deny
		res.Reasons = append(res.Reasons, Reason{Rule: RuleNoCommonHours,
			Detail: fmt.Sprintf("no instant in the next %d days is inside the calling window in every zone of %v", searchDays, res.TimeZones)})
		return res
	}
	res.Decision = Defer
	next = next.UTC()
	res.NextAllowedAt = &next
	return res
}

// windowsFor returns the window rules that apply to the number.
func (e *Engine) windowsFor(in Input, region string) []compiledWindow {
	var out []compiledWindow
	for _, w := range e.windows {
		if w.match.matches(in.Number, region, in.State) {
			out = append(out, w)
		}
	}
	return out
}

func localTimes(t time.Time, locs []*time.Location) []string {
	out := make([]string, len(locs))
	for i, l := range locs {
		out[i] = t.In(l).Format("2006-01-02T15:04:05-07:00 Mon")
	}
	return out
}

// openAt reports whether t is inside every applicable window, in every
// zone, on a day that is not a holiday there, with the reasons either way.
func (e *Engine) openAt(t time.Time, locs []*time.Location, region string, campaign *Window, wins []compiledWindow) (bool, []Reason) {
	var reasons []Reason
	ok := true
	if len(wins) == 0 {
		return false, []Reason{{Rule: RuleCallingWindow, Detail: "no calling window applies to this number"}}
	}
	for _, loc := range locs {
		lt := t.In(loc)
		wd := lt.Weekday()
		if h, hit := e.holidayOn(lt, region); hit {
			if h.Kind != DayWorking {
				ok = false
				reasons = append(reasons, Reason{Rule: RuleHoliday, Detail: fmt.Sprintf("%s %s in %s: %s (%s)",
					h.Date, countryOr(h.Country), loc, h.Name, kindOr(h.Kind))})
				continue
			}
			wd = time.Monday
			if i := weekdayIndex(h.HoursAs); i >= 0 {
				wd = time.Weekday(i)
			}
		}
		m := lt.Hour()*60 + lt.Minute()
		for _, w := range wins {
			in := false
			for _, s := range w.week[wd] {
				if m >= s.Start && m < s.End {
					in = true
					break
				}
			}
			// Plain concatenation: this runs on every allowed call.
			where := lt.Weekday().String()[:3] + " " + hhmm(m) + " in " + loc.String()
			if !in {
				ok = false
				reasons = append(reasons, Reason{Rule: RuleCallingWindow, Detail: where + " is outside " + w.text[wd]})
			} else if ok {
				reasons = append(reasons, Reason{Rule: RuleCallingWindow, Detail: where + " is inside " + w.text[wd]})
			}
		}
		if campaign != nil && (m < campaign.Start || m >= campaign.End) {
			ok = false
			reasons = append(reasons, Reason{Rule: RuleCallingWindow, Detail: fmt.Sprintf("%s in %s is outside the campaign's hours %s",
				lt.Format("15:04"), loc, campaign)})
		}
	}
	if !ok {
		// Keep only the reasons that refuse.
		out := reasons[:0]
		for _, r := range reasons {
			if !strings.Contains(r.Detail, " is inside ") {
				out = append(out, r)
			}
		}
		reasons = out
	}
	return ok, reasons
}

// hhmm formats minutes after midnight as HH:MM.
func hhmm(m int) string {
	b := [5]byte{byte('0' + m/600), byte('0' + m/60%10), ':', byte('0' + m%60/10), byte('0' + m%10)}
	return string(b[:])
}

func countryOr(c string) string {
	if c == "" {
		return "blackout"
	}
	return c
}

func kindOr(k string) string {
	if k == "" {
		return DayHoliday
	}
	return k
}

func (e *Engine) holidayOn(lt time.Time, region string) (Holiday, bool) {
	if len(e.holidays) == 0 {
		return Holiday{}, false
	}
	k := dayKey(lt)
	if h, ok := e.holidays[region][k]; ok && region != "" {
		return h, true
	}
	h, ok := e.holidays[""][k]
	return h, ok
}

func spansString(spans []Window) string {
	if len(spans) == 0 {
		return "no hours (no calls that day)"
	}
	parts := make([]string, len(spans))
	for i, s := range spans {
		parts[i] = s.String()
	}
	return strings.Join(parts, ", ")
}

// nextOpen finds the first instant at or after max(now, until) that is open.
// Open periods start at a window's start in one of the zones (or at the
// lower bound itself), so those are the only candidates to test.
func (e *Engine) nextOpen(now, until time.Time, locs []*time.Location, region string, campaign *Window, wins []compiledWindow) (time.Time, bool) {
	from := now
	if until.After(from) {
		from = until
	}
	if ok, _ := e.openAt(from, locs, region, campaign, wins); ok {
		return from, true
	}
	var cands []time.Time
	for _, loc := range locs {
		base := from.In(loc)
		for d := -1; d <= searchDays; d++ {
			day := time.Date(base.Year(), base.Month(), base.Day()+d, 0, 0, 0, 0, loc)
			add := func(min int) {
				c := time.Date(day.Year(), day.Month(), day.Day(), min/60, min%60, 0, 0, loc)
				if c.After(from) {
					cands = append(cands, c)
				}
			}
			for _, w := range wins {
				for _, spans := range w.week {
					for _, s := range spans {
						add(s.Start)
					}
				}
			}
			if campaign != nil {
				add(campaign.Start)
			}
		}
	}
	sort.Slice(cands, func(i, j int) bool { return cands[i].Before(cands[j]) })
	limit := from.Add(searchDays * 24 * time.Hour)
	var prev time.Time
	for _, c := range cands {
		if c.After(limit) {
			break
		}
		if c.Equal(prev) {
			continue
		}
		prev = c
		if ok, _ := e.openAt(c, locs, region, campaign, wins); ok {
			return c, true
		}
	}
	return time.Time{}, false
}
