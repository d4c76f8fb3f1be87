package web

import (
	"fmt"
	"net/http"

	"github.com/alo-dialer/alo/campaigns"
)

// exportCampaign streams a campaign's contacts (?what=contacts, the
// default: the import's columns then each contact's result) or attempts
// (?what=attempts) as CSV; ?bom=1 adds the BOM Excel needs for Cyrillic.
func (s *Server) exportCampaign(w http.ResponseWriter, r *http.Request, u User) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	what := r.URL.Query().Get("what")
	if what == "" {
		what = campaigns.ExportContacts
	}
	if what != campaigns.ExportContacts && what != campaigns.ExportAttempts {
		return errFields(FieldError{Field: "what", Reason: "must be contacts or attempts"})
	}
	if _, err := s.cfg.Campaigns.GetCampaign(r.Context(), id); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="campaign-%d-%s.csv"`, id, what))
	bom := r.URL.Query().Get("bom") == "1" || r.URL.Query().Get("bom") == "true"
	if err := s.cfg.Campaigns.ExportCSV(r.Context(), id, what, bom, w); err != nil {
		// The status line may be out already; all that is left is to log.
		s.log.Error("export failed", "campaign", id, "what", what, "user", u.Name, "err", err)
	}
	return nil
}
