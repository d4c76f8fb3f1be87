package e2e

import (
	"bytes"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/alo-dialer/alo/internal/testenv"
)

// TestFaultPostgresRestarted: alo serve on PostgreSQL, which is restarted
// (every connection cut, a few seconds down) mid-campaign. alo says "sql"
// on /readyz meanwhile and places no call; the outcomes of the calls on the
// wire are kept and written when it is back, so none ends unknown and no
// customer is dialed twice.
func TestFaultPostgresRestarted(t *testing.T) {
	t.Parallel()
	pg := testenv.PostgresURL(t)
	st := startStack(t, "uas_keys.xml", "fault-pg", "DATABASE_URL="+pg, faultRTPPorts(3))
	// The stack's admin is in a SQLite file; this node's users are in
	// PostgreSQL.
	cmd := exec.Command(st.alo, "user", "add", "--data-dir", st.dataDir, "--name", "pgadmin", "--role", "admin")
	cmd.Env = append(os.Environ(), "DATABASE_URL="+pg)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("alo user add on PostgreSQL: %v\n%s", err, errOut.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	st.api.token = strings.TrimSpace(lines[len(lines)-1])

	fc := startFaultCampaign(t, st)
	done, dialing := fc.awaitInFlight(t)
	t.Logf("restarting PostgreSQL with %d attempts done and %d dialing", done, dialing)
	var reason string
	testenv.RestartPostgres(t, func() {
		for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(100 * time.Millisecond) { // polling alo
			var code int
			if code, reason = readyz(t, st); code == http.StatusServiceUnavailable && strings.Contains(reason, "sql") {
				break
			}
			if time.Now().After(deadline) {
				st.api.fatalf("/readyz did not report PostgreSQL away: %d %q", code, reason)
			}
		}
		time.Sleep(3 * time.Second) // PostgreSQL stays down a while
	})
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) { // polling alo
		if code, _ := readyz(t, st); code == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			_, why := readyz(t, st)
			st.api.fatalf("not ready 30 s after PostgreSQL came back: %s", why)
		}
	}
	cs := fc.awaitFinished(t, 3*time.Minute)
	r := fc.check(t, cs)
	if r.unknown > 0 {
		t.Errorf("%d attempts ended unknown: outcomes were lost while PostgreSQL was down", r.unknown)
	}
	kept := 0
	if l := st.serve.log.grep(200, "outcome written after storage came back"); l != "" {
		kept = strings.Count(l, "\n") + 1
	}
	t.Logf("PostgreSQL restarted (%q while down): %d outcomes kept and written later; %d contacts done, %d attempts, %d INVITEs, %d unknown, %d dialed twice",
		reason, kept, r.contacts, r.attempts, r.invites, r.unknown, r.redialled)
	if t.Failed() {
		t.Logf("warnings and errors:\n%s", st.serve.log.grep(60, "level=WARN", "level=ERROR"))
	}
}
