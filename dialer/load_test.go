package dialer

import (
	"context"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/alo-dialer/alo/dialer/media"
	"github.com/alo-dialer/alo/dialer/sipua"
	"github.com/alo-dialer/alo/dialer/trunk"
	"github.com/alo-dialer/alo/internal/sipptest"
	"github.com/alo-dialer/alo/internal/testenv"
)

// TestLoadSetups measures call set-ups per second through alo's UA (INVITE,
// 180, final, ACK, and the call_legs row in SQLite) against sipp as the
// carrier on the same machine. It is run by hand (docs/benchmarks.md):
//
//	ALO_LOAD_CPS=300 ALO_LOAD_SECONDS=10 go test ./dialer -run TestLoadSetups -v
func TestLoadSetups(t *testing.T) {
	cps, _ := strconv.Atoi(os.Getenv("ALO_LOAD_CPS"))
	if cps <= 0 {
		t.Skip("set ALO_LOAD_CPS (and ALO_LOAD_SECONDS) to run the load benchmark")
	}
	secs, _ := strconv.Atoi(os.Getenv("ALO_LOAD_SECONDS"))
	if secs <= 0 {
		secs = 10
	}
	carrier := sipptest.Start(t, sipptest.Render(t, "uas_code.xml", "code", "486", "reason", "Busy Here", "ring", "180"))
	db := dialerDB(t, testenv.SQLite)
	min := testenv.EvenPorts(t, 2000)
	s, err := sipua.New(sipua.Config{ListenAddr: "127.0.0.1:0", RTPPorts: media.PortRange{Min: min, Max: min + 1999}, UserAgent: "alo-load",
		Trunk: trunk.Trunk{URI: carrier.URI("")}, Legs: sipua.NewCallLegs(db)}, quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx) }()
	defer func() { cancel(); <-served }()
	<-s.Ready()

	var ok, failed, inflight, peak atomic.Int64
	var wg sync.WaitGroup
	var ru0, ru1 syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	start := time.Now()
	tick := time.NewTicker(time.Second / time.Duration(cps))
	total := cps * secs
	for i := range total {
		<-tick.C
		wg.Go(func() {
			n := inflight.Add(1)
			for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
			}
			defer inflight.Add(-1)
			_, res, err := s.DialCustomer(ctx, "+99890"+strconv.Itoa(1000000+i), sipua.DialOptions{RingTimeout: 10 * time.Second})
			if err != nil || res.Code != 486 {
				failed.Add(1)
				return
			}
			ok.Add(1)
		})
	}
	tick.Stop()
	sent := time.Since(start)
	runtime.ReadMemStats(&ms1)
	wg.Wait()
	elapsed := time.Since(start)
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
	cpu := time.Duration(ru1.Utime.Nano()+ru1.Stime.Nano()-ru0.Utime.Nano()-ru0.Stime.Nano()) * time.Nanosecond
	t.Logf("offered %d set-ups at %d/s over %v (all done after %v): %d completed, %d failed; peak in flight %d; "+
		"CPU %v total, %.0f µs per set-up; heap in use %.1f MiB at the end of sending",
		total, cps, sent.Round(time.Millisecond), elapsed.Round(time.Millisecond), ok.Load(), failed.Load(), peak.Load(),
		cpu.Round(time.Millisecond), float64(cpu.Microseconds())/float64(total), float64(ms1.HeapInuse)/(1<<20))
	if failed.Load() != 0 {
		t.Errorf("%d failed set-ups", failed.Load())
	}
}
