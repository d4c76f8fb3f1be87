package compliance

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
)

// AuditErased is the audit kind of a contact's erasure.
const AuditErased = "erased"

// PseudonymPrefix starts every pseudonym, so an erased number is told
// apart from a number at a glance (and never mistaken for E.164).
const PseudonymPrefix = "erased:"

// MinPseudonymKey is the shortest key Pseudonyms accepts (bytes).
const MinPseudonymKey = 16

// Pseudonyms turns a phone number into a keyed hash (HMAC-SHA-256,
// truncated to 128 bits): the same number always gives the same
// pseudonym, so an erased customer's number can still be blocked and
// matched, but without the key the pseudonym does not give the number back
// (a plain hash would: there are only so many phone numbers).
type Pseudonyms struct {
	key []byte
}

// NewPseudonyms returns pseudonyms under key (at least MinPseudonymKey
// bytes, kept secret and never changed: a new key would unblock every
// erased number).
func NewPseudonyms(key []byte) (*Pseudonyms, error) {
	if len(key) < MinPseudonymKey {
		return nil, fmt.Errorf("pseudonym key: %d bytes, want at least %d", len(key), MinPseudonymKey)
	}
	return &Pseudonyms{key: append([]byte(nil), key...)}, nil
}

// Of is number's pseudonym ("erased:" and 32 hex digits); a pseudonym is
// its own pseudonym.
func (p *Pseudonyms) Of(number string) string {
	if strings.HasPrefix(number, PseudonymPrefix) {
		return number
	}
	m := hmac.New(sha256.New, p.key)
	m.Write([]byte(number))
	return PseudonymPrefix + hex.EncodeToString(m.Sum(nil)[:16])
}

// SetPseudonyms makes Listed also match entries stored under a number's
// pseudonym (an erased customer's do-not-call entry).
func (x *DNCIndex) SetPseudonyms(p *Pseudonyms) {
	x.mu.Lock()
	x.pseudonyms = p
	x.mu.Unlock()
}

// Block replaces every internal entry of numbers (global list and scoped
// entries) by the same entries under the numbers' pseudonyms, and adds a
// global pseudonymous entry for each, so an erased customer is never
// called again while their number is nowhere in clear. list may be nil.
func (s *DNCStore) Block(ctx context.Context, p *Pseudonyms, list *DNCList, numbers []string, note string) error {
	now := msTime(s.clock().UnixMilli())
	for _, n := range numbers {
		ps := p.Of(n)
		if _, err := s.db.ExecContext(ctx, `UPDATE dnc_entries SET number = $1 WHERE number = $2 AND scope <> $3`,
			ps, n, ScopeRegistry); err != nil {
			return fmt.Errorf("block erased number: %w", err)
		}
		if _, err := s.db.ExecContext(ctx, `INSERT INTO dnc_entries (number, scope, scope_id, registry, source, note,
			requested_at, effective_at) VALUES ($1, $2, 0, '', $3, $4, $5, $5)`, ps, ScopeGlobal, SourceAPI, note,
			now.UnixMilli()); err != nil {
			return fmt.Errorf("block erased number: %w", err)
		}
		if list != nil {
			if err := list.forget(ctx, n); err != nil {
				return err
			}
		}
	}
	return s.Load(ctx)
}

// forget drops number from the list without an audit record of its own
// (the erasure's record covers it): its pseudonymous entry blocks it.
func (l *DNCList) forget(ctx context.Context, number string) error {
	if _, err := l.db.ExecContext(ctx, `DELETE FROM dnc_numbers WHERE number = $1`, number); err != nil {
		return fmt.Errorf("forget dnc %s: %w", number, err)
	}
	l.mu.Lock()
	delete(l.set, number)
	l.mu.Unlock()
	return nil
}
