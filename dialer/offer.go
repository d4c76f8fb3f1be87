package dialer

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/alo-dialer/alo/campaigns"
)

// OfferEvents hears a preview campaign's offers: the contact shown to the
// reserved agent before anything is dialed, and the offer's end. Called
// on the call path, so an implementation must return at once.
type OfferEvents interface {
	CallOffered(CallOffered)
	OfferClosed(OfferClosed)
}

// CallOffered is a contact offered to an agent, who calls or skips it
// before Deadline; at Deadline the campaign's preview.at_zero acts.
type CallOffered struct {
	OfferID  int64
	AgentID  int64
	Campaign campaigns.Campaign
	Contact  campaigns.Contact
	At       time.Time
	Deadline time.Time
	// AtZero is what happens at Deadline: campaigns.PreviewCall or PreviewSkip.
	AtZero string
}

// OfferClosed is an offer's end: Call says whether the contact is dialed,
// Timeout whether the deadline decided.
type OfferClosed struct {
	OfferID int64
	AgentID int64
	Call    bool
	Timeout bool
}

// ErrNoOffer is a decision on an offer that is not open for that agent
// (never made, already decided, timed out, or another agent's).
var ErrNoOffer = errors.New("no such open offer for this agent")

type noOfferEvents struct{}

func (noOfferEvents) CallOffered(CallOffered) {}
func (noOfferEvents) OfferClosed(OfferClosed) {}

// openOffer is one offer awaiting its agent's decision.
type openOffer struct {
	agentID  int64
	decision chan bool // buffered 1: the first decision wins
}

// offerBook holds the open offers of this node by id.
type offerBook struct {
	next atomic.Int64
	mu   sync.Mutex
	open map[int64]*openOffer
}

func newOfferBook() *offerBook { return &offerBook{open: map[int64]*openOffer{}} }

func (b *offerBook) add(agentID int64) (int64, *openOffer) {
	id := b.next.Add(1)
	o := &openOffer{agentID: agentID, decision: make(chan bool, 1)}
	b.mu.Lock()
	b.open[id] = o
	b.mu.Unlock()
	return id, o
}

func (b *offerBook) remove(id int64) {
	b.mu.Lock()
	delete(b.open, id)
	b.mu.Unlock()
}

// decide delivers an agent's decision; removing the offer first makes a
// second decision (a double press, two tabs) ErrNoOffer rather than racing.
func (b *offerBook) decide(agentID, offerID int64, call bool) error {
	b.mu.Lock()
	o, ok := b.open[offerID]
	if ok && o.agentID == agentID {
		delete(b.open, offerID)
	}
	b.mu.Unlock()
	if !ok || o.agentID != agentID {
		return ErrNoOffer
	}
	o.decision <- call
	return nil
}

// DecideOffer records agentID's decision on an open offer: call dials the
// contact, otherwise it is skipped. ErrNoOffer when the offer is not open
// for that agent.
func (e *Engine) DecideOffer(agentID, offerID int64, call bool) error {
	return e.offers.decide(agentID, offerID, call)
}

// offer shows cl's contact to the reserved agent and waits for the
// decision or the deadline (a server timer: a closed or frozen tab still
// ends the offer). It reports whether to dial.
func (p *pacer) offer(ctx context.Context, cl campaigns.Claimed, agentID int64) bool {
	e := p.e
	settings := cl.Campaign.Preview
	now := e.cfg.Clock()
	window := settings.Window()
	id, o := e.offers.add(agentID)
	defer e.offers.remove(id)
	atZero := campaigns.PreviewCall
	if !settings.CallsAtZero() {
		atZero = campaigns.PreviewSkip
	}
	e.cfg.Offers.CallOffered(CallOffered{OfferID: id, AgentID: agentID, Campaign: cl.Campaign, Contact: cl.Contact,
		At: now, Deadline: now.Add(window), AtZero: atZero})
	p.hold(ctx, cl, now.Add(window+offerHoldMargin))
	timeout, stop := e.cfg.OfferTimer(window)
	defer stop()
	closed := OfferClosed{OfferID: id, AgentID: agentID}
	select {
	case closed.Call = <-o.decision:
	case <-timeout:
		closed.Call, closed.Timeout = settings.CallsAtZero(), true
	case <-ctx.Done():
		// Shutting down: dial nothing new; the caller keeps the contact.
	}
	e.cfg.Offers.OfferClosed(closed)
	p.log.Info("preview offer closed", "agent", agentID, "contact", cl.Contact.ID, "offer", id,
		"call", closed.Call, "timeout", closed.Timeout)
	return closed.Call
}

// realOfferTimer is EngineConfig.OfferTimer's default.
func realOfferTimer(d time.Duration) (<-chan time.Time, func()) {
	t := time.NewTimer(d)
	return t.C, func() { t.Stop() }
}

// skip releases a skipped offer's contact undialed. It is rescheduled
// after the campaign's retry delay without using up an attempt (Defer),
// so it is neither lost nor offered straight back; a source that cannot
// defer returns it to the ready set.
func (p *pacer) skip(ctx context.Context, log *slog.Logger, cl campaigns.Claimed) {
	src := p.e.cfg.Attempts
	if d, ok := src.(attemptDeferrer); ok {
		if err := d.Defer(ctx, cl, p.e.cfg.Clock().Add(cl.Campaign.RetryDelay)); err != nil {
			log.Error("defer skipped contact", "err", err)
		}
		return
	}
	if err := src.Unclaim(ctx, cl); err != nil {
		log.Error("unclaim skipped contact", "err", err)
	}
}

// offerHoldMargin is how long past an offer's deadline its claim is held:
// time for the gate and the dialing row after a late Call.
const offerHoldMargin = time.Minute

// claimHolder is the optional side of an AttemptSource that extends a
// claim's lease; *campaigns.Dispatcher satisfies it.
type claimHolder interface {
	Hold(ctx context.Context, c campaigns.Claimed, until time.Time) error
}

// hold keeps cl claimed for the offer. Without it a lease shorter than the
// offer would let the reconciler offer the contact again elsewhere (never
// dial it twice: the second dialing row loses).
func (p *pacer) hold(ctx context.Context, cl campaigns.Claimed, until time.Time) {
	h, ok := p.e.cfg.Attempts.(claimHolder)
	if !ok {
		return
	}
	if err := h.Hold(ctx, cl, until); err != nil {
		p.log.Warn("hold offered contact's claim", "contact", cl.Contact.ID, "err", err)
	}
}
