package campaigns

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/alo-dialer/alo/internal/testenv"
)

func TestReadySet(t *testing.T) {
	ctx := context.Background()
	rdb := testenv.Redis(t)
	clock := newTestClock()
	r := NewReadySet(rdb, clock.Now)
	k := func(contact int64) AttemptKey { return AttemptKey{CampaignID: 7, ContactID: contact, Number: 1} }

	for _, c := range []struct {
		contact int64
		score   float64
	}{{3, 300}, {1, 100}, {2, 200}, {1, 50} /* NX: keeps 100 */, {4, 400}} {
		if err := r.Add(ctx, k(c.contact), c.score); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Add(ctx, AttemptKey{CampaignID: 8, ContactID: 1, Number: 1}, 1); err != nil {
		t.Fatal(err)
	}
	if n, err := r.Len(ctx, 7); err != nil || n != 4 {
		t.Fatalf("Len = %d, %v; want 4 (Add is idempotent)", n, err)
	}

	got, err := r.Claim(ctx, 7, 2, "node-a", 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0] != k(1) || got[1] != k(2) {
		t.Fatalf("Claim = %v, want contacts 1 and 2 (lowest scores)", got)
	}
	// A task that asynq runs twice must not copy a claimed attempt back.
	if err := r.Add(ctx, k(1), 1); err != nil {
		t.Fatal(err)
	}

	checks := []struct {
		name             string
		key              AttemptKey
		ready, isClaimed bool
	}{
		{"claimed", k(1), false, true},
		{"claimed too", k(2), false, true},
		{"still ready", k(3), true, false},
		{"other campaign", AttemptKey{CampaignID: 8, ContactID: 1, Number: 1}, true, false},
		{"never added", k(9), false, false},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			in, err := r.Contains(ctx, c.key)
			if err != nil || in != c.ready {
				t.Fatalf("Contains = %v, %v; want %v", in, err, c.ready)
			}
			cl, err := r.Claimed(ctx, c.key)
			if err != nil || cl != c.isClaimed {
				t.Fatalf("Claimed = %v, %v; want %v", cl, err, c.isClaimed)
			}
		})
	}

	if exp, err := r.ExpiredClaims(ctx, clock.Now()); err != nil || len(exp) != 0 {
		t.Fatalf("ExpiredClaims before the lease ends = %+v, %v", exp, err)
	}
	clock.Advance(10 * time.Second)
	exp, err := r.ExpiredClaims(ctx, clock.Now())
	if err != nil || len(exp) != 2 || exp[0].Owner != "node-a" || !exp[0].Expires.Equal(clock.Now()) {
		t.Fatalf("ExpiredClaims = %+v, %v", exp, err)
	}

	// Release: the claim ends and the key leaves Redis.
	if err := r.Release(ctx, k(2)); err != nil {
		t.Fatal(err)
	}
	if err := r.Release(ctx, k(2)); err != nil {
		t.Fatalf("second Release: %v", err)
	}
	// Return: back in the ready set with its original score (ahead of 3).
	if err := r.Return(ctx, k(1)); err != nil {
		t.Fatal(err)
	}
	if err := r.Return(ctx, k(1)); err != nil {
		t.Fatalf("Return of an unclaimed key: %v", err)
	}
	if exp, _ := r.ExpiredClaims(ctx, clock.Now()); len(exp) != 0 {
		t.Fatalf("claims left after Release and Return: %+v", exp)
	}
	got, err = r.Claim(ctx, 7, 10, "node-b", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0] != k(1) || got[1] != k(3) || got[2] != k(4) {
		t.Fatalf("Claim after Return = %v, want contacts 1, 3, 4", got)
	}
	if got, err := r.Claim(ctx, 7, 10, "node-b", time.Second); err != nil || len(got) != 0 {
		t.Fatalf("Claim of an empty set = %v, %v", got, err)
	}
}

func TestReadySetDropsGarbage(t *testing.T) {
	ctx := context.Background()
	rdb := testenv.Redis(t)
	r := NewReadySet(rdb, newTestClock().Now)
	// Written by something else: not an attempt key, or another campaign's.
	rdb.ZAdd(ctx, readyKey(5), redisZ(1, "garbage"), redisZ(2, "6/1/1"), redisZ(3, "5/1/1"))
	got, err := r.Claim(ctx, 5, 10, "n", time.Second)
	if err != nil || len(got) != 1 || got[0] != (AttemptKey{CampaignID: 5, ContactID: 1, Number: 1}) {
		t.Fatalf("Claim = %v, %v; want only 5/1/1", got, err)
	}
	if n, _ := rdb.HLen(ctx, claimsKey(5)).Result(); n != 1 {
		t.Fatalf("%d claims recorded, want 1 (garbage dropped)", n)
	}
}

func TestNodes(t *testing.T) {
	ctx := context.Background()
	n := NewNodes(testenv.Redis(t), newTestClock().Now)
	if err := n.Beat(ctx, "a", time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := n.Beat(ctx, "short", 50*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if err := n.Beat(ctx, "leaver", time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := n.Leave(ctx, "leaver"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		node  string
		alive bool
	}{{"a", true}, {"never", false}, {"leaver", false}} {
		if ok, err := n.Alive(ctx, c.node); err != nil || ok != c.alive {
			t.Errorf("Alive(%s) = %v, %v; want %v", c.node, ok, err, c.alive)
		}
	}
	// The TTL is Redis's: poll until it lapses.
	deadline := time.Now().Add(5 * time.Second)
	for {
		ok, err := n.Alive(ctx, "short")
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("node with a 50 ms TTL still alive after 5 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func redisZ(score float64, member string) redis.Z { return redis.Z{Score: score, Member: member} }
