package sipua

import (
	"bytes"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a log destination the test can measure while the UA writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (w *syncBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *syncBuffer) snapshot() (int, string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Len(), w.b.String()
}

// garbage is one unparsable datagram: random bytes, or a SIP-looking
// start with a huge broken header, CR/LF and escapes in it.
func garbage(r *rand.Rand, i int) []byte {
	if i%2 == 0 {
		b := make([]byte, 200+r.IntN(1200))
		for j := range b {
			b[j] = byte(r.IntN(256))
		}
		b[0] = 'X' // not all zeros, not a keep-alive
		return b
	}
	return []byte("INVITE sip:x@y SIP/2.0\r\nVia: \x1b[31mforged\r\n" + strings.Repeat("A", 1000+r.IntN(1000)) + "\r\n\r\n")
}

// TestSIPGarbageFloodBoundedLog: 2,000 unparsable datagrams from one
// address write a bounded amount of log (not the datagrams), get no
// response, and parsed requests between them are still answered.
func TestSIPGarbageFloodBoundedLog(t *testing.T) {
	var logs syncBuffer
	s := startUALogged(t, Config{}, slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo})))
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	dst := net.UDPAddrFromAddrPort(s.LocalAddr())
	optionsRoundTrip(t, conn, dst, -1) // the start-up lines are written
	before, _ := logs.snapshot()
	r := rand.New(rand.NewPCG(1, 2))
	const total, batch = 2000, 50
	for sent := 0; sent < total; sent += batch {
		for i := range batch {
			if _, err := conn.WriteToUDP(garbage(r, sent+i), dst); err != nil {
				t.Fatal(err)
			}
		}
		// The socket is read in order: once the OPTIONS is answered,
		// the garbage before it has been handled.
		if got := optionsRoundTrip(t, conn, dst, sent); got != 200 {
			t.Fatalf("OPTIONS after %d garbage datagrams answered %d", sent+batch, got)
		}
	}
	after, text := logs.snapshot()
	logged := after - before
	t.Logf("%d garbage datagrams logged %d bytes (%d bytes per 1,000):\n%s", total, logged, logged*1000/total, text[before:])
	if logged > 2048 {
		t.Fatalf("%d bytes of log for %d garbage datagrams, want at most 2 KiB:\n%s", logged, total, text[before:])
	}
	if strings.Contains(text, "\x1b") || strings.Contains(text, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA") {
		t.Fatalf("log holds raw control characters or a long excerpt:\n%s", text[before:])
	}
	if !strings.Contains(text, "source=127.0.0.1") {
		t.Fatalf("log does not name the source:\n%s", text[before:])
	}
	if n := s.MalformedMessages(); n != total {
		t.Fatalf("MalformedMessages = %d, want %d", n, total)
	}
	tcpGarbage(t, s, 100)
	if n := s.MalformedMessages(); n != total+100 {
		t.Fatalf("MalformedMessages after TCP garbage = %d, want %d", n, total+100)
	}
	if end, text := logs.snapshot(); end != after {
		t.Fatalf("TCP garbage from a source logged within the interval wrote more log:\n%s", text[after:])
	}
}

// tcpGarbage opens n TCP connections to the UA, sends garbage on each and
// waits for the UA to close them (sipgo drops a connection it cannot frame).
func tcpGarbage(t *testing.T, s *UA, n int) {
	t.Helper()
	for i := range n {
		c, err := net.Dial("tcp4", s.LocalAddr().String())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fmt.Fprintf(c, "GARBAGE %d \x00\x01\r\n\r\n", i); err != nil {
			t.Fatal(err)
		}
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := c.Read(make([]byte, 1)); err == nil {
			t.Fatal("the UA answered TCP garbage")
		}
		_ = c.Close()
	}
}

// optionsRoundTrip sends an OPTIONS from conn and returns the status of
// the one response read back: a garbage datagram gets none, so anything
// else read first is a failure.
func optionsRoundTrip(t *testing.T, conn *net.UDPConn, dst *net.UDPAddr, n int) int {
	t.Helper()
	local := conn.LocalAddr().String()
	req := fmt.Sprintf("OPTIONS sip:alo@%s SIP/2.0\r\nVia: SIP/2.0/UDP %s;branch=z9hG4bK-flood-%d\r\nMax-Forwards: 70\r\n"+
		"From: <sip:probe@%s>;tag=f%d\r\nTo: <sip:alo@%s>\r\nCall-ID: flood-%d@test\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n",
		dst, local, n, local, n, dst, n)
	if _, err := conn.WriteToUDP([]byte(req), dst); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 65535)
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	k, _, err := conn.ReadFromUDP(buf)
	if err != nil {
		t.Fatalf("no answer to OPTIONS: %v", err)
	}
	res := string(buf[:k])
	if !strings.Contains(res, "Call-ID: flood-"+fmt.Sprint(n)+"@test") {
		t.Fatalf("read something other than the OPTIONS answer:\n%s", res)
	}
	var code int
	if _, err := fmt.Sscanf(res, "SIP/2.0 %d", &code); err != nil {
		t.Fatalf("answer %q: %v", res, err)
	}
	return code
}

// TestMalformedGuardSources: each source is logged once per interval;
// spoofed sources are bounded together; the count includes everything.
func TestMalformedGuardSources(t *testing.T) {
	var logs syncBuffer
	now := time.Unix(1_700_000_000, 0)
	g := newMalformedGuard(slog.New(slog.NewTextHandler(&logs, nil)), func() time.Time { return now })
	lines := func() int { _, s := logs.snapshot(); return strings.Count(s, "\n") }
	tests := []struct {
		name      string
		sources   int
		each      int
		advance   time.Duration
		wantLines int
	}{
		{"one source, many messages", 1, 500, 0, 1},
		{"same source within the interval", 1, 10, 30 * time.Second, 0},
		{"same source next interval", 1, 10, malformedInterval, 1},
		{"many spoofed sources", 10_000, 1, 0, malformedBurst - 1},
		{"an hour later, bucket refilled", 10_000, 1, time.Hour, malformedBurst},
	}
	var reported uint64
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now = now.Add(tt.advance)
			start := lines()
			for i := range tt.sources {
				src := "192.0.2.1:5060"
				if tt.sources > 1 {
					src = fmt.Sprintf("10.%d.%d.%d:5060", i>>16&255, i>>8&255, i&255)
				}
				for range tt.each {
					g.report(src, excerpt("\x00garbage"), "bad start line")
					reported++
				}
			}
			if got := lines() - start; got != tt.wantLines {
				t.Fatalf("%d lines logged, want %d", got, tt.wantLines)
			}
			if g.total.Load() != reported {
				t.Fatalf("total %d, want %d", g.total.Load(), reported)
			}
			if len(g.sources) > malformedSources+1 {
				t.Fatalf("%d sources kept, bound %d", len(g.sources), malformedSources)
			}
		})
	}
}
