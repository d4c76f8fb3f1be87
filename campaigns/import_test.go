package campaigns

import (
	"context"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/alo-dialer/alo/sqldb"
)

// importedContact is what a test reads back of an imported contact.
type importedContact struct {
	Phone, Name, Language, Region, ExternalID, Phones, Fields, TimeZone string
	Appointment                                                         string
}

func importedContacts(t *testing.T, db *sqldb.DB, campaignID int64) []importedContact {
	t.Helper()
	rows, err := db.Query(`SELECT phone, name, language, region, external_id, phones_json, fields_json,
		time_zone, appointment_at FROM contacts WHERE campaign_id = $1 ORDER BY id`, campaignID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []importedContact
	for rows.Next() {
		var c importedContact
		var appt *int64
		if err := rows.Scan(&c.Phone, &c.Name, &c.Language, &c.Region, &c.ExternalID, &c.Phones, &c.Fields, &c.TimeZone, &appt); err != nil {
			t.Fatal(err)
		}
		if appt != nil {
			c.Appointment = time.UnixMilli(*appt).UTC().Format(time.RFC3339)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func errorLines(errs []RowError) []string {
	out := make([]string, len(errs))
	for i, e := range errs {
		out[i] = e.Error()
	}
	return out
}

// TestImportRealFiles loads the exports of testdata/import (made the way
// Excel and 1C write them in our markets) and checks every number,
// duplicate and rejected line.
func TestImportRealFiles(t *testing.T) {
	cases := []struct {
		file, region        string
		encoding, separator string
		progress            ImportProgress
		errors              []string
		contacts            []importedContact
	}{{
		file: "kz_semicolon_bom.csv", region: "KZ", encoding: EncodingUTF8, separator: ";",
		progress: ImportProgress{BytesRead: 564, Rows: 7, Loaded: 3, Rejected: 3, Duplicates: 1},
		errors: []string{
			"line 5: phone: duplicate of line 2",
			`line 6: phone: "12345": not a valid number for region KZ`,
			"line 7: 2 fields, the header has 6",
			`line 9: language: "xx1" is not a language code (use two letters such as ru, kk, uz, en)`,
		},
		contacts: []importedContact{
			{Phone: "+77011234567", Name: "Иванов Иван", Language: "ru", Region: "ALM", Phones: `["+77011234567","+77027654321"]`, Fields: `{"Филиал":"Алматы-1"}`},
			{Phone: "+77071112233", Name: "Сәрсенбаев; Ерлан Маратұлы", Language: "kk", Region: "AST", Fields: `{"Филиал":"Астана"}`},
			{Phone: "+77015556677", Name: "Айгүл Серікқызы", Language: "kk", Region: "KRG", Fields: `{"Филиал":"Қарағанды"}`},
		},
	}, {
		file: "ru_cp1251.csv", region: "RU", encoding: EncodingWindows1251, separator: ",",
		progress: ImportProgress{BytesRead: 291, Rows: 5, Loaded: 3, Rejected: 1, Duplicates: 1},
		errors: []string{
			`line 4: phone: "8 916 000 00 0": not a valid number for region RU`,
			"line 5: external_id: duplicate of line 2",
		},
		contacts: []importedContact{
			{Phone: "+79161234567", Name: "Сидоров Алексей", Region: "Московская", ExternalID: "crm-1"},
			{Phone: "+74957654321", Name: "Кузнецова Мария", Region: "Москва", ExternalID: "crm-2"},
			{Phone: "+79032223344", Name: "Попов Игорь", Region: "Тульская", ExternalID: "crm-4"},
		},
	}, {
		file: "uz_tab.csv", region: "UZ", encoding: EncodingUTF8, separator: "\t",
		progress: ImportProgress{BytesRead: 380, Rows: 5, Loaded: 3, Rejected: 1, Duplicates: 1},
		errors: []string{
			"line 4: phone: duplicate of line 2",
			`line 5: appointment_at: "ertaga" is not a date and time (use 2027-03-23 10:30 or 23.03.2027 10:30)`,
		},
		contacts: []importedContact{
			// Local times are read in the campaign's zone (Asia/Tashkent, UTC+5).
			{Phone: "+998901234567", Name: "Aziz Karimov", Language: "uz", Region: "TOSH", Fields: `{"Bo'lim":"Kardiologiya"}`, Appointment: "2027-03-23T05:30:00Z"},
			{Phone: "+998935554433", Name: "Дилноза Юсупова", Language: "uz", Region: "SAM", Fields: `{"Bo'lim":"Terapiya"}`, Appointment: "2027-03-23T10:00:00Z"},
			{Phone: "+998912345678", Name: "Sardor Tursunov", Language: "ru", Region: "FAR", Fields: `{"Bo'lim":"Kardiologiya"}`, Appointment: "2027-03-25T03:15:00Z"},
		},
	}, {
		file: "kk_quoted_newlines.csv", region: "KZ", encoding: EncodingUTF8, separator: ",",
		progress: ImportProgress{BytesRead: 498, Rows: 5, Loaded: 3, Rejected: 2},
		errors: []string{
			`line 5: time_zone: unknown time zone "Asia/Alma-Ata-City" (use an IANA name such as Asia/Tashkent)`,
			`line 8: malformed CSV: extraneous or missing " in quoted-field`,
		},
		contacts: []importedContact{
			{Phone: "+77012223344", Name: "Нұрлан Әбішев", Region: "ALM", ExternalID: "kz-1", TimeZone: "Asia/Almaty", Fields: `{"Ескертпе":"Бірінші жол\nекінші жол"}`},
			{Phone: "+77753334455", Name: "Гүлнар Омарова", Region: "AKT", ExternalID: "kz-2", TimeZone: "Asia/Aqtobe"},
			// The number was split by a line break inside its cell.
			{Phone: "+77089990011", Name: "Дана Қайратқызы", Region: "AST", ExternalID: "kz-4", TimeZone: "Asia/Almaty", Fields: `{"Ескертпе":"жоқ"}`},
		},
	}}
	forEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s, _ := newTestStore(t, db)
		cl, _ := s.CreateClient(ctx, "Bank")
		for _, tc := range cases {
			t.Run(tc.file, func(t *testing.T) {
				c, err := s.CreateCampaign(ctx, Campaign{ClientID: cl.ID, Name: tc.file, DefaultRegion: tc.region, TimeZone: "Asia/Tashkent"})
				if err != nil {
					t.Fatal(err)
				}
				rep := importFile(t, s, c.ID, tc.file, ImportOptions{BatchSize: 2})
				if rep.Encoding != tc.encoding || rep.Separator != tc.separator {
					t.Errorf("read as %s/%q, want %s/%q", rep.Encoding, rep.Separator, tc.encoding, tc.separator)
				}
				if rep.ImportProgress != tc.progress {
					t.Errorf("counts %+v, want %+v", rep.ImportProgress, tc.progress)
				}
				if got := errorLines(rep.Errors); !reflect.DeepEqual(got, tc.errors) {
					t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.errors, "\n"))
				}
				if got := importedContacts(t, db, c.ID); !reflect.DeepEqual(got, tc.contacts) {
					t.Errorf("contacts:\n%+v\nwant:\n%+v", got, tc.contacts)
				}
				// The same file again adds nothing: every good row is already there.
				again := importFile(t, s, c.ID, tc.file, ImportOptions{})
				if again.Loaded != 0 || again.Duplicates+again.Updated != tc.progress.Loaded+tc.progress.Duplicates {
					t.Errorf("second import %+v: want nothing loaded", again.ImportProgress)
				}
			})
		}
	})
}

func importFile(t *testing.T, s *Store, campaignID int64, name string, opt ImportOptions) ImportReport {
	t.Helper()
	f, err := os.Open("testdata/import/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rep, err := s.ImportContacts(context.Background(), campaignID, f, opt)
	if err != nil {
		t.Fatalf("import %s: %v", name, err)
	}
	return rep
}

// TestImportUpdatesByExternalID: a CRM sending a contact again (same
// external_id) updates it in place, never adds a second.
func TestImportUpdatesByExternalID(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s, _ := newTestStore(t, db)
		cl, _ := s.CreateClient(ctx, "Bank")
		c, _ := s.CreateCampaign(ctx, Campaign{ClientID: cl.ID, Name: "crm", DefaultRegion: "RU"})
		importFile(t, s, c.ID, "ru_cp1251.csv", ImportOptions{})
		rep, err := s.ImportContacts(ctx, c.ID, strings.NewReader(
			"external_id,phone,name\ncrm-2,+7 495 765-43-99,Кузнецова-Петрова Мария\ncrm-9,+7 903 000-11-22,Новый\n"), ImportOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Loaded != 1 || rep.Updated != 1 || rep.Rejected != 0 {
			t.Fatalf("report %+v", rep.ImportProgress)
		}
		got := importedContacts(t, db, c.ID)
		if len(got) != 4 || got[1].Phone != "+74957654399" || got[1].Name != "Кузнецова-Петрова Мария" {
			t.Fatalf("contacts %+v", got)
		}
	})
}

// TestImportColumnMap: a campaign's saved mapping reads a file whose
// headers no default knows; a bad mapping is refused naming its key.
func TestImportColumnMap(t *testing.T) {
	db := newMigratedSQLiteDB(t)
	ctx := context.Background()
	s, _ := newTestStore(t, db)
	cl, _ := s.CreateClient(ctx, "Bank")
	c, _ := s.CreateCampaign(ctx, Campaign{ClientID: cl.ID, Name: "mapped", DefaultRegion: "AZ"})
	err := s.SaveColumnMap(ctx, c.ID, ColumnMap{"Mobil": "telephone"})
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), `column_map["Mobil"]`) {
		t.Fatalf("bad map: %v", err)
	}
	if err := s.SaveColumnMap(ctx, c.ID, ColumnMap{"Mobil nömrə": "phone", "Müştəri": "name", "Qeyd": "ignore", "Filial": "field:branch"}); err != nil {
		t.Fatal(err)
	}
	rep, err := s.ImportContacts(ctx, c.ID, strings.NewReader(
		"Müştəri;Mobil nömrə;Qeyd;Filial\nƏli Məmmədov;050 123 45 67;x;Bakı\n"), ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := importedContacts(t, db, c.ID)
	if rep.Loaded != 1 || len(got) != 1 || got[0].Phone != "+994501234567" || got[0].Name != "Əli Məmmədov" || got[0].Fields != `{"branch":"Bakı"}` {
		t.Fatalf("report %+v contacts %+v", rep, got)
	}
}

// TestImportUnreadableFiles: a file that cannot be contacts at all is an
// error naming what is wrong, and loads nothing.
func TestImportUnreadableFiles(t *testing.T) {
	db := newMigratedSQLiteDB(t)
	ctx := context.Background()
	s, _ := newTestStore(t, db)
	cl, _ := s.CreateClient(ctx, "Bank")
	c, _ := s.CreateCampaign(ctx, Campaign{ClientID: cl.ID, Name: "bad"})
	for _, tc := range []struct{ body, want string }{
		{"", "empty file"},
		{"name,city\nA,B\n", "no phone column"},
		{"phone,number\n+77011234567,+77011234567\n", `columns 1 and 2 both mean "phone"`},
	} {
		_, err := s.ImportContacts(ctx, c.ID, strings.NewReader(tc.body), ImportOptions{})
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", tc.body, err, tc.want)
		}
	}
	if got := importedContacts(t, db, c.ID); len(got) != 0 {
		t.Fatalf("loaded %v", got)
	}
}
