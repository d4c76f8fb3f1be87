package csvcell

import (
	"strings"
	"testing"
)

func TestEscape(t *testing.T) {
	tests := []struct{ in, want string }{
		{"=HYPERLINK(\"http://evil.example\",\"click\")", "'=HYPERLINK(\"http://evil.example\",\"click\")"},
		{"+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"},
		{"-2+3", "'-2+3"},
		{"@SUM(A1:A9)", "'@SUM(A1:A9)"},
		{"\t=1", "'\t=1"},
		{"\r=1", "'\r=1"},
		{"+998901234567", "+998901234567"}, // a phone number stays a number
		{"-5", "-5"},
		{"+", "'+"},
		{"Dilnoza", "Dilnoza"},
		{"", ""},
		{"'quoted already", "'quoted already"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := Escape(tt.in); got != tt.want {
				t.Fatalf("Escape(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if back := Unescape(Escape(tt.in)); back != tt.in {
				t.Fatalf("Unescape(Escape(%q)) = %q", tt.in, back)
			}
		})
	}
}

func TestWriter(t *testing.T) {
	var b strings.Builder
	w := NewWriter(&b)
	if err := w.Write([]string{"name", "phone"}); err != nil {
		t.Fatal(err)
	}
	if err := w.Write([]string{"=1+1", "+998901234567"}); err != nil {
		t.Fatal(err)
	}
	w.Flush()
	if want := "name,phone\n'=1+1,+998901234567\n"; b.String() != want {
		t.Fatalf("wrote %q, want %q", b.String(), want)
	}
}
