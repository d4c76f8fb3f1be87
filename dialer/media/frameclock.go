package media

import (
	"sync"
	"time"
)

// frameClock drives every stream's own audio (prompts, tones, comfort
// silence) from one 20 ms ticker. A ticker per stream costs a timer and a
// goroutine wake-up per leg 50 times a second, which at a thousand
// nailed-up agent legs is most of the idle CPU; one tick walking the
// streams that have something to send costs a fraction of it.
type frameClock struct {
	mu      sync.Mutex
	streams map[*Stream]struct{}
	running bool
}

func newFrameClock() *frameClock {
	return &frameClock{streams: map[*Stream]struct{}{}}
}

// add puts m on the clock (its player just became active); the ticker
// starts with the first stream.
func (c *frameClock) add(m *Stream) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.streams[m] = struct{}{}
	if !c.running {
		c.running = true
		go c.run()
	}
}

// run ticks while any stream is on the clock. The ticker keeps an absolute
// schedule, so a late wake-up does not drift the streams.
func (c *frameClock) run() {
	t := time.NewTicker(FrameInterval)
	defer t.Stop()
	var batch []*Stream
	for range t.C {
		c.mu.Lock()
		batch = batch[:0]
		for m := range c.streams {
			batch = append(batch, m)
		}
		c.mu.Unlock()
		var idle []*Stream
		for _, m := range batch {
			if !m.playTick() {
				idle = append(idle, m)
			}
		}
		c.mu.Lock()
		for _, m := range idle {
			// Off the clock only if still idle: a Play may have come in
			// since the tick (it found running set, so it did not add).
			if m.play.stopIfIdle(m.closed.Load()) {
				delete(c.streams, m)
			}
		}
		if len(c.streams) == 0 {
			c.running = false
			c.mu.Unlock()
			return
		}
		c.mu.Unlock()
	}
}
