package campaigns

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/alo-dialer/alo/internal/testenv"
	"github.com/alo-dialer/alo/sqldb"
)

// FuzzImportContacts feeds arbitrary files to the real importer on SQLite:
// it never panics, every row is either loaded, updated or rejected, and a
// file it cannot read is an ErrInvalid (never a storage error).
func FuzzImportContacts(f *testing.F) {
	for _, seed := range []string{
		"phone,name\n+998901234567,Dilnoza\n",
		"\ufeffphone;name;note\n+77011234567;\"Айгерим\";\"a\nb\"\n",
		"phone\tname\n901234567\t=HYPERLINK(\"x\")\n",
		"phone,name\n+998901234567,\"unterminated\n",
		"phone,name\n+998901234567,Dil\xffnoza\n+998901234568,ok\n",
		"name\nno phone column\n",
		"phone,phone2,external_id,appointment_at\n+998901234567,+998901234568,crm-1,2026-12-01T10:00\n",
	} {
		f.Add([]byte(seed))
	}
	db := testenv.SQLite(f)
	ctx := context.Background()
	if err := sqldb.Migrate(ctx, db, "campaigns", Migrations); err != nil {
		f.Fatal(err)
	}
	s := NewStore(db, newTestClock().Now)
	cl, err := s.CreateClient(ctx, "Bank")
	if err != nil {
		f.Fatal(err)
	}
	camp, err := s.CreateCampaign(ctx, Campaign{ClientID: cl.ID, Name: "fuzz", DefaultRegion: "UZ", TimeZone: "Asia/Tashkent"})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rep, err := s.ImportContacts(ctx, camp.ID, bytes.NewReader(data), ImportOptions{})
		if err != nil && !errors.Is(err, ErrInvalid) {
			t.Fatalf("import failed other than as invalid input: %v", err)
		}
		if err == nil && rep.Loaded+rep.Updated+rep.Rejected > rep.Rows {
			t.Fatalf("report counts more outcomes than rows: %+v", rep)
		}
		// Start every input from an empty campaign.
		if _, err := db.ExecContext(ctx, `DELETE FROM contacts WHERE campaign_id = $1`, camp.ID); err != nil {
			t.Fatal(err)
		}
	})
}
