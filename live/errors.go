package live

import "errors"

// Sentinel errors; the errors returned wrap them with the detail.
var (
	// ErrInvalid: an event the bus refuses (no type, data that is not JSON).
	ErrInvalid = errors.New("live: invalid event")
	// ErrClosed: the bus is closed.
	ErrClosed = errors.New("live: bus closed")
	// ErrCannotResume: the last event id a client sent cannot be resumed
	// from (another node's, an earlier run's, unknown, or older than the
	// ring); the client needs a fresh snapshot.
	ErrCannotResume = errors.New("live: cannot resume")
	// ErrSlowSubscriber ends a subscription whose buffer filled: the
	// publisher never waits for a subscriber.
	ErrSlowSubscriber = errors.New("live: subscriber too slow, its buffer filled")
	// ErrGap ends every subscription when events from other nodes may have
	// been lost (the transport reconnected): the subscribers' state may be
	// stale, so they start again from a snapshot.
	ErrGap = errors.New("live: events from other nodes may have been lost (transport reconnected)")
)
