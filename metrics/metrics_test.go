package metrics_test

import (
	"context"
	"io"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/alo-dialer/alo/metrics"
)

// TestExposition: every alo_ family is served, moved by what it counts,
// and no label value looks like a phone number.
func TestExposition(t *testing.T) {
	m := metrics.New(metrics.Sources{
		AgentsByState: func() map[string]int { return map[string]int{"ready": 2, "on_call": 1} },
		Trunks:        func() []metrics.Trunk { return []metrics.Trunk{{ID: 1, Name: "main", Up: true, ActiveCalls: 3}} },
		ReadySets:     func(context.Context) (map[int64]int64, error) { return map[int64]int64{7: 40}, nil },
		Queues:        func(context.Context) (map[string]int, error) { return map[string]int{"attempts": 5}, nil },
		CallsInFlight: func() int { return 3 },
		Ready:         func() bool { return true },
		MalformedSIP:  func() uint64 { return 1 },
	})
	m.Attempts.WithLabelValues("human").Inc()
	m.ObserveAnswerToBridged(12 * time.Millisecond)
	m.GateDecisions.WithLabelValues("deny", "dnc").Inc()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	text := string(body)
	for _, want := range []string{
		`alo_attempts_total{outcome="human"} 1`,
		`alo_answer_to_bridged_seconds_count 1`,
		`alo_answer_to_bridged_seconds_bucket{le="0.025"} 1`,
		`alo_gate_decisions_total{decision="deny",rule="dnc"} 1`,
		`alo_sip_malformed_messages_total 1`,
		`alo_agents{state="ready"} 2`,
		`alo_trunk_up{trunk="main"} 1`,
		`alo_trunk_active_calls{trunk="main"} 3`,
		`alo_ready_set_attempts{campaign="7"} 40`,
		`alo_asynq_queue_tasks{queue="attempts"} 5`,
		`alo_calls_in_flight 3`,
		`alo_node_ready 1`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("exposition lacks %s", want)
		}
	}
	if phone := regexp.MustCompile(`="\+?\d{7,}"`).FindString(text); phone != "" {
		t.Errorf("a label value looks like a phone number: %s", phone)
	}
}
