package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/alo-dialer/alo/campaigns"
	"github.com/alo-dialer/alo/compliance"
)

// ContactEraser removes a contact's personal data (campaigns.Store).
type ContactEraser interface {
	EraseContact(ctx context.Context, campaignID, contactID int64, pseudonym func(string) string) (campaigns.Erasure, error)
}

// Erasure carries out a customer's right to erasure across the stores:
// the contact, its attempts and webhook log (Contacts), the recordings on
// disk, the do-not-call entries (kept under the number's pseudonym, plus a
// global one, so the erased customer is never called again), and an
// `erased` record in the audit trail, whose earlier records stay as they
// are so the chain still verifies.
type Erasure struct {
	Contacts      ContactEraser
	DNC           *compliance.DNCStore
	List          *compliance.DNCList // the API's global list; may be nil
	Audit         compliance.Recorder
	Pseudonyms    *compliance.Pseudonyms
	RecordingsDir string
	Clock         func() time.Time
}

// Erase erases one contact of a campaign for user by.
func (e *Erasure) Erase(ctx context.Context, campaignID, contactID int64, by string) (campaigns.Erasure, error) {
	er, err := e.Contacts.EraseContact(ctx, campaignID, contactID, e.Pseudonyms.Of)
	if err != nil {
		return er, err
	}
	for _, rel := range er.Recordings {
		path := filepath.Join(e.RecordingsDir, filepath.Clean("/"+rel))
		if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return er, fmt.Errorf("erase contact %d: recording: %w", contactID, err)
		}
		er.RecordingsRemoved++
	}
	if err := e.DNC.Block(ctx, e.Pseudonyms, e.List, er.Numbers, fmt.Sprintf("erased contact %d", contactID)); err != nil {
		return er, fmt.Errorf("erase contact %d: %w", contactID, err)
	}
	if e.Audit != nil {
		if err := e.Audit.Record(ctx, compliance.AuditEvent{Kind: compliance.AuditErased, At: e.Clock(), CampaignID: campaignID,
			ContactID: contactID, Number: er.Pseudonym, Body: map[string]any{"by": by, "attempts": er.Attempts,
				"recordings_removed": er.RecordingsRemoved, "webhook_events": er.WebhookEvents, "numbers": len(er.Numbers)}}); err != nil {
			return er, fmt.Errorf("erase contact %d: audit: %w", contactID, err)
		}
	}
	return er, nil
}

// eraseContact is POST /api/v1/campaigns/{id}/contacts/{cid}/erase.
func (s *Server) eraseContact(w http.ResponseWriter, r *http.Request, u User) error {
	if s.cfg.Erasure == nil {
		return errStatus(http.StatusServiceUnavailable, "erasure is not configured on this node")
	}
	id, cid, err := pathIDs(r, "id", "cid")
	if err != nil {
		return err
	}
	er, err := s.cfg.Erasure.Erase(r.Context(), id, cid, u.Name)
	if err != nil {
		return err
	}
	s.log.Info("contact erased", "campaign", id, "contact", cid, "attempts", er.Attempts, "user", u.Name)
	writeJSON(w, http.StatusOK, er)
	return nil
}
