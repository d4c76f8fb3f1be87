package web

import (
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"golang.org/x/text/encoding/charmap"

	"github.com/alo-dialer/alo/campaigns"
	"github.com/alo-dialer/alo/internal/testenv"
)

// TestImportsThroughAPI: a Windows-1251 upload read with a saved column
// map, and a background import on a real redis-server and asynq server,
// polled through GET /api/v1/imports/{id} until its report arrives.
func TestImportsThroughAPI(t *testing.T) {
	e := newStoreEnv(t, RoleMarketer)
	clock, store := e.clock, e.store
	rdb := testenv.Redis(t)
	log := slog.New(slog.DiscardHandler)
	jobs := campaigns.NewImportJobs(store, t.TempDir(), "node-a", asynq.NewClientFromRedisClient(rdb), clock, log)
	mux := asynq.NewServeMux()
	jobs.Register(mux)
	srv := asynq.NewServerFromRedisClient(rdb, asynq.Config{Concurrency: 1, Queues: map[string]int{jobs.Queue(): 1},
		TaskCheckInterval: 50 * time.Millisecond, LogLevel: asynq.FatalLevel})
	if err := srv.Start(mux); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Shutdown)
	a := e.api(t, ServerConfig{Imports: jobs})

	a.call("POST", "/api/v1/clients", RoleMarketer, "application/json", `{"name":"Kaspi"}`).expect(t, http.StatusCreated, "")
	a.call("POST", "/api/v1/campaigns", RoleMarketer, "application/json", `{"name":"welcome","client_id":1,"default_region":"KZ"}`).
		expect(t, http.StatusCreated, "")
	if r := a.call("PUT", "/api/v1/campaigns/1/column-map", RoleMarketer, "application/json", `{"Моб. тел.":"mobile"}`); r.status != http.StatusBadRequest ||
		!strings.Contains(r.body, `column_map[\"Моб. тел.\"]`) {
		t.Fatalf("bad map: %d %s", r.status, r.body)
	}
	a.call("PUT", "/api/v1/campaigns/1/column-map", RoleMarketer, "application/json", `{"Моб. тел.":"phone"}`).
		expect(t, http.StatusOK, "")

	cp1251, err := charmap.Windows1251.NewEncoder().String("Клиент;Моб. тел.\nАйгерим;8 701 123 45 67\nЕрлан;нет\n")
	if err != nil {
		t.Fatal(err)
	}
	r := a.call("POST", "/api/v1/campaigns/1/contacts", RoleMarketer, "text/csv; charset=windows-1251", cp1251)
	r.expect(t, http.StatusCreated, "")
	var added addContactsResponse
	r.decode(t, &added)
	if added.Added != 1 || len(added.Rejected) != 1 || *added.Rejected[0].Line != 3 {
		t.Fatalf("cp1251 upload %s", r.body)
	}

	r = a.call("POST", "/api/v1/campaigns/1/contacts?async=true", RoleMarketer, "text/csv",
		"Клиент;Моб. тел.\nАйгерим;8 701 123 45 67\nБолат;8 702 000 11 22\nx;1\n")
	r.expect(t, http.StatusAccepted, "")
	var job campaigns.ImportJob
	r.decode(t, &job)
	if loc := r.header.Get("Location"); loc != "/api/v1/imports/1" || job.Status != campaigns.ImportQueued {
		t.Fatalf("async upload: Location %q, job %+v", loc, job)
	}
	deadline := time.Now().Add(10 * time.Second)
	for job.Status != campaigns.ImportDone && job.Status != campaigns.ImportFailed {
		if time.Now().After(deadline) {
			t.Fatalf("import still %s", job.Status)
		}
		time.Sleep(20 * time.Millisecond) // asynq's server, another goroutine pool, does the work
		a.call("GET", "/api/v1/imports/1", RoleMarketer, "", "").decode(t, &job)
	}
	rep := job.Report
	if job.Status != campaigns.ImportDone || rep == nil || rep.Loaded != 1 || rep.Duplicates != 1 || rep.Rejected != 1 ||
		rep.Errors[0].Reason != "already in the campaign" {
		t.Fatalf("job %+v report %+v", job, rep)
	}
	a.call("GET", "/api/v1/imports/7", RoleMarketer, "", "").expect(t, http.StatusNotFound, "import 7: not found")

	// The export carries the import's columns and loads back.
	r = a.call("GET", "/api/v1/campaigns/1/export?bom=1", RoleMarketer, "", "")
	if r.status != http.StatusOK || !strings.HasPrefix(r.body, "\ufeffexternal_id,phone,name") || !strings.Contains(r.body, "+77020001122") ||
		r.header.Get("Content-Type") != "text/csv; charset=utf-8" {
		t.Fatalf("export: %d %q", r.status, r.body)
	}
	a.call("GET", "/api/v1/campaigns/1/export?what=everything", RoleMarketer, "", "").expect(t, http.StatusBadRequest, "invalid request", "what")
	if !strings.Contains(a.call("GET", "/api/v1/campaigns/1/column-map", RoleMarketer, "", "").body, "Моб. тел.") {
		t.Fatal("column map not returned")
	}
}
