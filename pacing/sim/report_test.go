package sim

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

var reportPath = flag.String("report", "", "write the pacing report's generated section into this markdown file")

const (
	beginMark = "<!-- BEGIN GENERATED: scripts/pacing-report.sh -->"
	endMark   = "<!-- END GENERATED -->"
)

// TestReport runs the grid of docs/pacing.md and rewrites its generated
// section. It runs only when asked (-report), as it takes many minutes.
func TestReport(t *testing.T) {
	if *reportPath == "" {
		t.Skip("run with -report docs/pacing.md (scripts/pacing-report.sh)")
	}
	seeds := []uint64{1, 2, 3, 4, 5}
	names := PolicyNames
	start := time.Now()
	var b bytes.Buffer
	fmt.Fprintf(&b, "Each cell: 30 days of 8-hour shifts, talk 180 s, wrap 20 s, machines 15 %% of the rest, no-answer 25 s, cap 3 %%, seeds %v; all policies on the same leads per seed.\n", seeds)
	fmt.Fprintf(&b, "Figures: mean occupancy over seeds / worst successive-30-day abandonment over seeds. *ratio* and *ceiling* are searched per seed in hindsight (level, risk).\n\n")
	fmt.Fprintf(&b, "| agents | answer | progressive | ratio | adaptive (VICIdial-style) | predictive | ceiling | predictive ÷ ceiling (min over seeds) | predictive ≥ progressive (seeds) | predictive beats adaptive (seeds) | predictive worst day |\n")
	fmt.Fprintf(&b, "|---|---|---|---|---|---|---|---|---|---|---|\n")
	var claims []string
	over30, runs := 0, 0
	for _, n := range []int{5, 20, 100} {
		for _, p := range []float64{0.15, 0.30, 0.60} {
			res := make([][]Result, len(seeds))
			for i, s := range seeds {
				rs, err := RunPolicies(Config{Agents: n, AnswerRate: p, Days: 30, Seed: s}, names, 0)
				if err != nil {
					t.Fatal(err)
				}
				res[i] = rs
			}
			row, c := cellRow(fmt.Sprintf("| %d | %.0f %% ", n, 100*p), res, n)
			b.WriteString(row)
			claims = append(claims, c...)
			for _, rs := range res {
				runs++
				if rs[3].Worst30dAbandonRate > 0.03 {
					over30++
				}
			}
			t.Logf("cell %d agents × %.2f done after %s", n, p, time.Since(start).Round(time.Second))
		}
	}
	fmt.Fprintf(&b, "\n### Stress cases (20 agents, answer 30 %%, 5 seeds)\n\n")
	fmt.Fprintf(&b, "| case | progressive | ratio | adaptive (VICIdial-style) | predictive | ceiling | predictive ÷ ceiling (min) | predictive ≥ progressive | predictive beats adaptive | predictive worst day |\n")
	fmt.Fprintf(&b, "|---|---|---|---|---|---|---|---|---|---|\n")
	stress := []struct {
		name string
		mod  func(*Config)
	}{
		{"cold start: day 1 only, prior a third of the truth", func(c *Config) { c.Days, c.WrongPrior = 1, true }},
		{"drift ×0.7 → ×1.5 each shift", func(c *Config) { c.Drift = true }},
		{"pauses (2×15 + 30 min, hourly micro-pauses)", func(c *Config) { c.Pauses = true }},
		{"AMD errors (3 % people hung up, 10 % machines passed)", func(c *Config) { c.AMDErrors = true }},
		{"list exhausted at 70 % of each shift for 30 min", func(c *Config) { c.Exhaust = true }},
		{"5 agents with pauses", func(c *Config) { c.Agents, c.Pauses = 5, true }},
	}
	for _, st := range stress {
		res := make([][]Result, len(seeds))
		for i, s := range seeds {
			c := Config{Agents: 20, AnswerRate: 0.30, Days: 30, Seed: s}
			st.mod(&c)
			rs, err := RunPolicies(c, names, 0)
			if err != nil {
				t.Fatal(err)
			}
			res[i] = rs
		}
		row, c := cellRow("| "+st.name+" ", res, 20)
		b.WriteString(row)
		claims = append(claims, c...)
		for _, rs := range res {
			runs++
			if rs[3].Worst30dAbandonRate > 0.03 {
				over30++
			}
		}
		t.Logf("stress %q done after %s", st.name, time.Since(start).Round(time.Second))
	}
	fmt.Fprintf(&b, "\n### Claims, checked\n\n")
	fmt.Fprintf(&b, "- Predictive runs with a 30-day period over 3 %%: **%d of %d**.\n", over30, runs)
	if len(claims) == 0 {
		b.WriteString("- Every other claim holds in every cell, seed by seed.\n")
	}
	for _, c := range claims {
		b.WriteString("- " + c + "\n")
	}
	fmt.Fprintf(&b, "\nGenerated in %s on %d CPUs.\n", time.Since(start).Round(time.Second), runtime.NumCPU())
	if err := writeGenerated(*reportPath, b.String()); err != nil {
		t.Fatal(err)
	}
}

// cellRow renders one row and lists the claims it misses.
func cellRow(head string, res [][]Result, agents int) (string, []string) {
	const prog, ratio, adapt, pred, ceil = 0, 1, 2, 3, 4
	var occ [5]float64
	var worst [5]float64
	var params [5][]string
	minRatio := 9.0
	geProg, beatsAdapt, worstDay := 0, 0, 0.0
	for _, rs := range res {
		for i, r := range rs {
			occ[i] += r.Occupancy / float64(len(res))
			worst[i] = max(worst[i], r.Worst30dAbandonRate)
			if r.Param != 0 {
				params[i] = append(params[i], fmt.Sprintf("%.3g", r.Param))
			}
		}
		minRatio = min(minRatio, rs[pred].Occupancy/rs[ceil].Occupancy)
		if rs[pred].Occupancy >= rs[prog].Occupancy {
			geProg++
		}
		if rs[pred].Occupancy > rs[adapt].Occupancy && rs[pred].Worst30dAbandonRate <= rs[adapt].Worst30dAbandonRate {
			beatsAdapt++
		}
		worstDay = max(worstDay, rs[pred].WorstDayAbandonRate)
	}
	cell := func(i int) string {
		s := fmt.Sprintf("%.1f %% / %.2f %%", 100*occ[i], 100*worst[i])
		if len(params[i]) > 0 {
			s += " (" + strings.Join(params[i], ", ") + ")"
		}
		return s
	}
	n := len(res)
	row := fmt.Sprintf("%s| %s | %s | %s | **%s** | %s | %.3f | %d/%d | %d/%d | %.2f %% |\n", head,
		cell(prog), cell(ratio), cell(adapt), cell(pred), cell(ceil), minRatio, geProg, n, beatsAdapt, n, 100*worstDay)
	var claims []string
	label := strings.Trim(strings.ReplaceAll(head, "|", " "), " ")
	if agents >= 20 && minRatio < 0.95 {
		claims = append(claims, fmt.Sprintf("%s: predictive below 95 %% of the ceiling (min %.3f).", label, minRatio))
	}
	if agents == 5 && geProg < n {
		claims = append(claims, fmt.Sprintf("%s: predictive below progressive in %d of %d seeds.", label, n-geProg, n))
	}
	if beatsAdapt < n {
		claims = append(claims, fmt.Sprintf("%s: predictive does not beat the VICIdial-style controller (more occupancy at equal or lower worst-30-day abandonment) in %d of %d seeds.", label, n-beatsAdapt, n))
	}
	return row, claims
}

func writeGenerated(path, body string) error {
	old, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("read %s: %w", path, err)
	}
	s := string(old)
	i, j := strings.Index(s, beginMark), strings.Index(s, endMark)
	block := beginMark + "\n" + body + endMark
	if i < 0 || j < i {
		s += "\n" + block + "\n"
	} else {
		s = s[:i] + block + s[j+len(endMark):]
	}
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
