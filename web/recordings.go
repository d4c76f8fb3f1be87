package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/alo-dialer/alo/campaigns"
)

// AttemptReader finds one attempt; *campaigns.Store satisfies it.
type AttemptReader interface {
	GetAttempt(ctx context.Context, id int64) (campaigns.Attempt, error)
}

// recordingRoles may listen to recorded calls: a recording holds a
// customer's voice and what they said, so marketers and agents may not
// fetch it (an agent was on the call; QA and compliance review it).
var recordingRoles = []Role{RoleAdmin, RoleSupervisor, RoleCompliance}

func (s *Server) recordingRoutes() {
	s.handle("GET /api/v1/campaigns/{id}/attempts/{aid}/recording", roles(recordingRoles...).and(campaignIn("id")), s.getRecording)
}

// getRecording serves an attempt's two-channel WAV (customer left, agent
// right) with Range support, so a browser's audio element can seek.
func (s *Server) getRecording(w http.ResponseWriter, r *http.Request, u User) error {
	if s.cfg.Attempts == nil || s.cfg.RecordingsDir == "" {
		return errStatus(http.StatusServiceUnavailable, "recordings are not served by this node")
	}
	campaignID, attemptID, err := pathIDs(r, "id", "aid")
	if err != nil {
		return err
	}
	a, err := s.cfg.Attempts.GetAttempt(r.Context(), attemptID)
	if err != nil {
		return err
	}
	if a.CampaignID != campaignID {
		return fmt.Errorf("attempt %d of campaign %d: %w", attemptID, campaignID, campaigns.ErrNotFound)
	}
	if a.Recording == "" {
		return errStatus(http.StatusNotFound, fmt.Sprintf("attempt %d has no recording", attemptID))
	}
	// The stored path is relative to the recordings directory; one that
	// climbs out of it is not ours to serve.
	rel := filepath.Clean(a.Recording)
	if filepath.IsAbs(rel) || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return errStatus(http.StatusNotFound, fmt.Sprintf("attempt %d has no recording", attemptID))
	}
	f, err := os.Open(filepath.Join(s.cfg.RecordingsDir, rel))
	if errors.Is(err, os.ErrNotExist) {
		return errStatus(http.StatusGone, fmt.Sprintf("attempt %d: recording %s is no longer on disk", attemptID, a.Recording))
	}
	if err != nil {
		return fmt.Errorf("open recording of attempt %d: %w", attemptID, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("recording of attempt %d: %w", attemptID, err)
	}
	s.log.Info("recording served", "user", u.Name, "role", string(u.Role), "campaign", campaignID, "attempt_id", attemptID)
	w.Header().Set("Content-Type", "audio/wav")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="attempt-%d.wav"`, attemptID))
	w.Header().Set("Cache-Control", "private, no-store")
	http.ServeContent(w, r, "", st.ModTime(), f)
	return nil
}
