package compliance

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/alo-dialer/alo/internal/csvcell"
)

// Refusal is one attempt the gate refused (deny) or put off (defer), from
// the audit trail.
type Refusal struct {
	At            time.Time  `json:"at"`
	Number        string     `json:"number"`
	ContactID     int64      `json:"contact_id,omitempty"`
	Decision      Verdict    `json:"decision"`
	Reasons       []Reason   `json:"reasons"`
	RulesVersion  string     `json:"rules_version"`
	NextAllowedAt *time.Time `json:"next_allowed_at,omitempty"`
	AuditSeq      int64      `json:"audit_seq"`
}

// ReportWindow is one legal window of a campaign: live answers, abandons,
// the rate, and every refused attempt in it.
type ReportWindow struct {
	LedgerWindow
	Refused []Refusal `json:"refused"`
}

// Report is a campaign's compliance report.
type Report struct {
	CampaignID   int64          `json:"campaign_id"`
	RulesVersion RulesVersion   `json:"rules_version"`
	WindowKind   string         `json:"window_kind"`
	GeneratedAt  time.Time      `json:"generated_at"`
	Windows      []ReportWindow `json:"windows"`
}

// Reports builds compliance reports from the ledger and the audit trail.
type Reports struct {
	db     *sql.DB
	gate   *RuleGate
	ledger *Ledger
	clock  func() time.Time
}

// NewReports returns the report builder over db (the audit trail's and the
// ledger's tables); gate gives each campaign's rules.
func NewReports(db *sql.DB, gate *RuleGate, ledger *Ledger, clock func() time.Time) *Reports {
	return &Reports{db: db, gate: gate, ledger: ledger, clock: clock}
}

// Campaign builds the report of one campaign over [from, to) (zero times:
// no bound), under the rules it is held to now.
func (r *Reports) Campaign(ctx context.Context, campaignID int64, from, to time.Time) (Report, error) {
	eng, _, err := r.gate.engine(ctx, campaignID)
	if err != nil {
		return Report{}, err
	}
	rules := eng.Rules()
	cp := rules.Abandonment
	loc, err := eng.zones.Location(rules.Zone)
	if err != nil {
		return Report{}, err
	}
	rep := Report{CampaignID: campaignID, RulesVersion: eng.Version(), WindowKind: cp.Window, GeneratedAt: r.clock().UTC(),
		Windows: []ReportWindow{}}
	ws, err := r.ledger.Windows(ctx, campaignID, cp)
	if err != nil {
		return Report{}, err
	}
	byStart := map[int64]*ReportWindow{}
	add := func(w LedgerWindow) *ReportWindow {
		rep.Windows = append(rep.Windows, ReportWindow{LedgerWindow: w, Refused: []Refusal{}})
		return &rep.Windows[len(rep.Windows)-1]
	}
	for _, w := range ws {
		if w.Kind != cp.Window || (!from.IsZero() && !w.End.After(from)) || (!to.IsZero() && !w.Start.Before(to)) {
			continue
		}
		add(w)
	}
	for i := range rep.Windows {
		byStart[rep.Windows[i].Start.UnixMilli()] = &rep.Windows[i]
	}

	refusals, err := r.refusals(ctx, campaignID, from, to)
	if err != nil {
		return Report{}, err
	}
	first, ok, err := r.ledger.firstCall(ctx, campaignID, time.Time{}, false)
	if err != nil {
		return Report{}, err
	}
	var extra []ReportWindow
	for _, f := range refusals {
		if !ok {
			first, ok = f.At, true
		}
		s, e := windowOf(cp, loc, first, f.At)
		w := byStart[s.UnixMilli()]
		if w == nil {
			lw := LedgerWindow{CampaignID: campaignID, Kind: cp.Window, Start: s.UTC(), End: e.UTC()}
			lw.finish(cp)
			extra = append(extra, ReportWindow{LedgerWindow: lw, Refused: []Refusal{f}})
			// Later refusals of the same window join it below.
			continue
		}
		w.Refused = append(w.Refused, f)
	}
	// Merge the windows that only refusals opened.
	merged := map[int64]int{}
	for _, x := range extra {
		k := x.Start.UnixMilli()
		if i, ok := merged[k]; ok {
			rep.Windows[i].Refused = append(rep.Windows[i].Refused, x.Refused...)
			continue
		}
		rep.Windows = append(rep.Windows, x)
		merged[k] = len(rep.Windows) - 1
	}
	sort.SliceStable(rep.Windows, func(i, j int) bool { return rep.Windows[i].Start.Before(rep.Windows[j].Start) })
	return rep, nil
}

// refusals reads the campaign's deny and defer records.
func (r *Reports) refusals(ctx context.Context, campaignID int64, from, to time.Time) ([]Refusal, error) {
	q := `SELECT seq, at, contact_id, number, body FROM audit_log WHERE campaign_id = $1 AND kind IN ($2, $3)`
	args := []any{campaignID, AuditDeny, AuditDefer}
	if !from.IsZero() {
		args = append(args, from.UnixMilli())
		q += fmt.Sprintf(" AND at >= $%d", len(args))
	}
	if !to.IsZero() {
		args = append(args, to.UnixMilli())
		q += fmt.Sprintf(" AND at < $%d", len(args))
	}
	rows, err := r.db.QueryContext(ctx, q+" ORDER BY seq", args...)
	if err != nil {
		return nil, fmt.Errorf("refusals of campaign %d: %w", campaignID, err)
	}
	defer rows.Close()
	var out []Refusal
	for rows.Next() {
		var f Refusal
		var at int64
		var body string
		if err := rows.Scan(&f.AuditSeq, &at, &f.ContactID, &f.Number, &body); err != nil {
			return nil, fmt.Errorf("refusals of campaign %d: %w", campaignID, err)
		}
		f.At = msTime(at)
		var res Result
		if err := json.Unmarshal([]byte(body), &res); err != nil {
			return nil, fmt.Errorf("refusal record %d: %w", f.AuditSeq, err)
		}
		f.Decision, f.Reasons, f.NextAllowedAt = res.Decision, res.Reasons, res.NextAllowedAt
		f.RulesVersion = res.RulesVersion.Label
		out = append(out, f)
	}
	return out, rows.Err()
}

// WriteCSV writes the report as CSV: one "window" row per window (counts
// and rate), followed by one "refused" row per refused attempt in it.
func (rep Report) WriteCSV(w io.Writer) error {
	cw := csvcell.NewWriter(w) // cells that would run as formulas are escaped
	header := []string{"row", "campaign_id", "window_kind", "window_start", "window_end", "live", "abandoned", "machine",
		"amd_false_positives", "rate_ratio", "max_rate_ratio", "budget_left_abandons", "at", "number", "contact_id", "decision", "rules_version",
		"next_allowed_at", "reasons"}
	if err := cw.Write(header); err != nil {
		return err
	}
	ts := func(t time.Time) string { return t.UTC().Format(time.RFC3339) }
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', 4, 64) }
	for _, win := range rep.Windows {
		base := []string{strconv.FormatInt(rep.CampaignID, 10), win.Kind, ts(win.Start), ts(win.End)}
		row := append([]string{"window"}, base...)
		row = append(row, strconv.FormatInt(win.Live, 10), strconv.FormatInt(win.Abandoned, 10), strconv.FormatInt(win.Machine, 10),
			f(win.FalsePositives), f(win.Rate), f(win.MaxRate), f(win.BudgetLeft), "", "", "", "", "", "", "")
		if err := cw.Write(row); err != nil {
			return err
		}
		for _, x := range win.Refused {
			reasons := make([]string, len(x.Reasons))
			for i, r := range x.Reasons {
				reasons[i] = r.Rule + ": " + r.Detail
			}
			next := ""
			if x.NextAllowedAt != nil {
				next = ts(*x.NextAllowedAt)
			}
			row := append([]string{"refused"}, base...)
			row = append(row, "", "", "", "", "", "", "", ts(x.At), x.Number, strconv.FormatInt(x.ContactID, 10),
				string(x.Decision), x.RulesVersion, next, strings.Join(reasons, "; "))
			if err := cw.Write(row); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}
