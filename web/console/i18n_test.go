package console

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"text/template/parse"
)

// verbs counts the printf verbs of a message (%% is not one).
func verbs(s string) int {
	return len(regexp.MustCompile(`%[-+# 0-9.]*[a-zA-Z]`).FindAllString(strings.ReplaceAll(s, "%%", ""), -1))
}

func textsOf(m entry) []string {
	if m.Plural == nil {
		return []string{m.Text}
	}
	var out []string
	for _, v := range m.Plural {
		out = append(out, v)
	}
	return out
}

func TestCatalogs(t *testing.T) {
	c, err := LoadCatalog(files)
	if err != nil {
		t.Fatal(err)
	}
	en := c.own["en"]
	// The shell and sign-in must be translated in every language; Russian
	// completely (docs/consoles.md: English and Russian complete).
	started := []string{"shell.", "nav.", "role.", "signin."}
	for _, l := range c.Languages() {
		own := c.own[l.Code]
		for key, m := range own {
			enMsg, ok := en[key]
			if !ok {
				t.Errorf("%s.json: %q is not in en.json (a stale or misspelt key)", l.Code, key)
				continue
			}
			if (m.Plural == nil) != (enMsg.Plural == nil) {
				t.Errorf("%s.json: %q: plural in one of en and %s only", l.Code, key, l.Code)
			}
			want := verbs(textsOf(enMsg)[0])
			for _, s := range textsOf(m) {
				if verbs(s) != want {
					t.Errorf("%s.json: %q: %d printf verbs in %q, en has %d", l.Code, key, verbs(s), s, want)
				}
			}
			for cat := range m.Plural {
				if !slices.Contains(l.plurals, cat) {
					t.Errorf("%s.json: %q: plural category %q does not exist in %s (it has %v)", l.Code, key, cat, l.Name, l.plurals)
				}
			}
		}
		for key := range en {
			if _, ok := own[key]; ok {
				continue
			}
			required := l.Code == "ru"
			for _, p := range started {
				required = required || strings.HasPrefix(key, p)
			}
			if required {
				t.Errorf("%s.json lacks %q", l.Code, key)
			}
		}
	}
}

func TestPlurals(t *testing.T) {
	c, err := LoadCatalog(files)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		lang string
		n    int
		want string
	}{
		{"en", 1, "in 1 minute."},
		{"en", 5, "in 5 minutes."},
		{"ru", 1, "через 1 минуту."},
		{"ru", 3, "через 3 минуты."},
		{"ru", 5, "через 5 минут."},
		{"ru", 21, "через 21 минуту."},
		{"uk", 2, "через 2 хвилини."},
		{"uk", 11, "через 11 хвилин."},
		{"kk", 2, "2 минуттан"},
	} {
		l, _ := c.Supported(tc.lang)
		got := c.Printer(l).Sprintf("signin.error.throttled", tc.n)
		if !strings.Contains(got, tc.want) {
			t.Errorf("%s, %d: %q, want it to contain %q", tc.lang, tc.n, got, tc.want)
		}
	}
}

// TestKeysUsedExist checks that every message the templates and scripts
// ask for is in en.json: literal keys of {{.T "…"}} and t("…"), and the
// keys made of a prefix and a name (nav.<console>, role.<role> …).
func TestKeysUsedExist(t *testing.T) {
	c := newTestConsole(t, newFakeAuth())
	en := c.catalog.own["en"]
	used := map[string]string{} // key → where
	for name, tmpl := range c.pages {
		for _, tt := range tmpl.Templates() {
			if tt.Tree == nil {
				continue
			}
			walkT(tt.Tree.Root, func(key string) { used[key] = name + ".html" })
		}
	}
	if len(used) < 20 {
		t.Fatalf("found only %d keys in the templates: is walkT still finding {{.T}} calls?", len(used))
	}
	js, err := os.ReadFile("assets/agent.js")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range regexp.MustCompile(`\bt\("([a-z_.]*[a-z_])"`).FindAllStringSubmatch(string(js), -1) {
		used[m[1]] = "agent.js"
	}
	// Keys chosen by a condition inside t(…); event names look alike.
	events := []string{EventSnapshot, EventAgentState, EventBridged, EventEnded, EventDisposed, EventDay}
	for _, m := range regexp.MustCompile(`"((?:live|agent)\.[a-z_]+)"`).FindAllStringSubmatch(string(js), -1) {
		if !slices.Contains(events, m[1]) {
			used[m[1]] = "agent.js"
		}
	}
	for _, r := range []Role{RoleAdmin, RoleMarketer, RoleSupervisor, RoleAgent, RoleCompliance} {
		used["role."+string(r)] = "role names"
		for _, n := range navFor(r) {
			used["nav."+n.Key] = "navigation"
		}
	}
	for _, s := range soonPages() {
		used["soon."+s.key] = "soon.html"
	}
	for _, s := range []string{"offline", "ready", "reserved", "on_call", "wrap_up", "paused", "phone_down"} {
		used["state."+s] = "agent states"
	}
	for key, where := range used {
		if _, ok := en[key]; !ok {
			t.Errorf("%s uses %q, which en.json lacks", where, key)
		}
	}
}

// walkT calls f with the key of every {{.T "key" …}} or {{$.T "key" …}}.
func walkT(n parse.Node, f func(string)) {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return
		}
		for _, c := range n.Nodes {
			walkT(c, f)
		}
	case *parse.ActionNode:
		walkT(n.Pipe, f)
	case *parse.PipeNode:
		if n == nil {
			return
		}
		for _, c := range n.Cmds {
			walkT(c, f)
		}
	case *parse.CommandNode:
		if len(n.Args) >= 2 {
			var ident []string
			switch a := n.Args[0].(type) {
			case *parse.FieldNode:
				ident = a.Ident
			case *parse.VariableNode:
				ident = a.Ident
			}
			if len(ident) > 0 && ident[len(ident)-1] == "T" {
				if s, ok := n.Args[1].(*parse.StringNode); ok {
					f(s.Text)
				}
			}
		}
		for _, a := range n.Args {
			walkT(a, f)
		}
	case *parse.IfNode:
		walkT(n.Pipe, f)
		walkT(n.List, f)
		walkT(n.ElseList, f)
	case *parse.RangeNode:
		walkT(n.Pipe, f)
		walkT(n.List, f)
		walkT(n.ElseList, f)
	case *parse.WithNode:
		walkT(n.Pipe, f)
		walkT(n.List, f)
		walkT(n.ElseList, f)
	case *parse.TemplateNode:
		walkT(n.Pipe, f)
	}
}
