package compliance_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/alo-dialer/alo/compliance"
	"github.com/alo-dialer/alo/sqldb"
)

// TestBlockErasedNumbers: on both engines, Block moves a number's entries
// (the API's list and scoped ones) to its pseudonym, adds a global one,
// and the index (fresh from SQL too) still bars the number, while the
// number itself is nowhere in the DNC tables. Without the pseudonyms set,
// the index does not see the erased entry: the key matters.
func TestBlockErasedNumbers(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
		clock := func() time.Time { return now }
		list := compliance.NewDNCList(db.DB, clock)
		idx := compliance.NewDNCIndex(list)
		store := compliance.NewDNCStore(db.DB, idx, nil, clock)
		const n, other = "+998901234567", "+998901234568"
		if err := list.AddDNC(ctx, n, "asked"); err != nil {
			t.Fatal(err)
		}
		if _, err := store.Add(ctx, compliance.DNCRecord{Number: n, Scope: compliance.ScopeCampaign, ScopeID: 3, Source: compliance.SourceAgent}); err != nil {
			t.Fatal(err)
		}
		ps, err := compliance.NewPseudonyms(bytes.Repeat([]byte{1}, 32))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := compliance.NewPseudonyms([]byte("short")); err == nil {
			t.Fatal("a 5-byte key was accepted")
		}
		idx.SetPseudonyms(ps)
		if err := store.Block(ctx, ps, list, []string{n}, "erased contact 1"); err != nil {
			t.Fatal(err)
		}
		later := now.Add(time.Minute)
		if _, ok := idx.Listed(n, 1, 9, nil, later); !ok {
			t.Fatal("erased number not barred")
		}
		if _, ok := idx.Listed(other, 1, 9, nil, later); ok {
			t.Fatal("another number barred")
		}
		var count int
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM dnc_entries WHERE number = $1`, n).Scan(&count); err != nil || count != 0 {
			t.Fatalf("%d entries still hold the number (%v)", count, err)
		}
		if list.Contains(n) {
			t.Fatal("the API's list still holds the number")
		}
		fresh := compliance.NewDNCIndex(compliance.NewDNCList(db.DB, clock))
		if err := compliance.NewDNCStore(db.DB, fresh, nil, clock).Load(ctx); err != nil {
			t.Fatal(err)
		}
		if _, ok := fresh.Listed(n, 1, 9, nil, later); ok {
			t.Fatal("barred without the key: the pseudonym is not keyed")
		}
		fresh.SetPseudonyms(ps)
		r, ok := fresh.Listed(n, 1, 9, nil, later)
		if !ok || !strings.HasPrefix(r.Number, compliance.PseudonymPrefix) {
			t.Fatalf("after a reload: %+v %v", r, ok)
		}
	})
}
