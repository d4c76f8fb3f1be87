package campaigns

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/alo-dialer/alo/sqldb"
)

// TestExportRoundTrip: a contacts export loads back into another campaign
// as the same contacts (numbers, names, fields, appointments), with the
// BOM Excel needs; the attempts export lists each attempt.
func TestExportRoundTrip(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s, _ := newTestStore(t, db)
		cl, _ := s.CreateClient(ctx, "Bank")
		src, _ := s.CreateCampaign(ctx, Campaign{ClientID: cl.ID, Name: "src", DefaultRegion: "KZ", TimeZone: "Asia/Tashkent"})
		dst, _ := s.CreateCampaign(ctx, Campaign{ClientID: cl.ID, Name: "dst", DefaultRegion: "KZ", TimeZone: "Asia/Tashkent"})
		for _, f := range []string{"kz_semicolon_bom.csv", "uz_tab.csv", "kk_quoted_newlines.csv"} {
			importFile(t, s, src.ID, f, ImportOptions{Region: map[string]string{"uz_tab.csv": "UZ"}[f]})
		}
		var buf bytes.Buffer
		if err := s.ExportCSV(ctx, src.ID, ExportContacts, true, &buf); err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(buf.Bytes(), utf8BOM) {
			t.Fatal("no BOM")
		}
		rep, err := s.ImportContacts(ctx, dst.ID, bytes.NewReader(buf.Bytes()), ImportOptions{})
		if err != nil || rep.Rejected != 0 || rep.Loaded != 9 {
			t.Fatalf("re-import %+v: %v\n%s", rep, err, buf.String())
		}
		a, b := importedContacts(t, db, src.ID), importedContacts(t, db, dst.ID)
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("round trip differs:\n%+v\n%+v", a, b)
		}

		var att bytes.Buffer
		if err := s.ExportCSV(ctx, src.ID, ExportAttempts, false, &att); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(att.String(), "attempt_id,contact_id,external_id,phone,attempt,outcome") {
			t.Fatalf("attempts export %q", att.String())
		}
		if err := s.ExportCSV(ctx, src.ID, "everything", false, &att); !errors.Is(err, ErrInvalid) {
			t.Fatalf("bad what: %v", err)
		}
	})
}

// TestExportEscapesFormulas: names and fields that a spreadsheet would run
// as formulas are exported with a leading quote (OWASP), phone numbers are
// not, and the export imports back as the same contacts.
func TestExportEscapesFormulas(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s, _ := newTestStore(t, db)
		cl, _ := s.CreateClient(ctx, "Bank")
		src, _ := s.CreateCampaign(ctx, Campaign{ClientID: cl.ID, Name: "src", DefaultRegion: "UZ", TimeZone: "Asia/Tashkent"})
		dst, _ := s.CreateCampaign(ctx, Campaign{ClientID: cl.ID, Name: "dst", DefaultRegion: "UZ", TimeZone: "Asia/Tashkent"})
		in := "phone,name,note\n" +
			"+998901234567,\"=HYPERLINK(\"\"http://evil.example\"\",\"\"click\"\")\",@SUM(A1:A9)\n" +
			"+998901234568,\"+cmd|' /C calc'!A0\",-2+3\n"
		if rep, err := s.ImportContacts(ctx, src.ID, strings.NewReader(in), ImportOptions{}); err != nil || rep.Loaded != 2 {
			t.Fatalf("import %+v: %v", rep, err)
		}
		var buf bytes.Buffer
		if err := s.ExportCSV(ctx, src.ID, ExportContacts, false, &buf); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		for _, want := range []string{`'=HYPERLINK(`, `'+cmd|`, `'@SUM(A1:A9)`, `'-2+3`, ",+998901234567,", ",+998901234568,"} {
			if !strings.Contains(out, want) {
				t.Fatalf("export lacks %q:\n%s", want, out)
			}
		}
		for _, line := range strings.Split(out, "\n") {
			for _, cell := range strings.Split(line, ",") {
				if c := strings.TrimPrefix(cell, `"`); c != "" && strings.ContainsAny(c[:1], "=@") {
					t.Fatalf("cell %q would run as a formula:\n%s", cell, out)
				}
			}
		}
		if rep, err := s.ImportContacts(ctx, dst.ID, strings.NewReader(out), ImportOptions{}); err != nil || rep.Loaded != 2 {
			t.Fatalf("re-import %+v: %v", rep, err)
		}
		if a, b := importedContacts(t, db, src.ID), importedContacts(t, db, dst.ID); !reflect.DeepEqual(a, b) {
			t.Fatalf("round trip differs:\n%+v\n%+v", a, b)
		}
	})
}
