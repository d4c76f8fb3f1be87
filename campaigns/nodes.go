package campaigns

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

func nodeKey(node string) string { return "alo:node:" + node }

// Nodes records which alo processes are alive: each beats every few
// seconds with a TTL a few beats long, so a crashed process disappears
// without anyone having to notice the crash. The reconciler uses it to tell
// a claim or a dialing attempt whose owner died from one still in hand.
type Nodes struct {
	rdb   redis.UniversalClient
	clock func() time.Time
}

// NewNodes returns a liveness registry on rdb; clock stamps each beat.
func NewNodes(rdb redis.UniversalClient, clock func() time.Time) *Nodes {
	return &Nodes{rdb: rdb, clock: clock}
}

// Beat marks node alive for ttl.
func (n *Nodes) Beat(ctx context.Context, node string, ttl time.Duration) error {
	if err := n.rdb.Set(ctx, nodeKey(node), n.clock().UnixMilli(), ttl).Err(); err != nil {
		return fmt.Errorf("beat node %s: %w", node, err)
	}
	return nil
}

// Alive reports whether node beat within its last TTL.
func (n *Nodes) Alive(ctx context.Context, node string) (bool, error) {
	c, err := n.rdb.Exists(ctx, nodeKey(node)).Result()
	if err != nil {
		return false, fmt.Errorf("node %s alive: %w", node, err)
	}
	return c == 1, nil
}

// Leave removes node at once (clean shutdown), so that what it held is
// resolved at the reconciler's next run rather than after its TTL.
func (n *Nodes) Leave(ctx context.Context, node string) error {
	if err := n.rdb.Del(ctx, nodeKey(node)).Err(); err != nil {
		return fmt.Errorf("node %s leave: %w", node, err)
	}
	return nil
}
