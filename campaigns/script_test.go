package campaigns

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/alo-dialer/alo/input"
	"github.com/alo-dialer/alo/sqldb"
)

// TestCheckScript: what a script may hold, and every fault of one named.
func TestCheckScript(t *testing.T) {
	cases := []struct {
		name    string
		script  string
		reasons []string // one problem each, in order; none: accepted
	}{
		{"empty", "", nil},
		{"plain text, lines and tabs", "Hello.\n\tHow are you?\r\n", nil},
		{"built-ins and custom fields", "Hello {{name}}, this is {{agent_name}} of {{campaign_name}} about {{ card_type }} " +
			"on {{appointment}} at {{appointment_place}}, {{phone}}, {{branch.code}} {{x-1}}", nil},
		{"single braces are text", "a {b} c } {", nil},
		{"too long", strings.Repeat("я", MaxScriptLength+1), []string{"20001 characters, more than 20000"}},
		{"as long as allowed", strings.Repeat("я", MaxScriptLength), nil},
		{"a control character", "a\x07b", []string{"control character at character 2"}},
		{"never closed", "Hello {{name", []string{`"{{name": {{ is never closed`}},
		{"spaces inside a name", "Hello {{first name}}!", []string{`"{{first name}}" is not a placeholder`}},
		{"punctuation", "{{name!}}", []string{`"{{name!}}" is not a placeholder`}},
		{"empty name", "{{ }} and {{}}", []string{"names no field", "names no field"}},
		{"stray close", "Hello }} there", []string{`"}} there" has }} without {{`}},
		{"wrong case of a built-in", "Hello {{Name}} {{AGENT_NAME}}", []string{"did you mean {{name}}", "did you mean {{agent_name}}"}},
		{"every fault at once", "{{a b}} {{Phone}} }} {{x", []string{"is not a placeholder", "did you mean {{phone}}", "without {{", "never closed"}},
		{"many faults, bounded", strings.Repeat("{{a b}}", 30), append(slices.Repeat([]string{"is not a placeholder"}, maxScriptProblems), "and more")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := CheckScript(c.script)
			if len(c.reasons) == 0 {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var ie *input.Error
			if !errors.As(err, &ie) {
				t.Fatalf("want an input error, got %v", err)
			}
			if len(ie.Problems) != len(c.reasons) {
				t.Fatalf("problems %v, want %d", ie.Problems, len(c.reasons))
			}
			for i, p := range ie.Problems {
				if p.Field != "script" || !strings.Contains(p.Reason, c.reasons[i]) {
					t.Errorf("problem %d %+v, want script: …%s…", i, p, c.reasons[i])
				}
			}
		})
	}
}

// TestFillScript: placeholders become their values as plain text; a
// missing or empty value shows as [key].
func TestFillScript(t *testing.T) {
	vars := map[string]string{"name": "Aziz", "card_type": "Visa <Gold>", "agent_name": "Dilnoza", "empty": ""}
	cases := []struct{ script, want string }{
		{"", ""},
		{"no placeholders {here}", "no placeholders {here}"},
		{"Hello {{name}}!", "Hello Aziz!"},
		{"{{ name }}, {{agent_name}} here", "Aziz, Dilnoza here"},
		{"your {{card_type}}", "your Visa <Gold>"}, // text, not markup: nothing escaped
		{"at {{branch}} on {{empty}}", "at [branch] on [empty]"},
		{"{{name}}{{name}}", "AzizAziz"},
		{"{{first name}} stays", "{{first name}} stays"},
	}
	for _, c := range cases {
		if got := FillScript(c.script, vars); got != c.want {
			t.Errorf("FillScript(%q) = %q, want %q", c.script, got, c.want)
		}
	}
	if got := FillScript("{{name}}", nil); got != "[name]" {
		t.Errorf("no vars: %q", got)
	}
}

// TestScriptVars: a call's values, the built-ins winning over custom
// fields, the appointment in the contact's zone.
func TestScriptVars(t *testing.T) {
	appt := time.Date(2027, 3, 23, 5, 30, 0, 0, time.UTC)
	c := Campaign{Name: "Reminders", TimeZone: "Asia/Almaty"} // the contact's zone wins
	ct := Contact{Name: "Aigerim", Phone: "+77011234567", TimeZone: "Asia/Tashkent", AppointmentAt: &appt, AppointmentPlace: "Clinic 3",
		Fields: map[string]string{"doctor": "Dr Sarsenova", "name": "not the name"}}
	got := FillScript("{{name}}, {{phone}}: {{doctor}} on {{appointment}} at {{appointment_place}}. {{agent_name}}, {{campaign_name}}",
		ScriptVars(c, ct, "Dilnoza"))
	if want := "Aigerim, +77011234567: Dr Sarsenova on 2027-03-23 10:30 at Clinic 3. Dilnoza, Reminders"; got != want {
		t.Fatalf("got %q\nwant %q", got, want)
	}
	ct.TimeZone, c.TimeZone = "", "Europe/Moscow"
	if v := ScriptVars(c, ct, "")["appointment"]; v != "2027-03-23 08:30" {
		t.Fatalf("appointment in the campaign's zone: %q", v)
	}
	if v := ScriptVars(c, Contact{}, "")["appointment"]; v != "" {
		t.Fatalf("no appointment: %q", v)
	}
	if got := ScriptPlaceholders("{{name}} {{ x }} {{name}} {{a b}}"); !slices.Equal(got, []string{"name", "x"}) {
		t.Fatalf("placeholders %v", got)
	}
}

// TestCampaignScript: a script is stored with the campaign, replaced by
// SetScript, and a bad one is refused naming script, changing nothing.
func TestCampaignScript(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s, _ := newTestStore(t, db)
		cl, _ := s.CreateClient(ctx, "Bank")
		c, err := s.CreateCampaign(ctx, Campaign{ClientID: cl.ID, Name: "cards", Script: "Hello {{name}}"})
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := s.GetCampaign(ctx, c.ID); got.Script != "Hello {{name}}" {
			t.Fatalf("stored script %q", got.Script)
		}
		if _, err := s.CreateCampaign(ctx, Campaign{ClientID: cl.ID, Name: "bad", Script: "{{a b}}"}); !errors.Is(err, ErrInvalid) {
			t.Fatalf("bad script at create: %v", err)
		}
		long := strings.Repeat("Ёж {{name}} ", 1500)
		got, err := s.SetScript(ctx, c.ID, long)
		if err != nil || got.Script != long {
			t.Fatalf("set script: %v", err)
		}
		var ie *input.Error
		if _, err := s.SetScript(ctx, c.ID, "{{Name}}"); !errors.As(err, &ie) || ie.Problems[0].Field != "script" {
			t.Fatalf("bad script: %v", err)
		}
		if got, _ := s.GetCampaign(ctx, c.ID); got.Script != long {
			t.Fatal("a refused script changed the stored one")
		}
		if _, err := s.SetScript(ctx, 99, ""); !errors.Is(err, ErrNotFound) {
			t.Fatalf("unknown campaign: %v", err)
		}
	})
}
