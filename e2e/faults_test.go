package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/alo-dialer/alo/dialer/audio"
)

// The fault tests' campaign: a recorded notice to faultContacts customers
// over faultLines lines (so that many calls are on the wire when the fault
// strikes), each call a few seconds of message.
const (
	faultContacts = 120
	faultLines    = 25
	faultInFlight = 20
	faultBase     = 998901236000
	// faultMessageMs is the uploaded message; the shipped key prompt
	// follows it.
	faultMessageMs = 1000
)

// faultRTPPorts gives fault test k (0–4) an RTP range of its own: the
// fault tests run in parallel with one another (after the package's other
// tests), and e2eRTPBase is one range per test binary. The ranges stay
// below Linux's ephemeral ports, apart from e2eRTPBase's.
func faultRTPPorts(k int) string {
	base := 10000 + 1000*(os.Getpid()%9) + 200*k
	return fmt.Sprintf("ALO_RTP_PORTS=%d-%d", base, base+199)
}

// faultCampaign is a running notice campaign of the fault tests.
type faultCampaign struct {
	st     *stack
	id     int64
	phones []string
}

// startFaultCampaign creates and starts the notice campaign: numbers whose
// last digit is neither 1 nor 2 (uas_keys.xml listens without a key to
// those, until alo hangs up).
func startFaultCampaign(t *testing.T, st *stack) *faultCampaign {
	t.Helper()
	api := st.api
	var client, camp struct{ ID int64 }
	api.do("POST", "/clients", map[string]any{"name": "fault bank"}, &client)
	api.do("POST", "/campaigns", map[string]any{"name": "faults", "client_id": client.ID, "type": "notice",
		"agentless": true, "lines": faultLines, "prompts": map[string]string{"message": "fault_notice"},
		"daily_start": "00:00", "daily_end": "23:59", "time_zone": "Asia/Tashkent", "ring_timeout": "15s",
		"max_attempts": 3, "retry": map[string]any{"unknown": map[string]string{"delay": "10s"}}}, &camp)
	var wav bytes.Buffer
	if err := audio.WriteWAV(&wav, 1, audio.AppendSilence(nil, audio.MillisToSamples(faultMessageMs))); err != nil {
		t.Fatal(err)
	}
	uploadPrompt(t, api, "en", "fault_notice", wav.Bytes())
	fc := &faultCampaign{st: st, id: camp.ID}
	var items []map[string]string
	for i := 0; len(items) < faultContacts; i++ {
		if d := (faultBase + i) % 10; d == 1 || d == 2 {
			continue
		}
		p := fmt.Sprintf("+%d", faultBase+i)
		fc.phones = append(fc.phones, p)
		items = append(items, map[string]string{"phone": p})
	}
	api.do("POST", fmt.Sprintf("/campaigns/%d/contacts", camp.ID), items, nil)
	api.do("POST", fmt.Sprintf("/campaigns/%d/start", camp.ID), nil, nil)
	return fc
}

type faultAttempt struct {
	Phone   string
	Attempt int
	State   string
	Outcome string
	Contact int64 `json:"contact_id"`
}

type faultContact struct {
	ID       int64
	Phone    string
	State    string
	Attempts int
}

func (fc *faultCampaign) attempts() []faultAttempt {
	var as []faultAttempt
	fc.st.api.do("GET", fmt.Sprintf("/campaigns/%d/attempts?limit=1000", fc.id), nil, &as)
	return as
}

func (fc *faultCampaign) contacts() []faultContact {
	var cs []faultContact
	fc.st.api.do("GET", fmt.Sprintf("/campaigns/%d/contacts?limit=1000", fc.id), nil, &cs)
	return cs
}

// awaitInFlight waits until at least faultInFlight calls are dialing and
// some are done, and returns those counts.
func (fc *faultCampaign) awaitInFlight(t *testing.T) (done, dialing int) {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(50 * time.Millisecond) { // polling alo
		done, dialing = 0, 0
		for _, a := range fc.attempts() {
			switch a.State {
			case "done":
				done++
			case "dialing":
				dialing++
			}
		}
		if done >= 1 && dialing >= faultInFlight {
			return done, dialing
		}
		if time.Now().After(deadline) {
			fc.st.api.fatalf("never had %d calls on the wire (done %d, dialing %d)", faultInFlight, done, dialing)
		}
	}
}

// awaitFinished waits until every contact is done.
func (fc *faultCampaign) awaitFinished(t *testing.T, d time.Duration) []faultContact {
	t.Helper()
	var cs []faultContact
	finished := func() bool {
		cs = fc.contacts()
		for _, c := range cs {
			if c.State != "done" {
				return false
			}
		}
		return len(cs) == faultContacts
	}
	for deadline := time.Now().Add(d); !finished(); time.Sleep(500 * time.Millisecond) { // polling alo
		if time.Now().After(deadline) {
			states := map[string]int{}
			for _, c := range cs {
				states[c.State]++
			}
			fc.st.api.fatalf("campaign not finished after %v: contacts by state %v", d, states)
		}
	}
	return cs
}

// faultReport is what a fault test found, for its log line.
type faultReport struct {
	contacts, attempts, invites, unknown, redialled int
}

// check asserts the invariants every fault test ends with: every contact
// in exactly one final state, one attempt number per contact and attempt,
// and the carrier's INVITEs (by Call-ID) per number matching the attempts
// alo recorded; an attempt ended unknown (the call was cut) is the only
// reason for a second INVITE. It returns the counts.
func (fc *faultCampaign) check(t *testing.T, cs []faultContact) faultReport {
	t.Helper()
	r := faultReport{contacts: len(cs)}
	states := map[int64]int{}
	for _, c := range cs {
		states[c.ID]++
		if c.State != "done" {
			t.Errorf("contact %d (%s) in state %q", c.ID, c.Phone, c.State)
		}
	}
	for id, n := range states {
		if n != 1 {
			t.Errorf("contact %d listed %d times", id, n)
		}
	}
	as := fc.attempts()
	r.attempts = len(as)
	perPhone, unknown, seen := map[string]int{}, map[string]int{}, map[string]bool{}
	for _, a := range as {
		key := fmt.Sprintf("%d/%d", a.Contact, a.Attempt)
		if seen[key] {
			t.Errorf("attempt %s recorded twice", key)
		}
		seen[key] = true
		perPhone[a.Phone]++
		if a.Outcome == "unknown" {
			unknown[a.Phone]++
			r.unknown++
		}
		if a.State == "dialing" {
			t.Errorf("attempt %s still dialing", key)
		}
	}
	invites := carrierInvites(t, filepath.Join(fc.st.tmp, "carrier_messages.log"))
	for _, p := range fc.phones {
		got := invites[p]
		r.invites += got
		if got > perPhone[p] {
			t.Errorf("%s: the carrier saw %d INVITEs, alo recorded %d attempts", p, got, perPhone[p])
		}
		if got < perPhone[p]-unknown[p] {
			t.Errorf("%s: %d attempts recorded but the carrier saw only %d INVITEs", p, perPhone[p], got)
		}
		if got > 1 {
			r.redialled++
			if unknown[p] == 0 {
				t.Errorf("%s: dialed %d times though no call to it was cut", p, got)
			}
		}
		if got == 0 {
			t.Errorf("%s: never dialed", p)
		}
	}
	return r
}

// readyz fetches /readyz: its status and reason.
func readyz(t *testing.T, st *stack) (int, string) {
	t.Helper()
	res, err := http.Get(strings.TrimSuffix(st.api.base, "/api/v1") + "/readyz")
	if err != nil {
		return 0, err.Error()
	}
	defer res.Body.Close()
	var body struct{ Reason string }
	_ = json.NewDecoder(res.Body).Decode(&body)
	return res.StatusCode, body.Reason
}

// TestFaultPrivateRedisKilled: the private redis-server child is killed
// with SIGKILL mid-campaign. alo restarts it from its AOF, dialing holds
// while it is away and resumes by itself; the campaign finishes with no
// contact lost and none dialed twice by accident.
func TestFaultPrivateRedisKilled(t *testing.T) {
	t.Parallel()
	st := startStack(t, "uas_keys.xml", "fault-redis", "REDIS_URL=", faultRTPPorts(0))
	fc := startFaultCampaign(t, st)
	done, dialing := fc.awaitInFlight(t)
	pidFile := filepath.Join(st.dataDir, "redis", "redis.pid")
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatalf("kill redis-server %d: %v", pid, err)
	}
	t.Logf("SIGKILL to the private redis-server (pid %d) with %d attempts done and %d dialing", pid, done, dialing)
	cs := fc.awaitFinished(t, 3*time.Minute)
	r := fc.check(t, cs)
	// The node's own count of what it did: every attempt (all answered:
	// the notice is listened to) and every allowed dial moved the metrics.
	ms := scrapeMetrics(t, st)
	for _, name := range []string{"alo_attempts_total", "alo_answer_to_bridged_seconds", "alo_gate_decisions_total",
		"alo_agents", "alo_trunk_up", "alo_asynq_queue_tasks", "alo_sip_malformed_messages_total",
		"alo_calls_in_flight", "alo_node_ready"} {
		if !strings.Contains(ms, "# TYPE "+name+" ") {
			t.Errorf("/metrics has no %s", name)
		}
	}
	if got := metricValue(ms, `alo_attempts_total{outcome="human"}`); got < float64(r.attempts-r.unknown) {
		t.Errorf("alo_attempts_total{outcome=human} = %v, want %d", got, r.attempts-r.unknown)
	}
	if got := metricValue(ms, `alo_gate_decisions_total{decision="allow",rule="none"}`); got < float64(r.attempts) {
		t.Errorf("allowed gate decisions = %v, want at least %d", got, r.attempts)
	}
	restarted := st.serve.log.grep(5, "private redis-server restarted")
	if restarted == "" {
		t.Error("no log line says the private redis-server was restarted")
	}
	notReady := st.serve.log.grep(5, "node not ready")
	t.Logf("redis killed: %d contacts done, %d attempts, %d INVITEs, %d cut (unknown), %d numbers dialed twice; not-ready log lines:\n%s",
		r.contacts, r.attempts, r.invites, r.unknown, r.redialled, notReady)
	if t.Failed() {
		t.Logf("warnings and errors:\n%s", st.serve.log.grep(60, "level=WARN", "level=ERROR"))
	}
}

// TestFaultSIGTERMDrain: SIGTERM mid-campaign. The node stops placing
// calls (/readyz says draining), lets the calls on the wire end, and
// exits; started again, it finishes the campaign. No call is cut, so no
// attempt ends unknown and no number is dialed twice.
func TestFaultSIGTERMDrain(t *testing.T) {
	t.Parallel()
	st := startStack(t, "uas_keys.xml", "fault-drain", faultRTPPorts(1))
	fc := startFaultCampaign(t, st)
	done, dialing := fc.awaitInFlight(t)
	sent := time.Now()
	if err := st.serve.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// While draining the node still answers /readyz, with the reason.
	sawDraining := false
	for !sawDraining {
		code, reason := readyz(t, st)
		if code == http.StatusServiceUnavailable && strings.Contains(reason, "draining") {
			sawDraining = true
		}
		select {
		case <-st.serve.exited:
		case <-time.After(20 * time.Millisecond): // polling alo
			continue
		}
		break
	}
	select {
	case <-st.serve.exited:
	case <-time.After(90 * time.Second):
		t.Fatal("alo serve did not exit within 90 s of SIGTERM")
	}
	took := time.Since(sent)
	if !sawDraining {
		t.Error("/readyz never said draining after SIGTERM")
	}
	if st.serve.log.grep(3, "drained: no call in progress") == "" {
		t.Errorf("the drain did not end with every call finished:\n%s", st.serve.log.grep(20, "drain"))
	}
	second := runServe(t, st.alo, st.tmp, "serve2.log", st.env)
	st.api.log = second.log
	st.api.awaitHealth(30 * time.Second)
	mid := fc.attempts()
	cut := 0
	for _, a := range mid {
		if a.Outcome == "unknown" {
			cut++
		}
	}
	if cut > 0 {
		t.Errorf("%d attempts ended unknown: the drain cut calls", cut)
	}
	cs := fc.awaitFinished(t, 3*time.Minute)
	r := fc.check(t, cs)
	t.Logf("SIGTERM with %d done and %d dialing: exited after %v; %d contacts done, %d attempts, %d INVITEs, %d cut, %d dialed twice",
		done, dialing, took.Round(time.Millisecond), r.contacts, r.attempts, r.invites, r.unknown, r.redialled)
	if t.Failed() {
		t.Logf("warnings and errors:\n%s", second.log.grep(60, "level=WARN", "level=ERROR"))
	}
}

// scrapeMetrics fetches /metrics.
func scrapeMetrics(t *testing.T, st *stack) string {
	t.Helper()
	res, err := http.Get(strings.TrimSuffix(st.api.base, "/api/v1") + "/metrics")
	if err != nil {
		t.Fatalf("GET /metrics: %v", err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %s\n%s", res.Status, b)
	}
	return string(b)
}

// metricValue is the value of the sample named exactly series, or -1.
func metricValue(exposition, series string) float64 {
	for _, l := range strings.Split(exposition, "\n") {
		if v, ok := strings.CutPrefix(l, series+" "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err == nil {
				return f
			}
		}
	}
	return -1
}
