package web

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/alo-dialer/alo/campaigns"
)

// TestRecordingDownload serves a recorded call from the real store and a
// file on disk: only admin, supervisor and compliance may fetch it; the
// attempt must belong to the campaign in the path; a byte range works (a
// browser's audio element seeks with one); a file gone from disk is 410.
func TestRecordingDownload(t *testing.T) {
	ctx := context.Background()
	e := newStoreEnv(t, RoleAdmin, RoleSupervisor, RoleCompliance, RoleMarketer, RoleAgent)
	dir := t.TempDir()
	store := e.store
	cl, _ := store.CreateClient(ctx, "Bank")
	camp, _ := store.CreateCampaign(ctx, campaigns.Campaign{ClientID: cl.ID, Name: "welcome"})
	other, _ := store.CreateCampaign(ctx, campaigns.Campaign{ClientID: cl.ID, Name: "other"})
	if _, err := store.UpsertContacts(ctx, camp.ID, []campaigns.NewContact{{Phone: "+77011000301"}, {Phone: "+77011000302"}, {Phone: "+77011000303"}}); err != nil {
		t.Fatal(err)
	}
	due, _ := store.QueueDue(ctx, camp.ID, testTime, 0)
	var ids []int64
	for _, d := range due {
		at, err := store.BeginDialing(ctx, d.Key, campaigns.DialingInfo{})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, at.ID)
	}
	wav := []byte("RIFF....WAVEfmt two channels of a call")
	rel := filepath.Join("1", "1.wav")
	if err := os.MkdirAll(filepath.Join(dir, "1"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, rel), wav, 0o600); err != nil {
		t.Fatal(err)
	}
	marks := map[int64]string{ids[0]: rel, ids[1]: filepath.Join("1", "gone.wav"), ids[2]: "../../etc/passwd"}
	for id, path := range marks {
		if err := store.MarkMedia(ctx, id, campaigns.AttemptMedia{Recording: path}); err != nil {
			t.Fatal(err)
		}
	}
	a := e.api(t, ServerConfig{Attempts: store, RecordingsDir: dir})

	url := "/api/v1/campaigns/1/attempts/1/recording"
	for _, role := range []Role{RoleAdmin, RoleSupervisor, RoleCompliance} {
		r := a.call("GET", url, role, "", "")
		if r.status != http.StatusOK || r.body != string(wav) {
			t.Fatalf("%s: %d %q", role, r.status, r.body)
		}
	}
	for _, role := range []Role{RoleMarketer, RoleAgent} {
		a.call("GET", url, role, "", "").expect(t, http.StatusForbidden, "")
	}
	a.call("GET", fmt.Sprintf("/api/v1/campaigns/%d/attempts/1/recording", other.ID), RoleAdmin, "", "").expect(t, http.StatusNotFound, "")
	a.call("GET", "/api/v1/campaigns/1/attempts/2/recording", RoleAdmin, "", "").expect(t, http.StatusGone, "no longer on disk")
	a.call("GET", "/api/v1/campaigns/1/attempts/3/recording", RoleAdmin, "", "").expect(t, http.StatusNotFound, "no recording")
	a.call("GET", "/api/v1/campaigns/1/attempts/99/recording", RoleAdmin, "", "").expect(t, http.StatusNotFound, "")

	req := httptest.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+e.tokens[RoleCompliance])
	req.Header.Set("Range", "bytes=0-3")
	w := httptest.NewRecorder()
	a.h.ServeHTTP(w, req)
	if w.Code != http.StatusPartialContent || w.Body.String() != "RIFF" || w.Header().Get("Content-Type") != "audio/wav" {
		t.Fatalf("range: %d %q %v", w.Code, w.Body.String(), w.Header())
	}

	// A node without recordings configured says so.
	e.api(t, ServerConfig{}).call("GET", url, RoleAdmin, "", "").expect(t, http.StatusServiceUnavailable, "")
}
