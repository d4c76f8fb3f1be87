package e164

import (
	"strings"
	"testing"
)

func TestValid(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"+998901234567", true},
		{"+12125550123", true},
		{"+" + strings.Repeat("1", MinDigits), true},
		{"+" + strings.Repeat("1", MaxDigits), true},
		{"+" + strings.Repeat("1", MinDigits-1), false}, // campaigns' old store check took 6 and 7
		{"+" + strings.Repeat("1", MaxDigits+1), false},
		{"", false},
		{"+", false},
		{"998901234567", false},
		{"+0998901234567", false},
		{"+99890123456a", false},
		{"+998 90 123 45 67", false},
		{"++998901234567", false},
		{"+998901234567\r\n", false},
		{"+٩٩٨٩٠١٢٣٤٥٦٧", false}, // Arabic-Indic digits are not ASCII digits
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := Valid(tt.in); got != tt.want {
				t.Errorf("Valid(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func FuzzValid(f *testing.F) {
	for _, s := range []string{"+998901234567", "+0", "", "+1234567"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !Valid(s) {
			return
		}
		if s[0] != '+' || s[1] < '1' || s[1] > '9' || len(s)-1 < MinDigits || len(s)-1 > MaxDigits {
			t.Fatalf("Valid(%q) = true", s)
		}
	})
}
