package input

import (
	"fmt"
	"unicode"
	"unicode/utf8"
)

// TextProblem says why s cannot stand as a name or a line of text a person
// reads (a campaign, an agent, a contact): invalid UTF-8, control
// characters, and invisible format characters — bidirectional overrides
// and isolates (U+202A–U+202E, U+2066–U+2069), which reorder what a
// supervisor sees, and zero-width characters (U+200B–U+200F, U+2060,
// U+FEFF), which make two names look alike. "" means s is fine.
func TextProblem(s string) string {
	if !utf8.ValidString(s) {
		return "is not valid UTF-8 text"
	}
	for _, r := range s {
		switch {
		case unicode.IsControl(r):
			return "contains a control character"
		case unicode.Is(unicode.Cf, r), r == '\u2028', r == '\u2029':
			return fmt.Sprintf("contains an invisible formatting character (U+%04X: a direction override or zero-width character)", r)
		}
	}
	return ""
}
