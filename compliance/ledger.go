package compliance

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"time"
)

// period30d is the FCC's measuring period.
const period30d = 30 * 24 * time.Hour

// Outcomes the ledger counts (alo's outcome vocabulary).
const (
	OutcomeHuman     = "human"
	OutcomeAbandoned = "abandoned"
	OutcomeMachine   = "machine"
)

// LedgerWindow is one legal window of one campaign: its counts, the rate so
// far and how many more abandons it can take.
type LedgerWindow struct {
	CampaignID int64     `json:"campaign_id"`
	Kind       string    `json:"window_kind"`
	Start      time.Time `json:"window_start"`
	End        time.Time `json:"window_end"`
	// Live counts calls answered by a person (connected or abandoned).
	Live      int64 `json:"live"`
	Abandoned int64 `json:"abandoned"`
	Machine   int64 `json:"machine"`
	// FalsePositives is the estimate of people among the machine verdicts
	// (Ofcom counts them as live calls abandoned).
	FalsePositives float64 `json:"amd_false_positives"`
	// Rate and MaxRate are fractions of live calls (0.03 is 3 %).
	Rate    float64 `json:"rate_ratio"`
	MaxRate float64 `json:"max_rate_ratio"`
	// BudgetLeft is how many more abandons the window can take at its
	// present live count without exceeding the cap (negative: over it),
	// in calls (fractional: the cap is a fraction of the live calls).
	BudgetLeft float64 `json:"budget_left_abandons"`
}

// Ledger counts live answers and abandons per campaign per window in SQL,
// so every node reads and adds to the same totals.
type Ledger struct {
	db *sql.DB
}

// NewLedger returns the ledger over db (tables from Migrations).
func NewLedger(db *sql.DB) *Ledger { return &Ledger{db: db} }

// windowOf returns the window of cap containing at: the 30-day period
// counted from first, or the calendar day in zone.
func windowOf(cp AbandonCap, loc *time.Location, first, at time.Time) (time.Time, time.Time) {
	if cp.Window == WindowPeriod30d {
		k := int64(math.Floor(float64(at.Sub(first)) / float64(period30d)))
		start := first.Add(time.Duration(k) * period30d)
		return start, start.Add(period30d)
	}
	lt := at.In(loc)
	start := time.Date(lt.Year(), lt.Month(), lt.Day(), 0, 0, 0, 0, loc)
	return start, time.Date(lt.Year(), lt.Month(), lt.Day()+1, 0, 0, 0, 0, loc)
}

// firstCall returns the campaign's first counted call, recording at as it
// if there is none yet (insert-if-absent: every node agrees on the first).
func (l *Ledger) firstCall(ctx context.Context, campaignID int64, at time.Time, create bool) (time.Time, bool, error) {
	if create {
		if _, err := l.db.ExecContext(ctx, `INSERT INTO abandon_campaigns (campaign_id, first_call_at) VALUES ($1, $2)
			ON CONFLICT (campaign_id) DO NOTHING`, campaignID, at.UnixMilli()); err != nil {
			return time.Time{}, false, fmt.Errorf("ledger campaign %d: %w", campaignID, err)
		}
	}
	var ms int64
	err := l.db.QueryRowContext(ctx, `SELECT first_call_at FROM abandon_campaigns WHERE campaign_id = $1`, campaignID).Scan(&ms)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, fmt.Errorf("ledger campaign %d: %w", campaignID, err)
	}
	return msTime(ms), true, nil
}

// Record counts a finished call of a campaign at time at: human and
// abandoned are live answers, abandoned an abandon, machine a machine
// verdict; other outcomes only start the campaign's first period.
func (l *Ledger) Record(ctx context.Context, campaignID int64, cp AbandonCap, loc *time.Location, outcome string, at time.Time) error {
	first, _, err := l.firstCall(ctx, campaignID, at, true)
	if err != nil {
		return err
	}
	var live, ab, mach int64
	switch outcome {
	case OutcomeHuman:
		live = 1
	case OutcomeAbandoned:
		live, ab = 1, 1
	case OutcomeMachine:
		mach = 1
	default:
		return nil
	}
	start, end := windowOf(cp, loc, first, at)
	_, err = l.db.ExecContext(ctx, `INSERT INTO abandon_ledger (campaign_id, window_kind, window_start, window_end, live, abandoned, machine)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (campaign_id, window_kind, window_start) DO UPDATE SET live = abandon_ledger.live + excluded.live,
			abandoned = abandon_ledger.abandoned + excluded.abandoned, machine = abandon_ledger.machine + excluded.machine`,
		campaignID, cp.Window, start.UnixMilli(), end.UnixMilli(), live, ab, mach)
	if err != nil {
		return fmt.Errorf("ledger campaign %d: %w", campaignID, err)
	}
	return nil
}

// finish computes the derived figures of w under cp.
func (w *LedgerWindow) finish(cp AbandonCap) {
	w.MaxRate = cp.MaxRate
	w.FalsePositives = float64(w.Machine) * cp.AMDFalsePositiveRate
	live := float64(w.Live) + w.FalsePositives
	ab := float64(w.Abandoned) + w.FalsePositives
	if live > 0 {
		w.Rate = ab / live
	}
	w.BudgetLeft = cp.MaxRate*live - ab
}

// Current returns the campaign's window containing at (zero counts if the
// campaign has no call in it, or no call at all yet: then the window is the
// one a first call at at would open).
func (l *Ledger) Current(ctx context.Context, campaignID int64, cp AbandonCap, loc *time.Location, at time.Time) (LedgerWindow, error) {
	first, ok, err := l.firstCall(ctx, campaignID, at, false)
	if err != nil {
		return LedgerWindow{}, err
	}
	if !ok {
		first = at
	}
	start, end := windowOf(cp, loc, first, at)
	w := LedgerWindow{CampaignID: campaignID, Kind: cp.Window, Start: start.UTC(), End: end.UTC()}
	err = l.db.QueryRowContext(ctx, `SELECT live, abandoned, machine FROM abandon_ledger
		WHERE campaign_id = $1 AND window_kind = $2 AND window_start = $3`, campaignID, cp.Window, start.UnixMilli()).
		Scan(&w.Live, &w.Abandoned, &w.Machine)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return LedgerWindow{}, fmt.Errorf("ledger campaign %d: %w", campaignID, err)
	}
	w.finish(cp)
	return w, nil
}

// Windows returns every window of the campaign with counts, oldest first.
func (l *Ledger) Windows(ctx context.Context, campaignID int64, cp AbandonCap) ([]LedgerWindow, error) {
	rows, err := l.db.QueryContext(ctx, `SELECT window_kind, window_start, window_end, live, abandoned, machine
		FROM abandon_ledger WHERE campaign_id = $1 ORDER BY window_start, window_kind`, campaignID)
	if err != nil {
		return nil, fmt.Errorf("ledger campaign %d: %w", campaignID, err)
	}
	defer rows.Close()
	out := []LedgerWindow{}
	for rows.Next() {
		w := LedgerWindow{CampaignID: campaignID}
		var s, e int64
		if err := rows.Scan(&w.Kind, &s, &e, &w.Live, &w.Abandoned, &w.Machine); err != nil {
			return nil, fmt.Errorf("ledger campaign %d: %w", campaignID, err)
		}
		w.Start, w.End = msTime(s), msTime(e)
		w.finish(cp)
		out = append(out, w)
	}
	return out, rows.Err()
}
