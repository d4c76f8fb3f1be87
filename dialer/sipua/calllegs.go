package sipua

import (
	"context"
	"fmt"
	"time"

	"github.com/alo-dialer/alo/sqldb"
)

// CallLeg is the evidence of one INVITE: when each step of the call
// happened, who hung up, how it ended, through which trunk and with which
// caller ID. An attempt that failed over has one leg per trunk tried.
type CallLeg struct {
	ID              int64     `json:"id"`
	AttemptID       int64     `json:"attempt_id,omitempty"`
	Kind            string    `json:"kind"` // customer or agent
	TrunkID         int64     `json:"trunk_id,omitempty"`
	Trunk           string    `json:"trunk,omitempty"`
	CallID          string    `json:"call_id"`
	CallerID        string    `json:"caller_id,omitempty"`
	Callee          string    `json:"callee"`
	InviteAt        time.Time `json:"invite_at"`
	ProvisionalAt   time.Time `json:"provisional_at,omitzero"`
	ProvisionalCode int       `json:"provisional_code,omitempty"`
	AnswerAt        time.Time `json:"answer_at,omitzero"`
	AckAt           time.Time `json:"ack_at,omitzero"`
	CancelAt        time.Time `json:"cancel_at,omitzero"`
	ByeAt           time.Time `json:"bye_at,omitzero"`
	ByeBy           string    `json:"bye_by,omitempty"` // local or remote
	EndReason       string    `json:"end_reason,omitempty"`
	Code            int       `json:"code,omitempty"`
	Reason          string    `json:"reason,omitempty"`
}

// LegRecorder stores call legs. *CallLegs satisfies it.
type LegRecorder interface {
	// StartLeg stores a leg once its INVITE transaction ended and returns
	// its id.
	StartLeg(ctx context.Context, l CallLeg) (int64, error)
	// EndLeg adds the BYE of an answered leg.
	EndLeg(ctx context.Context, id int64, byeAt time.Time, byeBy, endReason string) error
}

// CallLegs is the call_legs table.
type CallLegs struct{ db *sqldb.DB }

// NewCallLegs returns the store over the dialer's migrated tables.
func NewCallLegs(db *sqldb.DB) *CallLegs { return &CallLegs{db: db} }

func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}

// StartLeg inserts a leg.
func (c *CallLegs) StartLeg(ctx context.Context, l CallLeg) (int64, error) {
	var id int64
	err := c.db.QueryRowContext(ctx, `INSERT INTO call_legs (attempt_id, kind, trunk_id, trunk, call_id, caller_id, callee,
		invite_at, provisional_at, provisional_code, answer_at, ack_at, cancel_at, bye_at, bye_by, end_reason, code, reason)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) RETURNING id`,
		l.AttemptID, l.Kind, l.TrunkID, l.Trunk, l.CallID, l.CallerID, l.Callee, ms(l.InviteAt), ms(l.ProvisionalAt),
		l.ProvisionalCode, ms(l.AnswerAt), ms(l.AckAt), ms(l.CancelAt), ms(l.ByeAt), l.ByeBy, l.EndReason, l.Code, l.Reason).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("record call leg %s: %w", l.CallID, err)
	}
	return id, nil
}

// EndLeg records the end of an answered leg.
func (c *CallLegs) EndLeg(ctx context.Context, id int64, byeAt time.Time, byeBy, endReason string) error {
	if _, err := c.db.ExecContext(ctx, `UPDATE call_legs SET bye_at = $1, bye_by = $2, end_reason = $3 WHERE id = $4`,
		ms(byeAt), byeBy, endReason, id); err != nil {
		return fmt.Errorf("record end of call leg %d: %w", id, err)
	}
	return nil
}

// ForAttempt returns an attempt's legs in the order they were placed.
func (c *CallLegs) ForAttempt(ctx context.Context, attemptID int64) ([]CallLeg, error) {
	rows, err := c.db.QueryContext(ctx, `SELECT id, attempt_id, kind, trunk_id, trunk, call_id, caller_id, callee,
		invite_at, provisional_at, provisional_code, answer_at, ack_at, cancel_at, bye_at, bye_by, end_reason, code, reason
		FROM call_legs WHERE attempt_id = $1 ORDER BY id`, attemptID)
	if err != nil {
		return nil, fmt.Errorf("call legs of attempt %d: %w", attemptID, err)
	}
	defer rows.Close()
	out := []CallLeg{}
	for rows.Next() {
		var l CallLeg
		var inv, prov, ans, ack, cancel, bye int64
		if err := rows.Scan(&l.ID, &l.AttemptID, &l.Kind, &l.TrunkID, &l.Trunk, &l.CallID, &l.CallerID, &l.Callee,
			&inv, &prov, &l.ProvisionalCode, &ans, &ack, &cancel, &bye, &l.ByeBy, &l.EndReason, &l.Code, &l.Reason); err != nil {
			return nil, fmt.Errorf("call legs of attempt %d: %w", attemptID, err)
		}
		l.InviteAt, l.ProvisionalAt, l.AnswerAt, l.AckAt, l.CancelAt, l.ByeAt = fromMS(inv), fromMS(prov), fromMS(ans), fromMS(ack), fromMS(cancel), fromMS(bye)
		out = append(out, l)
	}
	return out, rows.Err()
}
