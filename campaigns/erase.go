package campaigns

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// CloseErased is the close reason of an erased contact.
const CloseErased = "erased"

// Erasure is what EraseContact removed: the contact's numbers (the
// caller blocks them by their pseudonyms) and the recordings' paths in the
// data dir (the caller deletes the files).
type Erasure struct {
	CampaignID int64    `json:"campaign_id"`
	ContactID  int64    `json:"contact_id"`
	Numbers    []string `json:"-"`
	// Pseudonym is what the contact's first number became.
	Pseudonym  string   `json:"pseudonym"`
	Attempts   int      `json:"attempts"`
	Recordings []string `json:"-"`
	// RecordingsRemoved counts the recordings the caller deleted.
	RecordingsRemoved int `json:"recordings_removed"`
	WebhookEvents     int `json:"webhook_events"`
}

// personalKeys are the webhook payload fields that name or describe the
// person; erasure blanks them.
var personalKeys = map[string]bool{"name": true, "notes": true, "fields": true, "appointment_place": true,
	"external_id": true, "phones": true}

// EraseContact removes a customer's personal data from a campaign (the
// right to erasure): the contact's name, custom fields, appointment,
// external id and further numbers are cleared and it is closed for good;
// its number, in the contact, its attempts (with their evidence) and the
// webhook log, becomes pseudonym(number), a keyed hash that stays the same
// for the same number, so the caller can still block it; disposition
// notes are cleared and recordings unlinked (their paths are returned).
// Counts and outcomes remain, so reports add up.
func (s *Store) EraseContact(ctx context.Context, campaignID, contactID int64, pseudonym func(string) string) (Erasure, error) {
	e := Erasure{CampaignID: campaignID, ContactID: contactID}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return e, fmt.Errorf("erase contact %d: %w", contactID, err)
	}
	defer tx.Rollback()
	var phone, phones string
	err = tx.QueryRowContext(ctx, `SELECT phone, phones_json FROM contacts WHERE id = $1 AND campaign_id = $2`,
		contactID, campaignID).Scan(&phone, &phones)
	if errors.Is(err, sql.ErrNoRows) {
		return e, fmt.Errorf("contact %d of campaign %d: %w", contactID, campaignID, ErrNotFound)
	}
	if err != nil {
		return e, fmt.Errorf("erase contact %d: %w", contactID, err)
	}
	e.Numbers = []string{phone}
	if phones != "" {
		var more []string
		if err := json.Unmarshal([]byte(phones), &more); err == nil {
			for _, p := range more {
				if !containsString(e.Numbers, p) {
					e.Numbers = append(e.Numbers, p)
				}
			}
		}
	}
	if strings.HasPrefix(phone, erasedPrefix) {
		return e, fmt.Errorf("contact %d: %w: already erased", contactID, ErrConflict)
	}
	e.Pseudonym = pseudonym(phone)
	if _, err := tx.ExecContext(ctx, `UPDATE contacts SET phone = $1, name = '', fields_json = '', phones_json = '',
		appointment_at = NULL, appointment_place = '', external_id = '', region = '', time_zone = '', language = '',
		state = $2, next_due_at = NULL, close_reason = $3, callback_agent_id = 0, updated_at = $4 WHERE id = $5`,
		e.Pseudonym, string(ContactDone), CloseErased, ms(s.clock()), contactID); err != nil {
		return e, fmt.Errorf("erase contact %d: %w", contactID, err)
	}
	if err := e.eraseAttempts(ctx, tx, pseudonym); err != nil {
		return e, err
	}
	if err := e.eraseWebhookEvents(ctx, tx, pseudonym); err != nil {
		return e, err
	}
	if err := tx.Commit(); err != nil {
		return Erasure{}, fmt.Errorf("erase contact %d: commit: %w", contactID, err)
	}
	return e, nil
}

// erasedPrefix starts every pseudonym (compliance.Pseudonyms), so an
// erased contact is told apart from a live one.
const erasedPrefix = "erased:"

// scrub replaces every number of the erasure in s by its pseudonym.
func (e *Erasure) scrub(s string, pseudonym func(string) string) string {
	for _, n := range e.Numbers {
		s = strings.ReplaceAll(s, n, pseudonym(n))
	}
	return s
}

func (e *Erasure) eraseAttempts(ctx context.Context, tx *sql.Tx, pseudonym func(string) string) error {
	rows, err := tx.QueryContext(ctx, `SELECT id, phone, evidence, recording FROM attempts WHERE contact_id = $1`, e.ContactID)
	if err != nil {
		return fmt.Errorf("erase contact %d: attempts: %w", e.ContactID, err)
	}
	type att struct {
		id                         int64
		phone, evidence, recording string
	}
	var list []att
	for rows.Next() {
		var a att
		if err := rows.Scan(&a.id, &a.phone, &a.evidence, &a.recording); err != nil {
			rows.Close()
			return fmt.Errorf("erase contact %d: attempts: %w", e.ContactID, err)
		}
		list = append(list, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("erase contact %d: attempts: %w", e.ContactID, err)
	}
	for _, a := range list {
		if a.recording != "" {
			e.Recordings = append(e.Recordings, a.recording)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE attempts SET phone = $1, evidence = $2, recording = '',
			disposition_notes = '' WHERE id = $3`, pseudonym(a.phone), e.scrub(a.evidence, pseudonym), a.id); err != nil {
			return fmt.Errorf("erase contact %d: attempt %d: %w", e.ContactID, a.id, err)
		}
	}
	e.Attempts = len(list)
	return nil
}

func (e *Erasure) eraseWebhookEvents(ctx context.Context, tx *sql.Tx, pseudonym func(string) string) error {
	rows, err := tx.QueryContext(ctx, `SELECT w.id, w.payload FROM webhook_events w JOIN attempts a ON a.id = w.attempt_id
		WHERE a.contact_id = $1`, e.ContactID)
	if err != nil {
		return fmt.Errorf("erase contact %d: webhook log: %w", e.ContactID, err)
	}
	payloads := map[int64]string{}
	for rows.Next() {
		var id int64
		var p string
		if err := rows.Scan(&id, &p); err != nil {
			rows.Close()
			return fmt.Errorf("erase contact %d: webhook log: %w", e.ContactID, err)
		}
		payloads[id] = p
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("erase contact %d: webhook log: %w", e.ContactID, err)
	}
	for id, p := range payloads {
		if _, err := tx.ExecContext(ctx, `UPDATE webhook_events SET payload = $1 WHERE id = $2`,
			e.scrubPayload(p, pseudonym), id); err != nil {
			return fmt.Errorf("erase contact %d: webhook event %d: %w", e.ContactID, id, err)
		}
	}
	e.WebhookEvents = len(payloads)
	return nil
}

// scrubPayload blanks a webhook payload's personal fields and replaces
// its numbers; a payload that is not a JSON object is dropped whole.
func (e *Erasure) scrubPayload(p string, pseudonym func(string) string) string {
	var m map[string]any
	if err := json.Unmarshal([]byte(p), &m); err != nil {
		return `{"erased":true}`
	}
	for k := range m {
		if personalKeys[k] {
			delete(m, k)
		}
	}
	m["erased"] = true
	b, err := json.Marshal(m)
	if err != nil {
		return `{"erased":true}`
	}
	return e.scrub(string(b), pseudonym)
}
