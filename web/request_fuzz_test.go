package web

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"unicode/utf8"
)

// FuzzDecodeJSON feeds arbitrary bodies to the API's JSON decoder with the
// request types of the writing routes: it never panics, refuses with an
// *apiError (a 400) or a 413, and text it accepts is valid UTF-8.
func FuzzDecodeJSON(f *testing.F) {
	for _, seed := range []string{
		`{"name":"Dilnoza","sip_uri":"sip:1001@alo","campaign_ids":[1]}`,
		`{"name":"Dil` + "\xff" + `noza"}`,
		`[{"phone":"+998901234567","fields":{"note":"a"}}]`,
		`{"name":"x"} {"name":"y"}`,
		`{"unknown":1}`,
		`{"a":[1,2,{"b":"` + "\x80" + `"}]}`,
		``,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, dst := range []func() any{
			func() any { return &createAgentRequest{} },
			func() any { return &[]contactRequestFuzz{} },
			func() any { return &map[string]any{} },
		} {
			req := httptest.NewRequest(http.MethodPost, "/api/v1/x", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			v := dst()
			err := decodeJSON(httptest.NewRecorder(), req, v)
			var ae *apiError
			var tooBig *http.MaxBytesError
			if err != nil && !errors.As(err, &ae) && !errors.As(err, &tooBig) {
				t.Fatalf("decode error %T %v is neither a 400 nor a 413", err, err)
			}
			if err == nil && !utf8.Valid(body) {
				t.Fatalf("accepted a body that is not UTF-8: %q", body)
			}
		}
	})
}

// contactRequestFuzz is the shape of a contacts upload (phone, name,
// fields), enough for the decoder to walk nested objects.
type contactRequestFuzz struct {
	Phone  string            `json:"phone"`
	Name   string            `json:"name"`
	Fields map[string]string `json:"fields"`
}
