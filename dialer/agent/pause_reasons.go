package agent

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/alo-dialer/alo/input"
)

// PauseReason is a reason agents may pause with: one list for the whole
// floor, each reason offered for every campaign or only for some.
type PauseReason struct {
	ID    int64  `json:"id"`
	Code  string `json:"code"`
	Label string `json:"label"`
	// CampaignIDs limits the reason to agents of these campaigns; empty:
	// every campaign.
	CampaignIDs []int64   `json:"campaign_ids"`
	CreatedAt   time.Time `json:"created_at"`
}

// MaxPauseLabel bounds a pause reason's label, in characters.
const MaxPauseLabel = 100

var pauseCode = regexp.MustCompile(`^[a-z0-9_]{1,32}$`)

// AppliesTo reports whether the reason is offered to an agent of any of
// campaignIDs.
func (p PauseReason) AppliesTo(campaignIDs []int64) bool {
	if len(p.CampaignIDs) == 0 {
		return true
	}
	for _, c := range campaignIDs {
		if slices.Contains(p.CampaignIDs, c) {
			return true
		}
	}
	return false
}

// Check names every field of p at fault: the code's form, the label, the
// campaign ids' sign (whether they exist is the caller's to check).
func (p PauseReason) Check() error {
	var ps input.Problems
	if !pauseCode.MatchString(p.Code) {
		ps.Addf("code", "%q is not lower-case letters, digits and _, up to 32", p.Code)
	}
	_, err := checkName("label", p.Label, MaxPauseLabel)
	ps.AddErr(err)
	for i, c := range p.CampaignIDs {
		if c <= 0 {
			ps.Addf(fmt.Sprintf("campaign_ids[%d]", i), "%d is not a campaign id", c)
		}
	}
	return ps.Err()
}

// SavePauseReason adds a reason, or replaces the label and campaigns of the
// reason with the same code (created reports which). Every field at fault
// is named at once. The registry does not know campaigns: the caller
// checks that campaignIDs exist.
func (a *Registry) SavePauseReason(ctx context.Context, p PauseReason) (_ PauseReason, created bool, err error) {
	if err := p.Check(); err != nil {
		return PauseReason{}, false, err
	}
	label := strings.TrimSpace(p.Label)
	tx, err := a.cfg.DB.BeginTx(ctx, nil)
	if err != nil {
		return PauseReason{}, false, fmt.Errorf("save pause reason: %w", err)
	}
	defer tx.Rollback()
	var id int64
	err = tx.QueryRowContext(ctx, `SELECT id FROM pause_reasons WHERE code = $1`, p.Code).Scan(&id)
	switch {
	case err == nil:
		_, err = tx.ExecContext(ctx, `UPDATE pause_reasons SET label = $1 WHERE id = $2`, label, id)
	case errors.Is(err, sql.ErrNoRows):
		created = true
		err = tx.QueryRowContext(ctx, `INSERT INTO pause_reasons (code, label, created_at) VALUES ($1, $2, $3) RETURNING id`,
			p.Code, label, a.cfg.Clock().UnixMilli()).Scan(&id)
	}
	if err != nil {
		return PauseReason{}, false, fmt.Errorf("save pause reason %q: %w", p.Code, err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM pause_reason_campaigns WHERE reason_id = $1`, id); err != nil {
		return PauseReason{}, false, fmt.Errorf("save pause reason %q: %w", p.Code, err)
	}
	for _, c := range dedupe(p.CampaignIDs) {
		if _, err := tx.ExecContext(ctx, `INSERT INTO pause_reason_campaigns (reason_id, campaign_id) VALUES ($1, $2)`, id, c); err != nil {
			return PauseReason{}, false, fmt.Errorf("save pause reason %q: campaign %d: %w", p.Code, c, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return PauseReason{}, false, fmt.Errorf("save pause reason %q: %w", p.Code, err)
	}
	all, err := a.PauseReasons(ctx)
	if err != nil {
		return PauseReason{}, false, err
	}
	for _, r := range all {
		if r.ID == id {
			return r, created, nil
		}
	}
	return PauseReason{}, false, fmt.Errorf("pause reason %d: %w", id, input.ErrNotFound)
}

// DeletePauseReason removes a reason from the list (agents paused with it
// stay paused).
func (a *Registry) DeletePauseReason(ctx context.Context, id int64) error {
	tx, err := a.cfg.DB.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("delete pause reason %d: %w", id, err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM pause_reason_campaigns WHERE reason_id = $1`, id); err != nil {
		return fmt.Errorf("delete pause reason %d: %w", id, err)
	}
	res, err := tx.ExecContext(ctx, `DELETE FROM pause_reasons WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("delete pause reason %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("pause reason %d: %w", id, input.ErrNotFound)
	}
	return tx.Commit()
}

// PauseReasons returns the whole list, oldest first (the order the
// console's select shows).
func (a *Registry) PauseReasons(ctx context.Context) ([]PauseReason, error) {
	rows, err := a.cfg.DB.QueryContext(ctx, `SELECT id, code, label, created_at FROM pause_reasons ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("pause reasons: %w", err)
	}
	out := []PauseReason{}
	for rows.Next() {
		p := PauseReason{CampaignIDs: []int64{}}
		var created int64
		if err := rows.Scan(&p.ID, &p.Code, &p.Label, &created); err != nil {
			rows.Close()
			return nil, fmt.Errorf("pause reasons: %w", err)
		}
		p.CreatedAt = time.UnixMilli(created).UTC()
		out = append(out, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("pause reasons: %w", err)
	}
	rows, err = a.cfg.DB.QueryContext(ctx, `SELECT reason_id, campaign_id FROM pause_reason_campaigns ORDER BY reason_id, campaign_id`)
	if err != nil {
		return nil, fmt.Errorf("pause reason campaigns: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r, c int64
		if err := rows.Scan(&r, &c); err != nil {
			return nil, fmt.Errorf("pause reason campaigns: %w", err)
		}
		for i := range out {
			if out[i].ID == r {
				out[i].CampaignIDs = append(out[i].CampaignIDs, c)
			}
		}
	}
	return out, rows.Err()
}

// PauseReasonsFor returns the reasons offered to an agent of campaignIDs.
func (a *Registry) PauseReasonsFor(ctx context.Context, campaignIDs []int64) ([]PauseReason, error) {
	all, err := a.PauseReasons(ctx)
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, p := range all {
		if p.AppliesTo(campaignIDs) {
			out = append(out, p)
		}
	}
	return out, nil
}

// checkPauseReason refuses a reason that is not on the list offered to an
// agent of ag's campaigns, when that list is not empty (a floor that keeps
// no list pauses with any words). No reason at all is always allowed.
func (a *Registry) checkPauseReason(ctx context.Context, ag Agent, reason string) error {
	if reason == "" {
		return nil
	}
	offered, err := a.PauseReasonsFor(ctx, ag.CampaignIDs)
	if err != nil || len(offered) == 0 {
		return err
	}
	codes := make([]string, len(offered))
	for i, p := range offered {
		if p.Code == reason {
			return nil
		}
		codes[i] = p.Code
	}
	return input.Invalidf("reason", "%q is not one of this agent's pause reasons (%s)", reason, strings.Join(codes, ", "))
}
