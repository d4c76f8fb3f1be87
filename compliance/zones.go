package compliance

import (
	"fmt"
	"sync"
	"time"

	"github.com/nyaruka/phonenumbers"
)

// NumberInfo is what the gate knows of a number from its digits alone.
type NumberInfo struct {
	// Valid is libphonenumber's verdict: a number no carrier can route is
	// refused before anything else.
	Valid bool
	// Region is the ISO country of the number (US, KZ …), "" if none.
	Region string
	// Zones are the IANA zones a geographic number may be in; empty for
	// toll-free, non-geographic and other numbers with no single region.
	Zones []string
}

// nonGeographic are number types whose digits say nothing of where the
// callee is: they take the campaign's default zone.
var nonGeographic = map[phonenumbers.PhoneNumberType]bool{
	phonenumbers.TOLL_FREE:       true,
	phonenumbers.PREMIUM_RATE:    true,
	phonenumbers.SHARED_COST:     true,
	phonenumbers.VOIP:            true,
	phonenumbers.PERSONAL_NUMBER: true,
	phonenumbers.UAN:             true,
	phonenumbers.VOICEMAIL:       true,
	phonenumbers.PAGER:           true,
}

// ZoneResolver maps numbers to zones and zone names to locations, caching
// both: parsing a number with libphonenumber costs tens of microseconds,
// far more than the rest of a decision.
type ZoneResolver struct {
	max int

	mu      sync.RWMutex
	numbers map[string]NumberInfo
	locs    map[string]*time.Location
}

// NewZoneResolver returns a resolver caching up to maxNumbers numbers (the
// cache is dropped whole when full: simple, and a campaign's working set
// refills it quickly).
func NewZoneResolver(maxNumbers int) *ZoneResolver {
	if maxNumbers <= 0 {
		maxNumbers = 1 << 20
	}
	return &ZoneResolver{max: maxNumbers, numbers: map[string]NumberInfo{}, locs: map[string]*time.Location{}}
}

// Lookup returns what the number's digits say. A string that is not E.164
// gives an error wrapping ErrBadNumber.
func (z *ZoneResolver) Lookup(number string) (NumberInfo, error) {
	z.mu.RLock()
	info, ok := z.numbers[number]
	z.mu.RUnlock()
	if ok {
		return info, nil
	}
	if !IsE164(number) {
		return NumberInfo{}, fmt.Errorf("%q: %w", number, ErrBadNumber)
	}
	pn, err := phonenumbers.Parse(number, "")
	if err != nil {
		return NumberInfo{}, fmt.Errorf("%q: %w", number, ErrBadNumber)
	}
	info.Valid = phonenumbers.IsValidNumber(pn)
	info.Region = phonenumbers.GetRegionCodeForNumber(pn)
	if info.Valid && !nonGeographic[phonenumbers.GetNumberType(pn)] {
		zs, err := phonenumbers.GetTimezonesForNumber(pn)
		if err != nil {
			return NumberInfo{}, fmt.Errorf("zones of %s: %w", number, err)
		}
		for _, name := range zs {
			if name != unknownZone && name != "" {
				info.Zones = append(info.Zones, name)
			}
		}
	}
	z.mu.Lock()
	if len(z.numbers) >= z.max {
		z.numbers = map[string]NumberInfo{}
	}
	z.numbers[number] = info
	z.mu.Unlock()
	return info, nil
}

// Location loads an IANA zone once.
func (z *ZoneResolver) Location(name string) (*time.Location, error) {
	z.mu.RLock()
	loc, ok := z.locs[name]
	z.mu.RUnlock()
	if ok {
		return loc, nil
	}
	if name == "" || name == "Local" {
		return nil, fmt.Errorf("zone %q: not an IANA zone", name)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("zone %q: %w", name, err)
	}
	z.mu.Lock()
	z.locs[name] = loc
	z.mu.Unlock()
	return loc, nil
}

// CheckTZData reports an error unless the zone data in use knows that
// Kazakhstan moved to a single UTC+5 zone on 1 March 2024: older data would
// put Almaty an hour off and calls outside the window.
func CheckTZData() error {
	loc, err := time.LoadLocation("Asia/Almaty")
	if err != nil {
		return fmt.Errorf("tz data: %w", err)
	}
	_, off := time.Date(2026, 6, 1, 12, 0, 0, 0, loc).Zone()
	if off != 5*3600 {
		return fmt.Errorf("tz data is out of date: Asia/Almaty is UTC%+d in 2026, want UTC+5 (tzdata 2024a or later)", off/3600)
	}
	return nil
}
