package web

import (
	"context"
	"net/http"

	"github.com/alo-dialer/alo/campaigns"
)

// WebhookService is what the API needs of webhooks; *campaigns.Store
// satisfies it.
type WebhookService interface {
	SetWebhook(ctx context.Context, clientID int64, url, secret string) (campaigns.Webhook, error)
	Webhook(ctx context.Context, clientID int64) (campaigns.Webhook, error)
	WebhookEvents(ctx context.Context, status string, limit, offset int) ([]campaigns.WebhookEvent, error)
	WebhookEvent(ctx context.Context, id int64) (campaigns.WebhookEvent, error)
	ReplayWebhookEvent(ctx context.Context, id int64) (campaigns.WebhookEvent, error)
}

func (s *Server) webhookRoutes() {
	s.handle("PUT /api/v1/clients/{id}/webhook", roles(RoleAdmin).and(clientIn("id")), s.putWebhook)
	s.handle("GET /api/v1/clients/{id}/webhook", roles(RoleAdmin, RoleMarketer).and(clientIn("id")), s.getWebhook)
	s.handle("GET /api/v1/webhooks/deliveries", roles(RoleAdmin, RoleMarketer), s.listDeliveries)
	s.handle("GET /api/v1/webhooks/deliveries/{id}", roles(RoleAdmin, RoleMarketer).and(deliveryIn("id")), s.getDelivery)
	s.handle("POST /api/v1/webhooks/deliveries/{id}/replay", roles(RoleAdmin, RoleMarketer).and(deliveryIn("id")), s.replayDelivery)
}

func (s *Server) webhooks() (WebhookService, error) {
	if s.cfg.Webhooks == nil {
		return nil, errStatus(http.StatusServiceUnavailable, "webhooks are not configured on this node")
	}
	return s.cfg.Webhooks, nil
}

type webhookRequest struct {
	URL    string `json:"url" validate:"required,url,max=2000"`
	Secret string `json:"secret" validate:"required,min=16,max=200"`
}

// putWebhook sets where a client's results go and the secret that signs
// them (admins only: it decides where customer data is sent).
func (s *Server) putWebhook(w http.ResponseWriter, r *http.Request, u User) error {
	svc, err := s.webhooks()
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	return serveBody(s, w, r, http.StatusOK, func(ctx context.Context, req webhookRequest) (campaigns.Webhook, error) {
		hook, err := svc.SetWebhook(ctx, id, req.URL, req.Secret)
		if err == nil {
			s.log.Info("webhook set", "client", id, "user", u.Name)
		}
		return hook, err
	})
}

func (s *Server) getWebhook(w http.ResponseWriter, r *http.Request, _ User) error {
	svc, err := s.webhooks()
	if err != nil {
		return err
	}
	return serveByID(w, r, svc.Webhook, nil)
}

// listDeliveries lists webhook events and their delivery state
// (?status=failed shows what needs a replay).
func (s *Server) listDeliveries(w http.ResponseWriter, r *http.Request, u User) error {
	svc, err := s.webhooks()
	if err != nil {
		return err
	}
	limit, offset, err := pageParams(r)
	if err != nil {
		return err
	}
	events, err := svc.WebhookEvents(r.Context(), r.URL.Query().Get("status"), limit, offset)
	if err != nil {
		return err
	}
	if scoped(u) {
		// A limited user's page holds only their clients' events, so it
		// may be shorter than limit.
		kept := events[:0]
		for _, e := range events {
			if s.requireCampaign(r.Context(), u, e.CampaignID) == nil {
				kept = append(kept, e)
			}
		}
		events = kept
	}
	writeJSON(w, http.StatusOK, events)
	return nil
}

func (s *Server) getDelivery(w http.ResponseWriter, r *http.Request, _ User) error {
	svc, err := s.webhooks()
	if err != nil {
		return err
	}
	return serveByID(w, r, svc.WebhookEvent, nil)
}

// replayDelivery sends an event again (same event_id: receivers
// de-duplicate by it).
func (s *Server) replayDelivery(w http.ResponseWriter, r *http.Request, u User) error {
	svc, err := s.webhooks()
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	e, err := svc.ReplayWebhookEvent(r.Context(), id)
	if err != nil {
		return err
	}
	s.log.Info("webhook event replayed", "event", id, "user", u.Name)
	writeJSON(w, http.StatusAccepted, e)
	return nil
}
