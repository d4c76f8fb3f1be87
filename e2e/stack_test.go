package e2e

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/alo-dialer/alo/internal/testenv"
)

// stack is what every end-to-end test runs against: the alo binary, sipp
// answering as every agent's phone (agent_answer.xml, media counted here),
// sipp as the carrier, and `alo serve` on a fresh SQLite data dir with an
// admin token.
type stack struct {
	api        *apiClient
	serve      *serveProc
	alo, tmp   string
	dataDir    string
	agentPort  int
	agentMedia *packetCounter
	env        []string
}

// startStack brings the stack up with the carrier playing carrierScenario
// (a file of internal/sipptest/scenarios) and alo named node; extraEnv comes last
// and so overrides (REDIS_URL= for alo's private redis-server child).
func startStack(t *testing.T, carrierScenario, node string, extraEnv ...string) *stack {
	t.Helper()
	sipp := need(t, "sipp", "ALO_REQUIRE_SIPP", "apt-get install sip-tester")
	need(t, "redis-server", "ALO_REQUIRE_REDIS", "apt-get install redis-server")
	root := repoRoot(t)
	s := &stack{tmp: t.TempDir()}
	s.alo = buildAlo(t, root, s.tmp)
	if err := exec.Command(s.alo, "serve", "--help").Run(); err != nil {
		t.Skipf("this alo binary has no working `serve` command yet (alo serve --help: %v)", err)
	}
	scenarios := filepath.Join(root, "internal", "sipptest", "scenarios")
	// The agents' phones: one sipp UAS answers every agent URI and points
	// their media at a socket here that counts what alo relays to agents.
	s.agentMedia = newPacketCounter(t)
	s.agentPort = startSipp(t, sipp, s.tmp, "agent", "-sf", filepath.Join(scenarios, "agent_answer.xml"),
		"-key", "rtp_port", strconv.Itoa(s.agentMedia.port()))
	carrierPort := startSipp(t, sipp, s.tmp, "carrier", "-sf", filepath.Join(scenarios, carrierScenario),
		"-mi", "127.0.0.1", "-mp", strconv.Itoa(freeEvenUDPPortPair(t)))
	s.dataDir = filepath.Join(s.tmp, "data")
	token := addAdmin(t, s.alo, s.dataDir)
	httpAddr := fmt.Sprintf("127.0.0.1:%d", freeTCPPort(t))
	s.env = append([]string{
		"ALO_DATA_DIR=" + s.dataDir, "ALO_HTTP_ADDR=" + httpAddr,
		"ALO_SIP_ADDR=" + fmt.Sprintf("127.0.0.1:%d", freeUDPPort(t)),
		"ALO_TRUNK_URI=" + fmt.Sprintf("sip:127.0.0.1:%d", carrierPort),
		"ALO_RTP_PORTS=" + e2eRTPPorts(0), "ALO_NODE=" + node,
		"REDIS_URL=" + testenv.RedisURL(t),
		// SQLite in the data dir, as `alo user add` used; and no trunk
		// credentials from the caller's environment (the later value wins).
		"DATABASE_URL=", "ALO_TRUNK_USER=", "ALO_TRUNK_PASSWORD=",
	}, extraEnv...)
	s.serve = runServe(t, s.alo, s.tmp, "serve.log", s.env)
	s.api = &apiClient{t: t, base: "http://" + httpAddr + "/api/v1", token: token, log: s.serve.log}
	s.api.awaitHealth(30 * time.Second)
	return s
}

// baseURL is alo's http:// address, where the consoles are.
func (s *stack) baseURL() string { return strings.TrimSuffix(s.api.base, "/api/v1") }

// agentURI is the SIP URI of agent n's phone (the agent sipp answers all).
func (s *stack) agentURI(n int) string {
	return fmt.Sprintf("sip:agent%d@127.0.0.1:%d", n, s.agentPort)
}

// heavy is held by each test that loads the machine (calls, campaigns,
// measurements): they run one at a time, as they always did, while a test
// that mostly waits (the frozen tab's two minutes) runs beside them.
var heavy = make(chan struct{}, 1)

// serial marks t parallel, so the waiting tests overlap it, and holds
// heavy until t and its cleanups are done. Every test here calls it (or,
// if it mostly waits, t.Parallel): Go runs parallel tests only after the
// last sequential one, so one test without it would hold the waiting
// ones back until the end.
func serial(t *testing.T) {
	t.Helper()
	t.Parallel()
	heavy <- struct{}{}
	t.Cleanup(func() { <-heavy })
}
