package siphdr

import (
	"fmt"
	"strings"

	"github.com/emiago/sipgo/sip"
)

// uriParams are the URI parameters an agent's or a trunk's URI may carry
// (RFC 3261 §19.1.1), each with the values alo knows; any other parameter,
// and any header (the part after "?"), would be copied verbatim into the
// Request-URI of alo's INVITEs, so it is refused.
var uriParams = map[string][]string{
	"transport": {"udp", "tcp", "tls"},
	"user":      {"phone", "ip"},
	"lr":        {""},
}

// ParseURI parses a sip: or sips: URI with a host, refusing characters
// that could end a header or the URI, headers, and unknown parameters.
func ParseURI(s string) (sip.Uri, error) {
	var u sip.Uri
	if strings.ContainsAny(s, "\r\n\x00<>\" ") || strings.IndexFunc(s, unsafeRune) >= 0 {
		return u, fmt.Errorf("%q: forbidden character", s)
	}
	if !strings.HasPrefix(s, "sip:") && !strings.HasPrefix(s, "sips:") {
		return u, fmt.Errorf("%q: want a sip: or sips: URI", s)
	}
	if strings.Contains(s, "?") {
		return u, fmt.Errorf("%q: headers (?…) are not allowed in the URI", s)
	}
	if err := sip.ParseUri(s, &u); err != nil || u.Host == "" {
		return u, fmt.Errorf("%q: not a SIP URI with a host", s)
	}
	for _, kv := range u.UriParams {
		allowed, ok := uriParams[strings.ToLower(kv.K)]
		if !ok {
			return u, fmt.Errorf("%q: parameter %q is not allowed (only transport, user and lr)", s, kv.K)
		}
		if !contains(allowed, strings.ToLower(kv.V)) {
			return u, fmt.Errorf("%q: %s=%q is not one of %s", s, kv.K, kv.V, strings.Join(allowed, ", "))
		}
	}
	return u, nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// unsafeRune is a character no SIP URI alo dials needs: control
// characters and anything beyond ASCII (a URI's non-ASCII is %-escaped).
func unsafeRune(r rune) bool { return r < 0x20 || r >= 0x7f }
