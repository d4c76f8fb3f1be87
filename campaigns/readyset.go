package campaigns

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// The ready set of a campaign is a sorted set of attempt keys scored by due
// time (ms): attempts that may be dialed now, oldest first. A claim moves a
// key out of it into the campaign's claims hash (key → "score|owner") and
// leases sorted set (key → lease expiry ms), atomically, so that at any
// moment a key is in at most one of them. The three keys share a hash tag so
// that each script touches one Redis Cluster slot.

func readyKey(campaignID int64) string  { return fmt.Sprintf("alo:campaign:{%d}:ready", campaignID) }
func claimsKey(campaignID int64) string { return fmt.Sprintf("alo:campaign:{%d}:claims", campaignID) }
func leasesKey(campaignID int64) string { return fmt.Sprintf("alo:campaign:{%d}:leases", campaignID) }

// claimCampaignsKey lists the campaigns that have ever had a claim, so that
// ExpiredClaims knows which leases to scan.
const claimCampaignsKey = "alo:claim-campaigns"

// addScript adds a key to the ready set unless it is already there (NX
// keeps its first score) or currently claimed (a task that asynq ran twice
// must not make a second copy of a claimed attempt).
var addScript = redis.NewScript(`
if redis.call('HEXISTS', KEYS[2], ARGV[2]) == 1 then return 0 end
return redis.call('ZADD', KEYS[1], 'NX', ARGV[1], ARGV[2])
`)

// claimScript pops up to ARGV[1] lowest-score members and records a claim
// for each: owner ARGV[2], lease expiry ARGV[3] (ms).
var claimScript = redis.NewScript(`
local items = redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1, 'WITHSCORES')
local out = {}
for i = 1, #items, 2 do
  local m = items[i]
  redis.call('ZREM', KEYS[1], m)
  redis.call('HSET', KEYS[2], m, items[i + 1] .. '|' .. ARGV[2])
  redis.call('ZADD', KEYS[3], ARGV[3], m)
  out[#out + 1] = m
end
return out
`)

// releaseScript ends a claim (dialed or blocked).
var releaseScript = redis.NewScript(`
redis.call('ZREM', KEYS[2], ARGV[1])
return redis.call('HDEL', KEYS[1], ARGV[1])
`)

// returnScript moves a claim back to the ready set with its original score.
var returnScript = redis.NewScript(`
local v = redis.call('HGET', KEYS[2], ARGV[1])
if not v then return 0 end
local sep = string.find(v, '|', 1, true)
local score = '0'
if sep then score = string.sub(v, 1, sep - 1) end
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('ZADD', KEYS[1], score, ARGV[1])
return 1
`)

// Claim is a claimed attempt as the reconciler sees it.
type Claim struct {
	Key     AttemptKey
	Owner   string
	Expires time.Time
}

// ReadySet is the Redis side of the ready and claimed states: per campaign,
// the attempts that may be dialed now and the claims nodes hold on them.
type ReadySet struct {
	rdb   redis.UniversalClient
	clock func() time.Time
}

// NewReadySet returns a ReadySet on rdb; clock sets lease expiries.
func NewReadySet(rdb redis.UniversalClient, clock func() time.Time) *ReadySet {
	return &ReadySet{rdb: rdb, clock: clock}
}

// Add puts key into its campaign's ready set with score (due time, ms).
// It is idempotent: a key already ready keeps its score, a claimed key is
// left alone.
func (r *ReadySet) Add(ctx context.Context, key AttemptKey, score float64) error {
	err := addScript.Run(ctx, r.rdb, []string{readyKey(key.CampaignID), claimsKey(key.CampaignID)},
		score, key.String()).Err()
	if err != nil {
		return fmt.Errorf("ready set add %s: %w", key, err)
	}
	return nil
}

// Claim atomically pops up to n of the campaign's ready attempts, lowest
// score first, and records a claim on each by owner until now+lease.
// The caller must Release each (dialed or blocked) or Return it.
func (r *ReadySet) Claim(ctx context.Context, campaignID int64, n int, owner string, lease time.Duration) ([]AttemptKey, error) {
	if n <= 0 {
		return nil, nil
	}
	if err := r.rdb.SAdd(ctx, claimCampaignsKey, campaignID).Err(); err != nil {
		return nil, fmt.Errorf("claim from campaign %d: %w", campaignID, err)
	}
	expires := r.clock().Add(lease).UnixMilli()
	members, err := claimScript.Run(ctx, r.rdb,
		[]string{readyKey(campaignID), claimsKey(campaignID), leasesKey(campaignID)},
		n, owner, expires).StringSlice()
	if err != nil {
		return nil, fmt.Errorf("claim from campaign %d: %w", campaignID, err)
	}
	keys := make([]AttemptKey, 0, len(members))
	var bad []error
	for _, m := range members {
		k, err := ParseAttemptKey(m)
		if err == nil && k.CampaignID != campaignID {
			err = fmt.Errorf("attempt key %q is not of campaign %d", m, campaignID)
		}
		if err != nil {
			// Not ours to dial: drop it from the claims so it cannot linger.
			bad = append(bad, err)
			r.rdb.HDel(ctx, claimsKey(campaignID), m)
			r.rdb.ZRem(ctx, leasesKey(campaignID), m)
			continue
		}
		keys = append(keys, k)
	}
	if len(bad) > 0 && len(keys) == 0 {
		return nil, fmt.Errorf("claim from campaign %d: %w", campaignID, errors.Join(bad...))
	}
	return keys, nil
}

// Release ends the claim on key: the attempt reached dialing or was
// blocked, so it leaves Redis. Releasing an unclaimed key is a no-op.
func (r *ReadySet) Release(ctx context.Context, key AttemptKey) error {
	err := releaseScript.Run(ctx, r.rdb, []string{claimsKey(key.CampaignID), leasesKey(key.CampaignID)},
		key.String()).Err()
	if err != nil {
		return fmt.Errorf("release claim %s: %w", key, err)
	}
	return nil
}

// Return puts a claimed key back into the ready set with its original
// score (it was never dialed). Returning an unclaimed key is a no-op.
func (r *ReadySet) Return(ctx context.Context, key AttemptKey) error {
	err := returnScript.Run(ctx, r.rdb,
		[]string{readyKey(key.CampaignID), claimsKey(key.CampaignID), leasesKey(key.CampaignID)},
		key.String()).Err()
	if err != nil {
		return fmt.Errorf("return claim %s: %w", key, err)
	}
	return nil
}

// Len returns how many attempts of the campaign are ready.
func (r *ReadySet) Len(ctx context.Context, campaignID int64) (int64, error) {
	n, err := r.rdb.ZCard(ctx, readyKey(campaignID)).Result()
	if err != nil {
		return 0, fmt.Errorf("ready set length of campaign %d: %w", campaignID, err)
	}
	return n, nil
}

// Contains reports whether key is in the ready set.
func (r *ReadySet) Contains(ctx context.Context, key AttemptKey) (bool, error) {
	err := r.rdb.ZScore(ctx, readyKey(key.CampaignID), key.String()).Err()
	if errors.Is(err, redis.Nil) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("ready set contains %s: %w", key, err)
	}
	return true, nil
}

// Claimed reports whether key is claimed.
func (r *ReadySet) Claimed(ctx context.Context, key AttemptKey) (bool, error) {
	ok, err := r.rdb.HExists(ctx, claimsKey(key.CampaignID), key.String()).Result()
	if err != nil {
		return false, fmt.Errorf("claimed %s: %w", key, err)
	}
	return ok, nil
}

// ExpiredClaims returns every claim whose lease expired at or before now.
func (r *ReadySet) ExpiredClaims(ctx context.Context, now time.Time) ([]Claim, error) {
	ids, err := r.rdb.SMembers(ctx, claimCampaignsKey).Result()
	if err != nil {
		return nil, fmt.Errorf("expired claims: %w", err)
	}
	var out []Claim
	for _, s := range ids {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			continue
		}
		zs, err := r.rdb.ZRangeByScoreWithScores(ctx, leasesKey(id), &redis.ZRangeBy{
			Min: "-inf", Max: strconv.FormatInt(now.UnixMilli(), 10)}).Result()
		if err != nil {
			return nil, fmt.Errorf("expired claims of campaign %d: %w", id, err)
		}
		if len(zs) == 0 {
			continue
		}
		members := make([]string, len(zs))
		for i, z := range zs {
			members[i], _ = z.Member.(string)
		}
		vals, err := r.rdb.HMGet(ctx, claimsKey(id), members...).Result()
		if err != nil {
			return nil, fmt.Errorf("expired claims of campaign %d: %w", id, err)
		}
		for i, z := range zs {
			k, err := ParseAttemptKey(members[i])
			if err != nil {
				continue
			}
			c := Claim{Key: k, Expires: time.UnixMilli(int64(z.Score)).UTC()}
			if v, ok := vals[i].(string); ok {
				if _, owner, found := strings.Cut(v, "|"); found {
					c.Owner = owner
				}
			}
			out = append(out, c)
		}
	}
	return out, nil
}

// Extend moves a held claim's lease to until (a preview offer holds its
// contact while the agent reads it, longer than a dial's lease). A key not
// claimed stays unclaimed.
func (r *ReadySet) Extend(ctx context.Context, key AttemptKey, until time.Time) error {
	err := r.rdb.ZAddXX(ctx, leasesKey(key.CampaignID), redis.Z{Score: float64(until.UnixMilli()), Member: key.String()}).Err()
	if err != nil {
		return fmt.Errorf("extend claim %s: %w", key, err)
	}
	return nil
}
