package campaigns

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/alo-dialer/alo/sqldb"
)

// TestImportMixedCountries: one file of Uzbek, Kazakh and Azerbaijani
// customers, each number written the way its own country writes it, loads
// each number in its own country: a country column wins over the upload's
// default, a number's own +code wins over both, and lines ending with a
// trailing separator are read as the header's columns.
func TestImportMixedCountries(t *testing.T) {
	file := "phone;name;country;\n" +
		"90 123 45 67;Aziz;UZ;\n" + // UZ local, the country column
		"8 (701) 234-56-78;Aigerim;kz;\n" + // KZ local with its 8 prefix
		"050 345 67 89;Elvin;AZ;\n" + // AZ local with its 0 prefix
		"+994 55 111 22 33;Leyla;;\n" + // own +code, no country: not the default (UZ)
		"+7 702 999 88 77;Nursultan;UZ;\n" + // own +code wins over the column
		"91 765 43 21;Dilnoza;;\n" + // neither: the upload's default
		"8 (701) 234-56-79;Bad;XX;\n" + // not a country: rejected, named
		"701 111 22 33;Wrong;UZ;;x\n" // a filled cell past the header: rejected
	want := []string{"+998901234567", "+77012345678", "+994503456789", "+994551112233", "+77029998877", "+998917654321"}
	wantErrs := []string{
		`line 8: country: "XX" is not a country code (use two letters such as UZ, KZ, AZ)`,
		"line 9: 5 fields, the header has 4",
	}
	forEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s := NewStore(db, newTestClock().Now)
		cl, _ := s.CreateClient(ctx, "Bank")
		c, err := s.CreateCampaign(ctx, Campaign{ClientID: cl.ID, Name: "cis", DefaultRegion: "UZ"})
		if err != nil {
			t.Fatal(err)
		}
		rep, err := s.ImportContacts(ctx, c.ID, strings.NewReader(file), ImportOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, ic := range importedContacts(t, db, c.ID) {
			got = append(got, ic.Phone)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("numbers %v, want %v", got, want)
		}
		if errs := errorLines(rep.Errors); !reflect.DeepEqual(errs, wantErrs) {
			t.Errorf("errors %q, want %q", errs, wantErrs)
		}

		// Rows with a trailing separator under a header without one.
		c2, _ := s.CreateCampaign(ctx, Campaign{ClientID: cl.ID, Name: "trailing", DefaultRegion: "KZ"})
		rep, err = s.ImportContacts(ctx, c2.ID, strings.NewReader("phone;name\n8 701 234 56 78;A;\n8 701 234 56 79;B;;\n"), ImportOptions{})
		if err != nil || rep.Loaded != 2 || len(rep.Errors) != 0 {
			t.Errorf("trailing separators: %+v, %v", rep, err)
		}

		// The API's contacts take a country the same way.
		in := ContactInput{Phone: "8 707 123 45 67", Country: "kz"}
		nc, field, reason := in.Check("UZ")
		if reason != "" || nc.Phone != "+77071234567" {
			t.Errorf("Check(country kz) = %q, %s: %s", nc.Phone, field, reason)
		}
		if _, field, reason := (ContactInput{Phone: "90 123 45 67", Country: "Uzbekistan"}).Check("UZ"); field != "country" || reason == "" {
			t.Errorf("country Uzbekistan: field %q reason %q, want a country error", field, reason)
		}
	})
}
