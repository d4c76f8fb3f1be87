package compliance

import (
	"strings"
	"sync"
	"time"
)

// DNC scopes: an internal entry applies to every call (global), to one
// client's campaigns, or to one campaign; a registry entry comes from an
// imported national list (us-ndnc, uk-tps …).
const (
	ScopeGlobal   = "global"
	ScopeClient   = "client"
	ScopeCampaign = "campaign"
	ScopeRegistry = "registry"
)

// DNC sources: where a do-not-call request came from, kept as evidence.
const (
	SourceAgent    = "agent"
	SourceKeyPress = "key_press"
	SourceAPI      = "api"
	SourceImport   = "import"
)

// DNCRecord is one do-not-call entry with its scope and provenance.
type DNCRecord struct {
	ID      int64  `json:"id,omitempty"`
	Number  string `json:"number"`
	Scope   string `json:"scope"`
	ScopeID int64  `json:"scope_id,omitempty"` // client or campaign id
	// Registry names the imported registry of a registry entry.
	Registry string `json:"registry,omitempty"`
	Source   string `json:"source"`
	Note     string `json:"note,omitempty"`
	// RequestedAt is when the person asked; EffectiveAt when alo began
	// honouring it (the FCC's "reasonable time" is measured between them).
	RequestedAt time.Time  `json:"requested_at"`
	EffectiveAt time.Time  `json:"effective_at"`
	ExpiresAt   *time.Time `json:"expires_at,omitempty"`
}

// active reports whether r bars calls at t.
func (r DNCRecord) active(t time.Time) bool {
	return !t.Before(r.EffectiveAt) && (r.ExpiresAt == nil || t.Before(*r.ExpiresAt))
}

// DNCIndex holds every DNC entry and registry download date in memory, so
// the gate decides without a query. DNCStore keeps it in step with SQL.
type DNCIndex struct {
	mu         sync.RWMutex
	byNumber   map[string][]DNCRecord
	registries map[string]time.Time
	// global is the Foundation's internal list (web's /api/v1/dnc), which
	// counts as the global scope.
	global *DNCList
	// pseudonyms, when set, also find entries kept under a number's keyed
	// hash (erased customers); hashed counts them, so a node without any
	// computes no hash.
	pseudonyms *Pseudonyms
	hashed     int
}

// NewDNCIndex returns an empty index; global, if not nil, is consulted as
// the global scope too.
func NewDNCIndex(global *DNCList) *DNCIndex {
	return &DNCIndex{byNumber: map[string][]DNCRecord{}, registries: map[string]time.Time{}, global: global}
}

// Put adds r to the index.
func (x *DNCIndex) Put(r DNCRecord) {
	x.mu.Lock()
	x.byNumber[r.Number] = append(x.byNumber[r.Number], r)
	if strings.HasPrefix(r.Number, PseudonymPrefix) {
		x.hashed++
	}
	x.mu.Unlock()
}

// replace swaps the whole content (after a load from SQL).
func (x *DNCIndex) replace(by map[string][]DNCRecord, regs map[string]time.Time) {
	hashed := 0
	for n, rs := range by {
		if strings.HasPrefix(n, PseudonymPrefix) {
			hashed += len(rs)
		}
	}
	x.mu.Lock()
	x.byNumber, x.registries, x.hashed = by, regs, hashed
	x.mu.Unlock()
}

// removeID drops the entry with id from number's entries.
func (x *DNCIndex) removeID(number string, id int64) {
	x.mu.Lock()
	defer x.mu.Unlock()
	rs := x.byNumber[number]
	out := rs[:0]
	for _, r := range rs {
		if r.ID != id {
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		delete(x.byNumber, number)
	} else {
		x.byNumber[number] = out
	}
}

// SetRegistry records when a registry's copy was downloaded.
func (x *DNCIndex) SetRegistry(name string, downloadedAt time.Time) {
	x.mu.Lock()
	x.registries[name] = downloadedAt
	x.mu.Unlock()
}

// Registry returns when the registry's copy in use was downloaded.
func (x *DNCIndex) Registry(name string) (time.Time, bool) {
	x.mu.RLock()
	t, ok := x.registries[name]
	x.mu.RUnlock()
	return t, ok
}

// Listed returns the first entry barring a call to number at t for the
// client and campaign, honouring registry entries only of the named
// registries.
func (x *DNCIndex) Listed(number string, clientID, campaignID int64, registries []RegistryRule, t time.Time) (DNCRecord, bool) {
	if x.global != nil && x.global.Contains(number) {
		return DNCRecord{Number: number, Scope: ScopeGlobal, Source: SourceAPI}, true
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	if r, ok := x.match(x.byNumber[number], clientID, campaignID, registries, t); ok {
		return r, true
	}
	if x.pseudonyms != nil && x.hashed > 0 {
		return x.match(x.byNumber[x.pseudonyms.Of(number)], clientID, campaignID, registries, t)
	}
	return DNCRecord{}, false
}

// match returns the first of rs barring the call.
func (x *DNCIndex) match(rs []DNCRecord, clientID, campaignID int64, registries []RegistryRule, t time.Time) (DNCRecord, bool) {
	for _, r := range rs {
		if !r.active(t) {
			continue
		}
		switch r.Scope {
		case ScopeGlobal:
			return r, true
		case ScopeClient:
			if r.ScopeID == clientID {
				return r, true
			}
		case ScopeCampaign:
			if r.ScopeID == campaignID {
				return r, true
			}
		case ScopeRegistry:
			for _, g := range registries {
				if g.Name == r.Registry {
					return r, true
				}
			}
		}
	}
	return DNCRecord{}, false
}
