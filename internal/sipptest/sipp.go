// Package sipptest runs sipp (Debian's sip-tester) as a test's carrier or
// agent phone, playing one of the scenarios embedded here; it is for tests
// only.
//
// Scenarios live here rather than beside each test so that the user agent's
// tests and the dialer's call-path tests play the same carriers.
package sipptest

import (
	"bytes"
	"embed"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/alo-dialer/alo/internal/testenv"
)

//go:embed scenarios
var scenarios embed.FS

// Require skips the test when sipp is not installed, unless
// ALO_REQUIRE_SIPP=1 makes that a failure (CI). It returns sipp's path.
func Require(t testing.TB) string {
	t.Helper()
	path, err := exec.LookPath("sipp")
	if err != nil {
		if os.Getenv("ALO_REQUIRE_SIPP") == "1" {
			t.Fatalf("sipp not on PATH and ALO_REQUIRE_SIPP=1: %v", err)
		}
		t.Skip("sipp not on PATH (Debian package sip-tester)")
	}
	return path
}

// Proc is one sipp process playing a scenario.
type Proc struct {
	Port     int // sipp's SIP port on 127.0.0.1
	cmd      *exec.Cmd
	out      *Buffer
	done     chan struct{}
	exitCode int
}

// Buffer collects a child process's output from its copying goroutine.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *Buffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *Buffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Path returns a file holding the embedded scenario name, or name itself
// when it is already a path.
func Path(t testing.TB, name string) string {
	t.Helper()
	if filepath.IsAbs(name) {
		return name
	}
	return Render(t, name)
}

// Render writes the embedded scenario name with each @key@ replaced by its
// value (pairs in kv) to a temp file and returns its absolute path: sipp
// checks status codes and pauses when it loads a scenario, so they cannot
// be its -key variables.
func Render(t testing.TB, name string, kv ...string) string {
	t.Helper()
	b, err := scenarios.ReadFile("scenarios/" + name)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for i := 0; i+1 < len(kv); i += 2 {
		s = strings.ReplaceAll(s, "@"+kv[i]+"@", kv[i+1])
	}
	out := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(out, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	return out
}

// Start runs sipp with a scenario (an embedded name or a path) on
// 127.0.0.1 and a free SIP port, a media port, a global timeout, and kills
// it in t.Cleanup.
//
// A free port found by probing can be taken by another process (the test
// packages run in parallel) before sipp binds it; sipp then exits with
// EADDRINUSE, and the start is tried again on fresh ports.
func Start(t testing.TB, scenario string, args ...string) *Proc {
	t.Helper()
	sf := Path(t, scenario)
	for try := 1; ; try++ {
		p, inUse := startOnce(t, sf, try < 5, args...)
		if !inUse {
			return p
		}
		t.Logf("sipp %s: port taken before it bound it; trying again (%d)", scenario, try)
	}
}

func startOnce(t testing.TB, sf string, mayRetry bool, args ...string) (*Proc, bool) {
	t.Helper()
	bin := Require(t)
	port := FreeUDPPort(t)
	dir := t.TempDir()
	full := append([]string{
		"-sf", sf,
		"-i", "127.0.0.1", "-p", strconv.Itoa(port),
		"-mi", "127.0.0.1", "-mp", strconv.Itoa(testenv.EvenPorts(t, 4)),
		"-nostdin", "-timeout", "60s", "-timeout_error",
		"-trace_err", "-error_file", filepath.Join(dir, "errors.log"),
	}, args...)
	cmd := exec.Command(bin, full...)
	out := &Buffer{}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.Dir = dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start sipp: %v", err)
	}
	p := &Proc{cmd: cmd, Port: port, out: out, done: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		p.exitCode = cmd.ProcessState.ExitCode()
		close(p.done)
	}()
	name := filepath.Base(sf)
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.done
		if t.Failed() {
			t.Logf("sipp %s output:\n%s", name, Tail(out.String(), 3000))
			if b, err := os.ReadFile(filepath.Join(dir, "errors.log")); err == nil {
				t.Logf("sipp errors:\n%s", Tail(string(b), 3000))
			}
		}
	})
	// sipp binds its port at start; poll until it holds it (a TCP port
	// with -t t1).
	tcp := slices.Contains(args, "t1")
	deadline := time.Now().Add(5 * time.Second)
	for {
		var c io.Closer
		var err error
		if tcp {
			c, err = net.Listen("tcp4", fmt.Sprintf("127.0.0.1:%d", port))
		} else {
			c, err = net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port})
		}
		if err != nil {
			break
		}
		c.Close()
		select {
		case <-p.done:
			if mayRetry && strings.Contains(out.String(), "Address already in use") {
				return nil, true
			}
			t.Fatalf("sipp exited at start (%d):\n%s", p.exitCode, out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("sipp did not bind its port in 5s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	return p, false
}

// URI is the sipp endpoint as a SIP URI.
func (p *Proc) URI(user string) string {
	if user == "" {
		return fmt.Sprintf("sip:127.0.0.1:%d", p.Port)
	}
	return fmt.Sprintf("sip:%s@127.0.0.1:%d", user, p.Port)
}

// Done is closed when sipp has exited.
func (p *Proc) Done() <-chan struct{} { return p.done }

// ExitCode is sipp's exit status, valid once Done is closed.
func (p *Proc) ExitCode() int { return p.exitCode }

// Output is what sipp printed so far.
func (p *Proc) Output() string { return p.out.String() }

// Kill stops sipp and waits for it.
func (p *Proc) Kill() {
	_ = p.cmd.Process.Kill()
	<-p.done
}

// Signal sends sig to sipp.
func (p *Proc) Signal(sig os.Signal) error { return p.cmd.Process.Signal(sig) }

// Wait waits for a sipp run with -m 1 to finish and checks it passed.
func (p *Proc) Wait(t testing.TB) {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		t.Fatalf("sipp still running after 30s:\n%s", Tail(p.out.String(), 2000))
	}
	if p.exitCode != 0 {
		t.Fatalf("sipp scenario failed (exit %d):\n%s", p.exitCode, Tail(p.out.String(), 3000))
	}
}

// Tail is the last n bytes of s.
func Tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// FreeUDPPort is a UDP port on 127.0.0.1 free at the time of asking.
func FreeUDPPort(t testing.TB) int {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

// Reply is a sipp <send> of a response to the request just received: the
// status line, the request's dialog headers echoed, then lines (extra
// headers, and a body after a blank line). Without a Content-Length among
// lines it ends with Content-Length: 0.
func Reply(status string, lines ...string) string {
	if !slices.ContainsFunc(lines, func(l string) bool { return strings.HasPrefix(l, "Content-Length:") }) {
		lines = append(lines, "Content-Length: 0")
	}
	all := append([]string{"SIP/2.0 " + status, "[last_Via:]", "[last_From:]", "[last_To:]", "[last_Call-ID:]", "[last_CSeq:]"}, lines...)
	return "<send>\n    <![CDATA[\n      " + strings.Join(all, "\n      ") + "\n    ]]>\n  </send>"
}
