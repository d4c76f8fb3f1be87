package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
)

func TestSimulateJSON(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"simulate", "--agents", "8", "--answer-rate", "0.30", "--talk-mean", "120s",
		"--wrap-mean", "15s", "--hours", "1", "--days", "2", "--seed", "3",
		"--policies", "progressive,ratio,adaptive,predictive,ceiling", "--format", "json"}, &out, &errOut, noEnv)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	var rows []map[string]any
	if err := json.Unmarshal(out.Bytes(), &rows); err != nil {
		t.Fatalf("not a JSON array: %v\n%s", err, out.String())
	}
	if len(rows) != 5 {
		t.Fatalf("%d results, want 5", len(rows))
	}
	fields := []string{"policy", "occupancy", "abandon_rate", "worst_30d_abandon_rate", "worst_day_abandon_rate",
		"live_answers", "dials", "abandons", "agent_wait_p95_s"}
	for i, want := range []string{"progressive", "ratio", "adaptive", "predictive", "ceiling"} {
		if rows[i]["policy"] != want {
			t.Errorf("row %d policy %v, want %s", i, rows[i]["policy"], want)
		}
		for _, f := range fields {
			if _, ok := rows[i][f]; !ok {
				t.Errorf("row %d lacks %q", i, f)
			}
		}
	}
}

func TestSimulateTable(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"simulate", "--agents", "5", "--hours", "1", "--days", "1",
		"--policies", "progressive,predictive", "--pauses"}, &out, &errOut, noEnv)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	for _, want := range []string{"policy", "occupancy", "worst 30d", "progressive", "predictive"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, out.String())
		}
	}
}

func TestSimulateBadFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"answer rate", []string{"--answer-rate", "1.2"}, "answer rate"},
		{"format", []string{"--format", "xml"}, "--format"},
		{"policy", []string{"--policies", "magic"}, "magic"},
		{"agents", []string{"--agents", "0"}, "agents"},
		{"hours", []string{"--hours", "30"}, "--hours"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := run(context.Background(), append([]string{"simulate", "--days", "1"}, tt.args...), &out, &errOut, noEnv)
			if code != 1 || !strings.Contains(errOut.String(), tt.want) {
				t.Errorf("exit %d, stderr %q; want 1 naming %q", code, errOut.String(), tt.want)
			}
		})
	}
}

func noEnv(string) string { return "" }
