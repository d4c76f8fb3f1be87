package campaigns

import (
	"context"
	"testing"
	"time"

	"github.com/alo-dialer/alo/internal/testenv"
)

// TestReadySetExtend: a held claim (a preview offer) does not expire at
// its first lease; extending a key nobody claimed claims nothing.
func TestReadySetExtend(t *testing.T) {
	ctx := context.Background()
	clock := newTestClock()
	r := NewReadySet(testenv.Redis(t), clock.Now)
	k := AttemptKey{CampaignID: 7, ContactID: 1, Number: 1}
	if err := r.Add(ctx, k, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Claim(ctx, 7, 1, "node-a", 30*time.Second); err != nil {
		t.Fatal(err)
	}
	if err := r.Extend(ctx, k, clock.Now().Add(10*time.Minute)); err != nil {
		t.Fatal(err)
	}
	other := AttemptKey{CampaignID: 7, ContactID: 2, Number: 1}
	if err := r.Extend(ctx, other, clock.Now().Add(10*time.Minute)); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Minute)
	if exp, err := r.ExpiredClaims(ctx, clock.Now()); err != nil || len(exp) != 0 {
		t.Fatalf("a held claim expired at its first lease: %+v, %v", exp, err)
	}
	clock.Advance(10 * time.Minute)
	if exp, err := r.ExpiredClaims(ctx, clock.Now()); err != nil || len(exp) != 1 || exp[0].Key != k {
		t.Fatalf("expired after the hold = %+v, %v; want only the claimed key", exp, err)
	}
}
