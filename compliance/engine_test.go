package compliance

import (
	"strings"
	"testing"
	"time"
)

// world is an engine with its indexes, for table tests.
type world struct {
	zones   *ZoneResolver
	dnc     *DNCIndex
	consent *ConsentIndex
}

func newWorld() *world {
	return &world{zones: NewZoneResolver(0), dnc: NewDNCIndex(nil), consent: NewConsentIndex()}
}

func (w *world) engine(t testing.TB, rs RuleSet) *Engine {
	t.Helper()
	e, err := NewEngine(rs, w.zones, w.dnc, w.consent)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func preset(t testing.TB, name string) RuleSet {
	t.Helper()
	rs, err := Preset(name)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// check is one table row: a call and what the gate must say.
type check struct {
	name string
	in   Input
	at   string
	want Verdict
	rule string // a rule the reasons must name ("" = any)
	next string // expected next_allowed_at (defer only)
}

func runChecks(t *testing.T, e *Engine, rows []check) {
	t.Helper()
	for _, tt := range rows {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			if in.Purpose == "" {
				in.Purpose = PurposeInformational
			}
			if in.Method == "" {
				in.Method = MethodLive
			}
			r := e.Check(in, utc(tt.at))
			if r.Decision != tt.want {
				t.Fatalf("decision %s, want %s: %s", r.Decision, tt.want, r.Summary())
			}
			if tt.rule != "" {
				found := false
				for _, x := range r.Reasons {
					found = found || x.Rule == tt.rule
				}
				if !found {
					t.Errorf("no %s reason: %s", tt.rule, r.Summary())
				}
			}
			switch {
			case tt.want == Defer && r.NextAllowedAt == nil:
				t.Errorf("defer without next_allowed_at")
			case tt.next != "" && (r.NextAllowedAt == nil || !r.NextAllowedAt.Equal(utc(tt.next))):
				t.Errorf("next allowed %v, want %s (%s)", r.NextAllowedAt, tt.next, r.Summary())
			case tt.want != Defer && r.NextAllowedAt != nil:
				t.Errorf("%s with next_allowed_at %v", tt.want, r.NextAllowedAt)
			}
			if r.RulesVersion.Hash == "" {
				t.Errorf("no rules version")
			}
		})
	}
}

func TestPresetUSTCPA(t *testing.T) {
	w := newWorld()
	e := w.engine(t, preset(t, PresetUSTCPA))
	ny := "+12125550123"  // New York
	fl := "+13055550123"  // Miami: Florida area code
	la := "+13105550123"  // Los Angeles
	tf := "+18002758255"  // toll-free
	var recent []PastCall // three calls to the Florida number today
	for _, h := range []string{"2026-11-23T13:10:00Z", "2026-11-23T14:00:00Z", "2026-11-23T15:00:00Z"} {
		recent = append(recent, PastCall{At: utc(h), CampaignID: 9, Outcome: "no_answer"})
	}
	runChecks(t, e, []check{
		{name: "issue example: New York 08:30 EST Monday", in: Input{Number: ny}, at: "2026-11-23T13:30:00Z", want: Allow, rule: RuleCallingWindow},
		{name: "New York 07:59", in: Input{Number: ny}, at: "2026-11-23T12:59:00Z", want: Defer, rule: RuleCallingWindow, next: "2026-11-23T13:00:00Z"},
		{name: "New York 21:00 is closed", in: Input{Number: ny}, at: "2026-11-24T02:00:00Z", want: Defer, next: "2026-11-24T13:00:00Z"},
		{name: "New York Sunday open", in: Input{Number: ny}, at: "2026-11-22T15:00:00Z", want: Allow},
		{name: "Florida 20:30 is closed by state law", in: Input{Number: fl}, at: "2026-11-24T01:30:00Z", want: Defer, rule: RuleCallingWindow, next: "2026-11-24T13:00:00Z"},
		{name: "Maryland resident by state field, NY number", in: Input{Number: ny, State: "MD"}, at: "2026-11-24T01:30:00Z", want: Defer, rule: RuleCallingWindow},
		{name: "Los Angeles 20:30 open", in: Input{Number: la}, at: "2026-11-24T04:30:00Z", want: Allow},
		{name: "Florida 4th call in 24 h", in: Input{Number: fl, Recent: recent}, at: "2026-11-23T16:00:00Z", want: Defer, rule: RuleAttemptLimit, next: "2026-11-24T13:10:00Z"},
		{name: "NY: no attempt limit", in: Input{Number: ny, Recent: recent}, at: "2026-11-23T16:00:00Z", want: Allow},
		{name: "toll-free takes the campaign zone", in: Input{Number: tf, DefaultZone: "America/Chicago"}, at: "2026-11-23T13:30:00Z", want: Defer, next: "2026-11-23T14:00:00Z"},
		{name: "toll-free without a campaign zone", in: Input{Number: tf}, at: "2026-11-23T15:00:00Z", want: Deny, rule: RuleNoZone},
		{name: "invalid number", in: Input{Number: "+15555555555"}, at: "2026-11-23T15:00:00Z", want: Deny, rule: RuleInvalidNumber},
		{name: "not E.164", in: Input{Number: "2125550123"}, at: "2026-11-23T15:00:00Z", want: Deny, rule: RuleInvalidNumber},
		{name: "explicit zone wins", in: Input{Number: ny, Zone: "America/Los_Angeles"}, at: "2026-11-23T13:30:00Z", want: Defer, next: "2026-11-23T16:00:00Z"},
		{name: "bad explicit zone", in: Input{Number: ny, Zone: "Mars/Olympus"}, at: "2026-11-23T13:30:00Z", want: Deny, rule: RuleNoZone},
		{name: "prerecorded needs consent", in: Input{Number: ny, Method: MethodPrerecorded}, at: "2026-11-23T15:00:00Z", want: Deny, rule: RuleConsent},
		{name: "unknown purpose fails closed", in: Input{Number: ny, Purpose: "survey"}, at: "2026-11-23T15:00:00Z", want: Deny, rule: RuleConsent},
		{name: "ring shorter than 15 s", in: Input{Number: ny, RingSeconds: 10}, at: "2026-11-23T15:00:00Z", want: Deny, rule: RuleMinRing},
		{name: "campaign hours narrow the window", in: Input{Number: ny, CampaignHours: &Window{Start: 10 * 60, End: 17 * 60}}, at: "2026-11-23T14:30:00Z", want: Defer, next: "2026-11-23T15:00:00Z"},
		// US DST 2026: starts 8 March, ends 1 November.
		{name: "DST start: 08:30 EDT", in: Input{Number: ny}, at: "2026-03-08T12:30:00Z", want: Allow},
		{name: "day before DST start: 07:30 EST", in: Input{Number: ny}, at: "2026-03-07T12:30:00Z", want: Defer, next: "2026-03-07T13:00:00Z"},
		{name: "DST end day: 07:30 EST", in: Input{Number: ny}, at: "2026-11-01T12:30:00Z", want: Defer, next: "2026-11-01T13:00:00Z"},
		{name: "night before DST start: next opening is 08:00 EDT", in: Input{Number: ny}, at: "2026-03-08T03:00:00Z", want: Defer, next: "2026-03-08T12:00:00Z"},
	})
}

func TestPresetUKOfcom(t *testing.T) {
	w := newWorld()
	e := w.engine(t, preset(t, PresetUKOfcom))
	ldn := "+442079460000"
	abandoned := []PastCall{{At: utc("2026-11-23T10:00:00Z"), CampaignID: 1, Outcome: "abandoned"}}
	machine := []PastCall{{At: utc("2026-11-23T10:00:00Z"), CampaignID: 1, Outcome: "machine"}}
	runChecks(t, e, []check{
		{name: "weekday 08:30", in: Input{Number: ldn}, at: "2026-11-23T08:30:00Z", want: Allow},
		{name: "Saturday 20:59", in: Input{Number: ldn}, at: "2026-11-28T20:59:00Z", want: Allow},
		{name: "Sunday 09:30 waits for 10:00", in: Input{Number: ldn}, at: "2026-11-29T09:30:00Z", want: Defer, next: "2026-11-29T10:00:00Z"},
		{name: "Sunday 18:00 closed until Monday 08:00", in: Input{Number: ldn}, at: "2026-11-29T18:00:00Z", want: Defer, next: "2026-11-30T08:00:00Z"},
		{name: "72 h embargo after abandoned", in: Input{Number: ldn, Recent: abandoned}, at: "2026-11-24T10:00:00Z", want: Defer, rule: RuleEmbargo, next: "2026-11-26T10:00:00Z"},
		{name: "embargo lifted by a guaranteed agent", in: Input{Number: ldn, Recent: abandoned, GuaranteedAgent: true}, at: "2026-11-24T10:00:00Z", want: Allow},
		{name: "embargo over after 72 h", in: Input{Number: ldn, Recent: abandoned}, at: "2026-11-26T10:00:00Z", want: Allow},
		{name: "24 h embargo after machine", in: Input{Number: ldn, Recent: machine}, at: "2026-11-23T20:00:00Z", want: Defer, rule: RuleEmbargo, next: "2026-11-24T10:00:00Z"},
		{name: "embargo ends at night: next window", in: Input{Number: ldn, Recent: []PastCall{{At: utc("2026-11-23T20:30:00Z"), Outcome: "machine"}}}, at: "2026-11-24T09:00:00Z", want: Defer, next: "2026-11-24T20:30:00Z"},
		{name: "prerecorded telemarketing needs consent", in: Input{Number: ldn, Purpose: PurposeTelemarketing, Method: MethodPrerecorded}, at: "2026-11-23T10:00:00Z", want: Deny, rule: RuleConsent},
		// UK DST 2026: BST from 29 March to 25 October.
		{name: "BST Sunday 10:30", in: Input{Number: ldn}, at: "2026-03-29T09:30:00Z", want: Allow},
		{name: "GMT Sunday before: 09:30", in: Input{Number: ldn}, at: "2026-03-22T09:30:00Z", want: Defer, next: "2026-03-22T10:00:00Z"},
		{name: "last BST day 07:30 UTC = 08:30 BST... Sunday", in: Input{Number: ldn}, at: "2026-10-24T07:30:00Z", want: Allow},
		{name: "first GMT Monday 07:30", in: Input{Number: ldn}, at: "2026-10-26T07:30:00Z", want: Defer, next: "2026-10-26T08:00:00Z"},
	})
}

func TestPresetCISDefault(t *testing.T) {
	w := newWorld()
	e := w.engine(t, preset(t, PresetCISDefault))
	uz := "+998901234567"
	kz := "+77012345678" // mobile: Almaty and Aqtobe, both UTC+5 since 2024
	az := "+994501234567"
	ua := "+380441234567"
	ru := "+74951234567"
	three := []PastCall{{At: utc("2026-11-23T05:00:00Z"), Outcome: "busy"}, {At: utc("2026-11-23T06:00:00Z"), Outcome: "no_answer"},
		{At: utc("2026-11-23T07:00:00Z"), Outcome: "blocked"}, {At: utc("2026-11-23T08:00:00Z"), Outcome: "no_answer"}}
	runChecks(t, e, []check{
		{name: "Tashkent Monday 11:00", in: Input{Number: uz}, at: "2026-11-23T06:00:00Z", want: Allow},
		{name: "Tashkent Monday 08:30", in: Input{Number: uz}, at: "2026-11-23T03:30:00Z", want: Defer, next: "2026-11-23T04:00:00Z"},
		{name: "Tashkent Saturday 18:30 → Monday 09:00", in: Input{Number: uz}, at: "2026-11-28T13:30:00Z", want: Defer, next: "2026-11-30T04:00:00Z"},
		{name: "Tashkent Sunday", in: Input{Number: uz}, at: "2026-11-29T06:00:00Z", want: Defer, rule: RuleCallingWindow},
		{name: "Kazakhstan mobile UTC+5", in: Input{Number: kz}, at: "2026-11-23T04:00:00Z", want: Allow},
		{name: "Kazakhstan mobile 08:59 UTC+5", in: Input{Number: kz}, at: "2026-11-23T03:59:00Z", want: Defer, next: "2026-11-23T04:00:00Z"},
		{name: "Baku 09:00 UTC+4", in: Input{Number: az}, at: "2026-11-23T05:00:00Z", want: Allow},
		{name: "Moscow 19:59", in: Input{Number: ru}, at: "2026-11-23T16:59:00Z", want: Allow},
		{name: "Moscow 20:00", in: Input{Number: ru}, at: "2026-11-23T17:00:00Z", want: Defer, next: "2026-11-24T06:00:00Z"},
		{name: "4th attempt in a day (blocked ones do not count)", in: Input{Number: uz, Recent: three}, at: "2026-11-23T09:00:00Z", want: Defer, rule: RuleAttemptLimit, next: "2026-11-24T05:00:00Z"},
		{name: "72 h embargo after abandoned", in: Input{Number: uz, Recent: []PastCall{{At: utc("2026-11-23T06:00:00Z"), Outcome: "abandoned"}}}, at: "2026-11-24T06:00:00Z", want: Defer, rule: RuleEmbargo, next: "2026-11-26T06:00:00Z"},
		{name: "telemarketing needs consent", in: Input{Number: uz, Purpose: PurposeTelemarketing}, at: "2026-11-23T06:00:00Z", want: Deny, rule: RuleConsent},
		// Holidays of the number's country.
		{name: "UZ Independence Day", in: Input{Number: uz}, at: "2026-09-01T06:00:00Z", want: Defer, rule: RuleHoliday, next: "2026-09-02T04:00:00Z"},
		{name: "KZ Nauryz and transfers → 26 March", in: Input{Number: kz}, at: "2026-03-23T06:00:00Z", want: Defer, rule: RuleHoliday, next: "2026-03-26T04:00:00Z"},
		{name: "RU New Year: 1–9 January, then Saturday hours", in: Input{Number: ru}, at: "2026-01-05T08:00:00Z", want: Defer, rule: RuleHoliday, next: "2026-01-10T07:00:00Z"},
		{name: "RU 31 December 2026 transfer", in: Input{Number: ru}, at: "2026-12-31T08:00:00Z", want: Defer, rule: RuleHoliday},
		{name: "UA Independence Day", in: Input{Number: ua}, at: "2026-08-24T08:00:00Z", want: Defer, rule: RuleHoliday},
		{name: "AZ Novruz 2027: 20–26 March, then Saturday hours", in: Input{Number: az}, at: "2027-03-22T06:00:00Z", want: Defer, rule: RuleHoliday, next: "2027-03-27T06:00:00Z"},
		{name: "a UZ holiday does not stop a KZ number", in: Input{Number: kz}, at: "2026-09-01T06:00:00Z", want: Allow},
		// Ukraine DST 2026: EEST from 29 March.
		{name: "Kyiv Monday 09:30 EEST", in: Input{Number: ua}, at: "2026-03-30T06:30:00Z", want: Allow},
		{name: "Kyiv Monday before DST 08:30 EET", in: Input{Number: ua}, at: "2026-03-23T06:30:00Z", want: Defer, next: "2026-03-23T07:00:00Z"},
		{name: "Kyiv after DST end 08:30 EET", in: Input{Number: ua}, at: "2026-10-26T06:30:00Z", want: Defer, next: "2026-10-26T07:00:00Z"},
	})
}

func TestMultiZoneIntersection(t *testing.T) {
	w := newWorld()
	// A number mapping to two US zones an hour apart.
	w.zones.numbers["+19995550100"] = NumberInfo{Valid: true, Region: "US", Zones: []string{"America/New_York", "America/Chicago"}}
	// And one spanning twelve hours: no common hours at all.
	w.zones.numbers["+79990000000"] = NumberInfo{Valid: true, Region: "RU", Zones: []string{"Europe/Kaliningrad", "Pacific/Kiritimati"}}
	runChecks(t, w.engine(t, preset(t, PresetUSTCPA)), []check{
		{name: "08:30 ET is 07:30 CT: wait for 08:00 CT", in: Input{Number: "+19995550100"}, at: "2026-11-23T13:30:00Z", want: Defer, next: "2026-11-23T14:00:00Z"},
		{name: "20:30 ET closes both", in: Input{Number: "+19995550100"}, at: "2026-11-24T01:30:00Z", want: Allow},
		{name: "21:00 ET", in: Input{Number: "+19995550100"}, at: "2026-11-24T02:00:00Z", want: Defer, next: "2026-11-24T14:00:00Z"},
	})
	runChecks(t, w.engine(t, preset(t, PresetCISDefault)), []check{
		{name: "UTC+2 and UTC+14 share no hours", in: Input{Number: "+79990000000"}, at: "2026-11-23T08:00:00Z", want: Deny, rule: RuleNoCommonHours},
	})
}

func TestDNCScopes(t *testing.T) {
	w := newWorld()
	at := utc("2026-11-23T06:00:00Z")
	later := at.Add(time.Hour)
	expired := at.Add(-time.Hour)
	w.dnc.Put(DNCRecord{Number: "+998901000001", Scope: ScopeGlobal, Source: SourceKeyPress, EffectiveAt: at.Add(-time.Minute)})
	w.dnc.Put(DNCRecord{Number: "+998901000002", Scope: ScopeClient, ScopeID: 7, Source: SourceAgent, EffectiveAt: at})
	w.dnc.Put(DNCRecord{Number: "+998901000003", Scope: ScopeCampaign, ScopeID: 3, Source: SourceAPI, EffectiveAt: at})
	w.dnc.Put(DNCRecord{Number: "+998901000004", Scope: ScopeRegistry, Registry: "uz-test", Source: SourceImport, EffectiveAt: at})
	w.dnc.Put(DNCRecord{Number: "+998901000005", Scope: ScopeGlobal, Source: SourceAPI, EffectiveAt: later})
	w.dnc.Put(DNCRecord{Number: "+998901000006", Scope: ScopeGlobal, Source: SourceAPI, EffectiveAt: at.Add(-48 * time.Hour), ExpiresAt: &expired})
	e := w.engine(t, preset(t, PresetCISDefault))
	rs := preset(t, PresetCISDefault)
	rs.DNC.Registries = []RegistryRule{{Name: "uz-test", MaxAgeDays: 31}}
	withReg := w.engine(t, rs)
	rows := []check{
		{name: "global", in: Input{Number: "+998901000001"}, want: Deny, rule: RuleDNC},
		{name: "client scope, same client", in: Input{Number: "+998901000002", ClientID: 7}, want: Deny, rule: RuleDNC},
		{name: "client scope, other client", in: Input{Number: "+998901000002", ClientID: 8}, want: Allow},
		{name: "campaign scope, same campaign", in: Input{Number: "+998901000003", CampaignID: 3}, want: Deny, rule: RuleDNC},
		{name: "campaign scope, other campaign", in: Input{Number: "+998901000003", CampaignID: 4}, want: Allow},
		{name: "registry not honoured by this rule set", in: Input{Number: "+998901000004"}, want: Allow},
		{name: "not yet effective", in: Input{Number: "+998901000005"}, want: Allow},
		{name: "expired", in: Input{Number: "+998901000006"}, want: Allow},
	}
	for i := range rows {
		rows[i].at = "2026-11-23T06:00:00Z"
	}
	runChecks(t, e, rows)
	runChecks(t, withReg, []check{
		{name: "registry never imported", in: Input{Number: "+998901000009"}, at: "2026-11-23T06:00:00Z", want: Deny, rule: RuleDNC},
	})
	w.dnc.SetRegistry("uz-test", at.Add(-40*24*time.Hour))
	runChecks(t, withReg, []check{
		{name: "registry copy too old", in: Input{Number: "+998901000009"}, at: "2026-11-23T06:00:00Z", want: Deny, rule: RuleDNC},
	})
	w.dnc.SetRegistry("uz-test", at.Add(-2*24*time.Hour))
	runChecks(t, withReg, []check{
		{name: "registry fresh, number listed", in: Input{Number: "+998901000004"}, at: "2026-11-23T06:00:00Z", want: Deny, rule: RuleDNC},
		{name: "registry fresh, number clear", in: Input{Number: "+998901000009"}, at: "2026-11-23T06:00:00Z", want: Allow},
	})
}

func TestConsentCallerIDAndBlackout(t *testing.T) {
	w := newWorld()
	at := utc("2026-11-23T06:00:00Z")
	revoked := at.Add(-time.Hour)
	w.consent.Put(ConsentRecord{ID: 1, Number: "+998901000001", Purpose: PurposeTelemarketing, Method: MethodLive, Source: "web form", GrantedAt: at.Add(-24 * time.Hour)})
	w.consent.Put(ConsentRecord{ID: 2, Number: "+998901000002", Purpose: PurposeTelemarketing, Method: MethodLive, Source: "web form", GrantedAt: at.Add(-24 * time.Hour), RevokedAt: &revoked})
	w.consent.Put(ConsentRecord{ID: 3, Number: "+998901000003", Purpose: PurposeCollection, Method: MethodLive, Source: "contract", GrantedAt: at.Add(-24 * time.Hour)})
	rs := preset(t, PresetCISDefault)
	rs.CallerIDs = []string{"+998712000000"}
	rs.Holidays = append(rs.Holidays, Holiday{Date: "2026-11-24", Name: "company freeze"},
		Holiday{Country: "UZ", Date: "2026-11-28", Name: "working Saturday", Kind: DayWorking})
	e := w.engine(t, rs)
	cid := "+998712000000"
	runChecks(t, e, []check{
		{name: "consent recorded", in: Input{Number: "+998901000001", Purpose: PurposeTelemarketing, CallerID: cid}, at: "2026-11-23T06:00:00Z", want: Allow, rule: RuleConsent},
		{name: "consent revoked", in: Input{Number: "+998901000002", Purpose: PurposeTelemarketing, CallerID: cid}, at: "2026-11-23T06:00:00Z", want: Deny, rule: RuleConsent},
		{name: "consent for another purpose", in: Input{Number: "+998901000003", Purpose: PurposeTelemarketing, CallerID: cid}, at: "2026-11-23T06:00:00Z", want: Deny, rule: RuleConsent},
		{name: "caller ID not allowed", in: Input{Number: "+998901000003", CallerID: "+998712000001"}, at: "2026-11-23T06:00:00Z", want: Deny, rule: RuleCallerID},
		{name: "blackout date everywhere", in: Input{Number: "+998901000003", CallerID: cid}, at: "2026-11-24T06:00:00Z", want: Defer, rule: RuleHoliday, next: "2026-11-25T04:00:00Z"},
		{name: "transferred working Saturday uses Monday hours", in: Input{Number: "+998901000003", CallerID: cid}, at: "2026-11-28T14:00:00Z", want: Allow},
	})
}

func TestRuleSetValidate(t *testing.T) {
	for _, name := range PresetNames() {
		if err := preset(t, name).Validate(); err != nil {
			t.Errorf("preset %s: %v", name, err)
		}
	}
	bad := RuleSet{Name: "", Zone: "Nowhere/City", Windows: []WindowRule{{Days: map[string][]string{"funday": {"9-5"}}}},
		Holidays: []Holiday{{Date: "2026-13-01"}}, Abandonment: AbandonCap{MaxRate: 3}}
	err := bad.Validate()
	if err == nil {
		t.Fatal("bad rule set validated")
	}
	for _, want := range []string{"name", "zone", "windows[0]", "holidays[0]", "abandonment.max_rate", "abandonment.window", "clock_start"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not name %s: %v", want, err)
		}
	}
	a, b := preset(t, PresetUSTCPA), preset(t, PresetUSTCPA)
	b.Name = "copy"
	if a.ContentHash() != b.ContentHash() {
		t.Error("renaming changed the content hash")
	}
	b.MinRingSeconds = 20
	if a.ContentHash() == b.ContentHash() {
		t.Error("an edit kept the content hash")
	}
}

func TestTZDataKnowsKazakhstanUTC5(t *testing.T) {
	if err := CheckTZData(); err != nil {
		t.Fatal(err)
	}
}

func TestHolidayTableShape(t *testing.T) {
	hs := cisHolidays()
	per := map[string]int{}
	for _, h := range hs {
		d, err := time.Parse(time.DateOnly, h.Date)
		if err != nil {
			t.Fatalf("%+v: %v", h, err)
		}
		per[h.Country+d.Format("2006")]++
	}
	for _, c := range []string{"UZ", "KZ", "AZ", "UA", "RU"} {
		for _, y := range []string{"2026", "2027"} {
			if per[c+y] < 8 {
				t.Errorf("%s %s: only %d days", c, y, per[c+y])
			}
		}
	}
}
