package campaigns

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// AttemptState is where one attempt is in its life (docs/architecture.md, "The life of an
// attempt"). scheduled and queued are recorded on the contact row in SQL;
// ready and claimed live in Redis only; dialing and done are attempt rows.
type AttemptState string

// The states of an attempt.
const (
	StateScheduled AttemptState = "scheduled" // SQL due time set, not yet handed to asynq
	StateQueued    AttemptState = "queued"    // an attempt:due task exists (or should)
	StateReady     AttemptState = "ready"     // in the campaign's ready set
	StateClaimed   AttemptState = "claimed"   // popped by a node, with a lease; never dialed yet
	StateDialing   AttemptState = "dialing"   // attempt row written with the gate's evidence, before the INVITE
	StateDone      AttemptState = "done"      // has an outcome
)

// ContactState is the contact-level view kept in SQL: every contact is in
// exactly one of these at any time (invariant 2).
type ContactState string

// The states of a contact.
const (
	ContactScheduled ContactState = "scheduled" // waiting for next_due_at
	ContactQueued    ContactState = "queued"    // handed to asynq / ready set / claimed
	ContactDialing   ContactState = "dialing"   // its current attempt is on the wire
	ContactDone      ContactState = "done"      // no further attempts
)

// AttemptKey names one attempt of one contact uniquely; it is also the asynq
// TaskID, so the feeder cannot queue the same attempt twice.
type AttemptKey struct {
	CampaignID int64
	ContactID  int64
	Number     int // 1 for the first attempt
}

// String formats the key as campaign/contact/number.
func (k AttemptKey) String() string {
	return fmt.Sprintf("%d/%d/%d", k.CampaignID, k.ContactID, k.Number)
}

// ParseAttemptKey parses the form String produces.
func ParseAttemptKey(s string) (AttemptKey, error) {
	parts := strings.Split(s, "/")
	if len(parts) != 3 {
		return AttemptKey{}, fmt.Errorf("attempt key %q: want campaign/contact/number", s)
	}
	var k AttemptKey
	var err error
	if k.CampaignID, err = strconv.ParseInt(parts[0], 10, 64); err != nil {
		return AttemptKey{}, fmt.Errorf("attempt key %q: campaign: %w", s, err)
	}
	if k.ContactID, err = strconv.ParseInt(parts[1], 10, 64); err != nil {
		return AttemptKey{}, fmt.Errorf("attempt key %q: contact: %w", s, err)
	}
	n, err := strconv.Atoi(parts[2])
	if err != nil || n < 1 {
		return AttemptKey{}, fmt.Errorf("attempt key %q: bad attempt number", s)
	}
	k.Number = n
	return k, nil
}

// Attempt is one call (or refusal to call) of a contact, as recorded in SQL
// from the moment it reaches dialing.
type Attempt struct {
	ID         int64        `json:"id"`
	CampaignID int64        `json:"campaign_id"`
	ContactID  int64        `json:"contact_id"`
	Number     int          `json:"attempt"`
	Phone      string       `json:"phone"`
	State      AttemptState `json:"state"`
	Outcome    Outcome      `json:"outcome,omitempty"`
	SIPCode    int          `json:"sip_code,omitempty"`
	Reason     string       `json:"reason,omitempty"`
	Node       string       `json:"node,omitempty"`
	AgentID    int64        `json:"agent_id,omitempty"`
	CallID     string       `json:"call_id,omitempty"`
	// Evidence is the gate's allow (or deny) evidence: stored as JSON
	// text, answered as the JSON object it is.
	Evidence JSONText `json:"evidence,omitempty"`
	// MediaToAgent counts customer RTP packets relayed to the agent's leg.
	MediaToAgent int64      `json:"media_to_agent,omitempty"`
	CreatedAt    time.Time  `json:"created_at"`
	AnsweredAt   *time.Time `json:"answered_at,omitempty"`
	BridgedAt    *time.Time `json:"bridged_at,omitempty"`
	EndedAt      *time.Time `json:"ended_at,omitempty"`
	// Disposition is the code the agent (or the contact's key) set, with
	// the agent's notes, when and by whom (a user id).
	Disposition      string     `json:"disposition,omitempty"`
	DispositionNotes string     `json:"disposition_notes,omitempty"`
	DisposedAt       *time.Time `json:"disposed_at,omitempty"`
	DisposedBy       int64      `json:"disposed_by,omitempty"`
	// MediaStats is each leg's media quality (packets, loss, jitter, RTCP)
	// and Recording the call's recording in the data dir, when made.
	MediaStats json.RawMessage `json:"media_stats,omitempty"`
	Recording  string          `json:"recording,omitempty"`
}

// Key returns the attempt's key.
func (a Attempt) Key() AttemptKey {
	return AttemptKey{CampaignID: a.CampaignID, ContactID: a.ContactID, Number: a.Number}
}

// JSONText is JSON kept as text (a column written whole and never
// queried by field). It encodes as the JSON value it holds, never as a
// string of JSON inside JSON; text that is not JSON encodes as a string.
type JSONText string

// MarshalJSON writes the value itself.
func (j JSONText) MarshalJSON() ([]byte, error) {
	if j == "" {
		return []byte("null"), nil
	}
	if json.Valid([]byte(j)) {
		return []byte(j), nil
	}
	return json.Marshal(string(j))
}

// UnmarshalJSON keeps any JSON value as its text.
func (j *JSONText) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*j = ""
		return nil
	}
	*j = JSONText(b)
	return nil
}
