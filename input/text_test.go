package input

import (
	"strings"
	"testing"
)

func TestTextProblem(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Дилноза Каримова", ""},
		{"O'zbekiston — Toshkent", ""},
		{"Anna\u202Egnp.exe", "U+202E"},
		{"Adm\u200Bin", "U+200B"},
		{"\uFEFFname", "U+FEFF"},
		{"a\u2066b\u2069", "U+2066"},
		{"bell\x07", "control character"},
		{"tab\there", "control character"},
		{"bad \xff byte", "not valid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got := TextProblem(tt.in)
			if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
				t.Fatalf("TextProblem(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
