package campaigns

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/alo-dialer/alo/input"
	"github.com/nyaruka/phonenumbers"
)

// MaxNameLength bounds a contact's name (in characters); longer text is
// almost always a broken column split, not a name.
const MaxNameLength = 200

// PhoneError says why a raw phone string could not become an E.164 number.
// It matches ErrInvalid, so the API answers 400.
type PhoneError struct {
	Raw    string
	Reason string
}

// Error quotes the raw input and the reason.
func (e *PhoneError) Error() string { return fmt.Sprintf("%q: %s", e.Raw, e.Reason) }

// Unwrap makes errors.Is(err, ErrInvalid) true.
func (e *PhoneError) Unwrap() error { return ErrInvalid }

// NormalizePhone turns a number as people write it ("+998 90 123-45-67",
// "8 (701) 123-45-67") into E.164. region is the ISO 3166 alpha-2 country used
// for numbers written without a country code (national prefixes such as
// KZ's 8 or UA's 0 are understood); it may be empty when every number
// carries its +country code. The trunk only takes E.164, and a number that
// is not valid for its country would only come back as invalid_number after
// costing a call set-up, so it is refused here.
func NormalizePhone(raw, region string) (string, error) {
	s := strings.TrimSpace(raw)
	region = strings.ToUpper(strings.TrimSpace(region))
	if s == "" {
		return "", &PhoneError{Raw: raw, Reason: "empty"}
	}
	if region != "" && !phonenumbers.GetSupportedRegions()[region] {
		return "", &PhoneError{Raw: raw, Reason: fmt.Sprintf("unknown region %q (want an ISO 3166 alpha-2 code such as UZ)", region)}
	}
	num, err := phonenumbers.Parse(s, region)
	if err != nil {
		switch {
		case errors.Is(err, phonenumbers.ErrInvalidCountryCode) && region == "" && !strings.HasPrefix(s, "+"):
			return "", &PhoneError{Raw: raw, Reason: "no country code: write it as +<country code> or give a default region"}
		case errors.Is(err, phonenumbers.ErrInvalidCountryCode):
			return "", &PhoneError{Raw: raw, Reason: "not a phone number: unknown country code"}
		default:
			return "", &PhoneError{Raw: raw, Reason: "not a phone number: " + err.Error()}
		}
	}
	if num.GetExtension() != "" {
		return "", &PhoneError{Raw: raw, Reason: "has an extension, which a dialer cannot call"}
	}
	if !phonenumbers.IsValidNumber(num) {
		if region != "" && !strings.HasPrefix(s, "+") && !strings.HasPrefix(s, "00") {
			return "", &PhoneError{Raw: raw, Reason: "not a valid number for region " + region}
		}
		cc := num.GetCountryCode()
		if r := phonenumbers.GetRegionCodeForCountryCode(int(cc)); r != "" && r != "ZZ" {
			return "", &PhoneError{Raw: raw, Reason: fmt.Sprintf("not a valid number for region %s (+%d)", r, cc)}
		}
		return "", &PhoneError{Raw: raw, Reason: fmt.Sprintf("not a valid number (+%d)", cc)}
	}
	return phonenumbers.Format(num, phonenumbers.E164), nil
}

// RowError is one rejected row of an import. Line is the physical line the
// record starts on (a quoted field may span lines), counting the header as
// line 1, so a person can find it in an editor.
type RowError struct {
	Line   int    `json:"line"`
	Field  string `json:"field,omitempty"`
	Reason string `json:"reason"`
}

// Error formats the row error as "line N: field: reason".
func (e RowError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("line %d: %s", e.Line, e.Reason)
	}
	return fmt.Sprintf("line %d: %s: %s", e.Line, e.Field, e.Reason)
}

// The columns a contacts file may have. Each maps from the header names
// people use (compared case-insensitively, spaces trimmed).
const (
	colPhone    = "phone"
	colName     = "name"
	colTimeZone = "time_zone"
)

// headerAliases names every accepted header for each column; the intake
// issue's column mappings extend this table.
var headerAliases = map[string]string{
	"phone":     colPhone,
	"number":    colPhone,
	"msisdn":    colPhone,
	"телефон":   colPhone,
	"name":      colName,
	"имя":       colName,
	"time_zone": colTimeZone,
	"timezone":  colTimeZone,
	"tz":        colTimeZone,
}

// utf8BOM is what Excel writes at the start of a "CSV UTF-8" file.
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// headerPeek bounds how far ahead the separator is looked for: the header
// line must fit in it.
const headerPeek = 64 << 10

// ParseContactsCSV reads a contacts file: a header row naming a phone
// column (phone, number, msisdn or телефон) and optionally name and
// time_zone, then one contact per record. The separator (comma, semicolon
// as Excel writes in CIS locales, or tab) is read off the header line; a
// UTF-8 BOM is skipped. Numbers are normalised with NormalizePhone against
// region. Bad rows are returned as RowErrors with the line they start on,
// and the good rows are kept (docs/architecture.md invariant 6). The error is for a
// file that cannot be read as contacts at all: no header, no phone column,
// or a read failure.
func ParseContactsCSV(r io.Reader, region string) ([]NewContact, []RowError, error) {
	br := bufio.NewReaderSize(r, headerPeek)
	if b, _ := br.Peek(len(utf8BOM)); bytes.Equal(b, utf8BOM) {
		if _, err := br.Discard(len(utf8BOM)); err != nil {
			return nil, nil, fmt.Errorf("contacts csv: %w", err)
		}
	}
	sep, err := detectSeparator(br)
	if err != nil {
		return nil, nil, err
	}
	cr := csv.NewReader(br)
	cr.Comma = sep
	cr.FieldsPerRecord = -1 // checked per row, so a short row is a RowError, not the end
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, nil, fmt.Errorf("contacts csv: empty file: a header row with a %q column is required: %w", colPhone, ErrInvalid)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("contacts csv: header: %w: %w", err, ErrInvalid)
	}
	cols, err := mapHeader(header)
	if err != nil {
		return nil, nil, err
	}
	p := contactRows{cols: cols, width: len(header), region: region, seen: map[string]int{}, zones: map[string]string{}}
	contacts := []NewContact{}
	var bad []RowError
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			// The reader has consumed the broken record; carry on with the next.
			bad = append(bad, RowError{Line: pe.StartLine, Reason: "malformed CSV: " + pe.Err.Error()})
			continue
		}
		if err != nil {
			return nil, nil, fmt.Errorf("contacts csv: read: %w", err)
		}
		line, _ := cr.FieldPos(0)
		c, rowErr, skip := p.contact(rec, line)
		switch {
		case skip:
		case rowErr != nil:
			bad = append(bad, *rowErr)
		default:
			contacts = append(contacts, c)
		}
	}
	return contacts, bad, nil
}

// detectSeparator reads the separator off the header line (separatorOf).
func detectSeparator(br *bufio.Reader) (rune, error) {
	b, err := br.Peek(headerPeek)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return 0, fmt.Errorf("contacts csv: read: %w", err)
	}
	return separatorOf(b), nil
}

// columns holds the index of each known column in a record; -1 if absent.
type columns struct {
	phone, name, timeZone int
}

func mapHeader(header []string) (columns, error) {
	cols := columns{phone: -1, name: -1, timeZone: -1}
	for i, h := range header {
		key := strings.ToLower(strings.TrimSpace(h))
		var slot *int
		switch headerAliases[key] {
		case colPhone:
			slot = &cols.phone
		case colName:
			slot = &cols.name
		case colTimeZone:
			slot = &cols.timeZone
		default:
			continue // unknown columns are ignored; later issues map them
		}
		if *slot >= 0 {
			return cols, fmt.Errorf("contacts csv: header: columns %d and %d both mean %q: %w", *slot+1, i+1, headerAliases[key], ErrInvalid)
		}
		*slot = i
	}
	if cols.phone < 0 {
		return cols, fmt.Errorf("contacts csv: header: no %q column (accepted names: phone, number, msisdn, телефон): %w", colPhone, ErrInvalid)
	}
	return cols, nil
}

// contactRows turns records into contacts, remembering the numbers seen so
// far: one person listed twice would otherwise be called twice.
type contactRows struct {
	cols   columns
	width  int
	region string
	seen   map[string]int // E.164 → line of its first row
	// zones memoises CheckTimeZone: time.LoadLocation reads the zone file
	// each time, and a file names the same few zones a million times.
	zones map[string]string // raw zone → reason ("" when fine)
}

// contact checks one record. skip is true for a blank record (a trailing
// ";;;" row Excel leaves), which is neither a contact nor an error.
func (p *contactRows) contact(rec []string, line int) (c NewContact, rowErr *RowError, skip bool) {
	blank := true
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			blank = false
		}
		if !utf8.ValidString(f) {
			return c, &RowError{Line: line, Reason: "not UTF-8 text (save the file as CSV UTF-8)"}, false
		}
	}
	if blank {
		return c, nil, true
	}
	if len(rec) != p.width {
		return c, &RowError{Line: line, Reason: fmt.Sprintf("%d fields, the header has %d", len(rec), p.width)}, false
	}
	phone, err := NormalizePhone(rec[p.cols.phone], p.region)
	if err != nil {
		return c, &RowError{Line: line, Field: colPhone, Reason: err.Error()}, false
	}
	c.Phone = phone
	if p.cols.name >= 0 {
		name, reason := CleanName(rec[p.cols.name])
		if reason != "" {
			return c, &RowError{Line: line, Field: colName, Reason: reason}, false
		}
		c.Name = name
	}
	if p.cols.timeZone >= 0 {
		tz := strings.TrimSpace(rec[p.cols.timeZone])
		reason, known := p.zones[tz]
		if !known {
			_, reason = CheckTimeZone(tz)
			p.zones[tz] = reason
		}
		if reason != "" {
			return c, &RowError{Line: line, Field: colTimeZone, Reason: reason}, false
		}
		c.TimeZone = tz
	}
	if first, dup := p.seen[phone]; dup {
		return c, &RowError{Line: line, Field: colPhone, Reason: fmt.Sprintf("duplicate of line %d", first)}, false
	}
	p.seen[phone] = line
	return c, nil, false
}

// CleanName collapses runs of white space in a contact's name (a quoted
// CSV field may hold a line break) into one space and checks it; reason is
// empty when the name is acceptable (an empty name is). Other control
// characters are refused because names end up in SIP display names and
// consoles.
func CleanName(raw string) (name, reason string) {
	name = strings.Join(strings.Fields(raw), " ")
	if utf8.RuneCountInString(name) > MaxNameLength {
		return "", fmt.Sprintf("longer than %d characters", MaxNameLength)
	}
	if p := input.TextProblem(name); p != "" {
		return "", p
	}
	return name, ""
}

// CheckTimeZone trims an IANA zone name and checks that it exists; reason
// is empty when it is acceptable (an empty zone is: the number's zone or
// the campaign's applies). "Local" is refused: it means the server's zone,
// never the contact's.
func CheckTimeZone(raw string) (tz, reason string) {
	tz = strings.TrimSpace(raw)
	if tz == "" {
		return "", ""
	}
	if tz == "Local" {
		return "", `"Local" is not a time zone; use an IANA name such as Asia/Tashkent`
	}
	if _, err := time.LoadLocation(tz); err != nil {
		return "", fmt.Sprintf("unknown time zone %q (use an IANA name such as Asia/Tashkent)", tz)
	}
	return tz, ""
}
