package testenv

import (
	"context"
	"testing"

	"github.com/redis/go-redis/v9"
)

// TestRedisIsolation checks that every client and URL gets its own, empty
// logical database.
func TestRedisIsolation(t *testing.T) {
	ctx := context.Background()
	for i := range 3 {
		t.Run("", func(t *testing.T) {
			a := Redis(t)
			opt, err := redis.ParseURL(RedisURL(t))
			if err != nil {
				t.Fatalf("RedisURL does not parse: %v", err)
			}
			b := redis.NewClient(opt)
			t.Cleanup(func() { b.Close() })
			for _, c := range []redis.UniversalClient{a, b} {
				if n, err := c.DBSize(ctx).Result(); err != nil || n != 0 {
					t.Fatalf("round %d: fresh database has %d keys (err %v), want 0", i, n, err)
				}
			}
			if err := a.Set(ctx, "k", "a", 0).Err(); err != nil {
				t.Fatal(err)
			}
			if n, err := b.Exists(ctx, "k").Result(); err != nil || n != 0 {
				t.Fatalf("key of one database seen in another (exists %d, err %v)", n, err)
			}
		})
	}
	if s := RedisSocket(t); s != redisSrv.sock || s == "" {
		t.Errorf("RedisSocket = %q, want the server's socket %q", s, redisSrv.sock)
	}
}
