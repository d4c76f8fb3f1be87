package sipua

import (
	"testing"
	"time"

	"github.com/alo-dialer/alo/dialer/trunk"
	"github.com/alo-dialer/alo/internal/sipptest"
)

// TestTCPTrunk: a trunk over TCP (sipp with -t t1 as the carrier): the
// INVITE, the answer, the carrier's audio and our BYE all travel on one
// TCP connection, and the call ends cleanly on both sides.
func TestTCPTrunk(t *testing.T) {
	sipp := sipptest.Start(t, "uas_answer.xml", "-m", "1", "-t", "t1")
	s := startUA(t, Config{Trunk: trunk.Trunk{URI: sipp.URI(""), Transport: trunk.TransportTCP}})
	leg, res, err := s.DialCustomer(callCtx(t), "+998901234567", DialOptions{RingTimeout: 5 * time.Second})
	if err != nil || !res.Answered {
		t.Fatalf("DialCustomer over TCP: %+v, %v", res, err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for leg.Media().Stats().PacketsIn == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no carrier RTP on the TCP-signalled call")
		}
		time.Sleep(20 * time.Millisecond) // sipp's replay is another process
	}
	if err := leg.Hangup(callCtx(t)); err != nil {
		t.Fatalf("BYE over TCP: %v", err)
	}
	sipp.Wait(t)
}
