package campaigns

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/alo-dialer/alo/internal/testenv"
	"github.com/alo-dialer/alo/sqldb"
)

// BenchmarkUpsertEngines is UpsertContacts of 50,000 contacts with
// external_id (ALO_CONTACTS_ROWS changes it) into an empty campaign, then
// the same again (all updates), on each engine: the store's share of
// web's BenchmarkContactsJSON, and the PostgreSQL figure (a local server
// over a Unix socket, so one round trip per contact is cheap):
//
//	go test ./campaigns -run '^$' -bench BenchmarkUpsertEngines -benchtime 1x -count 3
func BenchmarkUpsertEngines(b *testing.B) {
	n := 50_000
	if v, err := strconv.Atoi(os.Getenv("ALO_CONTACTS_ROWS")); err == nil && v > 0 {
		n = v
	}
	in := make([]NewContact, n)
	for i := range in {
		in[i] = NewContact{Phone: fmt.Sprintf("+99890%07d", i), Name: fmt.Sprintf("Dilnoza %d", i), ExternalID: fmt.Sprintf("crm-%d", i)}
	}
	for _, e := range testenv.Engines() {
		b.Run(e.Name, func(b *testing.B) {
			var insert, update time.Duration
			for b.Loop() {
				b.StopTimer()
				db := e.Open(b)
				if err := sqldb.Migrate(context.Background(), db, "campaigns", Migrations); err != nil {
					b.Fatal(err)
				}
				s := NewStore(db, time.Now)
				ctx := context.Background()
				cl, _ := s.CreateClient(ctx, "Bank")
				c, _ := s.CreateCampaign(ctx, Campaign{ClientID: cl.ID, Name: "crm", DefaultRegion: "UZ"})
				b.StartTimer()
				start := time.Now()
				if res, err := s.UpsertContacts(ctx, c.ID, in); err != nil || len(res.Added) != n {
					b.Fatalf("insert: %d, %v", len(res.Added), err)
				}
				mid := time.Now()
				if res, err := s.UpsertContacts(ctx, c.ID, in); err != nil || len(res.Updated) != n {
					b.Fatalf("update: %d, %v", len(res.Updated), err)
				}
				insert, update = insert+mid.Sub(start), update+time.Since(mid)
			}
			b.ReportMetric(insert.Seconds()/float64(b.N), "insert-s/op")
			b.ReportMetric(update.Seconds()/float64(b.N), "update-s/op")
		})
	}
}
