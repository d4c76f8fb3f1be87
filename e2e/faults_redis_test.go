package e2e

import (
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// externalRedis is a redis-server of the test's own, on a unix socket with
// its AOF in a directory of the test, that the test can stop and start.
type externalRedis struct {
	t        *testing.T
	dir      string
	sock     string
	cmd      *exec.Cmd
	exited   chan struct{}
	starts   int
	redisBin string
}

func startExternalRedis(t *testing.T) *externalRedis {
	t.Helper()
	r := &externalRedis{t: t, dir: t.TempDir(), redisBin: need(t, "redis-server", "ALO_REQUIRE_REDIS", "apt-get install redis-server")}
	r.sock = filepath.Join(r.dir, "r.sock")
	r.start()
	t.Cleanup(r.stop)
	return r
}

func (r *externalRedis) url() string { return "unix://" + r.sock }

func (r *externalRedis) start() {
	r.t.Helper()
	r.starts++
	r.cmd = exec.Command(r.redisBin, "--port", "0", "--unixsocket", r.sock, "--dir", r.dir,
		"--appendonly", "yes", "--appendfsync", "always", "--save", "", "--maxmemory-policy", "noeviction")
	if err := r.cmd.Start(); err != nil {
		r.t.Fatal(err)
	}
	r.exited = make(chan struct{})
	go func(c *exec.Cmd, done chan struct{}) { _ = c.Wait(); close(done) }(r.cmd, r.exited)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) { // polling the server's socket
		if c, err := net.Dial("unix", r.sock); err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			r.t.Fatal("external redis-server did not listen")
		}
	}
}

func (r *externalRedis) stop() {
	stopChild(r.t, "external redis-server", r.cmd, r.exited, 10*time.Second)
}

// TestFaultExternalRedisRestarted: the external Redis (REDIS_URL) is stopped
// mid-campaign for a few seconds and started again on its AOF. alo says
// "redis" on /readyz meanwhile, holds, reconnects by itself and finishes
// the campaign with no contact lost and none dialed twice by accident.
func TestFaultExternalRedisRestarted(t *testing.T) {
	t.Parallel()
	rd := startExternalRedis(t)
	st := startStack(t, "uas_keys.xml", "fault-ext-redis", "REDIS_URL="+rd.url(), faultRTPPorts(2))
	fc := startFaultCampaign(t, st)
	done, dialing := fc.awaitInFlight(t)
	rd.stop()
	t.Logf("external redis stopped with %d attempts done and %d dialing", done, dialing)
	var reason string
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(100 * time.Millisecond) { // polling alo
		var code int
		if code, reason = readyz(t, st); code == http.StatusServiceUnavailable && strings.Contains(reason, "redis") {
			break
		}
		if time.Now().After(deadline) {
			st.api.fatalf("/readyz did not report Redis away: %d %q", code, reason)
		}
	}
	time.Sleep(3 * time.Second) // Redis stays away a while
	rd.start()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) { // polling alo
		if code, _ := readyz(t, st); code == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			_, why := readyz(t, st)
			st.api.fatalf("not ready 30 s after Redis came back: %s", why)
		}
	}
	cs := fc.awaitFinished(t, 3*time.Minute)
	r := fc.check(t, cs)
	t.Logf("external redis restarted (%q while away): %d contacts done, %d attempts, %d INVITEs, %d unknown, %d dialed twice",
		reason, r.contacts, r.attempts, r.invites, r.unknown, r.redialled)
	if t.Failed() {
		t.Logf("warnings and errors:\n%s", st.serve.log.grep(60, "level=WARN", "level=ERROR"))
	}
}
