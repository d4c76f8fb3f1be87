package web

import (
	"errors"
	"net/http"
	"testing"
)

func TestInvalidUTF8Field(t *testing.T) {
	tests := []struct {
		body, field string
	}{
		{`{"name":"Dil` + "\xff" + `noza"}`, "name"},
		{`{"name":"ok","sip_uri":"sip:a@` + "\xc3" + `"}`, "sip_uri"},
		{`{"fields":{"note":"a` + "\xfe" + `"}}`, "fields.note"},
		{`[{"phone":"+998901234567"},{"phone":"+998901234568","name":"` + "\xed\xa0\x80" + `"}]`, "[1].name"},
		{`{"a":[1,2,{"b":"` + "\x80" + `"}]}`, "a[2].b"},
		{`{"na` + "\xff" + `me":"x"}`, "na\uFFFDme"}, // a key is named as json reads it
		{"\xff", "body"},
	}
	for _, tt := range tests {
		t.Run(tt.field, func(t *testing.T) {
			err := invalidUTF8([]byte(tt.body))
			var ae *apiError
			if !errors.As(err, &ae) || ae.status != http.StatusBadRequest || len(ae.fields) != 1 || ae.fields[0].Field != tt.field {
				t.Fatalf("invalidUTF8(%q) = %+v, want a 400 naming %q", tt.body, ae, tt.field)
			}
		})
	}
	if err := invalidUTF8([]byte(`{"name":"Дилноза"}`)); err != nil {
		t.Fatalf("valid UTF-8 refused: %v", err)
	}
}
