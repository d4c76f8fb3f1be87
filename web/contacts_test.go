package web

import (
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/alo-dialer/alo/campaigns"
)

func intp(i int) *int { return &i }

func TestAddContacts(t *testing.T) {
	cases := []struct {
		name      string
		ct, body  string
		status    int
		errMsg    string // the response's "error", "" when absent
		added     int
		rejected  []rejectedRow
		wantSaved []campaigns.NewContact // what reached the store, in order
	}{
		{
			name: "JSON, local KZ numbers, some bad",
			ct:   "application/json",
			body: `[{"phone":"8 (701) 123-45-67","name":"  Иван   Иванов ","time_zone":"Asia/Almaty"},
				{"phone":"12345"},
				{"phone":"+7 702 123 45 67","name":"Пётр"},
				{"phone":"87011234567","name":"dup"},
				{"phone":"+77051234567","time_zone":"Nowhere/Town"}]`,
			status: http.StatusCreated, added: 2,
			rejected: []rejectedRow{
				{Index: intp(1), Field: "phone", Reason: `"12345": not a valid number for region KZ`},
				{Index: intp(3), Field: "phone", Reason: "duplicate of index 0"},
				{Index: intp(4), Field: "time_zone", Reason: `unknown time zone "Nowhere/Town" (use an IANA name such as Asia/Tashkent)`},
			},
			wantSaved: []campaigns.NewContact{
				{Phone: "+77011234567", Name: "Иван Иванов", TimeZone: "Asia/Almaty"},
				{Phone: "+77021234567", Name: "Пётр"},
			},
		},
		{
			name: "CSV with BOM, semicolons, a quoted line break and bad rows",
			ct:   "text/csv; charset=utf-8",
			body: "\xEF\xBB\xBFтелефон;имя\r\n" +
				"8 701 123 45 67;\"Иванов\r\nИван\"\r\n" + // lines 2-3
				"нет номера;Пётр\r\n" + // line 4
				"+7 702 123 45 67;Анна\r\n", // line 5
			status: http.StatusCreated, added: 2,
			rejected: []rejectedRow{
				{Line: intp(4), Field: "phone", Reason: `"нет номера": not a phone number: the phone number supplied is not a number`},
			},
			wantSaved: []campaigns.NewContact{
				{Phone: "+77011234567", Name: "Иванов Иван"},
				{Phone: "+77021234567", Name: "Анна"},
			},
		},
		{
			name:   "CSV, every row bad: 400 with the same body",
			ct:     "text/csv",
			body:   "phone\n123\n+7 702 123 45 67 ext 5\n",
			status: http.StatusBadRequest, errMsg: "no valid contacts: every row was rejected",
			rejected: []rejectedRow{
				{Line: intp(2), Field: "phone", Reason: `"123": not a valid number for region KZ`},
				{Line: intp(3), Field: "phone", Reason: `"+7 702 123 45 67 ext 5": has an extension, which a dialer cannot call`},
			},
		},
		{
			name:   "JSON, every item bad",
			ct:     "application/json",
			body:   `[{"phone":""}]`,
			status: http.StatusBadRequest, errMsg: "no valid contacts: every row was rejected",
			rejected: []rejectedRow{{Index: intp(0), Field: "phone", Reason: `"": empty`}},
		},
		{name: "empty JSON array", ct: "application/json", body: `[]`, status: http.StatusBadRequest, errMsg: "no contacts in the request", rejected: []rejectedRow{}},
		{name: "CSV header only", ct: "text/csv", body: "phone\n", status: http.StatusBadRequest, errMsg: "no contacts in the request", rejected: []rejectedRow{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := newTestAPI(t)
			a.seed()
			r := a.call("POST", "/api/v1/campaigns/1/contacts", RoleMarketer, c.ct, c.body)
			if r.status != c.status {
				t.Fatalf("status %d, want %d; body %s", r.status, c.status, r.body)
			}
			var got addContactsResponse
			r.decode(t, &got)
			if got.Error != c.errMsg || got.Added != c.added || !reflect.DeepEqual(got.Rejected, c.rejected) {
				t.Fatalf("response\n got %s\nwant error %q added %d rejected %+v", r.body, c.errMsg, c.added, c.rejected)
			}
			var saved []campaigns.NewContact
			for _, ct := range a.camps.contacts[1] {
				saved = append(saved, campaigns.NewContact{Phone: ct.Phone, Name: ct.Name, TimeZone: ct.TimeZone})
			}
			if !reflect.DeepEqual(saved, c.wantSaved) {
				t.Fatalf("saved %+v, want %+v", saved, c.wantSaved)
			}
		})
	}
}

func TestAddContactsBadRequests(t *testing.T) {
	cases := []struct {
		name, path, ct, body string
		status               int
		msg                  string
		fields               []string
	}{
		{"no content type", "/api/v1/campaigns/1/contacts", "", `[]`, http.StatusUnsupportedMediaType, "application/json (a contact {phone, name, …} or an array of them) or text/csv", nil},
		{"form", "/api/v1/campaigns/1/contacts", "multipart/form-data; boundary=x", "--x--", http.StatusUnsupportedMediaType, "text/csv", nil},
		{"latin-2 CSV", "/api/v1/campaigns/1/contacts", "text/csv; charset=iso-8859-2", "phone\n", http.StatusUnsupportedMediaType, "charset iso-8859-2 is not supported", nil},
		{"unknown campaign", "/api/v1/campaigns/9/contacts", "text/csv", "phone\n+77011234567\n", http.StatusNotFound, "campaign 9: not found", nil},
		{"non-numeric campaign", "/api/v1/campaigns/x/contacts", "text/csv", "phone\n", http.StatusBadRequest, "invalid request", []string{"id"}},
		{"JSON number, not a contact", "/api/v1/campaigns/1/contacts", "application/json", `42`, http.StatusBadRequest, "invalid JSON", nil},
		{"JSON unknown field", "/api/v1/campaigns/1/contacts", "application/json", `[{"phone":"+77011234567","email":"a@b"}]`, http.StatusBadRequest, "invalid request", []string{"email"}},
		{"JSON broken", "/api/v1/campaigns/1/contacts", "application/json", `[{"phone":`, http.StatusBadRequest, "invalid JSON", nil},
		{"CSV without a phone column", "/api/v1/campaigns/1/contacts", "text/csv", "name;email\nIvan;a@b\n", http.StatusBadRequest, `no "phone" column`, nil},
		{"empty CSV", "/api/v1/campaigns/1/contacts", "text/csv", "", http.StatusBadRequest, "empty file", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := newTestAPI(t)
			a.seed()
			a.call("POST", c.path, RoleAdmin, c.ct, c.body).expect(t, c.status, c.msg, c.fields...)
			if n := len(a.camps.contacts[1]); n != 0 {
				t.Fatalf("a bad request added %d contacts", n)
			}
		})
	}
}

func TestAddContactsLargeCSV(t *testing.T) {
	a := newTestAPI(t)
	a.seed()
	var b strings.Builder
	b.WriteString("phone,name\n")
	const n = 20000
	for i := range n {
		fmt.Fprintf(&b, "+7701%07d,c\n", i)
	}
	r := a.call("POST", "/api/v1/campaigns/1/contacts", RoleAdmin, "text/csv", b.String())
	r.expect(t, http.StatusCreated, "")
	if got := len(a.camps.contacts[1]); got != n {
		t.Fatalf("added %d, want %d", got, n)
	}
}
