package campaigns

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"time"

	"github.com/alo-dialer/alo/input"
)

// Meaning is what a disposition code does to its contact.
type Meaning string

// The meanings a disposition can have.
const (
	MeaningSuccess      Meaning = "success"       // done: the purpose of the call was met
	MeaningFinalFailure Meaning = "final_failure" // done: it will not be met
	MeaningRetry        Meaning = "retry"         // call again after the campaign's retry delay
	MeaningCallback     Meaning = "callback"      // call again at the promised time, offered to the same agent first
	MeaningDoNotCall    Meaning = "do_not_call"   // done, and the number goes on the do-not-call list at once
	MeaningWrongNumber  Meaning = "wrong_number"  // this number does not reach the person: the next number, or done
	MeaningReschedule   Meaning = "reschedule"    // a new appointment time: a new reminder
)

func validMeaning(m Meaning) bool {
	switch m {
	case MeaningSuccess, MeaningFinalFailure, MeaningRetry, MeaningCallback, MeaningDoNotCall, MeaningWrongNumber, MeaningReschedule:
		return true
	}
	return false
}

// Disposition is a code an agent (or an agentless call's key) sets on an
// attempt, with the meaning the scheduler acts on.
type Disposition struct {
	Code    string  `json:"code"`
	Label   string  `json:"label,omitempty"`
	Meaning Meaning `json:"meaning"`
	// BuiltIn codes exist in every campaign; their labels may be changed.
	BuiltIn bool `json:"built_in,omitempty"`
}

// BuiltInDispositions exist in every campaign.
var BuiltInDispositions = []Disposition{
	{Code: "completed", Label: "Done", Meaning: MeaningSuccess, BuiltIn: true},
	{Code: "confirmed", Label: "Appointment confirmed", Meaning: MeaningSuccess, BuiltIn: true},
	{Code: "cancelled", Label: "Appointment cancelled", Meaning: MeaningFinalFailure, BuiltIn: true},
	{Code: "reschedule", Label: "Appointment moved", Meaning: MeaningReschedule, BuiltIn: true},
	{Code: "callback", Label: "Call back", Meaning: MeaningCallback, BuiltIn: true},
	{Code: "do_not_call", Label: "Do not call", Meaning: MeaningDoNotCall, BuiltIn: true},
	{Code: "wrong_number", Label: "Wrong number", Meaning: MeaningWrongNumber, BuiltIn: true},
	{Code: "not_interested", Label: "Not interested", Meaning: MeaningFinalFailure, BuiltIn: true},
	{Code: "retry", Label: "Try again later", Meaning: MeaningRetry, BuiltIn: true},
}

var dispositionCode = regexp.MustCompile(`^[a-z0-9_]{1,32}$`)

// Dispositions returns a campaign's codes: the built-in ones (with their
// labels as the campaign set them) and its own.
func (s *Store) Dispositions(ctx context.Context, campaignID int64) ([]Disposition, error) {
	if _, err := s.GetCampaign(ctx, campaignID); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT code, label, meaning FROM dispositions WHERE campaign_id = $1`, campaignID)
	if err != nil {
		return nil, fmt.Errorf("dispositions of campaign %d: %w", campaignID, err)
	}
	defer rows.Close()
	byCode := map[string]Disposition{}
	for _, d := range BuiltInDispositions {
		byCode[d.Code] = d
	}
	for rows.Next() {
		var d Disposition
		var m string
		if err := rows.Scan(&d.Code, &d.Label, &m); err != nil {
			return nil, fmt.Errorf("dispositions of campaign %d: %w", campaignID, err)
		}
		d.Meaning = Meaning(m)
		if b, ok := byCode[d.Code]; ok && b.BuiltIn {
			b.Label = d.Label
			d = b
		}
		byCode[d.Code] = d
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]Disposition, 0, len(byCode))
	for _, d := range byCode {
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].BuiltIn != out[j].BuiltIn {
			return out[i].BuiltIn
		}
		return out[i].Code < out[j].Code
	})
	return out, nil
}

// SetDispositions replaces a campaign's own codes (and the labels of the
// built-in ones). A built-in code keeps its meaning.
func (s *Store) SetDispositions(ctx context.Context, campaignID int64, ds []Disposition) ([]Disposition, error) {
	if _, err := s.GetCampaign(ctx, campaignID); err != nil {
		return nil, err
	}
	builtIn := map[string]Meaning{}
	for _, d := range BuiltInDispositions {
		builtIn[d.Code] = d.Meaning
	}
	// Every disposition at fault is named at once (the first fault of each).
	var ps input.Problems
	seen := map[string]bool{}
	for i, d := range ds {
		at := func(field string) string { return fmt.Sprintf("dispositions[%d].%s", i, field) }
		switch {
		case !dispositionCode.MatchString(d.Code):
			ps.Addf(at("code"), "%q (lower-case letters, digits and _, up to 32)", d.Code)
		case seen[d.Code]:
			ps.Addf(at("code"), "%q given twice", d.Code)
		case builtIn[d.Code] != "" && d.Meaning != "" && d.Meaning != builtIn[d.Code]:
			ps.Addf(at("meaning"), "%q is built in as %s", d.Code, builtIn[d.Code])
		case builtIn[d.Code] == "" && !validMeaning(d.Meaning):
			ps.Addf(at("meaning"), "%q is not success, final_failure, retry, callback, do_not_call, wrong_number or reschedule", d.Meaning)
		case len(d.Label) > 200:
			ps.Add(at("label"), "longer than 200")
		}
		seen[d.Code] = true
	}
	if err := ps.Err(); err != nil {
		return nil, err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM dispositions WHERE campaign_id = $1`, campaignID); err != nil {
		return nil, fmt.Errorf("set dispositions: %w", err)
	}
	now := ms(s.clock())
	for _, d := range ds {
		m := d.Meaning
		if b := builtIn[d.Code]; b != "" {
			m = b
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO dispositions (campaign_id, code, label, meaning, created_at)
			VALUES ($1, $2, $3, $4, $5)`, campaignID, d.Code, d.Label, string(m), now); err != nil {
			return nil, fmt.Errorf("set dispositions: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return s.Dispositions(ctx, campaignID)
}

// DisposeRequest sets a disposition on an attempt.
type DisposeRequest struct {
	AttemptID int64
	Code      string
	Notes     string
	// By is who set it (a user id; 0 for an agentless call's key).
	By int64
	// CallbackAt is required for a callback; AppointmentAt for a reschedule.
	CallbackAt    *time.Time
	AppointmentAt *time.Time
	// CallbackFor is whom a callback goes to: CallbackForMe (the agent who
	// took the call; also when empty) or CallbackForAnyone. Ignored for
	// other meanings.
	CallbackFor string
}

// Disposed is what Dispose did: the attempt, its disposition's meaning, and
// the number to put on the do-not-call list (for MeaningDoNotCall; the
// caller adds it, before or right after, through compliance).
type Disposed struct {
	Attempt Attempt `json:"attempt"`
	Meaning Meaning `json:"meaning"`
	Phone   string  `json:"phone"`
	AgentID int64   `json:"agent_id,omitempty"`
}

// callbackPriority puts promised callbacks before everything else.
const callbackPriority = 100

// Dispose records a disposition on an ended, answered attempt and applies
// its meaning to the contact, in one transaction with its webhook event.
// Disposing again with the same code changes nothing; with another code it
// is ErrConflict. A contact that has since moved on (a later attempt is
// queued or dialing) keeps its course; only the attempt records the code.
func (s *Store) Dispose(ctx context.Context, r DisposeRequest) (Disposed, error) {
	now := fromMS(ms(s.clock()))
	a, err := s.GetAttempt(ctx, r.AttemptID)
	if err != nil {
		return Disposed{}, err
	}
	ds, err := s.Dispositions(ctx, a.CampaignID)
	if err != nil {
		return Disposed{}, err
	}
	var d Disposition
	for _, x := range ds {
		if x.Code == r.Code {
			d = x
		}
	}
	switch {
	case d.Code == "":
		return Disposed{}, input.Invalidf("code", "%q is not a disposition of campaign %d", r.Code, a.CampaignID)
	case a.State != StateDone:
		return Disposed{}, fmt.Errorf("attempt %d: %w: the call is still in progress; dispose it when it ends", a.ID, ErrConflict)
	case a.AnsweredAt == nil:
		return Disposed{}, fmt.Errorf("attempt %d: %w: no one answered it", a.ID, ErrConflict)
	case d.Meaning == MeaningCallback && r.CallbackAt == nil:
		return Disposed{}, input.Invalid("callback_at", "a callback needs a time in the future")
	case d.Meaning == MeaningReschedule && r.AppointmentAt == nil:
		return Disposed{}, input.Invalid("appointment_at", "a reschedule needs the new appointment time")
	case len(r.Notes) > 2000:
		return Disposed{}, input.Invalid("notes", "longer than 2000 characters")
	}
	if d.Meaning == MeaningCallback {
		if err := s.checkCallback(ctx, a, r, now); err != nil {
			return Disposed{}, err
		}
	}
	out := Disposed{Meaning: d.Meaning, Phone: a.Phone, AgentID: a.AgentID}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return Disposed{}, err
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `UPDATE attempts SET disposition = $1, disposition_notes = $2, disposed_at = $3, disposed_by = $4
		WHERE id = $5 AND disposition = ''`, d.Code, r.Notes, ms(now), r.By, a.ID)
	if err != nil {
		return Disposed{}, fmt.Errorf("dispose attempt %d: %w", a.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		tx.Rollback()
		cur, err := s.GetAttempt(ctx, a.ID)
		if err == nil && cur.Disposition == d.Code {
			out.Attempt = cur
			return out, nil
		}
		return Disposed{}, fmt.Errorf("attempt %d is already disposed %q: %w", a.ID, cur.Disposition, ErrConflict)
	}
	if err := s.applyDisposition(ctx, tx, a, d.Meaning, d.Code, r, now); err != nil {
		return Disposed{}, fmt.Errorf("dispose attempt %d: %w", a.ID, err)
	}
	if err := s.recordEvent(ctx, tx, a.ID, EventAttemptDisposed); err != nil {
		return Disposed{}, err
	}
	if err := tx.Commit(); err != nil {
		return Disposed{}, err
	}
	if out.Attempt, err = s.GetAttempt(ctx, a.ID); err != nil {
		return Disposed{}, err
	}
	return out, nil
}

// checkCallback checks a callback's time and whom it is for, naming every
// field at fault.
func (s *Store) checkCallback(ctx context.Context, a Attempt, r DisposeRequest, now time.Time) error {
	var ps input.Problems
	_, err := callbackAgent(a, r.CallbackFor)
	ps.AddErr(err)
	c, err := s.GetCampaign(ctx, a.CampaignID)
	if err != nil {
		return err
	}
	ct, err := s.GetContact(ctx, a.ContactID)
	if err != nil {
		return err
	}
	if err := s.checkCallbackTime(ctx, c, ct, *r.CallbackAt, now); !ps.AddErr(err) {
		return fmt.Errorf("check callback of attempt %d: %w", a.ID, err)
	}
	return ps.Err()
}

// applyDisposition changes the contact as the meaning says, if the contact
// is still where a.Number left it (done, or scheduled for a retry).
func (s *Store) applyDisposition(ctx context.Context, tx *sql.Tx, a Attempt, m Meaning, code string, r DisposeRequest, now time.Time) error {
	camp, err := scanCampaign(tx.QueryRowContext(ctx, `SELECT `+campaignColumns+` FROM campaigns WHERE id = $1`, a.CampaignID))
	if err != nil {
		return err
	}
	var attempts int
	var phones string
	if err := tx.QueryRowContext(ctx, `SELECT attempts, phones_json FROM contacts WHERE id = $1`, a.ContactID).Scan(&attempts, &phones); err != nil {
		return err
	}
	if attempts != a.Number {
		return nil // a later attempt exists: the contact has moved on
	}
	// A disposition other than a callback settles any promise made
	// earlier: the call was answered and its result written.
	settled := `, callback_agent_id = 0, callback_at = NULL, priority = 0`
	set := func(state ContactState, due *time.Time, reason string, extra string, args ...any) error {
		if m != MeaningCallback {
			extra += settled
		}
		q := `UPDATE contacts SET state = $1, next_due_at = $2, close_reason = $3, updated_at = $4` + extra +
			` WHERE id = $5 AND attempts = $6 AND state IN ('done', 'scheduled')`
		_, err := tx.ExecContext(ctx, q, append([]any{string(state), nullMS(due), reason, ms(now), a.ContactID, a.Number}, args...)...)
		return err
	}
	switch m {
	case MeaningSuccess:
		reason := CloseSuccess
		if code == "confirmed" {
			reason = CloseConfirmed
		}
		return set(ContactDone, nil, reason, "")
	case MeaningFinalFailure:
		reason := CloseFinalFailure
		if code == "cancelled" {
			reason = CloseCancelled
		}
		return set(ContactDone, nil, reason, "")
	case MeaningDoNotCall:
		return set(ContactDone, nil, CloseDoNotCall, "")
	case MeaningRetry:
		if a.Number >= camp.MaxAttempts {
			return set(ContactDone, nil, CloseMaxAttempts, "")
		}
		due := now.Add(max(camp.RetryDelay, time.Minute))
		return set(ContactScheduled, &due, "", "")
	case MeaningCallback:
		due := *r.CallbackAt
		agentID, err := callbackAgent(a, r.CallbackFor)
		if err != nil {
			return err
		}
		// One more attempt than the limit if needed: a promise to call back
		// is kept even on the last attempt.
		return set(ContactScheduled, &due, "", `, callback_agent_id = $7, priority = $8, callback_at = $9`, agentID, callbackPriority, ms(due))
	case MeaningWrongNumber:
		var list []string
		if phones != "" {
			if err := json.Unmarshal([]byte(phones), &list); err != nil {
				return fmt.Errorf("contact %d: phones_json: %w", a.ContactID, err)
			}
		}
		next, ok := nextNumber(list, a.Phone)
		if !ok {
			return set(ContactDone, nil, CloseWrongNumber, "")
		}
		return set(ContactScheduled, &now, "", `, phone = $7`, next)
	case MeaningReschedule:
		due, deadline, err := camp.FirstDue(Contact{AppointmentAt: r.AppointmentAt}, now)
		if err != nil {
			return err
		}
		if Expired(due, deadline) {
			return set(ContactDone, nil, CloseCutOff, `, appointment_at = $7, deadline_at = $8`, ms(*r.AppointmentAt), nullMS(deadline))
		}
		return set(ContactScheduled, &due, "", `, appointment_at = $7, deadline_at = $8`, ms(*r.AppointmentAt), nullMS(deadline))
	}
	return errors.New("unknown meaning " + string(m))
}
