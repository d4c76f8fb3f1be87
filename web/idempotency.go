package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/alo-dialer/alo/sqldb"
)

// IdempotencyKeyTTL is how long a key is remembered. A CRM retrying a
// request it got no answer to does so within minutes; a day is generous.
const IdempotencyKeyTTL = 24 * time.Hour

// maxIdempotencyKey bounds the header (a UUID is 36 characters).
const maxIdempotencyKey = 255

// IdempotencyKeys remembers intake requests by their Idempotency-Key
// header, per user, so a CRM can retry a request whose answer it lost
// without creating contacts twice.
type IdempotencyKeys struct {
	db    *sqldb.DB
	clock func() time.Time
}

// NewIdempotencyKeys returns the store on db (migrated with Migrations).
func NewIdempotencyKeys(db *sqldb.DB, clock func() time.Time) *IdempotencyKeys {
	return &IdempotencyKeys{db: db, clock: clock}
}

// recordedResponse captures what a handler writes, to store and replay it.
type recordedResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recordedResponse) Header() http.Header { return r.header }
func (r *recordedResponse) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(b)
}
func (r *recordedResponse) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
}

// idempotencyRefused names the POST routes whose answer cannot be
// replayed, and why: a client sending Idempotency-Key there gets a 400
// rather than a key silently ignored.
var idempotencyRefused = map[string]string{
	"POST /api/v1/session": "signing in is not repeated by key: the answer sets a session cookie, which alo does not keep",
	"POST /api/v1/users":   "creating a user is not repeated by key: the answer carries the user's new token, which alo does not keep",
}

// idempotencyBodyLimit is the largest body an idempotent request may have
// on a route: the body is hashed and kept in memory while the request runs.
func idempotencyBodyLimit(pattern string) int64 {
	if pattern == "POST /api/v1/campaigns/{id}/contacts" {
		return maxContactsBody
	}
	return maxJSONBody
}

// idempotent runs h once per (user, Idempotency-Key) on every POST: a
// repeat with the same method, path and body gets the first response again
// (with Idempotent-Replayed: true); a repeat with another request is a 409
// naming the key, as is one arriving while the first is still being
// processed. A request without the header just runs. Server errors (5xx)
// are not remembered, so the client's retry runs again.
func (s *Server) idempotent(w http.ResponseWriter, r *http.Request, u User, h apiHandler) error {
	key := r.Header.Get("Idempotency-Key")
	if key == "" {
		return h(w, r, u)
	}
	if len(key) > maxIdempotencyKey || !printableASCII(key) {
		return errFields(FieldError{Field: "Idempotency-Key", Reason: fmt.Sprintf("must be 1 to %d printable ASCII characters", maxIdempotencyKey)})
	}
	if why, refused := idempotencyRefused[r.Pattern]; refused {
		return errFields(FieldError{Field: "Idempotency-Key", Reason: why})
	}
	if r.URL.Query().Get("async") == "true" {
		return errFields(FieldError{Field: "Idempotency-Key", Reason: "a background import is not repeated by key: the file is streamed, not kept; poll the import the first request started"})
	}
	keys := s.cfg.Idempotency
	if keys == nil {
		return errStatus(http.StatusNotImplemented, "Idempotency-Key is not supported on this server")
	}
	limit := idempotencyBodyLimit(r.Pattern)
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		return errStatus(http.StatusRequestEntityTooLarge, fmt.Sprintf("request body too large for an idempotent request (at most %d MB here)", limit>>20))
	}
	sum := sha256.Sum256(append([]byte(r.Method+" "+r.URL.RequestURI()+"\n"), body...))
	hash := hex.EncodeToString(sum[:])
	ctx := r.Context()
	claimed, prev, err := keys.claim(ctx, u.Name, key, hash)
	if err != nil {
		return err
	}
	if !claimed {
		switch {
		case prev.hash != hash:
			return errStatus(http.StatusConflict, fmt.Sprintf("Idempotency-Key %q was used with a different request", key))
		case prev.status == 0:
			return errStatus(http.StatusConflict, fmt.Sprintf("a request with Idempotency-Key %q is still being processed", key))
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Idempotent-Replayed", "true")
		w.WriteHeader(prev.status)
		_, err := io.WriteString(w, prev.response)
		return err
	}
	rec := &recordedResponse{header: w.Header()}
	r.Body = io.NopCloser(bytes.NewReader(body))
	herr := h(rec, r, u)
	if herr != nil {
		// Render the error here so it is stored like any other answer.
		s.fail(rec, r.Pattern, u, herr)
	}
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	if rec.status >= 500 {
		keys.forget(context.WithoutCancel(ctx), u.Name, key)
	} else if err := keys.store(context.WithoutCancel(ctx), u.Name, key, rec.status, rec.body.String()); err != nil {
		s.log.Error("idempotency key not stored", "user", u.Name, "err", err)
	}
	w.WriteHeader(rec.status)
	_, err = w.Write(rec.body.Bytes())
	return err
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return s != ""
}

// keyRecord is a remembered request.
type keyRecord struct {
	hash     string
	status   int
	response string
}

// claim records (user, key) as in progress, or returns the record that
// holds it. Expired keys are dropped first.
func (k *IdempotencyKeys) claim(ctx context.Context, user, key, hash string) (bool, keyRecord, error) {
	now := k.clock()
	if _, err := k.db.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE created_at < $1`,
		now.Add(-IdempotencyKeyTTL).UnixMilli()); err != nil {
		return false, keyRecord{}, fmt.Errorf("idempotency keys: %w", err)
	}
	_, err := k.db.ExecContext(ctx, `INSERT INTO idempotency_keys (user_name, key, body_hash, status, created_at)
		VALUES ($1, $2, $3, 0, $4)`, user, key, hash, now.UnixMilli())
	if err == nil {
		return true, keyRecord{}, nil
	}
	if !sqldb.IsUniqueViolation(err) {
		return false, keyRecord{}, fmt.Errorf("idempotency key: %w", err)
	}
	var rec keyRecord
	err = k.db.QueryRowContext(ctx, `SELECT body_hash, status, response FROM idempotency_keys WHERE user_name = $1 AND key = $2`,
		user, key).Scan(&rec.hash, &rec.status, &rec.response)
	if errors.Is(err, sql.ErrNoRows) {
		// Forgotten between our insert and this read (a 5xx): the client
		// may simply retry.
		return false, keyRecord{hash: hash}, nil
	}
	if err != nil {
		return false, keyRecord{}, fmt.Errorf("idempotency key: %w", err)
	}
	return false, rec, nil
}

func (k *IdempotencyKeys) store(ctx context.Context, user, key string, status int, response string) error {
	_, err := k.db.ExecContext(ctx, `UPDATE idempotency_keys SET status = $1, response = $2 WHERE user_name = $3 AND key = $4`,
		status, response, user, key)
	return err
}

func (k *IdempotencyKeys) forget(ctx context.Context, user, key string) {
	_, _ = k.db.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE user_name = $1 AND key = $2`, user, key)
}
