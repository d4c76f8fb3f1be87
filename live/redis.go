package live

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisTransport carries events between nodes over Redis pub/sub: one
// channel, every node publishing to and subscribed to it.
//
// Pub/sub is fire-and-forget: a node that is not subscribed at the moment
// of a PUBLISH never gets the message. That is why a reconnection starts a
// new epoch (Bus.onConnect) rather than pretending the stream is whole.
type RedisTransport struct {
	rdb     redis.UniversalClient
	channel string
	// healthEvery is how often an idle subscription pings Redis, so a
	// dead connection is noticed and replaced without waiting for TCP.
	healthEvery time.Duration
}

// NewRedisTransport returns a transport on channel. Pub/sub channels are
// shared by all logical databases of a Redis server, so deployments (or
// tests) sharing a server need distinct channels: RedisChannel derives one
// from the client's database.
func NewRedisTransport(rdb redis.UniversalClient, channel string) *RedisTransport {
	return &RedisTransport{rdb: rdb, channel: channel, healthEvery: 3 * time.Second}
}

// RedisChannel is the default channel for a client: "alo:live:<db>",
// because PUBLISH ignores the database number and two alo installations
// on one server in different databases must not hear each other.
func RedisChannel(rdb redis.UniversalClient) string {
	db := 0
	if c, ok := rdb.(*redis.Client); ok {
		db = c.Options().DB
	}
	return fmt.Sprintf("alo:live:%d", db)
}

// Send publishes msgs in one pipeline; Redis delivers them in order.
func (t *RedisTransport) Send(ctx context.Context, msgs [][]byte) error {
	pipe := t.rdb.Pipeline()
	for _, m := range msgs {
		pipe.Publish(ctx, t.channel, m)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("redis publish to %s: %w", t.channel, err)
	}
	return nil
}

// Receive subscribes to the channel until ctx ends. go-redis reconnects and
// resubscribes by itself after Redis comes back; each subscription
// confirmation, the first and every later one, is reported to onConnect.
func (t *RedisTransport) Receive(ctx context.Context, onMessage func([]byte), onConnect func()) error {
	ps := t.rdb.Subscribe(ctx, t.channel)
	defer ps.Close()
	ch := ps.ChannelWithSubscriptions(redis.WithChannelHealthCheckInterval(t.healthEvery))
	for {
		select {
		case <-ctx.Done():
			return nil
		case m, ok := <-ch:
			if !ok {
				return errors.New("redis subscription closed")
			}
			switch m := m.(type) {
			case *redis.Subscription:
				if m.Kind == "subscribe" && m.Channel == t.channel {
					onConnect()
				}
			case *redis.Message:
				onMessage([]byte(m.Payload))
			}
		}
	}
}
