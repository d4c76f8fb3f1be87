package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/alo-dialer/alo/dialer"
	"github.com/alo-dialer/alo/live"
	"github.com/alo-dialer/alo/web/console"
)

// OfferDecider takes an agent's Call or Skip on a preview offer;
// *dialer.Engine satisfies it.
type OfferDecider interface {
	DecideOffer(agentID, offerID int64, call bool) error
}

// offeredEvent is call.offered as the agent's page reads it: the live
// payload plus the contact card and the script.
type offeredEvent struct {
	live.CallOffered
	CampaignName string              `json:"campaign_name"`
	Contact      console.ContactCard `json:"contact"`
	Script       string              `json:"script,omitempty"`
}

// CallOffered implements dialer.OfferEvents: the offer reaches the
// agent's console with everything it shows, and the deadline the page
// counts down to.
func (f *AgentFeed) CallOffered(o dialer.CallOffered) {
	f.enqueue(o.AgentID, "call.offered", func(ctx context.Context) {
		deadline := o.Deadline
		ev := offeredEvent{CallOffered: live.CallOffered{CampaignID: o.Campaign.ID, ContactID: o.Contact.ID, AgentID: o.AgentID,
			OfferID: o.OfferID, Deadline: &deadline, AtZero: o.AtZero},
			CampaignName: o.Campaign.Name, Contact: contactCard(o.Campaign, o.Contact)}
		if f.cfg.Script != nil {
			ev.Script = f.cfg.Script(o.Campaign)
		}
		f.mu.Lock()
		f.offers[o.AgentID] = &ev
		f.mu.Unlock()
		f.publish(ctx, live.TypeCallOffered, o.AgentID, o.Campaign.ID, o.Campaign.ClientID, o.At, ev)
	})
}

// OfferClosed implements dialer.OfferEvents: the page drops the offer.
func (f *AgentFeed) OfferClosed(c dialer.OfferClosed) {
	at := f.cfg.Clock()
	f.enqueue(c.AgentID, "call.offered", func(ctx context.Context) {
		f.mu.Lock()
		if o := f.offers[c.AgentID]; o != nil && o.OfferID == c.OfferID {
			delete(f.offers, c.AgentID)
		}
		f.mu.Unlock()
		f.publish(ctx, live.TypeCallOffered, c.AgentID, 0, 0, at,
			live.CallOffered{AgentID: c.AgentID, OfferID: c.OfferID, Closed: true})
	})
}

func (s *Server) offerCall(w http.ResponseWriter, r *http.Request, _ User) error {
	return s.decideOffer(w, r, true)
}

func (s *Server) offerSkip(w http.ResponseWriter, r *http.Request, _ User) error {
	return s.decideOffer(w, r, false)
}

// decideOffer passes the agent's decision to the dialer: 204 when taken,
// 404 when the offer is not open for that agent (decided, timed out).
func (s *Server) decideOffer(w http.ResponseWriter, r *http.Request, call bool) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	offer, err := pathID(r, "offer")
	if err != nil {
		return err
	}
	if s.cfg.Offers == nil {
		return errStatus(http.StatusServiceUnavailable, "preview offers are not handled on this node")
	}
	if err := s.cfg.Offers.DecideOffer(id, offer, call); err != nil {
		if errors.Is(err, dialer.ErrNoOffer) {
			return errStatus(http.StatusNotFound, fmt.Sprintf("offer %d is not open for agent %d (already decided, or its time ran out)", offer, id))
		}
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
