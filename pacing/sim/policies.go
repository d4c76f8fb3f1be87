package sim

import (
	"fmt"
	"math"
	"runtime"
	"sync"

	"github.com/alo-dialer/alo/pacing"
)

// PolicyNames are the policies RunPolicies knows.
var PolicyNames = []string{"progressive", "ratio", "adaptive", "predictive", "ceiling"}

// RunPolicies runs each named policy on the same configuration (so on the
// same leads) and returns their results in the order asked. "ratio" is the
// best compliant fixed ratio and "ceiling" the known-parameter policy at the
// risk that lands on the cap, both searched in hindsight; "ratio:2.5" is one
// fixed ratio. workers bounds parallel runs (0: GOMAXPROCS).
func RunPolicies(cfg Config, names []string, workers int) ([]Result, error) {
	cfg.Defaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	for _, n := range names {
		if _, err := policyFactory(cfg, n); err != nil && n != "ratio" && n != "ceiling" {
			return nil, err
		}
	}
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	sem := make(chan struct{}, workers)
	run := func(p pacing.Policy) Result {
		sem <- struct{}{}
		defer func() { <-sem }()
		return Run(cfg, p)
	}
	out := make([]Result, len(names))
	var wg sync.WaitGroup
	for i, n := range names {
		wg.Go(func() {
			switch n {
			case "ratio":
				out[i] = searchRatio(cfg, run)
			case "ceiling":
				out[i] = searchCeiling(cfg, run)
			default:
				p, _ := policyFactory(cfg, n)
				out[i] = run(p)
			}
		})
	}
	wg.Wait()
	return out, nil
}

// policyFactory makes a fresh policy by name.
func policyFactory(cfg Config, name string) (pacing.Policy, error) {
	switch name {
	case "adaptive":
		return NewAdaptive(cfg.Cap), nil
	case "predictive":
		pc := pacing.PredictiveConfig{}
		if cfg.WrongPrior {
			// A prior far above the truth is the dangerous kind: it makes
			// every call look likely to be answered, so few are placed; far
			// below makes the policy overdial. Take the worse one.
			pc.PriorAnswerRate = math.Max(0.05, cfg.AnswerRate/3)
		}
		return pacing.NewPredictive(pc), nil
	case "ratio", "ceiling":
		return nil, fmt.Errorf("%s is searched, not made", name)
	}
	return pacing.ByName(name)
}

// searchRatio finds the highest dial level (1.0–3.0 by 0.05) whose worst
// 30-day abandonment stays under the cap, by bisection: a higher level
// abandons more.
func searchRatio(cfg Config, run func(pacing.Policy) Result) Result {
	level := func(i int) float64 { return 1 + 0.05*float64(i) }
	try := func(i int) Result {
		r := run(pacing.Ratio{Level: level(i)})
		r.Policy, r.Param = "ratio", level(i)
		return r
	}
	best := try(0)
	lo, hi := 0, 41 // level(lo) compliant (assumed for 1.0), level(hi) not
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		r := try(mid)
		if r.Worst30dAbandonRate <= cfg.Cap {
			lo, best = mid, r
		} else {
			hi = mid
		}
	}
	return best
}

// searchCeiling finds the per-call risk at which the known-parameter
// policy's worst 30-day abandonment lands just under the cap.
func searchCeiling(cfg Config, run func(pacing.Policy) Result) Result {
	k := newKnownModel(cfg)
	try := func(lr float64) Result {
		risk := math.Exp(lr)
		r := run(newCeiling(cfg, k, risk))
		r.Param = risk
		return r
	}
	lo, hi := math.Log(1e-3), math.Log(0.3)
	best := try(lo)
	for range 6 {
		mid := (lo + hi) / 2
		r := try(mid)
		if r.Worst30dAbandonRate <= cfg.Cap {
			lo = mid
			if r.Occupancy > best.Occupancy || best.Worst30dAbandonRate > cfg.Cap {
				best = r
			}
		} else {
			hi = mid
		}
	}
	return best
}
