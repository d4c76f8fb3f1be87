package console

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"

	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/message/catalog"
)

// Language is one language the consoles speak.
type Language struct {
	// Code is the BCP 47 tag used in profiles, cookies and <html lang>.
	Code string
	// Name is the language's own name for itself, so a person who cannot
	// read the current language still finds theirs in the switch.
	Name string
	tag  language.Tag
	// plurals are the CLDR cardinal categories of the language in the order
	// x/text must see them: it takes the first case that matches, and
	// "other" matches every number, so it comes last.
	plurals []string
}

// languages are the consoles' languages, English first (the fallback).
// Uzbek and Azerbaijani are written in Latin script here (the tags' default).
func languages() []Language {
	onlyOne := []string{"one", "other"}
	slavic := []string{"one", "few", "many", "other"}
	return []Language{
		{Code: "en", Name: "English", tag: language.English, plurals: onlyOne},
		{Code: "ru", Name: "Русский", tag: language.Russian, plurals: slavic},
		{Code: "uz", Name: "Oʻzbekcha", tag: language.Uzbek, plurals: onlyOne},
		{Code: "kk", Name: "Қазақша", tag: language.Kazakh, plurals: onlyOne},
		{Code: "az", Name: "Azərbaycanca", tag: language.Azerbaijani, plurals: onlyOne},
		{Code: "uk", Name: "Українська", tag: language.Ukrainian, plurals: slavic},
	}
}

// Catalog holds every console message in every language. Messages are
// keyed by an id ("signin.title"), not by their English text, so a test
// can tell a missing translation from a changed one. Each language misses
// nothing: a key it has not translated yet is served in English.
type Catalog struct {
	langs   []Language
	builder *catalog.Builder
	matcher language.Matcher
	// own[code] is what each language translated itself; missing keys are
	// filled from English in builder and raw.
	own map[string]map[string]entry
	// raw[code][key] is the plain text of every non-plural message,
	// English filled in, for the pages' scripts.
	raw map[string]map[string]string
}

// entry is one catalog entry: a text, or plural forms by CLDR category.
type entry struct {
	Text   string
	Plural map[string]string
}

func (m *entry) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '{' {
		return json.Unmarshal(b, &m.Plural)
	}
	return json.Unmarshal(b, &m.Text)
}

// LoadCatalog reads locales/<code>.json from fsys for every language; en
// must exist, any other may be missing (then it is all English).
func LoadCatalog(fsys fs.FS) (*Catalog, error) {
	c := &Catalog{
		langs:   languages(),
		builder: catalog.NewBuilder(catalog.Fallback(language.English)),
		own:     map[string]map[string]entry{},
		raw:     map[string]map[string]string{},
	}
	tags := make([]language.Tag, len(c.langs))
	for i, l := range c.langs {
		tags[i] = l.tag
		b, err := fs.ReadFile(fsys, path.Join("locales", l.Code+".json"))
		if err != nil && l.Code == "en" {
			return nil, fmt.Errorf("catalog: %w", err)
		}
		msgs := map[string]entry{}
		if err == nil {
			if err := json.Unmarshal(b, &msgs); err != nil {
				return nil, fmt.Errorf("catalog %s.json: %w", l.Code, err)
			}
		}
		c.own[l.Code] = msgs
	}
	c.matcher = language.NewMatcher(tags)
	en := c.own["en"]
	for _, l := range c.langs {
		c.raw[l.Code] = map[string]string{}
		for key, enMsg := range en {
			m, ok := c.own[l.Code][key]
			if !ok {
				m = enMsg
			}
			if err := c.set(l, key, m); err != nil {
				return nil, err
			}
		}
	}
	return c, nil
}

// set adds one message of language l to the builder.
func (c *Catalog) set(l Language, key string, m entry) error {
	if m.Plural == nil {
		c.raw[l.Code][key] = m.Text
		return c.builder.SetString(l.tag, key, m.Text)
	}
	var cases []any
	for _, cat := range pluralOrder(l, m.Plural) {
		cases = append(cases, cat, m.Plural[cat])
	}
	if _, ok := m.Plural["other"]; !ok {
		return fmt.Errorf("catalog %s: %s: a plural message needs an \"other\" form", l.Code, key)
	}
	// Argument 1 is the count; its forms are written with %d.
	return c.builder.Set(l.tag, key, plural.Selectf(1, "%d", cases...))
}

// pluralOrder lists the categories of forms in the language's order, so
// "other" is tried last. A category the language does not have is left
// out: x/text prints nothing at all for a message that names one (a test
// keeps the catalogs free of them).
func pluralOrder(l Language, forms map[string]string) []string {
	var out []string
	for _, cat := range l.plurals {
		if _, ok := forms[cat]; ok {
			out = append(out, cat)
		}
	}
	return out
}

// Languages lists the consoles' languages, English first.
func (c *Catalog) Languages() []Language { return slices.Clone(c.langs) }

// Supported returns the language with code, and whether there is one.
func (c *Catalog) Supported(code string) (Language, bool) {
	for _, l := range c.langs {
		if strings.EqualFold(l.Code, code) {
			return l, true
		}
	}
	return Language{}, false
}

// Match picks the best of the consoles' languages for an Accept-Language
// header; English when nothing there is close.
func (c *Catalog) Match(acceptLanguage string) Language {
	tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(tags) == 0 {
		return c.langs[0]
	}
	_, i, conf := c.matcher.Match(tags...)
	if conf == language.No {
		return c.langs[0]
	}
	return c.langs[i]
}

// Printer formats messages in l.
func (c *Catalog) Printer(l Language) *message.Printer {
	return message.NewPrinter(l.tag, message.Catalog(c.builder))
}

// Strings returns the plain (non-plural) messages of l whose keys start
// with one of prefixes, English filled in: what a page's script needs.
func (c *Catalog) Strings(l Language, prefixes ...string) map[string]string {
	out := map[string]string{}
	for k, v := range c.raw[l.Code] {
		for _, p := range prefixes {
			if strings.HasPrefix(k, p) {
				out[k] = v
				break
			}
		}
	}
	return out
}

// Keys lists the keys language code translated itself, sorted.
func (c *Catalog) Keys(code string) []string {
	keys := make([]string, 0, len(c.own[code]))
	for k := range c.own[code] {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
