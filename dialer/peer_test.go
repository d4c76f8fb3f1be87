package dialer

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/alo-dialer/alo/dialer/agent"
	"github.com/alo-dialer/alo/dialer/media"
	"github.com/alo-dialer/alo/internal/testenv"
	"github.com/alo-dialer/alo/sqldb"
)

// Test helpers of the call-path tests: RTP peers, started streams, a
// migrated database.

// rtpPeer is a fake RTP endpoint: a local UDP socket.
type rtpPeer struct {
	t    *testing.T
	conn *net.UDPConn
}

func newRTPPeer(t *testing.T) *rtpPeer {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &rtpPeer{t: t, conn: c}
}

func (p *rtpPeer) addr() netip.AddrPort { return p.conn.LocalAddr().(*net.UDPAddr).AddrPort() }

func startedStream(t *testing.T, pool *media.PortPool, codec string, remote netip.AddrPort) *media.Stream {
	t.Helper()
	s, err := media.NewStream(pool, testenv.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	pt := uint8(media.PayloadPCMU)
	if codec == media.CodecPCMA {
		pt = media.PayloadPCMA
	}
	s.Start(media.Remote{Addr: remote, Codec: codec, PT: pt, DTMFPT: 101})
	t.Cleanup(func() { s.Close(); s.Wait() })
	return s
}

// eventually polls a condition with a deadline (the reader goroutine sets it).
func eventually(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in 2s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
func dialerDB(t *testing.T, open func(testing.TB) *sqldb.DB) *sqldb.DB {
	t.Helper()
	db := open(t)
	if err := sqldb.Migrate(context.Background(), db, "dialer", Migrations); err != nil {
		t.Fatal(err)
	}
	return db
}
func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// onReady runs f for each of r's Ready events until the test ends.
func onReady(t testing.TB, r *agent.Registry, f func([]int64)) {
	t.Helper()
	ch, done := r.Ready(), make(chan struct{})
	t.Cleanup(func() { close(done) })
	go func() {
		for {
			select {
			case ids := <-ch:
				f(ids)
			case <-done:
				return
			}
		}
	}()
}
