// Package live carries the live events a person watches: one bus, in
// process and across nodes.
//
// Agent states, calls offered, bridged and ended, campaign counters and the
// pacer's decisions are published on a Bus by whoever owns the fact; consoles
// subscribe (web streams them as server-sent events). A Bus keeps a ring of
// recent events so a client that lost its connection resumes where it left
// off (Since, Resume), and tells it when it cannot, so it reads a fresh
// snapshot instead. With a Transport (RedisTransport) the events published on
// one node reach the subscribers of every node.
//
// The package knows nothing of campaigns, the dialer or the web: an Event is
// a type, a time, three scoping ids and JSON data.
package live

import (
	"encoding/json"
	"fmt"
	"time"
)

// Event is one change a person may watch.
type Event struct {
	// ID is assigned by the bus that delivers the event: "<epoch>-<seq>",
	// where the epoch names this node and this unbroken stretch of its
	// events (a restart, or a gap in what came from other nodes, starts a
	// new one). It is opaque to clients, which only send it back to resume.
	ID string `json:"id"`
	// Type is one of the Type constants (or another dotted token).
	Type string `json:"type"`
	// At is when the fact happened; the bus sets it to its clock's now when
	// the publisher leaves it zero.
	At time.Time `json:"at"`
	// The scope of the event, read by stream filters (0: not about one).
	AgentID    int64 `json:"agent_id,omitempty"`
	CampaignID int64 `json:"campaign_id,omitempty"`
	ClientID   int64 `json:"client_id,omitempty"`
	// Data is the payload (one of the payload types of events.go for the
	// well-known types); it must be valid JSON when set.
	Data json.RawMessage `json:"data,omitempty"`
}

// Decode unmarshals the event's data into v (a pointer to its payload type).
func (e Event) Decode(v any) error {
	if err := json.Unmarshal(e.Data, v); err != nil {
		return fmt.Errorf("live: decode %s event %s: %w", e.Type, e.ID, err)
	}
	return nil
}

// Filter decides whether a subscriber gets an event; nil lets every event
// through. It runs on the publisher's goroutine with the bus locked, so it
// must be quick and must not call the bus.
type Filter func(Event) bool

// maxTypeLength bounds an event type.
const maxTypeLength = 64

// checkType accepts a dotted token: the type is written as the SSE
// "event:" line, where a newline would forge another field.
func checkType(t string) error {
	if t == "" || len(t) > maxTypeLength {
		return fmt.Errorf("%w: type %q: want 1 to %d characters", ErrInvalid, t, maxTypeLength)
	}
	for _, r := range t {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-'
		if !ok {
			return fmt.Errorf("%w: type %q: want only letters, digits, '.', '_' and '-'", ErrInvalid, t)
		}
	}
	return nil
}
