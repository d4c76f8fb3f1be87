package sipua

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/alo-dialer/alo/dialer/media"
	"github.com/alo-dialer/alo/internal/testenv"
)

// startUA starts alo's UA on loopback with a private RTP range and the
// trunk set, leg recorder and timers of cfg.
func startUA(t *testing.T, cfg Config) *UA {
	t.Helper()
	return startUALogged(t, cfg, testenv.Logger(t))
}

// startUALogged is startUA logging to log.
func startUALogged(t *testing.T, cfg Config, log *slog.Logger) *UA {
	t.Helper()
	min := testenv.EvenPorts(t, 20)
	cfg.ListenAddr = "127.0.0.1:0"
	cfg.RTPPorts = media.PortRange{Min: min, Max: min + 19}
	cfg.UserAgent = "alo-test"
	s, err := New(cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("Serve: %v", err)
		}
		if n := s.ports.InUseCount(); n != 0 {
			t.Errorf("%d RTP ports still bound after shutdown", n)
		}
	})
	select {
	case <-s.Ready():
	case err := <-served:
		t.Fatalf("Serve: %v", err)
	case <-time.After(5 * time.Second):
		t.Fatal("SIP not ready")
	}
	return s
}

// callCtx bounds one call of a test.
func callCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}
