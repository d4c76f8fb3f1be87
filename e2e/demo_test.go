package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"os/exec"
	"testing"
	"time"
)

// TestDemoSummary runs the newcomer's first command, `alo demo`, for a short
// while and checks that it really dials and connects: the demo is the first
// thing anyone sees of alo, so a gate or wiring change that silently blocks
// its calls must fail here.
func TestDemoSummary(t *testing.T) {
	serial(t)
	alo := buildAlo(t, repoRoot(t), t.TempDir())
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, alo, "demo", "--for", "20s", "--summary", "json",
		"--contacts", "60", "--agents", "5", "--http-addr", "127.0.0.1:0", "--seed", "7")
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("alo demo: %v\nstderr:\n%s", err, stderr.String())
	}
	var s struct {
		Dialed    int64            `json:"dialed"`
		Answered  int64            `json:"answered"`
		Connected int64            `json:"connected"`
		Abandoned int64            `json:"abandoned"`
		ByOutcome map[string]int64 `json:"by_outcome"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &s); err != nil {
		t.Fatalf("summary is not one JSON object: %v\n%s", err, stdout.String())
	}
	t.Logf("demo summary: %s", bytes.TrimSpace(stdout.Bytes()))
	if s.Dialed == 0 || s.Connected == 0 {
		t.Errorf("demo dialed %d and connected %d in 20 s; want both > 0\nstderr:\n%s", s.Dialed, s.Connected, stderr.String())
	}
	if s.ByOutcome["blocked"] > 0 {
		t.Errorf("demo calls blocked by the gate: %d", s.ByOutcome["blocked"])
	}
	if s.Connected > s.Answered || s.Answered > s.Dialed {
		t.Errorf("inconsistent summary: %+v", s)
	}
	if !bytes.Contains(stderr.Bytes(), []byte("Bearer alo_")) {
		t.Errorf("demo did not print an API token:\n%s", stderr.String())
	}
}
