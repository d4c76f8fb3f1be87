package web

import (
	"encoding/json"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/alo-dialer/alo/campaigns"
)

func TestCreateCampaign(t *testing.T) {
	full := `{"name":"Welcome calls","client_id":1,"daily_start":"09:30","daily_end":"24:00",
		"time_zone":"Asia/Tashkent","default_region":"UZ","max_attempts":5,"retry_delay":"2h",
		"ring_timeout":"25s","caller_id":"+998712000000","pacing":"progressive"}`
	cases := []struct {
		name   string
		body   string
		status int
		fields []string
		want   campaignView
	}{
		{name: "all settings", body: full, status: http.StatusCreated, want: campaignView{
			ID: 1, ClientID: 1, Name: "Welcome calls", Status: campaigns.StatusDraft, DailyStart: "09:30", DailyEnd: "24:00",
			TimeZone: "Asia/Tashkent", DefaultRegion: "UZ", MaxAttempts: 5, RetryDelay: "2h0m0s", RingTimeout: "25s",
			CallerID: "+998712000000", Pacing: "progressive", CreatedAt: testTime}},
		{name: "defaults", body: `{"name":"n","client_id":1}`, status: http.StatusCreated, want: campaignView{
			ID: 1, ClientID: 1, Name: "n", Status: campaigns.StatusDraft, DailyStart: "09:00", DailyEnd: "20:00",
			TimeZone: "UTC", MaxAttempts: 3, RetryDelay: "30m0s", RingTimeout: "30s", Pacing: "progressive", CreatedAt: testTime}},
		{name: "only the end of the day given", body: `{"name":"n","client_id":1,"daily_end":"18:00"}`, status: http.StatusCreated, want: campaignView{
			ID: 1, ClientID: 1, Name: "n", Status: campaigns.StatusDraft, DailyStart: "09:00", DailyEnd: "18:00",
			TimeZone: "UTC", MaxAttempts: 3, RetryDelay: "30m0s", RingTimeout: "30s", Pacing: "progressive", CreatedAt: testTime}},
		{name: "predictive pacing", body: `{"name":"n","client_id":1,"pacing":"predictive"}`, status: http.StatusCreated, want: campaignView{
			ID: 1, ClientID: 1, Name: "n", Status: campaigns.StatusDraft, DailyStart: "09:00", DailyEnd: "20:00",
			TimeZone: "UTC", MaxAttempts: 3, RetryDelay: "30m0s", RingTimeout: "30s", Pacing: "predictive", CreatedAt: testTime}},
		{name: "fixed ratio pacing", body: `{"name":"n","client_id":1,"pacing":"ratio:2.5"}`, status: http.StatusCreated, want: campaignView{
			ID: 1, ClientID: 1, Name: "n", Status: campaigns.StatusDraft, DailyStart: "09:00", DailyEnd: "20:00",
			TimeZone: "UTC", MaxAttempts: 3, RetryDelay: "30m0s", RingTimeout: "30s", Pacing: "ratio:2.5", CreatedAt: testTime}},
		{name: "missing name and client", body: `{}`, status: 400, fields: []string{"name", "client_id"}},
		{name: "negative client", body: `{"name":"n","client_id":-1}`, status: 400, fields: []string{"client_id"}},
		{name: "client id as text", body: `{"name":"n","client_id":"one"}`, status: 400, fields: []string{"client_id"}},
		{name: "unknown client", body: `{"name":"n","client_id":9}`, status: 400, fields: []string{"client_id"}},
		{name: "daily_start not HH:MM", body: `{"name":"n","client_id":1,"daily_start":"9am"}`, status: 400, fields: []string{"daily_start"}},
		{name: "daily_start 25:00", body: `{"name":"n","client_id":1,"daily_start":"25:00"}`, status: 400, fields: []string{"daily_start"}},
		{name: "daily_start 24:00", body: `{"name":"n","client_id":1,"daily_start":"24:00"}`, status: 400, fields: []string{"daily_start"}},
		{name: "window backwards", body: `{"name":"n","client_id":1,"daily_start":"18:00","daily_end":"09:00"}`, status: 400, fields: []string{"daily_end"}},
		{name: "bad zone", body: `{"name":"n","client_id":1,"time_zone":"Mars/Olympus"}`, status: 400, fields: []string{"time_zone"}},
		{name: "Local zone", body: `{"name":"n","client_id":1,"time_zone":"Local"}`, status: 400, fields: []string{"time_zone"}},
		{name: "region in lower case", body: `{"name":"n","client_id":1,"default_region":"uz"}`, status: 400, fields: []string{"default_region"}},
		{name: "region not a country", body: `{"name":"n","client_id":1,"default_region":"XX"}`, status: 400, fields: []string{"default_region"}},
		{name: "max_attempts 0", body: `{"name":"n","client_id":1,"max_attempts":0}`, status: 400, fields: []string{"max_attempts"}},
		{name: "max_attempts 21", body: `{"name":"n","client_id":1,"max_attempts":21}`, status: 400, fields: []string{"max_attempts"}},
		{name: "retry_delay not a duration", body: `{"name":"n","client_id":1,"retry_delay":"soon"}`, status: 400, fields: []string{"retry_delay"}},
		{name: "retry_delay negative", body: `{"name":"n","client_id":1,"retry_delay":"-5m"}`, status: 400, fields: []string{"retry_delay"}},
		{name: "ring_timeout too short", body: `{"name":"n","client_id":1,"ring_timeout":"5s"}`, status: 400, fields: []string{"ring_timeout"}},
		{name: "ring_timeout too long", body: `{"name":"n","client_id":1,"ring_timeout":"3m"}`, status: 400, fields: []string{"ring_timeout"}},
		{name: "caller_id without +", body: `{"name":"n","client_id":1,"caller_id":"998712000000"}`, status: 400, fields: []string{"caller_id"}},
		{name: "caller_id with CRLF", body: `{"name":"n","client_id":1,"caller_id":"+998\r\nX: y"}`, status: 400, fields: []string{"caller_id"}},
		{name: "unknown pacing", body: `{"name":"n","client_id":1,"pacing":"adaptive"}`, status: 400, fields: []string{"pacing"}},
		{name: "ratio out of range", body: `{"name":"n","client_id":1,"pacing":"ratio:9"}`, status: 400, fields: []string{"pacing"}},
		{name: "ratio not a number", body: `{"name":"n","client_id":1,"pacing":"ratio:x"}`, status: 400, fields: []string{"pacing"}},
		{name: "several at once", body: `{"name":"","client_id":1,"max_attempts":99,"ring_timeout":"1s","pacing":"x"}`, status: 400,
			fields: []string{"name", "max_attempts", "pacing"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := newTestAPI(t)
			a.admin("POST", "/api/v1/clients", `{"name":"Bank"}`).expect(t, http.StatusCreated, "")
			r := a.admin("POST", "/api/v1/campaigns", c.body)
			if c.status != http.StatusCreated {
				r.expect(t, c.status, "invalid request", c.fields...)
				if len(a.camps.campaigns) != 0 {
					t.Fatal("a bad request created a campaign")
				}
				return
			}
			r.expect(t, http.StatusCreated, "")
			var got campaignView
			r.decode(t, &got)
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("campaign\n got %+v\nwant %+v", got, c.want)
			}
		})
	}
}

func TestFieldReasons(t *testing.T) {
	a := newTestAPI(t)
	a.seed()
	r := a.admin("POST", "/api/v1/campaigns", `{"name":"n","client_id":1,"max_attempts":21,"ring_timeout":"5s"}`)
	var body struct {
		Fields []FieldError `json:"fields"`
	}
	r.decode(t, &body)
	want := []FieldError{{Field: "max_attempts", Reason: "must be ≤ 20"}}
	if !slices.Equal(body.Fields, want) {
		t.Fatalf("fields %+v, want %+v", body.Fields, want)
	}
	r = a.admin("POST", "/api/v1/campaigns", `{"name":"n","client_id":1,"ring_timeout":"5s"}`)
	r.decode(t, &body)
	want = []FieldError{{Field: "ring_timeout", Reason: "must be from 15s to 120s"}}
	if !slices.Equal(body.Fields, want) {
		t.Fatalf("fields %+v, want %+v", body.Fields, want)
	}
}

func TestCampaignEndpoints(t *testing.T) {
	a := newTestAPI(t)
	c := a.seed()
	a.camps.attempts = []campaigns.Attempt{
		{ID: 1, CampaignID: c.ID, ContactID: 1, Number: 1, Phone: "+77011234567", State: campaigns.StateDone, Outcome: campaigns.OutcomeHuman, CreatedAt: testTime},
		{ID: 2, CampaignID: c.ID, ContactID: 2, Number: 1, Phone: "+77021234567", State: campaigns.StateDone, Outcome: campaigns.OutcomeBusy, CreatedAt: testTime},
	}

	t.Run("list", func(t *testing.T) {
		var cs []campaignView
		a.admin("GET", "/api/v1/campaigns", "").decode(t, &cs)
		if len(cs) != 1 || cs[0].Name != "welcome" || cs[0].DailyStart != "09:00" {
			t.Fatalf("campaigns %+v", cs)
		}
	})
	t.Run("get", func(t *testing.T) {
		var got campaignView
		a.admin("GET", "/api/v1/campaigns/1", "").decode(t, &got)
		if got.ID != 1 || got.DefaultRegion != "KZ" {
			t.Fatalf("campaign %+v", got)
		}
	})
	t.Run("start wakes the pacer", func(t *testing.T) {
		r := a.admin("POST", "/api/v1/campaigns/1/start", "")
		r.expect(t, http.StatusOK, "")
		var got campaignView
		r.decode(t, &got)
		if got.Status != campaigns.StatusRunning {
			t.Fatalf("status %s", got.Status)
		}
		if w := a.waker.got(); !slices.Equal(w, []int64{1}) {
			t.Fatalf("woken %v", w)
		}
	})
	t.Run("pause", func(t *testing.T) {
		var got campaignView
		a.admin("POST", "/api/v1/campaigns/1/pause", "").decode(t, &got)
		if got.Status != campaigns.StatusPaused {
			t.Fatalf("status %s", got.Status)
		}
		if w := a.waker.got(); len(w) != 1 {
			t.Fatalf("pause woke the pacer: %v", w)
		}
	})
	t.Run("stats", func(t *testing.T) {
		var st campaigns.Stats
		a.admin("GET", "/api/v1/campaigns/1/stats", "").decode(t, &st)
		if st.Attempts != 2 || st.ByOutcome[campaigns.OutcomeHuman] != 1 || st.ByOutcome[campaigns.OutcomeBusy] != 1 {
			t.Fatalf("stats %+v", st)
		}
	})
	t.Run("attempts with paging", func(t *testing.T) {
		var as []campaigns.Attempt
		a.admin("GET", "/api/v1/campaigns/1/attempts?limit=50&offset=10", "").decode(t, &as)
		if len(as) != 2 || as[0].Outcome != campaigns.OutcomeHuman {
			t.Fatalf("attempts %+v", as)
		}
		last := a.camps.filters[len(a.camps.filters)-1]
		if last != (campaigns.AttemptFilter{CampaignID: 1, Limit: 50, Offset: 10}) {
			t.Fatalf("filter %+v", last)
		}
	})
	t.Run("attempts default page", func(t *testing.T) {
		a.admin("GET", "/api/v1/campaigns/1/attempts", "").expect(t, http.StatusOK, "")
		last := a.camps.filters[len(a.camps.filters)-1]
		if last.Limit != defaultLimit || last.Offset != 0 {
			t.Fatalf("filter %+v", last)
		}
	})
	t.Run("contacts with paging", func(t *testing.T) {
		a.admin("POST", "/api/v1/campaigns/1/contacts", `[{"phone":"8 701 123 45 67"},{"phone":"8 702 123 45 67"},{"phone":"8 705 123 45 67"}]`).
			expect(t, http.StatusCreated, "")
		var cs []campaigns.Contact
		a.admin("GET", "/api/v1/campaigns/1/contacts?limit=2&offset=1", "").decode(t, &cs)
		if len(cs) != 2 || cs[0].Phone != "+77021234567" {
			t.Fatalf("contacts %+v", cs)
		}
	})

	bad := []struct {
		name, method, path string
		status             int
		msg                string
		fields             []string
	}{
		{"non-numeric id", "GET", "/api/v1/campaigns/abc", 400, "invalid request", []string{"id"}},
		{"zero id", "GET", "/api/v1/campaigns/0", 400, "invalid request", []string{"id"}},
		{"huge id", "GET", "/api/v1/campaigns/99999999999999999999", 400, "invalid request", []string{"id"}},
		{"unknown campaign", "GET", "/api/v1/campaigns/7", 404, "campaign 7: not found", nil},
		{"start unknown", "POST", "/api/v1/campaigns/7/start", 404, "not found", nil},
		{"pause unknown", "POST", "/api/v1/campaigns/7/pause", 404, "not found", nil},
		{"start non-numeric", "POST", "/api/v1/campaigns/x/start", 400, "invalid request", []string{"id"}},
		{"stats unknown", "GET", "/api/v1/campaigns/7/stats", 404, "not found", nil},
		{"attempts unknown", "GET", "/api/v1/campaigns/7/attempts", 404, "not found", nil},
		{"contacts unknown", "GET", "/api/v1/campaigns/7/contacts", 404, "not found", nil},
		{"bad limit", "GET", "/api/v1/campaigns/1/attempts?limit=lots", 400, "invalid request", []string{"limit"}},
		{"limit too big", "GET", "/api/v1/campaigns/1/contacts?limit=10001", 400, "invalid request", []string{"limit"}},
		{"negative offset", "GET", "/api/v1/campaigns/1/contacts?offset=-1", 400, "invalid request", []string{"offset"}},
		{"both bad", "GET", "/api/v1/campaigns/1/attempts?limit=0&offset=x", 400, "invalid request", []string{"limit", "offset"}},
	}
	for _, b := range bad {
		t.Run(b.name, func(t *testing.T) {
			a.admin(b.method, b.path, "").expect(t, b.status, b.msg, b.fields...)
		})
	}
	if w := a.waker.got(); len(w) != 1 {
		t.Fatalf("a failed start woke the pacer: %v", w)
	}
}

func TestCampaignViewJSON(t *testing.T) {
	v := viewCampaign(campaigns.Campaign{ID: 1, DailyStart: 0, DailyEnd: 1440, RetryDelay: 90 * time.Minute, RingTimeout: 30 * time.Second})
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"daily_start":"00:00"`, `"daily_end":"24:00"`, `"retry_delay":"1h30m0s"`, `"ring_timeout":"30s"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("%s lacks %s", b, want)
		}
	}
}
