package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/alo-dialer/alo/campaigns"
	"github.com/alo-dialer/alo/compliance"
	"github.com/alo-dialer/alo/dialer/agent"
	"github.com/alo-dialer/alo/input"
)

// FieldError names one request field at fault, by its JSON name. It is
// input.Problem, so the domain packages' typed input errors become the
// error body's fields as they are, without parsing their text.
type FieldError = input.Problem

// errorBody is every error response: {"error": "..."} plus the fields at
// fault when a request did not validate.
type errorBody struct {
	Error  string       `json:"error"`
	Fields []FieldError `json:"fields,omitempty"`
}

// apiError is an error that already knows its HTTP status and the message
// the client may see.
type apiError struct {
	status int
	msg    string
	fields []FieldError
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s", e.status, e.msg) }

// errStatus answers with status and msg.
func errStatus(status int, msg string) error { return &apiError{status: status, msg: msg} }

// errFields answers 400 naming the fields at fault.
func errFields(fields ...FieldError) error {
	return &apiError{status: http.StatusBadRequest, msg: "invalid request", fields: fields}
}

// statusOf maps an error to the status and message the client sees. Domain
// errors carry their own text (it names the object and never a secret); an
// *input.Error also lists its fields; anything unrecognised is a 500 with
// a generic message, logged by the caller.
func statusOf(err error) (int, errorBody) {
	var ae *apiError
	var tooBig *http.MaxBytesError
	var bad *input.Error
	var badUser *InvalidUserError
	var retry *RetryError
	switch {
	case errors.As(err, &ae):
		return ae.status, errorBody{Error: ae.msg, Fields: ae.fields}
	case errors.As(err, &bad):
		return http.StatusBadRequest, errorBody{Error: err.Error(), Fields: bad.Problems}
	case errors.As(err, &badUser):
		return http.StatusBadRequest, errorBody{Error: "invalid request", Fields: badUser.Fields}
	case errors.As(err, &retry):
		return http.StatusTooManyRequests, errorBody{Error: retry.Error()}
	case errors.Is(err, ErrBadCredentials):
		return http.StatusUnauthorized, errorBody{Error: "wrong name or password"}
	case errors.Is(err, ErrUserNotFound):
		return http.StatusNotFound, errorBody{Error: err.Error()}
	case errors.Is(err, ErrExists):
		return http.StatusConflict, errorBody{Error: err.Error()}
	case errors.As(err, &tooBig):
		return http.StatusRequestEntityTooLarge, errorBody{Error: fmt.Sprintf("request body larger than %d bytes", tooBig.Limit)}
	case errors.Is(err, campaigns.ErrNotFound), errors.Is(err, input.ErrNotFound), errors.Is(err, compliance.ErrNotListed):
		return http.StatusNotFound, errorBody{Error: err.Error()}
	case errors.Is(err, campaigns.ErrInvalid), errors.Is(err, input.ErrInvalid), errors.Is(err, compliance.ErrBadNumber):
		return http.StatusBadRequest, errorBody{Error: err.Error()}
	case errors.Is(err, campaigns.ErrConflict), errors.Is(err, campaigns.ErrAlreadyDialed), errors.Is(err, agent.ErrConflict):
		return http.StatusConflict, errorBody{Error: err.Error()}
	}
	return http.StatusInternalServerError, errorBody{Error: "internal error"}
}

// writeJSON sends v with status. An encoding failure can only be a bug in
// a response type; the status line is already out, so it is not reported.
func writeJSON(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
