package campaigns

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/alo-dialer/alo/input"
)

// A campaign's script: what the agent reads on a connected call, plain
// text with {{placeholders}} filled from the contact, the campaign and the
// agent (docs/api.md, "Scripts"). The agent console fills it in the browser
// with the same rules (web/console/assets/agent.js); FillScript is the
// server's copy.

// MaxScriptLength bounds a script, in characters.
const MaxScriptLength = 20000

// The placeholders every script may use; any other well-formed name is a
// custom field's key.
const (
	ScriptName             = "name"
	ScriptPhone            = "phone"
	ScriptAppointment      = "appointment"
	ScriptAppointmentPlace = "appointment_place"
	ScriptAgentName        = "agent_name"
	ScriptCampaignName     = "campaign_name"
)

// scriptBuiltIns lists the built-in placeholders in the order the docs do.
var scriptBuiltIns = []string{ScriptName, ScriptPhone, ScriptAppointment, ScriptAppointmentPlace, ScriptAgentName, ScriptCampaignName}

// placeholder is one {{key}}; spaces inside the braces are allowed. The
// key's characters are those of a custom field key a script can name.
var placeholder = regexp.MustCompile(`\{\{\s*([A-Za-z0-9_.-]+)\s*\}\}`)

// maxScriptProblems bounds how many faults one error lists: a pasted
// document full of braces gets a readable answer, not a thousand lines.
const maxScriptProblems = 10

// CheckScript reports what is clearly wrong with a script, every fault as
// a problem of field "script": too long, control characters, a {{ never
// closed, braces around something that is not a key (spaces inside a name,
// punctuation), a stray }}, or a built-in placeholder in the wrong case
// ({{Name}}). A well-formed name that is not built in is taken for a custom
// field: contacts loaded later may carry it, so it is not an error.
func CheckScript(script string) error {
	var ps input.Problems
	if n := utf8.RuneCountInString(script); n > MaxScriptLength {
		ps.Addf("script", "%d characters, more than %d", n, MaxScriptLength)
	}
	if !utf8.ValidString(script) {
		ps.Add("script", "not valid UTF-8 text")
	}
	if i := strings.IndexFunc(script, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' }); i >= 0 {
		ps.Addf("script", "a control character at character %d (only line breaks and tabs are allowed)", utf8.RuneCountInString(script[:i])+1)
	}
	checkPlaceholders(script, &ps)
	if len(ps) > maxScriptProblems {
		ps = append(ps[:maxScriptProblems], input.Problem{Field: "script", Reason: "and more like these"})
	}
	return ps.Err()
}

// checkPlaceholders walks every {{ and }} of script.
func checkPlaceholders(script string, ps *input.Problems) {
	rest, at := script, 0
	for {
		open := strings.Index(rest, "{{")
		if closeAt := strings.Index(rest, "}}"); closeAt >= 0 && (open < 0 || closeAt < open) {
			ps.Addf("script", "%q has }} without {{", excerpt(script, at+closeAt))
			rest, at = rest[closeAt+2:], at+closeAt+2
			continue
		}
		if open < 0 {
			return
		}
		rest, at = rest[open:], at+open
		m := placeholder.FindStringSubmatchIndex(rest)
		if m == nil || m[0] != 0 {
			end := strings.Index(rest, "}}")
			switch {
			case end < 0:
				ps.Addf("script", "%q: {{ is never closed with }}", excerpt(script, at))
				return
			case strings.TrimSpace(rest[2:end]) == "":
				ps.Add("script", "{{}} names no field")
			default:
				ps.Addf("script", "%q is not a placeholder: a name is letters, digits, _, . and - only (such as {{card_type}})", rest[:end+2])
			}
			rest, at = rest[end+2:], at+end+2
			continue
		}
		key := rest[m[2]:m[3]]
		for _, b := range scriptBuiltIns {
			if key != b && strings.EqualFold(key, b) {
				ps.Addf("script", "{{%s}}: placeholders are case-sensitive; did you mean {{%s}}?", key, b)
			}
		}
		rest, at = rest[m[1]:], at+m[1]
	}
}

// excerpt is up to 24 characters of s from byte i, for an error message.
func excerpt(s string, i int) string {
	s = s[i:]
	n := 0
	for j := range s {
		if n == 24 {
			return s[:j] + "…"
		}
		n++
	}
	return s
}

// FillScript fills script's placeholders from vars, as plain text (nothing
// is escaped: the caller shows the result as text, never as markup). A
// placeholder whose value is missing or empty stays visible as [key], so
// the agent sees a gap rather than a sentence that silently lost a word.
func FillScript(script string, vars map[string]string) string {
	return placeholder.ReplaceAllStringFunc(script, func(m string) string {
		key := placeholder.FindStringSubmatch(m)[1]
		if v := vars[key]; v != "" {
			return v
		}
		return "[" + key + "]"
	})
}

// ScriptVars are the values of a call's placeholders: the contact's custom
// fields, then the built-in names, which win over a custom field of the
// same key. The appointment is written in the contact's zone (else the
// campaign's) as 2006-01-02 15:04.
func ScriptVars(c Campaign, ct Contact, agentName string) map[string]string {
	vars := make(map[string]string, len(ct.Fields)+len(scriptBuiltIns))
	for k, v := range ct.Fields {
		vars[k] = v
	}
	vars[ScriptName] = ct.Name
	vars[ScriptPhone] = ct.Phone
	vars[ScriptAgentName] = agentName
	vars[ScriptCampaignName] = c.Name
	vars[ScriptAppointmentPlace] = ct.AppointmentPlace
	vars[ScriptAppointment] = ""
	if ct.AppointmentAt != nil {
		vars[ScriptAppointment] = ct.AppointmentAt.In(contactZone(c, ct)).Format("2006-01-02 15:04")
	}
	return vars
}

// contactZone is the contact's zone, else the campaign's, else UTC.
func contactZone(c Campaign, ct Contact) *time.Location {
	for _, name := range []string{ct.TimeZone, c.TimeZone} {
		if name == "" {
			continue
		}
		if loc, err := time.LoadLocation(name); err == nil {
			return loc
		}
	}
	return time.UTC
}

// ScriptPlaceholders lists the placeholders script names, each once, in
// order of first use (for a marketer's preview of what a script needs).
func ScriptPlaceholders(script string) []string {
	var out []string
	seen := map[string]bool{}
	for _, m := range placeholder.FindAllStringSubmatch(script, -1) {
		if !seen[m[1]] {
			seen[m[1]] = true
			out = append(out, m[1])
		}
	}
	return out
}

// SetScript replaces a campaign's script (any status: a script can be
// corrected while agents work). A script CheckScript refuses changes
// nothing; its error names every fault.
func (s *Store) SetScript(ctx context.Context, campaignID int64, script string) (Campaign, error) {
	if err := CheckScript(script); err != nil {
		return Campaign{}, fmt.Errorf("campaign %d: %w", campaignID, err)
	}
	res, err := s.db.ExecContext(ctx, `UPDATE campaigns SET script = $1 WHERE id = $2`, script, campaignID)
	if err != nil {
		return Campaign{}, fmt.Errorf("set script of campaign %d: %w", campaignID, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return Campaign{}, fmt.Errorf("set script of campaign %d: %w", campaignID, err)
	} else if n == 0 {
		return Campaign{}, fmt.Errorf("campaign %d: %w", campaignID, ErrNotFound)
	}
	return s.GetCampaign(ctx, campaignID)
}
