package main

import (
	"testing"

	"github.com/nyaruka/phonenumbers"
)

// TestDemoNumbersValid keeps the demo's fictional numbers valid, distinct
// E.164 numbers: the gate denies invalid ones, which once blocked every call
// of the demo.
func TestDemoNumbersValid(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < maxDemoContacts; i++ {
		n := demoNumber(i)
		if seen[n] {
			t.Fatalf("demoNumber(%d) = %s repeats", i, n)
		}
		seen[n] = true
		if i%97 != 0 && i%1000 != 999 {
			continue // parsing every number is slow; sample each range
		}
		p, err := phonenumbers.Parse(n, "")
		if err != nil || !phonenumbers.IsValidNumber(p) {
			t.Errorf("demoNumber(%d) = %s is not a valid number (%v)", i, n, err)
		}
	}
}
