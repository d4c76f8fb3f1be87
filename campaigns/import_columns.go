package campaigns

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/alo-dialer/alo/input"
)

// The contact fields an import column can fill. Any other column becomes a
// custom field named after its header (FieldCustom), shown to agents.
const (
	FieldPhone    = "phone" // the first number; phone2, phone3 … the next ones
	FieldName     = "name"
	FieldLanguage = "language"
	FieldTimeZone = "time_zone"
	FieldRegion   = "region"
	// FieldCountry is the country (ISO 3166 alpha-2) a row's numbers
	// written without a +code are read in, instead of the upload's.
	FieldCountry          = "country"
	FieldExternalID       = "external_id"
	FieldAppointmentAt    = "appointment_at"
	FieldAppointmentPlace = "appointment_place"
	// FieldIgnore drops a column.
	FieldIgnore = "ignore"
	// FieldCustom prefixes a custom field: "field:branch".
	FieldCustom = "field:"
)

// MaxPhonesPerContact bounds the numbers of one contact (phone … phone5).
const MaxPhonesPerContact = 5

// ColumnMap maps a file's header names (compared case-insensitively,
// spaces trimmed) to contact fields. Headers it does not name fall back to
// the default names below, then to custom fields. It is saved per campaign
// so a bank's monthly export loads the same way each time.
type ColumnMap map[string]string

// defaultColumns are the header names people use for each field in our
// markets' exports: English, Russian, Kazakh and Uzbek (Latin and Cyrillic).
var defaultColumns = map[string]string{
	"phone": FieldPhone, "phone1": FieldPhone, "number": FieldPhone, "msisdn": FieldPhone, "mobile": FieldPhone,
	"телефон": FieldPhone, "номер": FieldPhone, "номер телефона": FieldPhone, "мобильный": FieldPhone,
	"телефон нөмірі": FieldPhone, "telefon": FieldPhone, "telefon raqami": FieldPhone, "телефон рақами": FieldPhone,
	"phone2": "phone2", "телефон2": "phone2", "телефон 2": "phone2", "доп. телефон": "phone2", "additional phone": "phone2",
	"phone3": "phone3", "телефон3": "phone3", "телефон 3": "phone3",
	"name": FieldName, "full name": FieldName, "имя": FieldName, "фио": FieldName, "клиент": FieldName,
	"аты-жөні": FieldName, "аты": FieldName, "ism": FieldName, "f.i.sh": FieldName, "fish": FieldName, "исм": FieldName, "ф.и.ш": FieldName,
	"language": FieldLanguage, "lang": FieldLanguage, "язык": FieldLanguage, "тіл": FieldLanguage, "til": FieldLanguage,
	"time_zone": FieldTimeZone, "timezone": FieldTimeZone, "tz": FieldTimeZone, "часовой пояс": FieldTimeZone,
	"region": FieldRegion, "state": FieldRegion, "регион": FieldRegion, "область": FieldRegion, "облыс": FieldRegion, "viloyat": FieldRegion, "вилоят": FieldRegion,
	"country": FieldCountry, "country_code": FieldCountry, "страна": FieldCountry, "код страны": FieldCountry,
	"ел": FieldCountry, "мемлекет": FieldCountry, "mamlakat": FieldCountry, "мамлакат": FieldCountry, "davlat": FieldCountry,
	"external_id": FieldExternalID, "crm_id": FieldExternalID, "ext_id": FieldExternalID, "client_id": FieldExternalID, "id клиента": FieldExternalID,
	"appointment_at": FieldAppointmentAt, "appointment": FieldAppointmentAt, "дата визита": FieldAppointmentAt, "время записи": FieldAppointmentAt,
	// The result columns of an export (ExportCSV), so it loads back as the
	// same contacts.
	"contact_id": FieldIgnore, "contact_state": FieldIgnore, "attempts": FieldIgnore, "last_outcome": FieldIgnore,
	"next_due_at": FieldIgnore, "close_reason": FieldIgnore,
	"appointment_place": FieldAppointmentPlace, "place": FieldAppointmentPlace, "место": FieldAppointmentPlace, "адрес": FieldAppointmentPlace,
}

// importColumns is a header resolved to record positions.
type importColumns struct {
	phones           []int // positions of phone, phone2 … in calling order
	name, language   int
	timeZone, region int
	country          int
	externalID       int
	appointmentAt    int
	appointmentPlace int
	custom           map[string]int // custom field name → position
}

// normHeader is how headers and map keys are compared.
func normHeader(h string) string { return strings.ToLower(strings.Join(strings.Fields(h), " ")) }

// phoneSlot returns n ≥ 1 for "phone" (1) and "phoneN", else 0.
func phoneSlot(field string) int {
	if field == FieldPhone {
		return 1
	}
	if rest, ok := strings.CutPrefix(field, FieldPhone); ok {
		if n, err := strconv.Atoi(rest); err == nil && n >= 1 && n <= MaxPhonesPerContact {
			return n
		}
	}
	return 0
}

// validField reports whether f names a field a column can be mapped to.
func validField(f string) bool {
	switch f {
	case FieldName, FieldLanguage, FieldTimeZone, FieldRegion, FieldCountry, FieldExternalID,
		FieldAppointmentAt, FieldAppointmentPlace, FieldIgnore:
		return true
	}
	if name, ok := strings.CutPrefix(f, FieldCustom); ok {
		return strings.TrimSpace(name) != ""
	}
	return phoneSlot(f) > 0
}

// Validate checks every target of m, naming the first bad one.
func (m ColumnMap) Validate() error {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var ps input.Problems
	for _, k := range keys {
		if strings.TrimSpace(k) == "" {
			ps.Add("column_map", "an empty header name")
			continue
		}
		if !validField(m[k]) {
			ps.Addf(fmt.Sprintf("column_map[%q]", k), "%q is not a contact field (phone, phone2…phone%d, name, language, time_zone, region, country, external_id, appointment_at, appointment_place, ignore or field:<name>)",
				m[k], MaxPhonesPerContact)
		}
	}
	return ps.Err()
}

// resolve maps a header row to positions: the map first, then the default
// names, then custom fields. Two columns meaning the same field, or no
// phone column, make the file unreadable as contacts.
func (m ColumnMap) resolve(header []string) (importColumns, error) {
	cols := importColumns{name: -1, language: -1, timeZone: -1, region: -1, country: -1, externalID: -1,
		appointmentAt: -1, appointmentPlace: -1, custom: map[string]int{}}
	user := make(map[string]string, len(m))
	for k, v := range m {
		user[normHeader(k)] = v
	}
	phones := map[int]int{}
	seen := map[string]int{}
	for i, raw := range header {
		h := normHeader(raw)
		if i == 0 {
			h = strings.TrimPrefix(h, "\ufeff")
		}
		field, ok := user[h]
		if !ok {
			field, ok = defaultColumns[h]
		}
		if !ok {
			if h == "" {
				continue // an unnamed column carries nothing we can label
			}
			field = FieldCustom + strings.TrimSpace(raw)
		}
		if field == FieldIgnore {
			continue
		}
		if first, dup := seen[field]; dup {
			return cols, fmt.Errorf("contacts csv: header: columns %d and %d both mean %q: %w", first+1, i+1, field, ErrInvalid)
		}
		seen[field] = i
		switch field {
		case FieldName:
			cols.name = i
		case FieldLanguage:
			cols.language = i
		case FieldTimeZone:
			cols.timeZone = i
		case FieldRegion:
			cols.region = i
		case FieldCountry:
			cols.country = i
		case FieldExternalID:
			cols.externalID = i
		case FieldAppointmentAt:
			cols.appointmentAt = i
		case FieldAppointmentPlace:
			cols.appointmentPlace = i
		default:
			if n := phoneSlot(field); n > 0 {
				phones[n] = i
			} else if name, ok := strings.CutPrefix(field, FieldCustom); ok {
				cols.custom[name] = i
			}
		}
	}
	if _, ok := phones[1]; !ok {
		return cols, fmt.Errorf("contacts csv: header: no phone column (accepted names include phone, number, msisdn, телефон; or map one with column_map): %w", ErrInvalid)
	}
	for n := 1; n <= MaxPhonesPerContact; n++ {
		if i, ok := phones[n]; ok {
			cols.phones = append(cols.phones, i)
		}
	}
	return cols, nil
}
