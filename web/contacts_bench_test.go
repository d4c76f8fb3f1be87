package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/alo-dialer/alo/campaigns"
	"github.com/alo-dialer/alo/internal/testenv"
)

// BenchmarkContactsJSON is a CRM's push through the API on SQLite: one
// POST /api/v1/campaigns/{id}/contacts of 50,000 contacts with external_id
// (ALO_CONTACTS_ROWS changes it), then the same request again, which
// updates every contact. Each iteration also times a plain SQLite bulk
// insert of the same rows and reports both requests as multiples of it.
// The targets are under 3 s each (docs/benchmarks.md):
//
//	go test ./web -run '^$' -bench BenchmarkContactsJSON -benchtime 1x -count 5
func BenchmarkContactsJSON(b *testing.B) {
	n := 50_000
	if v, err := strconv.Atoi(os.Getenv("ALO_CONTACTS_ROWS")); err == nil && v > 0 {
		n = v
	}
	body, plain := crmBatch(b, n)
	b.SetBytes(int64(len(body)))
	var insert, update, bulk, cpu time.Duration
	for b.Loop() {
		b.StopTimer()
		e := newStoreEnv(b, RoleMarketer)
		ctx := context.Background()
		cl, _ := e.store.CreateClient(ctx, "Bank")
		camp, err := e.store.CreateCampaign(ctx, campaigns.Campaign{ClientID: cl.ID, Name: "crm", DefaultRegion: "UZ"})
		if err != nil {
			b.Fatal(err)
		}
		h := NewServer(ServerConfig{Campaigns: e.store, Agents: newFakeAgents(), Users: e.users,
			Log: slog.New(slog.DiscardHandler)}).Handler()
		path := fmt.Sprintf("/api/v1/campaigns/%d/contacts", camp.ID)
		b.StartTimer()
		cpu0 := testenv.CPUTime()
		insert += postContacts(b, h, e.tokens[RoleMarketer], path, body, n, 0)
		update += postContacts(b, h, e.tokens[RoleMarketer], path, body, 0, n)
		cpu += testenv.CPUTime() - cpu0
		b.StopTimer()
		bulk += testenv.BulkInsertContacts(b, plain)
		b.StartTimer()
	}
	per := func(d time.Duration) float64 { return d.Seconds() / float64(b.N) }
	b.ReportMetric(per(insert), "insert-s/op")
	b.ReportMetric(per(update), "update-s/op")
	b.ReportMetric(per(bulk), "bulk-s/op")
	b.ReportMetric(insert.Seconds()/bulk.Seconds(), "insert-x-bulk")
	b.ReportMetric(update.Seconds()/bulk.Seconds(), "update-x-bulk")
	b.ReportMetric(per(cpu), "cpu-s/op") // both requests
}

// crmBatch is n contacts as a CRM sends them (external id, name, a local
// Uzbek number, a custom field) and the same rows for the bulk insert.
func crmBatch(tb testing.TB, n int) ([]byte, []testenv.BulkRow) {
	tb.Helper()
	items := make([]campaigns.ContactInput, n)
	plain := make([]testenv.BulkRow, n)
	for i := range items {
		items[i] = campaigns.ContactInput{Phone: fmt.Sprintf("90 %03d %02d %02d", i/10000%1000, i/100%100, i%100),
			Name: fmt.Sprintf("Dilnoza Yusupova %d", i), ExternalID: fmt.Sprintf("crm-%d", i),
			Fields: map[string]string{"branch": fmt.Sprintf("Filial-%d", i%50)}}
		plain[i] = testenv.BulkRow{Phone: fmt.Sprintf("+99890%07d", i), Name: items[i].Name, ExternalID: items[i].ExternalID}
	}
	body, err := json.Marshal(items)
	if err != nil {
		tb.Fatal(err)
	}
	return body, plain
}

// postContacts sends the batch and checks how many were added and updated.
func postContacts(tb testing.TB, h http.Handler, token, path string, body []byte, added, updated int) time.Duration {
	tb.Helper()
	req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	start := time.Now()
	h.ServeHTTP(rec, req)
	took := time.Since(start)
	var resp addContactsResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil || rec.Code != http.StatusCreated ||
		resp.Added != added || resp.Updated != updated {
		tb.Fatalf("status %d, %d added, %d updated (want %d, %d): %.300s", rec.Code, resp.Added, resp.Updated, added, updated, rec.Body.String())
	}
	return took
}
