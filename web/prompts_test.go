package web

import (
	"bytes"
	"context"
	"encoding/binary"
	"log/slog"
	"mime/multipart"
	"net/http"
	"testing"
	"time"

	"github.com/alo-dialer/alo/dialer/audio"
	"github.com/alo-dialer/alo/dialer/prompt"
	"github.com/alo-dialer/alo/internal/testenv"
	"github.com/alo-dialer/alo/sqldb"
)

// promptWAV is a valid prompt file of n samples.
func promptWAV(t *testing.T, n int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := audio.WriteWAV(&b, 1, make([]int16, n)); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestPromptsAPI: a WAV uploaded as the body or as a form is stored by
// language and name and listed; a file alo cannot play is a 400 saying
// why; a reader may list but not upload.
func TestPromptsAPI(t *testing.T) {
	ctx := context.Background()
	db := testenv.SQLite(t)
	if err := sqldb.Migrate(ctx, db, "web", Migrations); err != nil {
		t.Fatal(err)
	}
	users := NewUsers(db, func() time.Time { return testTime })
	a := &testAPI{t: t, tokens: map[Role]string{}}
	for _, r := range []Role{RoleAdmin, RoleSupervisor} {
		_, tok, err := addRoleUser(ctx, users, string(r)+"-user", r, testAgentID)
		if err != nil {
			t.Fatal(err)
		}
		a.tokens[r] = tok
	}
	lib := prompt.NewLibrary(t.TempDir(), prompt.Builtin(), "en")
	a.h = NewServer(ServerConfig{Users: users, Prompts: lib, Log: slog.New(slog.DiscardHandler)}).Handler()

	a.call("POST", "/api/v1/prompts?name=event_moved&language=ru", RoleAdmin, "audio/wav", string(promptWAV(t, 16000))).
		expect(t, http.StatusCreated, "")
	if p, err := lib.Prompts().For("event_moved", "ru"); err != nil || p.Millis() != 2000 {
		t.Fatalf("stored prompt: %v %v", p, err)
	}

	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	_ = mw.WriteField("name", "place_clinic_2")
	_ = mw.WriteField("language", "en")
	fw, _ := mw.CreateFormFile("file", "clinic.wav")
	_, _ = fw.Write(promptWAV(t, 8000))
	_ = mw.Close()
	r := a.call("POST", "/api/v1/prompts", RoleAdmin, mw.FormDataContentType(), form.String())
	r.expect(t, http.StatusCreated, "")
	var info prompt.Info
	r.decode(t, &info)
	if info.Name != "place_clinic_2" || info.Language != "en" || info.Millis != 1000 || !info.Uploaded {
		t.Fatalf("form upload: %+v", info)
	}

	stereo := promptWAV(t, 8000)
	binary.LittleEndian.PutUint16(stereo[22:], 2)
	a.call("POST", "/api/v1/prompts?name=x&language=en", RoleAdmin, "audio/wav", string(stereo)).
		expect(t, http.StatusBadRequest, "8 kHz mono 16-bit")
	a.call("POST", "/api/v1/prompts?name=../x&language=en", RoleAdmin, "audio/wav", string(promptWAV(t, 10))).
		expect(t, http.StatusBadRequest, "name")
	a.call("POST", "/api/v1/prompts?language=en", RoleAdmin, "audio/wav", string(promptWAV(t, 10))).
		expect(t, http.StatusBadRequest, "invalid request", "name")
	a.call("POST", "/api/v1/prompts?name=x&language=en", RoleAdmin, "audio/mpeg", "ID3").
		expect(t, http.StatusUnsupportedMediaType, "audio/wav")
	a.call("POST", "/api/v1/prompts?name=x&language=en", RoleSupervisor, "audio/wav", string(promptWAV(t, 10))).
		expect(t, http.StatusForbidden, "")

	r = a.call("GET", "/api/v1/prompts", RoleSupervisor, "", "")
	r.expect(t, http.StatusOK, "")
	var list []prompt.Info
	r.decode(t, &list)
	found := map[string]bool{}
	for _, p := range list {
		found[p.Language+"/"+p.Name] = p.Uploaded
	}
	if up, ok := found["ru/event_moved"]; !ok || !up {
		t.Errorf("upload not listed: %v", found)
	}
	if up, ok := found["en/reminder_intro"]; !ok || up {
		t.Errorf("shipped prompt not listed as shipped: %v", found)
	}
}
