package campaigns

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/alo-dialer/alo/input"
	"github.com/alo-dialer/alo/sqldb"
)

// externalIDChunk is how many external ids one lookup asks for: well under
// every engine's limit on bound values.
const externalIDChunk = 500

// knownExternalIDs returns the ids of the campaign's contacts that already
// have one of the external ids in `in` (SQLite: in chunks; PostgreSQL: in
// one query). The lookup says that external_id is not empty, so that the
// engines can use the partial unique index contacts_external: without it,
// SQLite (and PostgreSQL's generic plans) cannot prove a bound value
// non-empty and scan the campaign for every row, which made a
// 50,000-contact upsert quadratic (356 s; issue 21).
func knownExternalIDs(ctx context.Context, tx *sql.Tx, dialect sqldb.Dialect, campaignID int64, in []NewContact) (map[string]int64, error) {
	ids := make([]string, 0, len(in))
	for _, nc := range in {
		if nc.ExternalID != "" {
			ids = append(ids, nc.ExternalID)
		}
	}
	known := make(map[string]int64, len(ids))
	if len(ids) == 0 {
		return known, nil
	}
	if dialect == sqldb.Postgres {
		// One query for the whole batch: an IN list of 500 values makes
		// PostgreSQL compare each row with each value when it scans (as it
		// does on a table filled since its last ANALYZE), quadratic again;
		// a join with the ids as an array is hashed or uses the index.
		return known, scanKnown(ctx, tx, externalIDJoinQuery, []any{campaignID, ids}, known)
	}
	for start := 0; start < len(ids); start += externalIDChunk {
		chunk := ids[start:min(start+externalIDChunk, len(ids))]
		args := make([]any, 0, len(chunk)+1)
		args = append(args, campaignID)
		for _, id := range chunk {
			args = append(args, id)
		}
		if err := scanKnown(ctx, tx, externalIDQuery(len(chunk)), args, known); err != nil {
			return nil, err
		}
	}
	return known, nil
}

// externalIDJoinQuery is PostgreSQL's lookup of a batch's external ids,
// given as one text array.
const externalIDJoinQuery = `SELECT c.id, c.external_id FROM contacts c JOIN unnest($2::text[]) AS x(e) ON c.external_id = x.e
	WHERE c.campaign_id = $1 AND c.external_id <> ''`

// externalIDQuery asks which of n external ids a campaign has; its
// condition that external_id is not empty lets the engines use the partial index.
func externalIDQuery(n int) string {
	var q strings.Builder
	q.WriteString(`SELECT id, external_id FROM contacts WHERE campaign_id = $1 AND external_id <> '' AND external_id IN (`)
	for i := range n {
		if i > 0 {
			q.WriteString(", ")
		}
		fmt.Fprintf(&q, "$%d", i+2)
	}
	q.WriteString(")")
	return q.String()
}

func scanKnown(ctx context.Context, tx *sql.Tx, q string, args []any, known map[string]int64) error {
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("look up external ids: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var ext string
		if err := rows.Scan(&id, &ext); err != nil {
			return fmt.Errorf("look up external ids: %w", err)
		}
		known[ext] = id
	}
	return rows.Err()
}

// contactWriter holds the two statements an upsert runs per contact,
// prepared once per transaction.
type contactWriter struct {
	ins, upd *sql.Stmt
}

func prepareContactWriter(ctx context.Context, tx *sql.Tx) (*contactWriter, error) {
	ins, err := tx.PrepareContext(ctx, `INSERT INTO contacts
		(campaign_id, phone, name, time_zone, state, attempts, next_due_at, created_at, language,
		 external_id, phones_json, region, fields_json, appointment_at, appointment_place, deadline_at, close_reason)
		VALUES ($1, $2, $3, $4, $5, 0, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING id`)
	if err != nil {
		return nil, err
	}
	upd, err := tx.PrepareContext(ctx, `UPDATE contacts SET phone = $1, name = $2, time_zone = $3, language = $4,
		phones_json = $5, region = $6, fields_json = $7, appointment_at = $8, appointment_place = $9, updated_at = $10
		WHERE id = $11 RETURNING `+contactColumns)
	if err != nil {
		ins.Close()
		return nil, err
	}
	return &contactWriter{ins: ins, upd: upd}, nil
}

func (w *contactWriter) close() {
	w.ins.Close()
	w.upd.Close()
}

// update rewrites contact id with what the CRM sent; its state, attempts
// and due time are left alone.
func (w *contactWriter) update(ctx context.Context, id int64, nc NewContact, now time.Time) (Contact, error) {
	return scanContact(w.upd.QueryRowContext(ctx, nc.Phone, nc.Name, nc.TimeZone, nc.Language,
		nc.phonesJSON(), nc.Region, encodeFields(nc.Fields), nullMS(nc.AppointmentAt), nc.AppointmentPlace,
		ms(now), id))
}

// insert adds nc, scheduled for its first attempt under the campaign's
// schedule (or at nc.DueAt); at names nc in the request for an error about
// its fields.
func (w *contactWriter) insert(ctx context.Context, camp Campaign, nc NewContact, at string, now time.Time) (Contact, error) {
	c := nc.contact(camp.ID, now, now)
	due, deadline, err := camp.FirstDue(c, now)
	if err != nil {
		return Contact{}, input.Nest(at, err)
	}
	if nc.DueAt != nil {
		due = fromMS(ms(*nc.DueAt))
	}
	c.NextDueAt, c.DeadlineAt = &due, deadline
	if Expired(due, deadline) {
		// Too late to call at all (a reminder inside its cut-off): kept,
		// closed, never dialed.
		c.State, c.NextDueAt, c.CloseReason = ContactDone, nil, camp.expiryReason()
	}
	err = w.ins.QueryRowContext(ctx, camp.ID, c.Phone, c.Name, c.TimeZone, string(c.State),
		nullMS(c.NextDueAt), ms(now), c.Language, c.ExternalID, nc.phonesJSON(), c.Region, encodeFields(c.Fields),
		nullMS(c.AppointmentAt), c.AppointmentPlace, nullMS(deadline), c.CloseReason).Scan(&c.ID)
	return c, err
}
