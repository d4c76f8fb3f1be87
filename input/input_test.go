package input

import (
	"errors"
	"fmt"
	"slices"
	"testing"
)

func TestError(t *testing.T) {
	check := func(t *testing.T, err error, wantText string, want []Problem) {
		t.Helper()
		if want == nil {
			if err != nil {
				t.Fatalf("err = %v, want nil", err)
			}
			return
		}
		if !errors.Is(err, ErrInvalid) {
			t.Fatalf("errors.Is(%v, ErrInvalid) = false", err)
		}
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("%v is not an *Error", err)
		}
		if !slices.Equal(e.Problems, want) {
			t.Fatalf("problems %+v, want %+v", e.Problems, want)
		}
		if err.Error() != wantText {
			t.Fatalf("Error() = %q, want %q", err.Error(), wantText)
		}
	}
	collect := func(add func(*Problems)) error {
		var ps Problems
		add(&ps)
		return ps.Err()
	}
	tests := []struct {
		name string
		err  error
		text string
		want []Problem
	}{
		{"one field", Invalid("name", "must not be empty"), "name: must not be empty",
			[]Problem{{"name", "must not be empty"}}},
		{"formatted", Invalidf("lines", "%d is not in 0…%d", 2000, 1000), "lines: 2000 is not in 0…1000",
			[]Problem{{"lines", "2000 is not in 0…1000"}}},
		{"no field", Invalid("", "empty body"), "empty body", []Problem{{"", "empty body"}}},
		{"none collected", collect(func(*Problems) {}), "", nil},
		{"several collected", collect(func(ps *Problems) {
			ps.Add("name", "must not be empty")
			ps.Addf("max_attempts", "%d is less than 1", 0)
		}), "name: must not be empty; max_attempts: 0 is less than 1",
			[]Problem{{"name", "must not be empty"}, {"max_attempts", "0 is less than 1"}}},
		{"merged from a wrapped part", collect(func(ps *Problems) {
			ps.Add("name", "must not be empty")
			if !ps.AddErr(fmt.Errorf("recording: %w", Invalid("recording.retention_days", "negative"))) {
				panic("not merged")
			}
		}), "name: must not be empty; recording.retention_days: negative",
			[]Problem{{"name", "must not be empty"}, {"recording.retention_days", "negative"}}},
		{"wrapped keeps its type", fmt.Errorf("create campaign: %w", Invalid("name", "empty")), "create campaign: name: empty",
			[]Problem{{"name", "empty"}}},
		{"nested field", Nest("contacts[3]", Invalid("appointment_at", "required")), "contacts[3].appointment_at: required",
			[]Problem{{"contacts[3].appointment_at", "required"}}},
		{"nested index", Nest("retry", Invalid("[busy]", "negative")), "retry[busy]: negative",
			[]Problem{{"retry[busy]", "negative"}}},
		{"nested whole", Nest("schedule", Invalid("", "negative")), "schedule: negative",
			[]Problem{{"schedule", "negative"}}},
		{"nested nil", Nest("x", nil), "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { check(t, tt.err, tt.text, tt.want) })
	}
}

func TestAddErrLeavesOtherErrors(t *testing.T) {
	var ps Problems
	if ps.AddErr(errors.New("disk full")) {
		t.Fatal("a plain error was taken for input problems")
	}
	if !ps.AddErr(nil) || ps.Err() != nil {
		t.Fatalf("nil recorded something: %v", ps.Err())
	}
	if err := Nest("x", errors.New("disk full")); errors.Is(err, ErrInvalid) || err.Error() != "x: disk full" {
		t.Fatalf("Nest of a plain error = %v", err)
	}
}

func TestErrCopies(t *testing.T) {
	var ps Problems
	ps.Add("a", "bad")
	err := ps.Err()
	ps[0].Reason = "changed"
	if err.Error() != "a: bad" {
		t.Fatalf("the error shares the collector's memory: %v", err)
	}
}
