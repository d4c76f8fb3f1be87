package console_test

import (
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/alo-dialer/alo/web"
)

// pageData is what a form page gives its script in #alo-strings.
type pageData struct {
	Strings map[string]string `json:"strings"`
	Reasons []struct {
		Field, Reason, Key string
	} `json:"reasons"`
}

// get fetches path with the session cookie tok and returns status and body.
func (s *realServer) get(path, tok string) (int, string) {
	s.t.Helper()
	r, err := http.NewRequest("GET", s.URL+path, nil)
	if err != nil {
		s.t.Fatal(err)
	}
	r.AddCookie(&http.Cookie{Name: web.SessionCookie, Value: tok})
	res, err := http.DefaultClient.Do(r)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// call sends one JSON request to the API as the session tok and returns
// the fields of the error it answers.
func (s *realServer) call(method, path, tok, body string) (status int, fields []web.FieldError, msg string) {
	s.t.Helper()
	r, err := http.NewRequest(method, s.URL+path, strings.NewReader(body))
	if err != nil {
		s.t.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/json")
	if strings.HasPrefix(tok, "alo_") {
		r.Header.Set("Authorization", "Bearer "+tok)
	} else {
		r.AddCookie(&http.Cookie{Name: web.SessionCookie, Value: tok})
	}
	res, err := http.DefaultClient.Do(r)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	var e struct {
		Error  string           `json:"error"`
		Fields []web.FieldError `json:"fields"`
		Token  string           `json:"token"`
	}
	_ = json.NewDecoder(res.Body).Decode(&e)
	if e.Token != "" {
		msg = e.Token
	} else {
		msg = e.Error
	}
	return res.StatusCode, e.Fields, msg
}

var stringsScript = regexp.MustCompile(`(?s)<script type="application/json" id="alo-strings">(.*?)</script>`)

// formData reads the strings and rules a page gives its script.
func (s *realServer) formData(path, tok string) pageData {
	s.t.Helper()
	status, body := s.get(path, tok)
	m := stringsScript.FindStringSubmatch(body)
	if status != http.StatusOK || m == nil {
		s.t.Fatalf("GET %s: %d, no #alo-strings in %.300s", path, status, body)
	}
	var d pageData
	if err := json.Unmarshal([]byte(html.UnescapeString(m[1])), &d); err != nil {
		s.t.Fatalf("#alo-strings of %s: %v", path, err)
	}
	return d
}

// TestAPIReasonsKnown provokes every reason the users and session routes
// give for a field and checks the pages' rules put each one into words
// of the catalog (here English and Russian), so the forms never fall back
// to the API's English when the API words a reason anew.
func TestAPIReasonsKnown(t *testing.T) {
	s := newRealServer(t)
	root := s.session("root")
	long := strings.Repeat("x", 300)
	many := strings.TrimSuffix(strings.Repeat("1,", 1001), ",")
	type answer struct {
		what   string
		fields []web.FieldError
	}
	var answers []answer
	send := func(method, path, tok, body string) {
		status, fields, msg := s.call(method, path, tok, body)
		switch {
		case status == http.StatusConflict:
			// A taken name: the users page puts it at the name field.
			fields = []web.FieldError{{Field: "name", Reason: msg}}
		case status != http.StatusBadRequest || len(fields) == 0:
			t.Fatalf("%s %s %s: %d %q %v, want 400 with fields", method, path, body, status, msg, fields)
		}
		answers = append(answers, answer{method + " " + path + " " + body, fields})
	}
	send("POST", "/api/v1/users", root, `{"name":"a b","role":"agent","password":"short","client_ids":[0,999],"language":"english!","time_zone":"Mars/Base"}`)
	send("POST", "/api/v1/users", root, `{"name":"","role":"root"}`)
	send("POST", "/api/v1/users", root, fmt.Sprintf(`{"name":"%s","role":"marketer","agent_id":1,"password":"%s","time_zone":"Local"}`, strings.Repeat("n", 65), long))
	send("POST", "/api/v1/users", root, `{"name":"x","role":"agent","agent_id":999,"password":"control\u0007chars!"}`)
	send("POST", "/api/v1/users", root, fmt.Sprintf(`{"name":"x","role":"agent","agent_id":%d,"password":"long enough pw"}`, s.agents["Aziza Karimova"]))
	send("POST", "/api/v1/users", root, `{"name":"x","role":"marketer","password":"long enough pw","client_ids":[`+many+`]}`)
	send("POST", "/api/v1/users", root, `{"name":"mark","role":"marketer","password":"long enough pw"}`)
	send("PATCH", fmt.Sprintf("/api/v1/users/%d", s.ids["root"]), root, `{"role":"marketer","disabled":true}`)
	send("PATCH", fmt.Sprintf("/api/v1/users/%d", s.ids["mark"]), root, `{"password":""}`)
	send("POST", "/api/v1/session/password", root, `{"old_password":"wrong one","new_password":"short"}`)
	send("POST", "/api/v1/session/password", root, fmt.Sprintf(`{"old_password":%q,"new_password":%q}`, password("root"), password("root")))
	send("POST", "/api/v1/session/password", root, `{}`)
	send("POST", "/api/v1/session/password", root, fmt.Sprintf(`{"old_password":"x","new_password":%q}`, strings.Repeat("y", 1100)))
	send("PATCH", "/api/v1/session/profile", root, `{"language":"x!","time_zone":"Nowhere/City"}`)
	if status, _, token := s.call("POST", "/api/v1/users", root, `{"name":"crm","role":"marketer","token":true}`); status != http.StatusCreated {
		t.Fatalf("token user: %d", status)
	} else {
		send("POST", "/api/v1/session/password", token, `{"old_password":"whatever it was","new_password":"long enough pw"}`)
	}

	distinct := map[string]bool{}
	for _, a := range answers {
		for _, f := range a.fields {
			distinct[f.Field+": "+f.Reason] = true
		}
	}
	if len(distinct) < 25 {
		t.Fatalf("only %d distinct reasons provoked: %v", len(distinct), distinct)
	}
	for _, lang := range []string{"en", "ru"} {
		if status, _, _ := s.call("PATCH", "/api/v1/session/profile", root, `{"language":"`+lang+`"}`); status != http.StatusOK {
			t.Fatalf("language %s: %d", lang, status)
		}
		d := s.formData("/users", s.session("root"))
		for _, a := range answers {
			for _, f := range a.fields {
				key := ""
				for _, r := range d.Reasons {
					if regexp.MustCompile(r.Field).MatchString(f.Field) && regexp.MustCompile(r.Reason).MatchString(f.Reason) {
						key = r.Key
						break
					}
				}
				switch {
				case key == "":
					t.Errorf("%s: no rule for %s: %q", a.what, f.Field, f.Reason)
				case d.Strings[key] == "":
					t.Errorf("%s: the users page lacks %s's message %s", lang, f.Field, key)
				}
			}
		}
	}
}
