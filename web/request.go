package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/go-playground/validator/v10"

	"github.com/alo-dialer/alo/campaigns"
	"github.com/alo-dialer/alo/e164"
)

// Body size limits: a JSON request is a form's worth of data or a batch of
// contacts; a CSV upload may carry a million contacts.
const (
	maxJSONBody = 10 << 20
	maxCSVBody  = 100 << 20
)

// Paging bounds for list endpoints.
const (
	defaultLimit = 100
	maxLimit     = 10000
)

// newValidator returns a validator that names fields by their JSON names
// and knows alo's own tags: hhmm (time of day), duration (Go duration),
// tzname (IANA zone, not "Local"), phone_e164 (+ and digits: it goes into
// a SIP header) and nocontrol (no control characters,
// since names reach SIP headers and consoles).
func newValidator() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			return ""
		}
		if name == "" {
			return f.Name
		}
		return name
	})
	// Registration errors only come from empty tag names or nil functions.
	_ = v.RegisterValidation("hhmm", func(fl validator.FieldLevel) bool {
		_, err := parseHHMM(fl.Field().String())
		return err == nil
	})
	_ = v.RegisterValidation("duration", func(fl validator.FieldLevel) bool {
		_, err := time.ParseDuration(fl.Field().String())
		return err == nil
	})
	_ = v.RegisterValidation("tzname", func(fl validator.FieldLevel) bool {
		_, reason := campaigns.CheckTimeZone(fl.Field().String())
		return reason == ""
	})
	_ = v.RegisterValidation("phone_e164", func(fl validator.FieldLevel) bool {
		return e164.Valid(fl.Field().String())
	})
	_ = v.RegisterValidation("nocontrol", func(fl validator.FieldLevel) bool {
		return strings.IndexFunc(fl.Field().String(), unicode.IsControl) < 0
	})
	return v
}

// parseHHMM reads "HH:MM" as minutes after midnight; "24:00" is the end of
// the day, so a window may run to midnight.
func parseHHMM(s string) (int, error) {
	h, m, ok := strings.Cut(s, ":")
	if !ok || len(h) != 2 || len(m) != 2 {
		return 0, fmt.Errorf("%q is not HH:MM", s)
	}
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || hh < 0 || mm < 0 || mm > 59 || hh > 24 || (hh == 24 && mm != 0) {
		return 0, fmt.Errorf("%q is not a time of day", s)
	}
	return hh*60 + mm, nil
}

// formatHHMM writes minutes after midnight as "HH:MM".
func formatHHMM(min int) string { return fmt.Sprintf("%02d:%02d", min/60, min%60) }

// fieldErrors turns the validator's verdict into FieldErrors with the JSON
// path of each field (e.g. "campaign_ids[0]").
func fieldErrors(err error) ([]FieldError, bool) {
	var ves validator.ValidationErrors
	if !errors.As(err, &ves) {
		return nil, false
	}
	out := make([]FieldError, 0, len(ves))
	for _, fe := range ves {
		path := fe.Namespace()
		if _, rest, ok := strings.Cut(path, "."); ok {
			path = rest // drop the request type's name
		}
		out = append(out, FieldError{Field: path, Reason: reasonFor(fe)})
	}
	return out, true
}

// reasonFor words one validation failure for a person.
func reasonFor(fe validator.FieldError) string {
	p := fe.Param()
	switch fe.Tag() {
	case "required":
		return "required"
	case "min", "max":
		op := "≥"
		if fe.Tag() == "max" {
			op = "≤"
		}
		switch fe.Kind() {
		case reflect.String:
			if fe.Tag() == "min" {
				return "must be at least " + p + " characters"
			}
			return "must be at most " + p + " characters"
		case reflect.Slice, reflect.Array, reflect.Map:
			if fe.Tag() == "min" {
				return "must have at least " + p + " items"
			}
			return "must have at most " + p + " items"
		}
		return "must be " + op + " " + p
	case "gt":
		return "must be > " + p
	case "e164", "phone_e164":
		return "must be an E.164 number such as +998901234567"
	case "iso3166_1_alpha2":
		return "must be an ISO 3166 alpha-2 country code in capitals, such as UZ"
	case "oneof":
		return "must be one of: " + p
	case "hhmm":
		return "must be a time of day as HH:MM (00:00 to 24:00)"
	case "duration":
		return "must be a duration such as 45s, 30m or 1h30m"
	case "tzname":
		return "must be an IANA time zone such as Asia/Tashkent"
	case "nocontrol":
		return "must not contain control characters"
	}
	return "fails the " + fe.Tag() + " rule"
}

// requireJSON refuses a body declared as anything but JSON. A request with
// no Content-Type is read as JSON, for curl's sake.
func requireJSON(r *http.Request) error {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return nil
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || mt != "application/json" {
		return errStatus(http.StatusUnsupportedMediaType, "Content-Type must be application/json")
	}
	return nil
}

// decodeJSON reads exactly one JSON value from the body into dst, refusing
// unknown fields (a misspelt setting must not be silently ignored), and
// translates decoding failures into 400s naming what is wrong.
func decodeJSON(w http.ResponseWriter, r *http.Request, dst any) error {
	if err := requireJSON(r); err != nil {
		return err
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxJSONBody))
	if err != nil {
		return jsonError(err)
	}
	if err := invalidUTF8(body); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return err
		}
		return errStatus(http.StatusBadRequest, "invalid JSON: unexpected data after the value")
	}
	return nil
}

// decodeValid decodes a JSON body into dst and checks its validate tags.
func (s *Server) decodeValid(w http.ResponseWriter, r *http.Request, dst any) error {
	if err := decodeJSON(w, r, dst); err != nil {
		return err
	}
	return s.check(dst)
}

// jsonBody decodes the request's JSON body as a T (see decodeJSON) and,
// when T is a struct, checks its validate tags (a struct without tags
// passes as it is; a list or map has none to check).
func jsonBody[T any](s *Server, w http.ResponseWriter, r *http.Request) (T, error) {
	var v T
	if err := decodeJSON(w, r, &v); err != nil {
		return v, err
	}
	if reflect.TypeFor[T]().Kind() == reflect.Struct {
		if err := s.check(&v); err != nil {
			return v, err
		}
	}
	return v, nil
}

// serveBody is the shape the writing handlers share, as serveByID is the
// reading ones': decode and check the JSON body, hand it to call (which
// asks the service, logs and maps its errors), answer status with call's
// result. Anything read before the body (the path's id, the role) is read
// by the handler first, so the order of refusals stays the handler's.
func serveBody[T, R any](s *Server, w http.ResponseWriter, r *http.Request, status int, call func(ctx context.Context, req T) (R, error)) error {
	req, err := jsonBody[T](s, w, r)
	if err != nil {
		return err
	}
	out, err := call(r.Context(), req)
	if err != nil {
		return err
	}
	writeJSON(w, status, out)
	return nil
}

// serveBodyByID is serveBody for a change to the object the path's {id}
// names: the id is read (and refused) before the body, and the answer is
// 200 with call's result.
func serveBodyByID[T, R any](s *Server, w http.ResponseWriter, r *http.Request, call func(ctx context.Context, id int64, req T) (R, error)) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	return serveBody(s, w, r, http.StatusOK, func(ctx context.Context, req T) (R, error) { return call(ctx, id, req) })
}

// check runs dst's validate tags; failures become a 400 naming the fields.
func (s *Server) check(dst any) error {
	err := s.validate.Struct(dst)
	if err == nil {
		return nil
	}
	if fields, ok := fieldErrors(err); ok {
		return errFields(fields...)
	}
	return fmt.Errorf("validate request: %w", err)
}

// errEmptyBody is the message for a request with no body at all.
const errEmptyBody = "empty body: want a JSON value"

func jsonError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return err
	case errors.Is(err, io.EOF):
		return errStatus(http.StatusBadRequest, errEmptyBody)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errStatus(http.StatusBadRequest, "invalid JSON: unexpected end of body")
	case errors.As(err, &syn):
		return errStatus(http.StatusBadRequest, fmt.Sprintf("invalid JSON at byte %d: %s", syn.Offset, syn.Error()))
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return errStatus(http.StatusBadRequest, "invalid JSON: the body must be "+jsonKind(typ.Type))
		}
		return errFields(FieldError{Field: field, Reason: "must be " + jsonKind(typ.Type)})
	}
	// encoding/json reports unknown fields only as text (no error type, as
	// of Go 1.26 without the jsonv2 experiment), so this one parse stays.
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return errFields(FieldError{Field: strings.Trim(name, `"`), Reason: "unknown field"})
	}
	return errStatus(http.StatusBadRequest, "invalid JSON")
}

// jsonKind names a Go type as its JSON counterpart.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Pointer:
		return jsonKind(t.Elem())
	}
	return "a different type"
}

// pathID reads a positive integer id from the path wildcard name.
func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, errFields(FieldError{Field: name, Reason: "must be a positive whole number"})
	}
	return id, nil
}

// serveByID answers a read of one resource named by the path's {id}, the
// shape most GET handlers share: parse the id, ask the service, write JSON.
// mapErr, when set, translates the service's errors first (the handler's
// error is mapped to a status afterwards either way).
func serveByID[T any](w http.ResponseWriter, r *http.Request, get func(context.Context, int64) (T, error), mapErr func(error) error) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	v, err := get(r.Context(), id)
	if err != nil {
		if mapErr != nil {
			return mapErr(err)
		}
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

// pageParams reads ?limit and ?offset (limit 1 to 10000, default 100).
func pageParams(r *http.Request) (limit, offset int, err error) {
	q := r.URL.Query()
	limit, offset = defaultLimit, 0
	var bad []FieldError
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxLimit {
			bad = append(bad, FieldError{Field: "limit", Reason: fmt.Sprintf("must be a whole number from 1 to %d", maxLimit)})
		}
		limit = n
	}
	if s := q.Get("offset"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			bad = append(bad, FieldError{Field: "offset", Reason: "must be a whole number ≥ 0"})
		}
		offset = n
	}
	if bad != nil {
		return 0, 0, errFields(bad...)
	}
	return limit, offset, nil
}
