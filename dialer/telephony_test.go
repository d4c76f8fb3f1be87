package dialer

import (
	"context"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/alo-dialer/alo/campaigns"
	"github.com/alo-dialer/alo/dialer/media"
	"github.com/alo-dialer/alo/dialer/sipua"
	"github.com/alo-dialer/alo/dialer/trunk"
	"github.com/alo-dialer/alo/internal/sipptest"
	"github.com/alo-dialer/alo/internal/testenv"
)

// newTestSIPWith starts alo's UA on loopback like newTestSIP, with the
// trunk set, leg recorder and timers of cfg.
func newTestSIPWith(t *testing.T, cfg sipua.Config) *sipua.UA {
	t.Helper()
	min := testenv.EvenPorts(t, 20)
	cfg.ListenAddr = "127.0.0.1:0"
	cfg.RTPPorts = media.PortRange{Min: min, Max: min + 19}
	cfg.UserAgent = "alo-test"
	s, err := sipua.New(cfg, testenv.Logger(t))
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
		if n := s.PortsInUse(); n != 0 {
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

// Every row of the response table (response.go), against sipp answering
// with that code.
func TestResponseTableAgainstSipp(t *testing.T) {
	tests := []struct {
		code    int
		reason  string
		ring    int
		outcome campaigns.Outcome
	}{
		{486, "Busy Here", 180, campaigns.OutcomeBusy},
		{600, "Busy Everywhere", 180, campaigns.OutcomeBusy},
		{480, "Temporarily Unavailable", 180, campaigns.OutcomeNoAnswer},
		{408, "Request Timeout", 180, campaigns.OutcomeNoAnswer},
		{404, "Not Found", 100, campaigns.OutcomeInvalidNumber},
		{484, "Address Incomplete", 100, campaigns.OutcomeInvalidNumber},
		{604, "Does Not Exist Anywhere", 100, campaigns.OutcomeInvalidNumber},
		{410, "Gone", 100, campaigns.OutcomeInvalidNumber},
		{603, "Decline", 180, campaigns.OutcomeDeclined},
		{500, "Server Internal Error", 100, campaigns.OutcomeCongestion},
		{502, "Bad Gateway", 100, campaigns.OutcomeCongestion},
		{503, "Service Unavailable", 100, campaigns.OutcomeCongestion},
		{488, "Not Acceptable Here", 100, campaigns.OutcomeFailed},
		{487, "Request Terminated", 180, campaigns.OutcomeFailed}, // not after our CANCEL
		{403, "Forbidden", 100, campaigns.OutcomeFailed},
	}
	for _, tt := range tests {
		t.Run(strconv.Itoa(tt.code), func(t *testing.T) {
			sipp := sipptest.Start(t, sipptest.Render(t, "uas_code.xml", "code", strconv.Itoa(tt.code), "reason", tt.reason,
				"ring", strconv.Itoa(tt.ring)), "-m", "1")
			s := newTestSIPWith(t, sipua.Config{Trunk: trunk.Trunk{URI: sipp.URI("")}})
			leg, res, err := s.DialCustomer(dialCtx(t), "+998901234567", sipua.DialOptions{RingTimeout: 5 * time.Second})
			if err != nil || leg != nil {
				t.Fatalf("DialCustomer: leg %v, %v", leg, err)
			}
			if res.Answered || res.Code != tt.code || OutcomeOf(res) != tt.outcome || res.Legs != 1 {
				t.Fatalf("result %+v; want code %d outcome %s, one leg", res, tt.code, tt.outcome)
			}
			sipp.Wait(t)
		})
	}
}

// 183 with SDP (early media), then 200: answered once, on the 200. The
// early audio is read (and dropped) as it comes, not left queued for the
// answer's analysis.
func TestEarlyMediaThenAnswer(t *testing.T) {
	sipp := sipptest.Start(t, "uas_early_media.xml", "-m", "1")
	s := newTestSIPWith(t, sipua.Config{Trunk: trunk.Trunk{URI: sipp.URI("")}})
	var prov []int
	leg, res, err := s.DialCustomer(dialCtx(t), "+998901234567", sipua.DialOptions{RingTimeout: 5 * time.Second,
		OnProvisional: func(c int) { prov = append(prov, c) }})
	if err != nil || !res.Answered {
		t.Fatalf("DialCustomer: %+v, %v", res, err)
	}
	if len(prov) != 1 || prov[0] != 183 || leg.Media().Codec() != media.CodecPCMU {
		t.Fatalf("provisional %v codec %s", prov, leg.Media().Codec())
	}
	if fi := leg.Media().FirstIn(); fi.IsZero() || !fi.Before(leg.AnswerMono()) {
		t.Fatalf("early media first read at %v, the answer at %v: not read before the answer", fi, leg.AnswerMono())
	}
	if err := leg.Hangup(dialCtx(t)); err != nil {
		t.Fatal(err)
	}
	sipp.Wait(t)
}

// A trunk that answers 503 before ringing hands the call to the next trunk
// of the group inside the same attempt; both INVITEs are legs of it.
func TestFailoverOn503(t *testing.T) {
	ctx := context.Background()
	refuser := sipptest.Start(t, sipptest.Render(t, "uas_code.xml", "code", "503", "reason", "Service Unavailable", "ring", "100"), "-m", "1")
	carrier := sipptest.Start(t, "uas_answer.xml", "-m", "1")
	db := dialerDB(t, testenv.SQLite)
	ts, err := trunk.NewSet(trunk.SetConfig{Store: trunk.NewStore(db, time.Now), Log: testenv.Logger(t)})
	if err != nil {
		t.Fatal(err)
	}
	for i, uri := range []string{refuser.URI(""), carrier.URI("")} {
		if _, err := ts.Create(ctx, trunk.Trunk{Name: "t" + strconv.Itoa(i), Group: "bank", Priority: i, URI: uri}); err != nil {
			t.Fatal(err)
		}
	}
	if err := ts.SetCampaignGroup(ctx, 9, "bank"); err != nil {
		t.Fatal(err)
	}
	legs := sipua.NewCallLegs(db)
	s := newTestSIPWith(t, sipua.Config{Trunks: ts, Legs: legs})
	leg, res, err := s.DialCustomer(dialCtx(t), "+998901234567", sipua.DialOptions{CampaignID: 9, AttemptID: 42, CallerID: "+998712000000", RingTimeout: 5 * time.Second})
	if err != nil || !res.Answered {
		t.Fatalf("DialCustomer: %+v, %v", res, err)
	}
	if res.Legs != 2 || res.Trunk != "t1" {
		t.Fatalf("result %+v, want 2 legs ending on t1", res)
	}
	if err := leg.Hangup(dialCtx(t)); err != nil {
		t.Fatal(err)
	}
	refuser.Wait(t)
	carrier.Wait(t)
	var got []sipua.CallLeg
	eventually(t, func() bool {
		got, err = legs.ForAttempt(ctx, 42)
		return err == nil && len(got) == 2 && !got[1].ByeAt.IsZero()
	})
	a, b := got[0], got[1]
	if a.Trunk != "t0" || a.Code != 503 || !a.AnswerAt.IsZero() || a.CallerID != "+998712000000" || a.Callee != "+998901234567" {
		t.Errorf("first leg %+v", a)
	}
	if b.Trunk != "t1" || b.Code != 200 || b.AnswerAt.IsZero() || b.AckAt.IsZero() || b.ProvisionalCode == 0 || b.ByeBy != "local" || b.CallID == a.CallID {
		t.Errorf("second leg %+v", b)
	}
	if st, _ := ts.StatusOf(1); st.ActiveCalls != 0 {
		t.Errorf("trunk slot not released: %+v", st)
	}
}

// silentTrunk is a UDP socket that reads INVITEs and never answers; it
// hands each datagram and its source to the test.
func silentTrunk(t *testing.T) (string, <-chan [2]string) {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	got := make(chan [2]string, 16)
	go func() {
		buf := make([]byte, 8192)
		for {
			n, src, err := c.ReadFromUDP(buf)
			if err != nil {
				return
			}
			select {
			case got <- [2]string{string(buf[:n]), src.String()}:
			default:
			}
		}
	}()
	return "sip:" + c.LocalAddr().String(), got
}

// A trunk that never answers the INVITE is given up after the no-response
// timeout and the call fails over; the INVITE carried the trunk's
// presentation headers and left from its pinned port.
func TestFailoverOnNoResponse(t *testing.T) {
	ctx := context.Background()
	deadURI, seen := silentTrunk(t)
	carrier := sipptest.Start(t, "uas_answer.xml", "-m", "1")
	pinned := sipptest.FreeUDPPort(t)
	ts, err := trunk.NewSet(trunk.SetConfig{Log: testenv.Logger(t)})
	if err != nil {
		t.Fatal(err)
	}
	_ = ts.Apply([]trunk.Trunk{
		{ID: 1, Name: "dead", Group: trunk.DefaultGroup, URI: deadURI, Transport: trunk.TransportUDP, LocalPort: pinned,
			PAI: "+998712000001", Privacy: "id", FromUser: "+998712000002"},
		{ID: 2, Name: "live", Group: trunk.DefaultGroup, Priority: 1, URI: carrier.URI(""), Transport: trunk.TransportUDP},
	}, nil)
	s := newTestSIPWith(t, sipua.Config{Trunks: ts, NoResponseTimeout: 400 * time.Millisecond})
	start := time.Now()
	leg, res, err := s.DialCustomer(dialCtx(t), "+998901234567", sipua.DialOptions{RingTimeout: 5 * time.Second})
	if err != nil || !res.Answered || res.Legs != 2 || res.Trunk != "live" {
		t.Fatalf("DialCustomer: %+v, %v", res, err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("failover took %v", d)
	}
	_ = leg.Hangup(ctx)
	carrier.Wait(t)
	inv := <-seen
	for _, want := range []string{"INVITE sip:+998901234567@", "P-Asserted-Identity: <sip:+998712000001@", "Privacy: id", "From: <sip:+998712000002@"} {
		if !strings.Contains(inv[0], want) {
			t.Errorf("INVITE lacks %q:\n%s", want, inv[0])
		}
	}
	if !strings.HasSuffix(inv[1], ":"+strconv.Itoa(pinned)) {
		t.Errorf("INVITE came from %s, want the pinned port %d", inv[1], pinned)
	}
}

// A silent customer (answered, no RTP) is hung up by the media timeout; a
// call on hold is not, and the hold and resume re-INVITEs are answered
// recvonly and sendrecv with the session timer echoed (checked by sipp).
func TestHoldResumeAndMediaTimeout(t *testing.T) {
	tests := []struct {
		name     string
		scenario string
		vars     []string
		held     bool
	}{
		{"silent customer", "uas_silent.xml", nil, false},
		{"hold longer than the timeout, then silent", "uas_hold.xml", []string{"hold_ms", "1500"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sipp := sipptest.Start(t, sipptest.Render(t, tt.scenario, tt.vars...), "-m", "1")
			s := newTestSIPWith(t, sipua.Config{Trunk: trunk.Trunk{URI: sipp.URI("")}, MediaTimeout: 700 * time.Millisecond})
			leg, res, err := s.DialCustomer(dialCtx(t), "+998901234567", sipua.DialOptions{RingTimeout: 5 * time.Second})
			if err != nil || !res.Answered {
				t.Fatalf("DialCustomer: %+v, %v", res, err)
			}
			start := time.Now()
			wasHeld := false
			for done := false; !done; {
				select {
				case <-leg.Done():
					done = true
				case <-time.After(20 * time.Millisecond):
					wasHeld = wasHeld || leg.Held()
				case <-time.After(10 * time.Second):
					t.Fatal("silent leg not hung up")
				}
			}
			if leg.EndReason() != sipua.EndMediaTimeout || leg.EndedBy() != "local" {
				t.Fatalf("ended by %q for %q", leg.EndedBy(), leg.EndReason())
			}
			if tt.held && (!wasHeld || time.Since(start) < 1500*time.Millisecond) {
				t.Errorf("held %v, ended after %v: the hold should have suspended the timeout", wasHeld, time.Since(start))
			}
			sipp.Wait(t)
		})
	}
}

// A call that outlives the maximum duration is hung up.
func TestMaxCallDuration(t *testing.T) {
	sipp := sipptest.Start(t, "uas_answer.xml", "-m", "1")
	s := newTestSIPWith(t, sipua.Config{Trunk: trunk.Trunk{URI: sipp.URI("")}, MaxCallDuration: 600 * time.Millisecond})
	leg, res, err := s.DialCustomer(dialCtx(t), "+998901234567", sipua.DialOptions{RingTimeout: 5 * time.Second})
	if err != nil || !res.Answered {
		t.Fatalf("DialCustomer: %+v, %v", res, err)
	}
	select {
	case <-leg.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("call not ended at its maximum duration")
	}
	if leg.EndReason() != sipua.EndMaxDuration {
		t.Fatalf("end reason %q", leg.EndReason())
	}
	sipp.Wait(t)
}

// The minimum ring: a campaign asking for 1 s still rings 15 s before
// alo's CANCEL (docs/architecture.md invariant 5). Slow by nature; runs in parallel.
func TestMinimumRing(t *testing.T) {
	t.Parallel()
	sipp := sipptest.Start(t, "uas_noanswer.xml", "-m", "1")
	db := dialerDB(t, testenv.SQLite)
	legs := sipua.NewCallLegs(db)
	s := newTestSIPWith(t, sipua.Config{Trunk: trunk.Trunk{URI: sipp.URI("")}, MinRing: 15 * time.Second, Legs: legs})
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	_, res, err := s.DialCustomer(ctx, "+998901234567", sipua.DialOptions{RingTimeout: time.Second, AttemptID: 5})
	if err != nil || OutcomeOf(res) != campaigns.OutcomeNoAnswer || res.Code != 487 {
		t.Fatalf("DialCustomer: %+v, %v", res, err)
	}
	sipp.Wait(t)
	got, err := legs.ForAttempt(context.Background(), 5)
	if err != nil || len(got) != 1 {
		t.Fatalf("legs %+v, %v", got, err)
	}
	l := got[0]
	if l.ProvisionalCode != 100 && l.ProvisionalCode != 180 {
		t.Errorf("first provisional %d", l.ProvisionalCode)
	}
	if rang := l.CancelAt.Sub(l.ProvisionalAt); l.CancelAt.IsZero() || rang < 15*time.Second {
		t.Fatalf("CANCEL after %v of ringing, want at least 15 s", rang)
	}
}
