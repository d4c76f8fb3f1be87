package campaigns

import (
	"fmt"
	"strings"
	"time"
)

// ContactInput is a contact as a CRM sends it through the API, unchecked.
type ContactInput struct {
	Phone string `json:"phone"`
	// Phones are further numbers, in calling order, after Phone.
	Phones   []string `json:"phones,omitempty"`
	Name     string   `json:"name,omitempty"`
	TimeZone string   `json:"time_zone,omitempty"`
	Language string   `json:"language,omitempty"`
	Region   string   `json:"region,omitempty"`
	// Country (ISO 3166 alpha-2) reads this contact's numbers written
	// without a +code, instead of the campaign's default region.
	Country          string            `json:"country,omitempty"`
	ExternalID       string            `json:"external_id,omitempty"`
	Fields           map[string]string `json:"fields,omitempty"`
	AppointmentAt    *time.Time        `json:"appointment_at,omitempty"`
	AppointmentPlace string            `json:"appointment_place,omitempty"`
}

// Check normalises in the way the CSV importer does (numbers read with the
// contact's country, else the default region; text trimmed, zone and
// language checked) and returns the contact, or the field at fault and why.
func (in ContactInput) Check(region string) (nc NewContact, field, reason string) {
	return in.CheckWith(NewPhoneNormalizer(), region)
}

// CheckWith is Check with a PhoneNormalizer shared across a batch.
func (in ContactInput) CheckWith(pn *PhoneNormalizer, region string) (nc NewContact, field, reason string) {
	if c := strings.TrimSpace(in.Country); c != "" {
		code := strings.ToUpper(c)
		if reason := countryReason(code, c); reason != "" {
			return nc, "country", reason
		}
		region = code
	}
	phone, err := pn.Normalize(in.Phone, region)
	if err != nil {
		return nc, "phone", err.Error()
	}
	nc.Phone = phone
	for i, raw := range in.Phones {
		p, err := pn.Normalize(raw, region)
		if err != nil {
			return NewContact{}, fmt.Sprintf("phones[%d]", i), err.Error()
		}
		if p != phone && !containsString(nc.MorePhones, p) {
			nc.MorePhones = append(nc.MorePhones, p)
		}
	}
	if len(nc.MorePhones) >= MaxPhonesPerContact {
		return NewContact{}, "phones", fmt.Sprintf("at most %d numbers per contact", MaxPhonesPerContact)
	}
	if nc.Name, reason = CleanName(in.Name); reason != "" {
		return NewContact{}, "name", reason
	}
	if nc.TimeZone, reason = CheckTimeZone(in.TimeZone); reason != "" {
		return NewContact{}, "time_zone", reason
	}
	if nc.Language, reason = checkLanguage(in.Language); reason != "" {
		return NewContact{}, "language", reason
	}
	if nc.Region, reason = checkText(in.Region, maxRegionLength); reason != "" {
		return NewContact{}, "region", reason
	}
	if isASCII(nc.Region) {
		nc.Region = strings.ToUpper(nc.Region)
	}
	if nc.ExternalID, reason = checkText(in.ExternalID, maxExternalIDLength); reason != "" {
		return NewContact{}, "external_id", reason
	}
	if nc.AppointmentPlace, reason = checkText(in.AppointmentPlace, maxPlaceLength); reason != "" {
		return NewContact{}, "appointment_place", reason
	}
	nc.AppointmentAt = in.AppointmentAt
	for k, v := range in.Fields {
		name := strings.TrimSpace(k)
		if name == "" {
			return NewContact{}, "fields", "a field with an empty name"
		}
		if v, reason = checkNote(v, maxCustomLength); reason != "" {
			return NewContact{}, "fields." + name, reason
		}
		if v == "" {
			continue
		}
		if nc.Fields == nil {
			nc.Fields = map[string]string{}
		}
		nc.Fields[name] = v
	}
	return nc, "", ""
}
