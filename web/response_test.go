package web

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/alo-dialer/alo/campaigns"
	"github.com/alo-dialer/alo/input"
)

// TestInputErrorsBecomeFields: a domain package's *input.Error, however
// wrapped, is a 400 whose fields are its problems, read from the type and
// never from the text; other invalid-input errors stay 400s without fields.
func TestInputErrorsBecomeFields(t *testing.T) {
	several := func() error {
		var ps input.Problems
		ps.Add("name", "must not be empty")
		ps.Addf("lines", "%d is not in 0…%d", 2000, 1000)
		return fmt.Errorf("create campaign: %w", ps.Err())
	}
	tests := []struct {
		name       string
		err        error
		wantStatus int
		wantMsg    string
		wantFields []FieldError
	}{
		{"one field", fmt.Errorf("add contacts: %w", input.Invalid("contacts[1].phone", `"998" is not E.164`)), http.StatusBadRequest,
			`invalid request: add contacts: contacts[1].phone: "998" is not E.164`, []FieldError{{Field: "contacts[1].phone", Reason: `"998" is not E.164`}}},
		{"several", several(), http.StatusBadRequest, "invalid request: create campaign: name: must not be empty; lines: 2000 is not in 0…1000",
			[]FieldError{{Field: "name", Reason: "must not be empty"}, {Field: "lines", Reason: "2000 is not in 0…1000"}}},
		{"sentinel only", fmt.Errorf("contacts csv: empty file: %w", campaigns.ErrInvalid), http.StatusBadRequest,
			"contacts csv: empty file: invalid", nil},
		{"not input", fmt.Errorf("campaign 9: %w", campaigns.ErrNotFound), http.StatusNotFound, "campaign 9: not found", nil},
	}
	check := func(t *testing.T, status int, body errorBody, wantStatus int, wantMsg string, wantFields []FieldError) {
		t.Helper()
		if status != wantStatus || body.Error != wantMsg || !slices.Equal(body.Fields, wantFields) {
			t.Fatalf("got %d %+v, want %d %q %+v", status, body, wantStatus, wantMsg, wantFields)
		}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := statusOf(tt.err)
			check(t, status, body, tt.wantStatus, tt.wantMsg, tt.wantFields)

			// And through a handler, as the client sees it.
			a := newTestAPI(t)
			a.camps.err = tt.err
			r := a.admin("GET", "/api/v1/campaigns", "")
			var got errorBody
			r.decode(t, &got)
			check(t, r.status, got, tt.wantStatus, tt.wantMsg, tt.wantFields)
		})
	}
	if !errors.Is(several(), campaigns.ErrInvalid) {
		t.Fatal("an *input.Error does not match campaigns.ErrInvalid")
	}
}
