// Package e164 is alo's one check of a telephone number's E.164 shape:
// '+', a country code that does not start with 0, then digits, 8 to 15 of
// them in all.
//
// ITU-T E.164 caps a number at 15 digits and sets no minimum; 8 is the
// bound the compliance gate and the dialer already applied (campaigns'
// store accepted 6), so taking it keeps what may be dialed unchanged and
// every existing test true: a number of 6 or 7 digits that the store used
// to keep was always refused by the gate at originate time.
//
// compliance "imports nothing of ours"; a leaf value package that imports
// only the standard library, like this one, is the accepted exception.
//
// Valid checks the shape only: whether a number exists for its country is
// for intake (campaigns.NormalizePhone) to say.
package e164

// MinDigits and MaxDigits bound the digits after the '+'.
const (
	MinDigits = 8
	MaxDigits = 15
)

// Valid reports whether s is '+', a digit 1–9, then digits, with
// MinDigits to MaxDigits digits in all.
func Valid(s string) bool {
	n := len(s) - 1 // digits after the '+'
	if n < MinDigits || n > MaxDigits || s[0] != '+' || s[1] == '0' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
