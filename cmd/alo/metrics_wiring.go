package main

import (
	"context"
	"time"

	"github.com/hibiken/asynq"

	"github.com/alo-dialer/alo/campaigns"
	"github.com/alo-dialer/alo/compliance"
	"github.com/alo-dialer/alo/dialer"
	"github.com/alo-dialer/alo/dialer/agent"
	"github.com/alo-dialer/alo/dialer/sipua"
	"github.com/alo-dialer/alo/dialer/trunk"
	"github.com/alo-dialer/alo/metrics"
)

// metricsParts are what the node's gauges are read from.
type metricsParts struct {
	agents *agent.Registry
	trunks *trunk.Set
	store  *campaigns.Store
	ready  *campaigns.ReadySet
	insp   *asynq.Inspector
	queues []string
	eng    func() *dialer.Engine // built after the metrics
	rdy    *readiness
	sip    *sipua.UA
}

// newMetrics builds the node's Prometheus collectors over p.
func newMetrics(p metricsParts) *metrics.Metrics {
	return metrics.New(metrics.Sources{
		AgentsByState: func() map[string]int {
			// Every state, zeros included, so a graph shows none as 0.
			out := map[string]int{}
			for _, st := range []agent.State{agent.PhoneDown, agent.Ready, agent.Reserved, agent.OnCall, agent.WrapUp, agent.Paused} {
				out[string(st)] = 0
			}
			for st, n := range p.agents.CountByState() {
				out[string(st)] = n
			}
			return out
		},
		Trunks: func() []metrics.Trunk {
			var out []metrics.Trunk
			for _, s := range p.trunks.Status() {
				out = append(out, metrics.Trunk{ID: s.ID, Name: s.Name, Up: s.Up, BreakerOpen: s.BreakerOpen, ActiveCalls: s.ActiveCalls})
			}
			return out
		},
		ReadySets: func(ctx context.Context) (map[int64]int64, error) {
			cs, err := p.store.RunningCampaigns(ctx)
			if err != nil {
				return nil, err
			}
			out := map[int64]int64{}
			for _, c := range cs {
				n, err := p.ready.Len(ctx, c.ID)
				if err != nil {
					return out, err
				}
				out[c.ID] = n
			}
			return out, nil
		},
		Queues: func(context.Context) (map[string]int, error) {
			out := map[string]int{}
			for _, q := range p.queues {
				qi, err := p.insp.GetQueueInfo(q)
				if err != nil {
					continue // a queue no task has used yet does not exist
				}
				out[q] = qi.Pending + qi.Scheduled + qi.Retry
			}
			return out, nil
		},
		CallsInFlight: func() int {
			if e := p.eng(); e != nil {
				return e.InFlight()
			}
			return 0
		},
		Ready:        func() bool { ok, _ := p.rdy.Ready(); return ok },
		MalformedSIP: p.sip.MalformedMessages,
	})
}

// countedAttempts counts finished attempts by outcome.
type countedAttempts struct {
	*auditedAttempts
	m *metrics.Metrics
}

func (c countedAttempts) Finish(ctx context.Context, attemptID int64, r campaigns.Result) error {
	err := c.auditedAttempts.Finish(ctx, attemptID, r)
	if err == nil {
		c.m.Attempts.WithLabelValues(string(r.Outcome)).Inc()
	}
	return err
}

func (c countedAttempts) Block(ctx context.Context, cl campaigns.Claimed, evidence, reason string, nextDue *time.Time) (campaigns.Attempt, error) {
	a, err := c.auditedAttempts.Block(ctx, cl, evidence, reason, nextDue)
	if err == nil {
		c.m.Attempts.WithLabelValues("blocked").Inc()
	}
	return a, err
}

// countedGate counts the gate's decisions by verdict and first rule.
type countedGate struct {
	*compliance.RuleGate
	m *metrics.Metrics
}

func (g countedGate) Check(ctx context.Context, req compliance.Request) (compliance.Decision, error) {
	d, err := g.RuleGate.Check(ctx, req)
	rule := "none"
	if !d.Allow && len(d.Reasons) > 0 {
		rule = d.Reasons[0].Rule
	}
	verdict := string(d.Verdict)
	if verdict == "" {
		verdict = string(compliance.Deny)
	}
	g.m.GateDecisions.WithLabelValues(verdict, rule).Inc()
	return d, err
}
