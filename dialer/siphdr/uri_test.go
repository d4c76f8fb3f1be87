package siphdr

import (
	"strings"
	"testing"
)

func TestParseURI(t *testing.T) {
	tests := []struct {
		uri, wantErr string
	}{
		{"sip:1001@10.0.0.5:5060", ""},
		{"sip:1001@alo", ""},
		{"sips:sbc.carrier.uz:5061;transport=tls", ""},
		{"sip:sbc.carrier.uz;lr", ""},
		{"sip:+998901234567@carrier.uz;user=phone", ""},
		{"sip:a@host?X-Injected=yes&Subject=hi", "headers"},
		{"sip:a@host;x-foo=bar", `parameter "x-foo" is not allowed`},
		{"sip:a@host;maddr=203.0.113.9", `parameter "maddr" is not allowed`},
		{"sip:a@host;transport=sctp", `transport="sctp" is not one of`},
		{"sip:a@host\r\nVia: x", "forbidden character"},
		{"sip:a\u202e@host", "forbidden character"},
		{"sip:a@ho\u200bst", "forbidden character"},
		{"tel:+998901234567", "want a sip: or sips: URI"},
		{"sip:", "not a SIP URI with a host"},
	}
	for _, tt := range tests {
		t.Run(tt.uri, func(t *testing.T) {
			_, err := ParseURI(tt.uri)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error %v, want one with %q", err, tt.wantErr)
			}
		})
	}
}
