package testenv

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
)

// The port blocks EvenPorts hands out: 64 ports each from blockBase, above
// the e2e tests' ports (below 30000) and Linux's ephemeral range's start.
const (
	blockBase = 42000
	blocks    = (60000 - blockBase) / 64
)

var (
	nextBlock atomic.Int64
	blocksMu  sync.Mutex
)

// EvenPorts finds n consecutive free UDP ports on 127.0.0.1 starting at an
// even port (RTP on even ports, RTCP above) and keeps them the test's until
// it ends.
//
// The test packages run as separate processes at once, so a block probed
// free by one could be handed to another before either binds it: each
// block is claimed with an exclusive flock on a file named for it, held
// until the test's cleanup, which every process honours.
func EvenPorts(t testing.TB, n int) int {
	t.Helper()
	need := (n + 63) / 64 // consecutive blocks the ports span
	dir := filepath.Join(os.TempDir(), "alo-test-ports")
	if err := os.MkdirAll(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	// Each call starts at the next block, so parallel tests do not all
	// probe the same one.
	first := int(nextBlock.Add(int64(os.Getpid()))) % blocks
	blocksMu.Lock()
	defer blocksMu.Unlock()
	for i := range blocks {
		b := (first + i) % (blocks - need + 1)
		locks, ok := lockBlocks(dir, b, need)
		if !ok {
			continue
		}
		start := blockBase + 64*b
		if !portsFree(start, n) {
			unlock(locks)
			continue
		}
		t.Cleanup(func() { unlock(locks) }) // closing drops the locks
		return start
	}
	t.Fatal("EvenPorts: no free port block")
	return 0
}

// lockBlocks takes blocks b to b+n-1, or none of them.
func lockBlocks(dir string, b, n int) ([]*os.File, bool) {
	var locks []*os.File
	for i := range n {
		f, ok := lockBlock(dir, b+i)
		if !ok {
			unlock(locks)
			return nil, false
		}
		locks = append(locks, f)
	}
	return locks, true
}

func unlock(locks []*os.File) {
	for _, f := range locks {
		f.Close()
	}
}

// lockBlock takes block b's lock without waiting.
func lockBlock(dir string, b int) (*os.File, bool) {
	f, err := os.OpenFile(filepath.Join(dir, fmt.Sprintf("%d.lock", b)), os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		return nil, false
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, false
	}
	return f, true
}

func portsFree(start, n int) bool {
	for p := start; p < start+n; p++ {
		c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: p})
		if err != nil {
			return false
		}
		c.Close()
	}
	return true
}
