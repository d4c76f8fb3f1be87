package compliance

import (
	"errors"
	"fmt"

	"github.com/nyaruka/phonenumbers"
)

// Sentinel errors of the compliance package.
var (
	ErrBadNumber = errors.New("not an E.164 number")
	ErrNotListed = errors.New("not on the list")
)

// IsE164 reports whether s has the E.164 shape: '+', then 8 to 15 digits,
// the first not 0.
func IsE164(s string) bool {
	if len(s) < 9 || len(s) > 16 || s[0] != '+' || s[1] == '0' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// unknownZone is what phonenumbers answers for a number it cannot place.
const unknownZone = "Etc/Unknown"

// ZonesForNumber returns the IANA zones a number may be in. A geographic
// number maps to one or a few; a number whose region is unknown maps to none.
func ZonesForNumber(number string) ([]string, error) {
	if !IsE164(number) {
		return nil, fmt.Errorf("%q: %w", number, ErrBadNumber)
	}
	pn, err := phonenumbers.Parse(number, "")
	if err != nil {
		return nil, fmt.Errorf("%q: %w", number, ErrBadNumber)
	}
	zs, err := phonenumbers.GetTimezonesForNumber(pn)
	if err != nil {
		return nil, fmt.Errorf("zones of %s: %w", number, err)
	}
	out := zs[:0:0]
	for _, z := range zs {
		if z != unknownZone && z != "" {
			out = append(out, z)
		}
	}
	return out, nil
}
