package campaigns

import (
	"strconv"
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// splitHead is how many leading digits of a number key the split cache:
// enough to cover an international prefix (00, 810), a country code (up to
// three digits) and a national prefix (8, 0), which is all that decides
// where the national significant number starts.
const splitHead = 6

// maxSplits bounds a PhoneNormalizer's cache; a file has a few hundred
// distinct number shapes, a hostile one could have millions.
const maxSplits = 1 << 16

// splitKey is a number's shape: the country it is read for, whether it was
// written with a +, how many digits it has and its first digits.
type splitKey struct {
	region string
	plus   bool
	digits int
	head   string
}

// split is what phonenumbers.Parse found for one number of a shape: its
// country calling code and how many leading digits (international prefix,
// country code, national prefix) precede the national significant number.
type split struct {
	cc   int32
	drop int
}

// PhoneNormalizer is NormalizePhone with a cache, for a file of many
// numbers: phonenumbers.Parse runs several regular expressions per number
// (about two thirds of the cost of an import row), yet where a number's
// national part starts depends only on its region, its length and its first
// digits. The first number of each shape is parsed in full; the next ones
// reuse its split and are only checked with phonenumbers.IsValidNumber, so
// the answer (and any error, which always takes the full path) is
// NormalizePhone's. Not safe for concurrent use: give each goroutine one.
type PhoneNormalizer struct {
	splits map[splitKey]split
}

// NewPhoneNormalizer returns an empty normaliser.
func NewPhoneNormalizer() *PhoneNormalizer {
	return &PhoneNormalizer{splits: map[splitKey]split{}}
}

// Normalize is NormalizePhone(raw, region).
func (p *PhoneNormalizer) Normalize(raw, region string) (string, error) {
	plus, digits, ok := plainNumber(raw)
	if !ok {
		return NormalizePhone(raw, region)
	}
	region = strings.ToUpper(strings.TrimSpace(region))
	key := splitKey{region: region, plus: plus, digits: len(digits), head: digits[:min(splitHead, len(digits))]}
	if sp, hit := p.splits[key]; hit {
		if e164, ok := sp.apply(digits); ok {
			return e164, nil
		}
		return NormalizePhone(raw, region)
	}
	e164, err := NormalizePhone(raw, region)
	if err == nil && len(p.splits) < maxSplits {
		if sp, ok := splitOf(digits, e164); ok {
			p.splits[key] = sp
		}
	}
	return e164, err
}

// plainNumber reads a number written only with digits, spaces, dashes,
// dots and brackets, and perhaps a leading +: the spellings whose meaning
// is their digits. Anything else (letters, an extension, a second +) is
// left to the full parser.
func plainNumber(raw string) (plus bool, digits string, ok bool) {
	s := strings.TrimSpace(raw)
	if rest, cut := strings.CutPrefix(s, "+"); cut {
		plus, s = true, rest
	}
	var b [24]byte
	n := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			if n == len(b) {
				return false, "", false
			}
			b[n] = c
			n++
		case c == ' ' || c == '-' || c == '.' || c == '(' || c == ')':
		default:
			return false, "", false
		}
	}
	if n < 5 {
		return false, "", false
	}
	return plus, string(b[:n]), true
}

// splitOf learns a split from a number's digits and the E.164 form the
// full parser gave; ok is false when the national number is not simply a
// tail of the digits (a national prefix transform), which is not cached.
func splitOf(digits, e164 string) (split, bool) {
	num, err := phonenumbers.Parse(e164, "")
	if err != nil {
		return split{}, false
	}
	nsn := phonenumbers.GetNationalSignificantNumber(num)
	if !strings.HasSuffix(digits, nsn) || nsn == "" {
		return split{}, false
	}
	return split{cc: num.GetCountryCode(), drop: len(digits) - len(nsn)}, true
}

// apply reads digits with the split and checks the result is a valid
// number; ok is false when it is not (the caller then parses in full).
func (sp split) apply(digits string) (string, bool) {
	nsn := digits[sp.drop:]
	national, err := strconv.ParseUint(nsn, 10, 64)
	if err != nil {
		return "", false
	}
	cc := sp.cc
	num := &phonenumbers.PhoneNumber{CountryCode: &cc, NationalNumber: &national}
	if zeros := int32(len(nsn) - len(strings.TrimLeft(nsn, "0"))); zeros > 0 {
		yes := true
		num.ItalianLeadingZero, num.NumberOfLeadingZeros = &yes, &zeros
	}
	if !phonenumbers.IsValidNumber(num) {
		return "", false
	}
	return "+" + strconv.Itoa(int(cc)) + nsn, true
}
