package compliance

import (
	"sync"
	"time"
)

// ConsentRecord is a person's consent to calls of one purpose and method,
// with its provenance; a revoked consent keeps its record.
type ConsentRecord struct {
	ID        int64      `json:"id,omitempty"`
	Number    string     `json:"number"`
	Purpose   string     `json:"purpose"`
	Method    string     `json:"method"`
	Source    string     `json:"source"`
	Proof     string     `json:"proof,omitempty"` // e.g. the form or recording id
	GrantedAt time.Time  `json:"granted_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

// ConsentIndex holds consent records in memory for the gate.
type ConsentIndex struct {
	mu       sync.RWMutex
	byNumber map[string][]ConsentRecord
}

// NewConsentIndex returns an empty index.
func NewConsentIndex() *ConsentIndex {
	return &ConsentIndex{byNumber: map[string][]ConsentRecord{}}
}

// Put adds or replaces (same id, when non-zero) a record.
func (c *ConsentIndex) Put(r ConsentRecord) {
	c.mu.Lock()
	defer c.mu.Unlock()
	rs := c.byNumber[r.Number]
	for i := range rs {
		if r.ID != 0 && rs[i].ID == r.ID {
			rs[i] = r
			return
		}
	}
	c.byNumber[r.Number] = append(rs, r)
}

func (c *ConsentIndex) replace(by map[string][]ConsentRecord) {
	c.mu.Lock()
	c.byNumber = by
	c.mu.Unlock()
}

// Find returns the consent in force at t for number, purpose and method.
func (c *ConsentIndex) Find(number, purpose, method string, t time.Time) (ConsentRecord, bool) {
	if c == nil {
		return ConsentRecord{}, false
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	for _, r := range c.byNumber[number] {
		if r.Purpose == purpose && r.Method == method && !t.Before(r.GrantedAt) &&
			(r.RevokedAt == nil || t.Before(*r.RevokedAt)) {
			return r, true
		}
	}
	return ConsentRecord{}, false
}
