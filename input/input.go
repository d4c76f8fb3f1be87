// Package input is alo's one vocabulary for input that is wrong: a typed
// error naming every field at fault with a reason a person understands, so
// that callers (the API above all) inspect fields instead of parsing error
// text. It imports only the standard library, so any package may use it.
package input

import (
	"errors"
	"fmt"
	"strings"
)

// ErrInvalid is what every *Error matches with errors.Is; domain packages
// re-export it (campaigns.ErrInvalid) so existing checks keep working.
var ErrInvalid = errors.New("invalid")

// Problem is one field at fault. Field is the field's path in the input's
// JSON form (e.g. "contacts[3].phone"); Reason says what is wrong in words
// a marketer understands. An empty Field means the input as a whole.
type Problem struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// String is "field: reason", or the reason alone when no field is named.
func (p Problem) String() string {
	if p.Field == "" {
		return p.Reason
	}
	return p.Field + ": " + p.Reason
}

// Error is input that was refused, with every problem found in it.
type Error struct {
	Problems []Problem
}

// Error joins the problems: "name: must not be empty; lines: 2000 is not
// in 0…1000".
func (e *Error) Error() string {
	if len(e.Problems) == 0 {
		return ErrInvalid.Error()
	}
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = p.String()
	}
	return strings.Join(parts, "; ")
}

// Is makes errors.Is(err, ErrInvalid) true for every *Error.
func (e *Error) Is(target error) bool { return target == ErrInvalid }

// Invalid is the error for one field at fault.
func Invalid(field, reason string) error {
	return &Error{Problems: []Problem{{Field: field, Reason: reason}}}
}

// Invalidf is Invalid with a formatted reason.
func Invalidf(field, format string, args ...any) error {
	return Invalid(field, fmt.Sprintf(format, args...))
}

// Problems collects the problems of one input, so a check can report every
// wrong field at once:
//
//	var ps input.Problems
//	ps.Add("name", "must not be empty")
//	return ps.Err()
type Problems []Problem

// Add records a problem with field.
func (ps *Problems) Add(field, reason string) {
	*ps = append(*ps, Problem{Field: field, Reason: reason})
}

// Addf records a problem with a formatted reason.
func (ps *Problems) Addf(field, format string, args ...any) {
	ps.Add(field, fmt.Sprintf(format, args...))
}

// AddErr records the problems of err when it is (or wraps) an *Error and
// reports whether it was one; any other non-nil error is not recorded,
// and the caller decides what to do with it.
func (ps *Problems) AddErr(err error) bool {
	var e *Error
	if !errors.As(err, &e) {
		return err == nil
	}
	*ps = append(*ps, e.Problems...)
	return true
}

// Err is nil when nothing was recorded, else an *Error with a copy of the
// problems (the collector may be reused).
func (ps Problems) Err() error {
	if len(ps) == 0 {
		return nil
	}
	return &Error{Problems: append([]Problem(nil), ps...)}
}

// Nest puts err's fields under prefix ("contacts[3]" + "appointment_at" is
// "contacts[3].appointment_at", "retry" + "[busy]" is "retry[busy]"), for
// a check of a part that does not know where the part sits. An error that
// is not an *Error is wrapped with the prefix as context; nil stays nil.
func Nest(prefix string, err error) error {
	if err == nil {
		return nil
	}
	e, ok := err.(*Error)
	if !ok {
		return fmt.Errorf("%s: %w", prefix, err)
	}
	out := &Error{Problems: make([]Problem, len(e.Problems))}
	for i, p := range e.Problems {
		switch {
		case p.Field == "":
			p.Field = prefix
		case strings.HasPrefix(p.Field, "["):
			p.Field = prefix + p.Field
		default:
			p.Field = prefix + "." + p.Field
		}
		out.Problems[i] = p
	}
	return out
}
