package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestCrashMidCampaign: `alo serve` (SQLite in its data dir, its private
// redis-server child) is killed with SIGKILL while calls are on the wire,
// then started again on the same data dir. No contact is lost (each is in
// one state, none stuck queued or dialing), no attempt is dialed twice (the
// carrier — sipp — saw at most one INVITE per attempt alo recorded), and the
// calls cut by the crash end as unknown and are retried as new attempts.
func TestCrashMidCampaign(t *testing.T) {
	serial(t)
	// No REDIS_URL: alo's private redis-server child, AOF in the data dir,
	// which dies with alo and is found again from its AOF.
	st := startStack(t, "uas_carrier.xml", "crash", "REDIS_URL=")
	first, api := st.serve, st.api

	const n = 30
	const base = 998901235000
	var client, camp struct{ ID int64 }
	api.do("POST", "/clients", map[string]any{"name": "crash bank"}, &client)
	api.do("POST", "/campaigns", map[string]any{"name": "crash", "client_id": client.ID, "type": "outbound_list",
		"daily_start": "00:00", "daily_end": "23:59", "time_zone": "UTC", "ring_timeout": "15s",
		"max_attempts": 2, "retry_delay": "30m", "retry": map[string]any{"unknown": map[string]string{"delay": "10s"}}}, &camp)
	items := make([]map[string]string, n)
	for i := range items {
		items[i] = map[string]string{"phone": fmt.Sprintf("+%d", base+i)}
	}
	api.do("POST", fmt.Sprintf("/campaigns/%d/contacts", camp.ID), items, nil)
	for i := 1; i <= 4; i++ {
		var agent struct{ ID int64 }
		api.do("POST", "/agents", map[string]any{"name": fmt.Sprintf("Agent %d", i),
			"sip_uri": st.agentURI(i), "campaign_ids": []int64{camp.ID}}, &agent)
		api.do("POST", fmt.Sprintf("/agents/%d/ready", agent.ID), nil, nil)
	}
	api.do("POST", fmt.Sprintf("/campaigns/%d/start", camp.ID), nil, nil)

	type attempt struct {
		Phone   string
		Attempt int
		State   string
		Outcome string
		Contact int64 `json:"contact_id"`
	}
	attempts := func() []attempt {
		var as []attempt
		api.do("GET", fmt.Sprintf("/campaigns/%d/attempts?limit=1000", camp.ID), nil, &as)
		return as
	}
	// Kill it once some calls are done and some are on the wire.
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(100 * time.Millisecond) { // polling alo
		done, dialing := 0, 0
		for _, a := range attempts() {
			switch a.State {
			case "done":
				done++
			case "dialing":
				dialing++
			}
		}
		if done >= 6 && dialing >= 2 {
			t.Logf("SIGKILL with %d attempts done and %d dialing", done, dialing)
			break
		}
		if time.Now().After(deadline) {
			api.fatalf("never had calls done and on the wire together")
		}
	}
	first.kill()

	second := runServe(t, st.alo, st.tmp, "serve2.log", st.env)
	api.log = second.log
	api.awaitHealth(30 * time.Second)

	type contact struct {
		ID          int64
		Phone       string
		State       string
		Attempts    int
		LastOutcome string `json:"last_outcome"`
	}
	var cs []contact
	settled := func() bool {
		api.do("GET", fmt.Sprintf("/campaigns/%d/contacts?limit=1000", camp.ID), nil, &cs)
		for _, c := range cs {
			switch {
			case c.State == "done":
			case c.State == "scheduled" && (c.LastOutcome == "busy" || c.LastOutcome == "no_answer"):
				// Its retry is 30 min away: settled for this test.
			default:
				return false
			}
		}
		return len(cs) == n
	}
	for deadline := time.Now().Add(120 * time.Second); !settled(); time.Sleep(500 * time.Millisecond) { // polling alo
		if time.Now().After(deadline) {
			api.fatalf("not settled after the restart: %+v", cs)
		}
	}

	// No contact lost: every one in exactly one known state.
	for _, c := range cs {
		if c.State != "done" && c.State != "scheduled" {
			t.Errorf("contact %d in state %q", c.ID, c.State)
		}
	}
	// No attempt twice: attempt numbers unique per contact, and the
	// carrier saw at most one INVITE (by Call-ID) per recorded attempt.
	as := attempts()
	perPhone := map[string]int{}
	unknown := map[string]int{}
	seen := map[string]bool{}
	for _, a := range as {
		key := fmt.Sprintf("%d/%d", a.Contact, a.Attempt)
		if seen[key] {
			t.Errorf("attempt %s recorded twice", key)
		}
		seen[key] = true
		perPhone[a.Phone]++
		if a.Outcome == "unknown" {
			unknown[a.Phone]++
		}
	}
	invites := carrierInvites(t, filepath.Join(st.tmp, "carrier_messages.log"))
	if len(invites) < len(perPhone)-len(unknown) {
		t.Fatalf("the carrier's trace shows INVITEs to %d numbers, alo dialed %d: trace not read", len(invites), len(perPhone))
	}
	for phone, got := range invites {
		if got > perPhone[phone] {
			t.Errorf("%s: the carrier saw %d INVITEs, alo recorded %d attempts", phone, got, perPhone[phone])
		}
		if got < perPhone[phone]-unknown[phone] {
			t.Errorf("%s: %d attempts recorded but the carrier saw only %d INVITEs", phone, perPhone[phone], got)
		}
	}
	// The calls cut by the crash: unknown, then retried as a new attempt.
	if len(unknown) == 0 {
		t.Error("no attempt ended as unknown: the kill did not cut a call")
	}
	for _, c := range cs {
		if unknown[c.Phone] > 0 && c.Attempts < 2 {
			t.Errorf("contact %s: its call was cut by the crash but it was not retried (%+v)", c.Phone, c)
		}
	}
	t.Logf("after the restart: %d attempts, %d cut by the crash and retried", len(as), len(unknown))
	if t.Failed() {
		t.Logf("second run warnings and errors:\n%s", second.log.grep(40, "level=WARN", "level=ERROR"))
	}
}

// carrierInvites counts the distinct INVITEs (by Call-ID) per dialed number
// in a sipp message trace.
func carrierInvites(t *testing.T, path string) map[string]int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	calls := map[string]map[string]bool{}
	for _, block := range strings.Split(string(b), "message received") {
		lines := strings.Split(block, "\n")
		var number, callID string
		for i, l := range lines {
			l = strings.TrimSpace(l)
			if number == "" && strings.HasPrefix(l, "INVITE sip:") && i < 4 {
				number, _, _ = strings.Cut(strings.TrimPrefix(l, "INVITE sip:"), "@")
			}
			if v, ok := strings.CutPrefix(l, "Call-ID:"); ok && callID == "" {
				callID = strings.TrimSpace(v)
			}
		}
		if number == "" || callID == "" {
			continue
		}
		if calls[number] == nil {
			calls[number] = map[string]bool{}
		}
		calls[number][callID] = true
	}
	out := map[string]int{}
	for n, ids := range calls {
		out[n] = len(ids)
	}
	return out
}
