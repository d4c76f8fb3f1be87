package siphdr

import "testing"

func TestCheckAndUser(t *testing.T) {
	tests := []struct {
		v          string
		safe, user bool
	}{
		{"1001", true, true},
		{"alo+test.1", true, true},
		{"a\r\nX-Injected: yes", false, false},
		{"nul\x00", false, false},
		{"with space", true, false},
		{"", true, false},
	}
	for _, tt := range tests {
		if got := Check(tt.v) == nil; got != tt.safe {
			t.Errorf("Check(%q) safe = %v, want %v", tt.v, got, tt.safe)
		}
		if got := ValidUser(tt.v); got != tt.user {
			t.Errorf("ValidUser(%q) = %v, want %v", tt.v, got, tt.user)
		}
	}
}
