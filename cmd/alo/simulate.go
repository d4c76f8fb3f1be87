package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/alo-dialer/alo/pacing/sim"
)

// runSimulate handles `alo simulate`: the pacing policies on one simulated
// campaign, on the same leads, one result per policy.
func runSimulate(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("alo simulate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	agents := fs.Int("agents", 20, "agents logged in")
	answer := fs.Float64("answer-rate", 0.30, "share of dials answered by a person")
	talk := fs.Duration("talk-mean", 180*time.Second, "mean talk time of connected calls")
	wrap := fs.Duration("wrap-mean", 20*time.Second, "mean wrap-up time")
	hours := fs.Float64("hours", 8, "logged-in hours per day")
	days := fs.Int("days", 30, "days simulated")
	seed := fs.Uint64("seed", 1, "seed of the leads' random streams")
	policies := fs.String("policies", strings.Join(sim.PolicyNames, ","),
		`policies, comma-separated: progressive, ratio (best compliant, searched), adaptive (VICIdial-style), predictive, ceiling (known parameters, searched), ratio:<level>`)
	format := fs.String("format", "table", `output: "table" or "json"`)
	machines := fs.Float64("machines", 0.15, "share of the dials not answered by a person that a machine answers")
	noAnswer := fs.Duration("no-answer-timeout", 25*time.Second, "ring time before giving up")
	pauses := fs.Bool("pauses", false, "agents take breaks (2×15 min, 30 min, hourly micro-pauses)")
	limit := fs.Float64("abandon-cap", 0.03, "legal abandoned share of live answers per 30-day period")
	drift := fs.Bool("drift", false, "answer rate drifts ×0.7 → ×1.5 over each shift")
	amdErrors := fs.Bool("amd-errors", false, "machine detection hangs up on 3 % of people and passes 10 % of machines")
	exhaust := fs.Bool("exhaust", false, "the list runs dry at 70 % of each shift for 30 minutes")
	workers := fs.Int("workers", 0, "parallel runs (0: one per CPU)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if *format != "table" && *format != "json" {
		return fmt.Errorf("--format %q: want table or json", *format)
	}
	if *agents < 1 {
		return fmt.Errorf("--agents %d: want at least 1", *agents) // 0 would mean "default" to sim.Config
	}
	if *hours <= 0 || *hours > 24 {
		return fmt.Errorf("--hours %g: want 0 to 24", *hours)
	}
	cfg := sim.Config{Agents: *agents, AnswerRate: *answer, TalkMean: *talk, WrapMean: *wrap,
		Shift: time.Duration(*hours * float64(time.Hour)), Days: *days, Seed: *seed,
		MachineShare: *machines, NoAnswerTimeout: *noAnswer, Cap: *limit,
		Pauses: *pauses, Drift: *drift, AMDErrors: *amdErrors, Exhaust: *exhaust}
	if *machines == 0 {
		cfg.MachineShare = 1e-9 // zero means "default" to sim.Config
	}
	var names []string
	for _, n := range strings.Split(*policies, ",") {
		if n = strings.TrimSpace(n); n != "" {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		return fmt.Errorf("--policies: none given")
	}
	results, err := sim.RunPolicies(cfg, names, *workers)
	if err != nil {
		return fmt.Errorf("simulate: %w", err)
	}
	if *format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(results)
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "policy\toccupancy\tabandon\tworst 30d\tworst day\tlive answers\tdials\tabandons\twait p95 s\tsetting\t")
	for _, r := range results {
		param := ""
		if r.Param != 0 {
			param = fmt.Sprintf("%.4g", r.Param)
		}
		fmt.Fprintf(tw, "%s\t%.1f %%\t%.2f %%\t%.2f %%\t%.2f %%\t%d\t%d\t%d\t%.1f\t%s\t\n", r.Policy, 100*r.Occupancy,
			100*r.AbandonRate, 100*r.Worst30dAbandonRate, 100*r.WorstDayAbandonRate, r.LiveAnswers, r.Dials,
			r.Abandons, r.AgentWaitP95, param)
	}
	return tw.Flush()
}
