// Package siphdr checks values before alo writes them into a SIP message:
// sipgo copies what it is given, so a value carrying CR or LF would split
// the header and let its author add their own (CRLF injection,
// GHSA-chcx-pf5f-wxc7). Every package that builds headers from stored or
// user-given values (trunks, the registrar, agents' URIs, the user agent)
// checks them here.
package siphdr

import (
	"errors"
	"regexp"
	"strings"
)

// ErrUnsafe says a value contains CR, LF or NUL.
var ErrUnsafe = errors.New("contains CR, LF or NUL")

// Check refuses what could split or end a SIP header.
func Check(v string) error {
	if strings.ContainsAny(v, "\r\n\x00") {
		return ErrUnsafe
	}
	return nil
}

// userRE is RFC 3261's user part (unreserved and user-unreserved
// characters, escapes), up to 64 characters.
var userRE = regexp.MustCompile(`^[A-Za-z0-9+._~!$&'()*,;=%-]{1,64}$`)

// ValidUser reports whether s may stand as the user part of a SIP URI.
func ValidUser(s string) bool { return userRE.MatchString(s) }
