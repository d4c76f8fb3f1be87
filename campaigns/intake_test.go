package campaigns

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestNormalizePhone(t *testing.T) {
	tests := []struct {
		name    string
		raw     string
		region  string
		want    string
		wantErr string // substring of the error; "" means success
	}{
		{name: "international with spaces and dashes", raw: "+998 90 123-45-67", want: "+998901234567"},
		{name: "international, region ignored", raw: "+998 90 123-45-67", region: "KZ", want: "+998901234567"},
		{name: "KZ trunk prefix 8", raw: "8 (701) 123-45-67", region: "KZ", want: "+77011234567"},
		{name: "KZ region in lower case", raw: "8 (701) 123-45-67", region: "kz", want: "+77011234567"},
		{name: "AZ trunk prefix 0", raw: "050 123 45 67", region: "AZ", want: "+994501234567"},
		{name: "UA trunk prefix 0", raw: "050 123 45 67", region: "UA", want: "+380501234567"},
		{name: "UZ national", raw: "90 123 45 67", region: "UZ", want: "+998901234567"},
		{name: "international 00 prefix", raw: "00998901234567", region: "UZ", want: "+998901234567"},
		{name: "surrounding space", raw: "  +77011234567\t", want: "+77011234567"},
		{name: "empty", raw: "  ", region: "UZ", wantErr: "empty"},
		{name: "letters", raw: "call me", region: "UZ", wantErr: "not a phone number"},
		{name: "too short for region", raw: "12345", region: "KZ", wantErr: "not a valid number for region KZ"},
		{name: "local without region", raw: "050 123 45 67", wantErr: "no country code"},
		{name: "international invalid", raw: "+998 12 345", wantErr: "not a valid number for region UZ (+998)"},
		{name: "unknown country code", raw: "+999 123 456 789", wantErr: "unknown country code"},
		{name: "unknown region", raw: "050 123 45 67", region: "XX", wantErr: `unknown region "XX"`},
		{name: "extension", raw: "+998 90 123 45 67 ext. 12", wantErr: "extension"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := NormalizePhone(tt.raw, tt.region)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("NormalizePhone(%q, %q): %v", tt.raw, tt.region, err)
				}
				if got != tt.want {
					t.Fatalf("NormalizePhone(%q, %q) = %q, want %q", tt.raw, tt.region, got, tt.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("NormalizePhone(%q, %q) = %q, want error containing %q", tt.raw, tt.region, got, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("NormalizePhone(%q, %q) error %q, want it to contain %q", tt.raw, tt.region, err, tt.wantErr)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v does not match ErrInvalid", err)
			}
		})
	}
}

func TestParseContactsCSV(t *testing.T) {
	const bom = "\xEF\xBB\xBF"
	tests := []struct {
		name   string
		input  string
		region string
		want   []NewContact
		bad    []RowError
	}{
		{
			name:   "semicolon, BOM, CRLF, quoted newline, Russian names, local KZ numbers",
			region: "KZ",
			input: bom + "Телефон;Имя;time_zone\r\n" +
				"8 (701) 123-45-67;\"Иванов\r\nИван Иванович\";Asia/Almaty\r\n" + // lines 2-3
				"+7 702 123 45 67;Пётр;\r\n" + // line 4
				"8 701 123 45 67;Дубль;\r\n" + // line 5: same as line 2
				"12345;Короткий;\r\n", // line 6
			want: []NewContact{
				{Phone: "+77011234567", Name: "Иванов Иван Иванович", TimeZone: "Asia/Almaty"},
				{Phone: "+77021234567", Name: "Пётр"},
			},
			bad: []RowError{
				{Line: 5, Field: "phone", Reason: "duplicate of line 2"},
				{Line: 6, Field: "phone", Reason: `"12345": not a valid number for region KZ`},
			},
		},
		{
			name:   "comma, UZ local numbers, bad rows keep their lines",
			region: "UZ",
			input: "name,phone,tz\n" +
				"Alisher,90 123 45 67,Asia/Tashkent\n" + // 2
				"Bad zone,91 123 45 67,Mars/Olympus\n" + // 3
				"\n" + // 4: empty line, skipped by the reader
				"Nodira,+998 93 123 45 67,\n" + // 5
				"Short row,93 765 43 21\n" + // 6
				",,\n" + // 7: blank record, skipped
				"Local zone,94 123 45 67,Local\n" + // 8
				"No phone,,\n", // 9
			want: []NewContact{
				{Phone: "+998901234567", Name: "Alisher", TimeZone: "Asia/Tashkent"},
				{Phone: "+998931234567", Name: "Nodira"},
			},
			bad: []RowError{
				{Line: 3, Field: "time_zone", Reason: `unknown time zone "Mars/Olympus" (use an IANA name such as Asia/Tashkent)`},
				{Line: 6, Reason: "2 fields, the header has 3"},
				{Line: 8, Field: "time_zone", Reason: `"Local" is not a time zone; use an IANA name such as Asia/Tashkent`},
				{Line: 9, Field: "phone", Reason: `"": empty`},
			},
		},
		{
			name:   "tab separated, AZ, extra unknown column ignored, msisdn header",
			region: "AZ",
			input: "MSISDN\tcomment\tName\n" +
				"050 123 45 67\tVIP, call first\tLeyla\n" +
				"+994 55 123 45 67\t\t\n",
			want: []NewContact{
				{Phone: "+994501234567", Name: "Leyla"},
				{Phone: "+994551234567"},
			},
		},
		{
			name:   "comma in quoted header does not fool separator detection",
			region: "UA",
			input: "number;\"name, full\"\n" +
				"050 123 45 67;Олена\n",
			want: []NewContact{{Phone: "+380501234567"}},
		},
		{
			name:   "malformed quote row is reported and reading goes on",
			region: "UZ",
			input: "phone,name\n" +
				"90 123 45 67,Ok\n" + // 2
				"90 111 22 33,Bad \"quote\n" + // 3
				"90 222 33 44,After\n", // 4
			want: []NewContact{
				{Phone: "+998901234567", Name: "Ok"},
				{Phone: "+998902223344", Name: "After"},
			},
			bad: []RowError{{Line: 3, Reason: `malformed CSV: bare " in non-quoted-field`}},
		},
		{
			name:   "cp1251 bytes are refused with a hint",
			region: "UZ",
			input:  "phone,name\n90 123 45 67,\xc8\xe2\xe0\xed\n90 765 43 21,Ivan\n",
			want:   []NewContact{{Phone: "+998907654321", Name: "Ivan"}},
			bad:    []RowError{{Line: 2, Reason: "not UTF-8 text (save the file as CSV UTF-8)"}},
		},
		{
			name:   "control character in a name",
			region: "UZ",
			input:  "phone,name\n90 123 45 67,\"a\x07b\"\n",
			want:   []NewContact{},
			bad:    []RowError{{Line: 2, Field: "name", Reason: "contains a control character"}},
		},
		{
			name:   "quoted separator in a name, over-long name",
			region: "UZ",
			input: "phone;name\n" +
				"90 123 45 67;\"Ташкент; филиал №1\"\n" +
				"90 765 43 21;" + strings.Repeat("я", MaxNameLength+1) + "\n",
			want: []NewContact{{Phone: "+998901234567", Name: "Ташкент; филиал №1"}},
			bad:  []RowError{{Line: 3, Field: "name", Reason: "longer than 200 characters"}},
		},
		{
			name:   "header only",
			region: "UZ",
			input:  "phone\n",
			want:   []NewContact{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, bad, err := ParseContactsCSV(strings.NewReader(tt.input), tt.region)
			if err != nil {
				t.Fatalf("ParseContactsCSV: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("contacts:\n got %+v\nwant %+v", got, tt.want)
			}
			if !reflect.DeepEqual(bad, tt.bad) {
				t.Errorf("row errors:\n got %+v\nwant %+v", bad, tt.bad)
			}
		})
	}
}

func TestParseContactsCSVFileErrors(t *testing.T) {
	tests := []struct {
		name    string
		input   string
		wantErr string
	}{
		{name: "empty file", input: "", wantErr: `header row with a "phone" column is required`},
		{name: "only a BOM", input: "\xEF\xBB\xBF", wantErr: "empty file"},
		{name: "no phone column", input: "name;tz\nIvan;UTC\n", wantErr: `no "phone" column`},
		{name: "two phone columns", input: "phone,телефон\n1,2\n", wantErr: `columns 1 and 2 both mean "phone"`},
		{name: "broken header", input: "\"phone\n", wantErr: "header"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := ParseContactsCSV(strings.NewReader(tt.input), "UZ")
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v does not match ErrInvalid", err)
			}
		})
	}
}

func TestRowErrorError(t *testing.T) {
	tests := []struct {
		in   RowError
		want string
	}{
		{RowError{Line: 3, Field: "phone", Reason: "duplicate of line 2"}, "line 3: phone: duplicate of line 2"},
		{RowError{Line: 7, Reason: "2 fields, the header has 3"}, "line 7: 2 fields, the header has 3"},
	}
	for _, tt := range tests {
		if got := tt.in.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

// BenchmarkParseContactsCSV measures intake alone (docs/architecture.md: 1 M contacts
// into SQL in under 30 s, of which parsing is one part).
func BenchmarkParseContactsCSV(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("phone;name;time_zone\n")
	const rows = 10000
	for i := range rows {
		fmt.Fprintf(&sb, "8 701 %03d %02d %02d;Контакт %d;Asia/Almaty\n", i/10000, (i/100)%100, i%100, i)
	}
	in := sb.String()
	b.SetBytes(int64(len(in)))
	b.ResetTimer()
	for b.Loop() {
		got, bad, err := ParseContactsCSV(strings.NewReader(in), "KZ")
		if err != nil || len(bad) != 0 || len(got) != rows {
			b.Fatalf("%d contacts, %v, %v", len(got), bad, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*rows), "ns/contact")
}
