// Package metrics is alo's Prometheus exposition: alo_ names, base units
// (seconds), and labels from small fixed sets (outcome, state, rule,
// queue, trunk or campaign id), never a phone number or a contact id.
//
// Counters and histograms are incremented by whoever sees the event
// (cmd/alo wraps the attempt source and the gate; sipua may count
// malformed messages); gauges are read from Sources at each scrape.
package metrics

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Trunk is one trunk's state at a scrape.
type Trunk struct {
	ID          int64
	Name        string
	Up          bool
	BreakerOpen bool
	ActiveCalls int
}

// Sources supply the gauges, read at each scrape; a nil one is left out.
type Sources struct {
	// AgentsByState counts this node's logged-in agents by state.
	AgentsByState func() map[string]int
	// Trunks is every trunk's health.
	Trunks func() []Trunk
	// ReadySets is the length of each running campaign's ready set, by
	// campaign id.
	ReadySets func(ctx context.Context) (map[int64]int64, error)
	// Queues is the number of pending tasks by asynq queue.
	Queues func(ctx context.Context) (map[string]int, error)
	// CallsInFlight is this node's calls on the wire.
	CallsInFlight func() int
	// Ready is 1 when the node takes new calls.
	Ready func() bool
	// MalformedSIP is the count of SIP messages received that could not
	// be parsed, since the user agent started.
	MalformedSIP func() uint64
}

// scrapeTimeout bounds the Redis reads of one scrape.
const scrapeTimeout = 2 * time.Second

// Metrics holds alo's collectors.
type Metrics struct {
	reg *prometheus.Registry

	// Attempts counts finished attempts by outcome (human, busy, …).
	Attempts *prometheus.CounterVec
	// AnswerToBridged is the time from a customer's answer (or the AMD
	// verdict) to their audio switched to the agent.
	AnswerToBridged prometheus.Histogram
	// GateDecisions counts compliance gate decisions by decision (allow,
	// defer, deny) and the first rule named (none for an allow).
	GateDecisions *prometheus.CounterVec
}

// New registers every collector (with Go and process metrics) over src.
func New(src Sources) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		Attempts: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "alo_attempts_total",
			Help: "Finished call attempts by outcome."}, []string{"outcome"}),
		AnswerToBridged: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "alo_answer_to_bridged_seconds",
			Help:    "From the customer's answer (or the AMD verdict) to their audio switched to the agent.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5}}),
		GateDecisions: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "alo_gate_decisions_total",
			Help: "Compliance gate decisions by decision and the first rule named."}, []string{"decision", "rule"}),
	}
	m.reg.MustRegister(m.Attempts, m.AnswerToBridged, m.GateDecisions,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		&gauges{src: src})
	if src.MalformedSIP != nil {
		m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "alo_sip_malformed_messages_total",
			Help: "SIP messages received that could not be parsed."}, func() float64 { return float64(src.MalformedSIP()) }))
	}
	return m
}

// Handler serves the exposition.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// ObserveAnswerToBridged records one answer-to-bridged latency.
func (m *Metrics) ObserveAnswerToBridged(d time.Duration) { m.AnswerToBridged.Observe(d.Seconds()) }

var (
	descAgents   = prometheus.NewDesc("alo_agents", "Agents logged in on this node by state.", []string{"state"}, nil)
	descTrunkUp  = prometheus.NewDesc("alo_trunk_up", "1 when the trunk answers its keep-alive and its breaker is closed.", []string{"trunk"}, nil)
	descTrunkBrk = prometheus.NewDesc("alo_trunk_breaker_open", "1 while the trunk's failure breaker is open.", []string{"trunk"}, nil)
	descTrunkAct = prometheus.NewDesc("alo_trunk_active_calls", "Calls on the trunk now.", []string{"trunk"}, nil)
	descReadySet = prometheus.NewDesc("alo_ready_set_attempts", "Attempts ready to claim, by campaign id.", []string{"campaign"}, nil)
	descQueue    = prometheus.NewDesc("alo_asynq_queue_tasks", "Pending tasks by asynq queue.", []string{"queue"}, nil)
	descInFlight = prometheus.NewDesc("alo_calls_in_flight", "Calls on the wire from this node.", nil, nil)
	descReady    = prometheus.NewDesc("alo_node_ready", "1 when this node places new calls (see /readyz).", nil, nil)
	descErrors   = prometheus.NewDesc("alo_scrape_source_errors", "Gauge sources that failed in this scrape.", []string{"source"}, nil)
)

// gauges reads Sources at each scrape.
type gauges struct{ src Sources }

func (g *gauges) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descAgents, descTrunkUp, descTrunkBrk, descTrunkAct, descReadySet, descQueue, descInFlight, descReady, descErrors} {
		ch <- d
	}
}

func (g *gauges) Collect(ch chan<- prometheus.Metric) {
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	if g.src.AgentsByState != nil {
		for st, n := range g.src.AgentsByState() {
			gauge(descAgents, float64(n), st)
		}
	}
	if g.src.Trunks != nil {
		for _, t := range g.src.Trunks() {
			name := t.Name
			if name == "" {
				name = strconv.FormatInt(t.ID, 10)
			}
			gauge(descTrunkUp, b2f(t.Up && !t.BreakerOpen), name)
			gauge(descTrunkBrk, b2f(t.BreakerOpen), name)
			gauge(descTrunkAct, float64(t.ActiveCalls), name)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	if g.src.ReadySets != nil {
		sets, err := g.src.ReadySets(ctx)
		gauge(descErrors, b2f(err != nil), "ready_sets")
		for id, n := range sets {
			gauge(descReadySet, float64(n), strconv.FormatInt(id, 10))
		}
	}
	if g.src.Queues != nil {
		qs, err := g.src.Queues(ctx)
		gauge(descErrors, b2f(err != nil), "queues")
		for q, n := range qs {
			gauge(descQueue, float64(n), q)
		}
	}
	if g.src.CallsInFlight != nil {
		gauge(descInFlight, float64(g.src.CallsInFlight()))
	}
	if g.src.Ready != nil {
		gauge(descReady, b2f(g.src.Ready()))
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
