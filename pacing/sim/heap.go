package sim

// eventKind is what happens at an event.
type eventKind uint8

const (
	evTick eventKind = iota
	evShiftStart
	evShiftEnd
	evResolve  // a call reaches its outcome (failure end, or a verdict)
	evDeadline // a person's threshold runs out
	evTalkEnd  // the customer hangs up; the agent wraps up
	evFree     // the agent finishes wrap-up
	evPauseStart
	evPauseEnd
	evDecide // a decision held back to keep them apart
)

type event struct {
	t    float64
	seq  uint64
	kind eventKind
	id   int32
	arg  float64
}

// eventHeap is a binary min-heap on (t, seq): seq keeps equal times in
// insertion order so a run is deterministic.
type eventHeap struct {
	ev  []event
	seq uint64
}

func (h *eventHeap) less(i, j int) bool {
	a, b := &h.ev[i], &h.ev[j]
	return a.t < b.t || (a.t == b.t && a.seq < b.seq)
}

func (h *eventHeap) push(e event) {
	h.seq++
	e.seq = h.seq
	h.ev = append(h.ev, e)
	i := len(h.ev) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !h.less(i, p) {
			break
		}
		h.ev[i], h.ev[p] = h.ev[p], h.ev[i]
		i = p
	}
}

func (h *eventHeap) pop() event {
	top := h.ev[0]
	n := len(h.ev) - 1
	h.ev[0] = h.ev[n]
	h.ev = h.ev[:n]
	i := 0
	for {
		l, r, m := 2*i+1, 2*i+2, i
		if l < n && h.less(l, m) {
			m = l
		}
		if r < n && h.less(r, m) {
			m = r
		}
		if m == i {
			break
		}
		h.ev[i], h.ev[m] = h.ev[m], h.ev[i]
		i = m
	}
	return top
}

func (h *eventHeap) len() int { return len(h.ev) }
