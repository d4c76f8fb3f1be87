package dialer

import (
	"errors"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

func TestParsePortRange(t *testing.T) {
	tests := []struct {
		in      string
		want    PortRange
		wantErr string
	}{
		{in: "10000-20000", want: PortRange{10000, 20000}},
		{in: " 16384 - 32767 ", want: PortRange{16384, 32767}},
		{in: "10000-10000", want: PortRange{10000, 10000}},
		{in: "10000", wantErr: "want MIN-MAX"},
		{in: "", wantErr: "want MIN-MAX"},
		{in: "a-20000", wantErr: "minimum \"a\" is not a number"},
		{in: "10000-b", wantErr: "maximum \"b\" is not a number"},
		{in: "10001-20000", wantErr: "must be even"},
		{in: "20000-10000", wantErr: "is above maximum"},
		{in: "80-100", wantErr: "within 1024-65535"},
		{in: "60000-70000", wantErr: "within 1024-65535"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParsePortRange(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParsePortRange(%q) error = %v, want it to mention %q", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParsePortRange(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
		})
	}
}

// The pool hands out even ports only, skips ports held elsewhere, reports
// exhaustion, and takes ports back.
func TestPortPool(t *testing.T) {
	base := freeEvenBlock(t, 6)
	// Someone else holds the second even port.
	other, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: base + 2})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()

	p := newPortPool("127.0.0.1", PortRange{base, base + 5})
	var got []int
	var conns []*net.UDPConn
	for {
		c, port, err := p.open()
		if errors.Is(err, ErrNoPort) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		got = append(got, port)
	}
	if want := []int{base, base + 4}; len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("ports %v, want %v", got, want)
	}
	conns[0].Close()
	p.release(got[0])
	if p.inUseCount() != 1 {
		t.Fatalf("in use %d, want 1", p.inUseCount())
	}
	c, port, err := p.open()
	if err != nil || port != base {
		t.Fatalf("after release got port %d, %v; want %d", port, err, base)
	}
	c.Close()
	conns[1].Close()
}

// freeEvenBlock finds n consecutive free UDP ports on 127.0.0.1 starting at
// an even port in a high range.
func freeEvenBlock(t *testing.T, n int) int {
	t.Helper()
	// Each call starts the search at the next block, so tests running in
	// parallel do not all probe, and pick, the same free one.
	first := int(nextBlock.Add(1)) % blocks
	blocksMu.Lock()
	defer blocksMu.Unlock()
	if len(blocksGiven) >= blocks/2 {
		clear(blocksGiven) // long since released by the tests that took them
	}
	for i := range blocks {
		b := (first + i) % blocks
		if blocksGiven[b] {
			continue // handed to a test that may not have bound it yet
		}
		start := blockBase + 64*b
		ok := true
		for p := start; p < start+n && ok; p++ {
			c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: p})
			if err != nil {
				ok = false
				continue
			}
			c.Close()
		}
		if ok {
			blocksGiven[b] = true
			return start
		}
	}
	t.Fatal("no free port block")
	return 0
}

// The port blocks freeEvenBlock hands out: 64 ports each from blockBase.
const (
	blockBase = 42000
	blocks    = (60000 - blockBase) / 64
)

var (
	nextBlock   atomic.Int64
	blocksMu    sync.Mutex
	blocksGiven = map[int]bool{}
)

// testLogger logs through t.Log (shown on failure or with -v) until the
// test's cleanups are done; background goroutines that log later are muted.
func testLogger(t *testing.T) *slog.Logger {
	t.Helper()
	w := &testWriter{t: t}
	t.Cleanup(func() { w.done.Store(true) }) // first registered, runs last
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testWriter struct {
	t    *testing.T
	done atomic.Bool
}

func (w *testWriter) Write(p []byte) (int, error) {
	if !w.done.Load() {
		w.t.Log(strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}
