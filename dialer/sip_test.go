package dialer

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pion/rtp"

	"github.com/alo-dialer/alo/campaigns"
	"github.com/alo-dialer/alo/dialer/media"
	"github.com/alo-dialer/alo/dialer/sipua"
	"github.com/alo-dialer/alo/dialer/trunk"
	"github.com/alo-dialer/alo/internal/sipptest"
)

// newTestSIP starts alo's UA on loopback with a private RTP range and the
// given default trunk.
func newTestSIP(t *testing.T, tk trunk.Trunk) *sipua.UA {
	t.Helper()
	return newTestSIPWith(t, sipua.Config{Trunk: tk})
}

func dialCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// Each carrier behaviour, through the real UA on loopback against sipp.
func TestDialCarrierScenarios(t *testing.T) {
	tests := []struct {
		name        string
		scenario    string
		sippArgs    []string
		trunk       trunk.Trunk // URI filled in
		ringTimeout time.Duration
		answered    bool
		outcome     campaigns.Outcome
		code        int
		cancelRaced bool
		wantRTP     bool
	}{
		{name: "answer", scenario: "uas_answer.xml", answered: true, code: 200, wantRTP: true},
		{name: "busy", scenario: "uas_busy.xml", outcome: campaigns.OutcomeBusy, code: 486},
		{name: "no answer", scenario: "uas_noanswer.xml", ringTimeout: 700 * time.Millisecond, outcome: campaigns.OutcomeNoAnswer, code: 487},
		{name: "digest auth", scenario: "uas_auth.xml", sippArgs: []string{"-key", "authuser", "alo", "-key", "authpass", "s3cret"},
			trunk: trunk.Trunk{User: "alo", Password: "s3cret"}, answered: true, code: 200},
		{name: "digest auth refused", scenario: "uas_auth.xml", sippArgs: []string{"-key", "authuser", "alo", "-key", "authpass", "other"},
			trunk: trunk.Trunk{User: "alo", Password: "s3cret"}, outcome: campaigns.OutcomeFailed, code: 403},
		{name: "200 races CANCEL", scenario: "uas_cancel_race.xml", ringTimeout: 500 * time.Millisecond,
			outcome: campaigns.OutcomeNoAnswer, code: 200, cancelRaced: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sipp := sipptest.Start(t, tt.scenario, append([]string{"-m", "1"}, tt.sippArgs...)...)
			tk := tt.trunk
			tk.URI = sipp.URI("")
			s := newTestSIP(t, tk)

			var provisional []int
			start := time.Now()
			leg, res, err := s.DialCustomer(dialCtx(t), "+998901234567", sipua.DialOptions{
				CallerID:      "+442071234567",
				RingTimeout:   tt.ringTimeout,
				OnProvisional: func(code int) { provisional = append(provisional, code) },
			})
			if err != nil {
				t.Fatalf("DialCustomer: %v", err)
			}
			if res.Answered != tt.answered || res.Code != tt.code || res.CancelRaced != tt.cancelRaced || (!tt.answered && OutcomeOf(res) != tt.outcome) {
				t.Fatalf("result %+v; want answered=%v outcome=%q code=%d cancel_raced=%v", res, tt.answered, tt.outcome, tt.code, tt.cancelRaced)
			}
			if res.CallID == "" {
				t.Error("no Call-ID in result")
			}
			if tt.ringTimeout > 0 && time.Since(start) < tt.ringTimeout {
				t.Errorf("gave up after %v, before the ring timeout %v", time.Since(start), tt.ringTimeout)
			}
			if !tt.answered {
				if leg != nil {
					t.Fatal("leg returned for an unanswered call")
				}
				sipp.Wait(t)
				return
			}
			if leg.CallID() != res.CallID || leg.EndedBy() != "" {
				t.Errorf("leg call id %q ended by %q", leg.CallID(), leg.EndedBy())
			}
			if tt.wantRTP {
				if leg.Media().Codec() != media.CodecPCMA {
					t.Errorf("codec %s, want PCMA (the carrier's answer)", leg.Media().Codec())
				}
				eventually(t, func() bool { return leg.Media().Stats().PacketsIn >= 25 })
			}
			if err := leg.Hangup(dialCtx(t)); err != nil {
				t.Fatalf("Hangup: %v", err)
			}
			if leg.EndedBy() != "local" {
				t.Errorf("ended by %q, want local", leg.EndedBy())
			}
			select {
			case <-leg.Done():
			default:
				t.Error("Done not closed after Hangup")
			}
			if err := leg.Hangup(dialCtx(t)); err != nil {
				t.Errorf("second Hangup: %v", err)
			}
			sipp.Wait(t)
		})
	}
}

// A customer (sipp, sending A-law audio) bridged to an agent's phone (sipp
// auto-answering with PCMU, its RTP port a Go socket): the agent hears the
// customer, transcoded, on one continuous stream.
func TestBridgeCustomerToAgent(t *testing.T) {
	sink, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	sinkPort := sink.LocalAddr().(*net.UDPAddr).Port

	carrier := sipptest.Start(t, "uas_answer.xml", "-m", "1")
	phone := sipptest.Start(t, "agent_answer.xml", "-m", "1", "-aa", "-key", "rtp_port", strconv.Itoa(sinkPort))
	s := newTestSIP(t, trunk.Trunk{URI: carrier.URI("")})

	agent, res, err := s.DialAgent(dialCtx(t), phone.URI("agent1"), sipua.DialOptions{AutoAnswer: true, RingTimeout: 5 * time.Second})
	if err != nil || !res.Answered {
		t.Fatalf("DialAgent: %+v, %v", res, err)
	}
	cust, res, err := s.DialCustomer(dialCtx(t), "+77011234567", sipua.DialOptions{RingTimeout: 5 * time.Second})
	if err != nil || !res.Answered {
		t.Fatalf("DialCustomer: %+v, %v", res, err)
	}
	// The nailed-up leg answers a SIP keep-alive (sipp -aa answers OPTIONS).
	if err := agent.KeepAlive(dialCtx(t)); err != nil {
		t.Errorf("KeepAlive: %v", err)
	}
	media.Connect(cust.Media(), agent.Media())
	media.Connect(agent.Media(), cust.Media())

	var got []rtp.Packet
	relayed := 0
	buf := make([]byte, 1500)
	for relayed < 50 {
		_ = sink.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, err := sink.Read(buf)
		if err != nil {
			t.Fatalf("agent phone got %d packets, then: %v", len(got), err)
		}
		var p rtp.Packet
		if err := p.Unmarshal(buf[:n]); err != nil {
			t.Fatal(err)
		}
		if len(got) == 0 && len(p.Payload) == 160 {
			continue // comfort silence on the idle agent leg before the bridge
		}
		if len(p.Payload) != 160 {
			relayed++
		}
		got = append(got, p)
	}
	for i, p := range got {
		// g711a.pcap carries 30 ms frames (240 bytes); the relay keeps them.
		// A gap of more than 60 ms in the customer's audio (sipp on a loaded
		// machine) is filled with 20 ms of comfort silence (160 bytes) in the
		// same stream: still one continuous stream for the phone.
		if p.PayloadType != media.PayloadPCMU || p.SSRC != got[0].SSRC || (len(p.Payload) != 240 && len(p.Payload) != 160) {
			t.Fatalf("packet %d: PT %d SSRC %x len %d", i, p.PayloadType, p.SSRC, len(p.Payload))
		}
		if i > 0 && p.SequenceNumber != got[i-1].SequenceNumber+1 {
			t.Fatalf("packet %d: seq %d after %d", i, p.SequenceNumber, got[i-1].SequenceNumber)
		}
	}
	if !got[0].Marker {
		t.Error("first relayed packet lacks the marker bit")
	}
	if st := agent.Media().Stats(); st.PacketsOut < 50 {
		t.Errorf("agent stream stats %+v", st)
	}

	media.Disconnect(cust.Media())
	media.Disconnect(agent.Media())
	ctx := dialCtx(t)
	if err := cust.Hangup(ctx); err != nil {
		t.Errorf("customer Hangup: %v", err)
	}
	if err := agent.Hangup(ctx); err != nil {
		t.Errorf("agent Hangup: %v", err)
	}
	carrier.Wait(t)
	phone.Wait(t)
}

// uas_carrier.xml as a long-lived server routes by the last digit: 0-6
// answer and hang up after a few seconds (a remote BYE), 7-8 busy, 9 rings
// until the ring timeout.
func TestCarrierRoutesByNumber(t *testing.T) {
	carrier := sipptest.Start(t, "uas_carrier.xml")
	s := newTestSIP(t, trunk.Trunk{URI: carrier.URI("")})

	type result struct {
		number string
		leg    *sipua.Leg
		res    sipua.DialResult
		err    error
	}
	numbers := []string{"+998901234560", "+998901234563", "+998901234567", "+998901234568", "+998901234569"}
	results := make(chan result, len(numbers))
	for _, n := range numbers {
		go func() {
			leg, res, err := s.DialCustomer(dialCtx(t), n, sipua.DialOptions{RingTimeout: 1500 * time.Millisecond})
			results <- result{n, leg, res, err}
		}()
	}
	for range numbers {
		r := <-results
		if r.err != nil {
			t.Errorf("%s: %v", r.number, r.err)
			continue
		}
		last := r.number[len(r.number)-1]
		switch {
		case last <= '6':
			if !r.res.Answered {
				t.Errorf("%s: %+v, want answered", r.number, r.res)
				continue
			}
			select {
			case <-r.leg.Done():
			case <-time.After(15 * time.Second):
				t.Fatalf("%s: carrier did not hang up", r.number)
			}
			if r.leg.EndedBy() != "remote" || r.leg.Media().Stats().PacketsIn == 0 {
				t.Errorf("%s: ended by %q with %d packets in", r.number, r.leg.EndedBy(), r.leg.Media().Stats().PacketsIn)
			}
		case last <= '8':
			if OutcomeOf(r.res) != campaigns.OutcomeBusy || r.res.Code != 486 {
				t.Errorf("%s: %+v, want busy", r.number, r.res)
			}
		default:
			if OutcomeOf(r.res) != campaigns.OutcomeNoAnswer || r.res.Code != 487 {
				t.Errorf("%s: %+v, want no_answer 487", r.number, r.res)
			}
		}
	}
}

// Bad input is refused before any header is built.
func TestDialRefusesBadInput(t *testing.T) {
	s := newTestSIP(t, trunk.Trunk{URI: "sip:127.0.0.1:9"})
	tests := []struct {
		name string
		dial func() error
	}{
		{"short number", func() error { _, _, err := s.DialCustomer(dialCtx(t), "+1234567", sipua.DialOptions{}); return err }},
		{"no plus", func() error { _, _, err := s.DialCustomer(dialCtx(t), "998901234567", sipua.DialOptions{}); return err }},
		{"letters", func() error {
			_, _, err := s.DialCustomer(dialCtx(t), "+99890123456a", sipua.DialOptions{})
			return err
		}},
		{"CRLF in number", func() error {
			_, _, err := s.DialCustomer(dialCtx(t), "+998901234567\r\nX-Evil: 1", sipua.DialOptions{})
			return err
		}},
		{"CRLF in caller id", func() error {
			_, _, err := s.DialCustomer(dialCtx(t), "+998901234567", sipua.DialOptions{CallerID: "+1\r\nX: y"})
			return err
		}},
		{"CRLF in agent uri", func() error {
			_, _, err := s.DialAgent(dialCtx(t), "sip:a@127.0.0.1\r\nX: y", sipua.DialOptions{})
			return err
		}},
		{"agent uri not sip", func() error { _, _, err := s.DialAgent(dialCtx(t), "tel:+123456789", sipua.DialOptions{}); return err }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.dial(); !errors.Is(err, sipua.ErrInvalidInput) {
				t.Fatalf("err = %v, want ErrInvalidInput", err)
			}
		})
	}
	if n := s.PortsInUse(); n != 0 {
		t.Errorf("%d RTP ports bound by refused dials", n)
	}
}

// Out-of-dialog requests: OPTIONS gets 200, a BYE for no call 481, a new
// INVITE 403 (alo takes no inbound calls).
func TestServerAnswersOutOfDialog(t *testing.T) {
	s := newTestSIP(t, trunk.Trunk{})
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	me := c.LocalAddr().(*net.UDPAddr)
	tests := []struct {
		method, toTag string
		want          string
	}{
		{"OPTIONS", "", "SIP/2.0 200 OK"},
		{"BYE", ";tag=nosuch", "SIP/2.0 481"},
		{"INVITE", "", "SIP/2.0 403"},
		{"REGISTER", "", "SIP/2.0 405"},
	}
	for i, tt := range tests {
		msg := strings.ReplaceAll(fmt.Sprintf(`%[1]s sip:alo@%[2]s SIP/2.0
Via: SIP/2.0/UDP %[3]s;branch=z9hG4bKtest%[4]d
From: <sip:probe@127.0.0.1>;tag=p%[4]d
To: <sip:alo@%[2]s>%[5]s
Call-ID: probe-%[4]d
CSeq: 1 %[1]s
Contact: <sip:probe@%[3]s>
Max-Forwards: 70
Content-Length: 0

`, tt.method, s.LocalAddr(), me, i, tt.toTag), "\n", "\r\n")
		if _, err := c.WriteToUDPAddrPort([]byte(msg), s.LocalAddr()); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 4096)
		for {
			_ = c.SetReadDeadline(time.Now().Add(3 * time.Second))
			n, err := c.Read(buf)
			if err != nil {
				t.Fatalf("%s: no answer: %v", tt.method, err)
			}
			if strings.HasPrefix(string(buf[:n]), "SIP/2.0 100") {
				continue
			}
			if !strings.HasPrefix(string(buf[:n]), tt.want) {
				t.Errorf("%s: got %q, want %q", tt.method, strings.SplitN(string(buf[:n]), "\r\n", 2)[0], tt.want)
			}
			break
		}
	}
	_ = netip.AddrPort{}
}
