// Package e2e tests the whole of alo as a user runs it: the `alo` binary
// (`alo user add`, `alo serve`) against a real redis-server, with sipp as the
// carrier and as the agents' phones, driven through the HTTP API.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/alo-dialer/alo/internal/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

// The campaign of the test: contacts +998901234500…549, whose last digit
// tells the sipp carrier (internal/sipptest/scenarios/uas_carrier.xml) what to do.
const (
	contactCount = 50
	numberBase   = 998901234500 // Uzbek mobiles: valid for phonenumbers, zone Asia/Tashkent
	agentCount   = 5
	ringTimeout  = 15 * time.Second
	// campaignDeadline bounds the whole campaign: 35 answered calls of ~5 s
	// over 5 agents, 10 busy, 5 rung out for 15 s each.
	campaignDeadline = 4 * time.Minute
)

// wantOutcome is the outcome the carrier scenario produces for a number.
func wantOutcome(phone string) string {
	switch d := phone[len(phone)-1]; {
	case d <= '6':
		return "human"
	case d <= '8':
		return "busy"
	}
	return "no_answer"
}

func TestServeEndToEnd(t *testing.T) {
	serial(t)
	st := startStack(t, "uas_carrier.xml", "e2e")
	api, serveLog, agentMedia := st.api, st.serve.log, st.agentMedia

	// The campaign, its contacts and agents.
	var client struct{ ID int64 }
	api.do("POST", "/clients", map[string]any{"name": "e2e bank"}, &client)
	var camp struct{ ID int64 }
	api.do("POST", "/campaigns", map[string]any{
		"name": "e2e welcome calls", "client_id": client.ID,
		"daily_start": "00:00", "daily_end": "23:59", "time_zone": "UTC",
		"ring_timeout": ringTimeout.String(), "max_attempts": 1,
	}, &camp)
	contacts := make([]map[string]string, contactCount)
	for i := range contacts {
		contacts[i] = map[string]string{"phone": fmt.Sprintf("+%d", numberBase+i), "name": fmt.Sprintf("Contact %d", i)}
	}
	var added struct {
		Added    int
		Rejected []any
	}
	api.do("POST", fmt.Sprintf("/campaigns/%d/contacts", camp.ID), contacts, &added)
	if added.Added != contactCount || len(added.Rejected) != 0 {
		t.Fatalf("contacts added %d, rejected %v; want %d and none", added.Added, added.Rejected, contactCount)
	}
	for i := 1; i <= agentCount; i++ {
		var agent struct{ ID int64 }
		api.do("POST", "/agents", map[string]any{
			"name": fmt.Sprintf("Agent %d", i), "sip_uri": st.agentURI(i),
			"campaign_ids": []int64{camp.ID},
		}, &agent)
		api.do("POST", fmt.Sprintf("/agents/%d/ready", agent.ID), nil, nil)
	}
	api.do("POST", fmt.Sprintf("/campaigns/%d/start", camp.ID), nil, nil)

	// Wait for every contact to be done.
	var stats struct {
		Contacts  map[string]int64 `json:"contacts"`
		Attempts  int64            `json:"attempts"`
		ByOutcome map[string]int64 `json:"by_outcome"`
	}
	deadline := time.Now().Add(campaignDeadline)
	for {
		api.do("GET", fmt.Sprintf("/campaigns/%d/stats", camp.ID), nil, &stats)
		if stats.Contacts["done"] == contactCount {
			break
		}
		if time.Now().After(deadline) {
			api.fatalf("campaign not done after %v: contacts %v, attempts %d, outcomes %v", campaignDeadline, stats.Contacts, stats.Attempts, stats.ByOutcome)
		}
		time.Sleep(time.Second) // polling an external process
	}
	t.Logf("campaign done: attempts %d, outcomes %v; agent phones received %d RTP packets", stats.Attempts, stats.ByOutcome, agentMedia.count())

	// Every contact: exactly one attempt, with the outcome its number asks for.
	type attempt struct {
		Phone        string `json:"phone"`
		Attempt      int    `json:"attempt"`
		State        string `json:"state"`
		Outcome      string `json:"outcome"`
		SIPCode      int    `json:"sip_code"`
		MediaToAgent int64  `json:"media_to_agent"`
		CallID       string `json:"call_id"`
	}
	var attempts []attempt
	api.do("GET", fmt.Sprintf("/campaigns/%d/attempts?limit=%d", camp.ID, 2*contactCount), nil, &attempts)
	byPhone := map[string][]attempt{}
	for _, a := range attempts {
		byPhone[a.Phone] = append(byPhone[a.Phone], a)
	}
	for i := range contactCount {
		phone := fmt.Sprintf("+%d", numberBase+i)
		as := byPhone[phone]
		if len(as) != 1 {
			t.Errorf("%s: %d attempts, want exactly 1: %+v", phone, len(as), as)
			continue
		}
		a := as[0]
		want := wantOutcome(phone)
		if a.Attempt != 1 || a.Outcome != want {
			t.Errorf("%s: attempt %d outcome %q (state %s, SIP %d), want attempt 1 outcome %q", phone, a.Attempt, a.Outcome, a.State, a.SIPCode, want)
		}
		if want == "human" && a.MediaToAgent <= 0 {
			t.Errorf("%s: answered, but no customer RTP reached the agent (media_to_agent %d, call %s)", phone, a.MediaToAgent, a.CallID)
		}
	}
	if len(attempts) != contactCount {
		t.Errorf("%d attempts in all, want %d", len(attempts), contactCount)
	}
	if agentMedia.count() == 0 {
		t.Error("the agents' phones (sipp) received no RTP at all")
	}
	if t.Failed() {
		t.Logf("alo serve warnings and errors (first 40):\n%s", serveLog.grep(40, "level=WARN", "level=ERROR"))
		t.Logf("alo serve log (tail):\n%s", serveLog.tail(60))
	}
}

// e2eRTPPorts is the range of 200 RTP ports ("MIN-MAX") an `alo serve` of
// these tests uses: below 30000, under Linux's ephemeral ports and apart
// from the dialer tests' and `alo demo`'s ranges, moved by the process id
// so that two test runs on one machine do not meet. The tests that load
// the machine run one after another (serial) and share slot 0; a test
// that runs beside them takes a slot of its own.
func e2eRTPPorts(slot int) string {
	base := 20000 + 400*(os.Getpid()%25) + 200*slot
	return fmt.Sprintf("%d-%d", base, base+199)
}

// need returns the path of a program the test needs, skipping the test when
// it is missing unless requireEnv=1 makes that a failure.
func need(t *testing.T, prog, requireEnv, install string) string {
	t.Helper()
	p, err := exec.LookPath(prog)
	if err == nil {
		return p
	}
	if os.Getenv(requireEnv) == "1" {
		t.Fatalf("%s is not installed and %s=1 (%s)", prog, requireEnv, install)
	}
	t.Skipf("%s is not installed (%s; %s=1 makes this a failure)", prog, install, requireEnv)
	return ""
}

// repoRoot is the module root, one level above this package.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root not found at %s: %v", root, err)
	}
	return root
}

// buildAlo builds the binary under test into dir.
func buildAlo(t *testing.T, root, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "alo")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/alo")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/alo: %v\n%s", err, out)
	}
	return bin
}

// addAdmin runs `alo user add` and returns the token it prints last.
func addAdmin(t *testing.T, alo, dataDir string) string {
	t.Helper()
	cmd := exec.Command(alo, "user", "add", "--data-dir", dataDir, "--name", "admin", "--role", "admin")
	cmd.Env = append(os.Environ(), "DATABASE_URL=")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("alo user add: %v\nstdout: %s\nstderr: %s", err, stdout.String(), stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	token := strings.TrimSpace(lines[len(lines)-1])
	if token == "" {
		t.Fatalf("alo user add printed no token\nstderr: %s", stderr.String())
	}
	return token
}

// logFile collects a child's output, for failure messages.
type logFile struct{ path string }

// grep returns the first n lines that contain any of words.
func (l *logFile) grep(n int, words ...string) string {
	b, err := os.ReadFile(l.path)
	if err != nil {
		return err.Error()
	}
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		for _, w := range words {
			if strings.Contains(line, w) {
				out = append(out, line)
				break
			}
		}
		if len(out) == n {
			break
		}
	}
	return strings.Join(out, "\n")
}

func (l *logFile) tail(n int) string {
	b, err := os.ReadFile(l.path)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// serveProc is a running `alo serve`.
type serveProc struct {
	cmd    *exec.Cmd
	exited chan struct{}
	log    *logFile
}

// kill ends the process with SIGKILL, as a crash or the OOM killer would,
// and waits for it to be gone.
func (p *serveProc) kill() {
	_ = p.cmd.Process.Kill()
	<-p.exited
}

// runServe starts `alo serve` logging to dir/logName; it is stopped when
// the test ends if still running.
func runServe(t *testing.T, alo, dir, logName string, env []string) *serveProc {
	t.Helper()
	p := &serveProc{log: &logFile{path: filepath.Join(dir, logName)}, exited: make(chan struct{})}
	f, err := os.Create(p.log.path)
	if err != nil {
		t.Fatal(err)
	}
	p.cmd = exec.Command(alo, "serve")
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stdout, p.cmd.Stderr = f, f
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start alo serve: %v", err)
	}
	go func() { p.cmd.Wait(); f.Close(); close(p.exited) }()
	t.Cleanup(func() { stopChild(t, "alo serve", p.cmd, p.exited, 20*time.Second) })
	return p
}

// startSipp runs a long-lived sipp UAS on 127.0.0.1:port and waits until it
// holds the port. Its messages and errors go to files in dir.
// startSipp runs sipp as name on a free UDP port of 127.0.0.1 and returns
// that port. A port found free can be taken by another test process before
// sipp binds it; sipp then exits with EADDRINUSE and is started again on
// another port.
func startSipp(t *testing.T, sipp, dir, name string, args ...string) int {
	t.Helper()
	for try := 1; ; try++ {
		port := freeUDPPort(t)
		if startSippOn(t, sipp, dir, name, port, try < 5, args...) {
			return port
		}
		t.Logf("sipp %s: port %d taken before it bound it; trying again (%d)", name, port, try)
	}
}

// startSippOn starts sipp on port; false means the port was taken and
// mayRetry allowed another try.
func startSippOn(t *testing.T, sipp, dir, name string, port int, mayRetry bool, args ...string) bool {
	t.Helper()
	// -aa answers in-dialog OPTIONS, INFO, NOTIFY and UPDATE with 200 by
	// itself, as a phone does: alo keeps the nailed-up agent leg alive with
	// in-dialog OPTIONS, which the scenarios do not script.
	args = append([]string{"-i", "127.0.0.1", "-p", strconv.Itoa(port), "-nostdin", "-aa",
		"-trace_err", "-error_file", filepath.Join(dir, name+"_errors.log"),
		"-trace_msg", "-message_file", filepath.Join(dir, name+"_messages.log")}, args...)
	out, err := os.Create(filepath.Join(dir, name+"_screen.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(sipp, args...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start sipp %s: %v", name, err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); out.Close(); close(exited) }()
	// sipp holds the port once it listens: poll until binding it fails.
	deadline := time.Now().Add(10 * time.Second)
	for {
		select {
		case <-exited:
			errs, _ := os.ReadFile(filepath.Join(dir, name+"_errors.log"))
			if mayRetry && strings.Contains(string(errs), "Address already in use") {
				_ = os.Remove(filepath.Join(dir, name+"_errors.log"))
				return false
			}
			b, _ := os.ReadFile(filepath.Join(dir, name+"_screen.log"))
			t.Fatalf("sipp %s exited at start:\n%s\n%s", name, lastLines(string(b), 30), lastLines(string(errs), 5))
		default:
		}
		c, err := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			stopChild(t, "sipp "+name, cmd, exited, 5*time.Second)
			t.Fatalf("sipp %s did not bind 127.0.0.1:%d in time", name, port)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Cleanup(func() {
		stopChild(t, "sipp "+name, cmd, exited, 5*time.Second)
		if t.Failed() {
			errs, _ := os.ReadFile(filepath.Join(dir, name+"_errors.log"))
			if len(errs) > 0 {
				t.Logf("sipp %s errors (first and last lines):\n%s\n…\n%s", name, firstLines(string(errs), 30), lastLines(string(errs), 30))
			}
		}
	})
	return true
}

// stopChild ends a child process: SIGTERM, then SIGKILL after grace.
func stopChild(t *testing.T, name string, cmd *exec.Cmd, exited <-chan struct{}, grace time.Duration) {
	t.Helper()
	select {
	case <-exited:
		return
	default:
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(grace):
		t.Logf("%s did not stop within %v; killing it", name, grace)
		_ = cmd.Process.Kill()
		<-exited
	}
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	return strings.Join(lines[:min(n, len(lines))], "\n")
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// apiClient calls alo's JSON API with the admin token.
type apiClient struct {
	t     *testing.T
	base  string
	token string
	log   *logFile
	http  http.Client
}

func (c *apiClient) fatalf(format string, args ...any) {
	c.t.Helper()
	c.t.Fatalf(format+"\nalo serve log (tail):\n%s", append(args, c.log.tail(60))...)
}

// awaitHealth polls /health until it answers 200.
func (c *apiClient) awaitHealth(d time.Duration) {
	c.t.Helper()
	deadline := time.Now().Add(d)
	for {
		res, err := c.http.Get(c.base + "/health")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			c.fatalf("alo serve not healthy after %v (last: %v)", d, err)
		}
		time.Sleep(100 * time.Millisecond) // polling an external process
	}
}

// do sends body as JSON (when not nil) and decodes a 2xx answer into out
// (when not nil); any other status fails the test with the answer.
func (c *apiClient) do(method, path string, body, out any) {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if c.token != "" { // else the client's cookie jar signs the request
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := c.http.Do(req)
	if err != nil {
		c.fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode/100 != 2 {
		c.fatalf("%s %s: %s\n%s", method, path, res.Status, b)
	}
	if raw, ok := out.(*[]byte); ok {
		*raw = b // a file, not JSON
		return
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			c.fatalf("%s %s: decode %T: %v\n%s", method, path, out, err, b)
		}
	}
}

// packetCounter is a UDP socket that counts the RTP packets it receives:
// the agents' phones' media address.
type packetCounter struct {
	conn *net.UDPConn
	n    atomic.Int64
}

func newPacketCounter(t *testing.T) *packetCounter {
	t.Helper()
	conn, rtcp := listenRTPPair(t)
	// alo sends RTCP to the port above; held here, it cannot land on a
	// socket another test (another package, in parallel) just bound there.
	t.Cleanup(func() { rtcp.Close() })
	p := &packetCounter{conn: conn}
	go func() {
		buf := make([]byte, 1500)
		for {
			n, _, err := conn.ReadFromUDP(buf)
			if errors.Is(err, net.ErrClosed) {
				return
			}
			if err == nil && n >= 12 && buf[0]>>6 == 2 { // RTP version 2
				p.n.Add(1)
			}
		}
	}()
	t.Cleanup(func() { conn.Close() })
	return p
}

func (p *packetCounter) port() int    { return p.conn.LocalAddr().(*net.UDPAddr).Port }
func (p *packetCounter) count() int64 { return p.n.Load() }

// listenRTPPair binds an even UDP port on 127.0.0.1 and the odd one
// above it (RTP and RTCP).
func listenRTPPair(t *testing.T) (rtp, rtcp *net.UDPConn) {
	t.Helper()
	for range 100 {
		p := freeUDPPort(t) &^ 1
		a, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: p})
		if err != nil {
			continue
		}
		b, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: p + 1})
		if err != nil {
			a.Close()
			continue
		}
		return a, b
	}
	t.Fatal("no free even UDP port pair")
	return nil, nil
}

// freeUDPPort returns a UDP port free on 127.0.0.1 right now.
func freeUDPPort(t *testing.T) int {
	t.Helper()
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

// freeEvenUDPPortPair returns an even UDP port p with p and p+1 free (sipp's
// media port and its RTCP neighbour).
func freeEvenUDPPortPair(t *testing.T) int {
	t.Helper()
	for range 100 {
		p := freeUDPPort(t) &^ 1
		a, err1 := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", p))
		b, err2 := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", p+1))
		if a != nil {
			a.Close()
		}
		if b != nil {
			b.Close()
		}
		if err1 == nil && err2 == nil {
			return p
		}
	}
	t.Fatal("no free even UDP port pair")
	return 0
}

// freeTCPPort returns a TCP port free on 127.0.0.1 right now.
func freeTCPPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
