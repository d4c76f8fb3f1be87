package compliance

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// BasicRuleSet names the foundation rule set in the evidence, so an audit can
// tell which rules a decision applied.
const BasicRuleSet = "basic-1"

// BasicGate is the first gate: the campaign's daily hours in the callee's
// local time, and the internal DNC list. The full rule-set engine replaces it.
type BasicGate struct {
	dnc *DNCList

	mu    sync.Mutex
	zones zoneCache
}

// NewBasicGate returns a gate checking dnc and the request's window.
func NewBasicGate(dnc *DNCList) *BasicGate {
	return &BasicGate{dnc: dnc, zones: zoneCache{}}
}

// Check allows a call when the number is not on the DNC list and the local
// time is inside the window in every zone the callee may be in (when a number
// spans zones, the window is their intersection). It fails closed: a number
// with no zone and no fallback is denied.
func (g *BasicGate) Check(_ context.Context, req Request) (Decision, error) {
	d := Decision{RuleSet: BasicRuleSet, Checked: req.At.UTC().Format(time.RFC3339Nano)}
	if !IsE164(req.Number) {
		d.Reason = "number is not E.164"
		return d, nil
	}
	if g.dnc != nil && g.dnc.Contains(req.Number) {
		d.Reason = "number is on the internal DNC list"
		return d, nil
	}
	locs, err := g.locations(req)
	if err != nil {
		d.Reason = err.Error()
		return d, nil
	}
	inWindow := true
	for _, loc := range locs {
		lt := req.At.In(loc)
		d.Zones = append(d.Zones, loc.String())
		d.Local = append(d.Local, lt.Format("2006-01-02T15:04:05-07:00"))
		if !req.Window.Contains(lt) {
			inWindow = false
		}
	}
	if !inWindow {
		d.Reason = fmt.Sprintf("outside calling hours %s in %v", req.Window, d.Zones)
		d.NextAllowed = nextOpening(req.At, req.Window, locs)
		return d, nil
	}
	d.Allow = true
	d.Reason = fmt.Sprintf("inside calling hours %s; not on DNC", req.Window)
	return d, nil
}

// locations picks the zones to check: the contact's own zone wins; else every
// zone the number maps to; else the campaign's fallback zone.
func (g *BasicGate) locations(req Request) ([]*time.Location, error) {
	var names []string
	switch {
	case req.Zone != "":
		names = []string{req.Zone}
	default:
		zs, err := ZonesForNumber(req.Number)
		if err != nil {
			return nil, err
		}
		names = zs
		if len(names) == 0 && req.FallbackZone != "" {
			names = []string{req.FallbackZone}
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("%s: %w", req.Number, ErrNoZone)
	}
	out := make([]*time.Location, 0, len(names))
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, n := range names {
		loc, ok := g.zones[n]
		if !ok {
			var err error
			if loc, err = time.LoadLocation(n); err != nil {
				return nil, fmt.Errorf("zone %q: %w", n, err)
			}
			g.zones[n] = loc
		}
		out = append(out, loc)
	}
	return out, nil
}

// nextOpening finds the first minute after at when the window is open in
// every zone, looking at most 8 days ahead (a window that never opens in all
// zones at once gives the zero time).
func nextOpening(at time.Time, w Window, locs []*time.Location) time.Time {
	t := at.Truncate(time.Minute).Add(time.Minute)
	for end := at.Add(8 * 24 * time.Hour); t.Before(end); t = t.Add(time.Minute) {
		ok := true
		for _, loc := range locs {
			if !w.Contains(t.In(loc)) {
				ok = false
				break
			}
		}
		if ok {
			return t
		}
	}
	return time.Time{}
}

// String formats w as HH:MM–HH:MM.
func (w Window) String() string {
	return fmt.Sprintf("%02d:%02d-%02d:%02d", w.Start/60, w.Start%60, w.End/60, w.End%60)
}
