package compliance

import (
	"errors"
	"fmt"

	"github.com/nyaruka/phonenumbers"

	"github.com/alo-dialer/alo/e164"
)

// Sentinel errors of the compliance package.
var (
	ErrBadNumber = errors.New("not an E.164 number")
	ErrNotListed = errors.New("not on the list")
)

// IsE164 reports whether s has the E.164 shape; it is e164.Valid ('+',
// then 8 to 15 digits, the first not 0), kept here so the gate's callers
// need not know where the rule lives.
func IsE164(s string) bool { return e164.Valid(s) }

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
