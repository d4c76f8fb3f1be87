package sipua

import (
	"context"
	"testing"
	"time"

	"github.com/alo-dialer/alo/dialer/media"
	"github.com/alo-dialer/alo/dialer/sipsim"
	"github.com/alo-dialer/alo/dialer/trunk"
	"github.com/alo-dialer/alo/internal/testenv"
)

// The user agent alone against the simulated carrier and phones (no sipp,
// nothing above sipua): a customer call answered with audio, a busy one, an
// agent's phone answered at once; media flows both ways on the answered
// legs, and hanging up leaves no port bound.
func TestAgainstSipsim(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	log := testenv.Logger(t)
	serve := func(name string, run func(context.Context) error, ready <-chan struct{}) {
		t.Helper()
		errs := make(chan error, 1)
		go func() { errs <- run(ctx) }()
		t.Cleanup(func() {
			cancel()
			if err := <-errs; err != nil {
				t.Errorf("%s: %v", name, err)
			}
		})
		select {
		case <-ready:
		case err := <-errs:
			t.Fatalf("%s: %v", name, err)
		case <-time.After(5 * time.Second):
			t.Fatalf("%s not ready", name)
		}
	}
	answer, err := sipsim.NewCarrier(sipsim.CarrierConfig{Addr: "127.0.0.1:0", AnswerRate: 1,
		RingMin: 10 * time.Millisecond, RingMax: 20 * time.Millisecond, TalkMin: time.Minute, TalkMax: time.Minute, Seed: 1}, log)
	if err != nil {
		t.Fatal(err)
	}
	serve("carrier", answer.Serve, answer.Ready())
	busy, err := sipsim.NewCarrier(sipsim.CarrierConfig{Addr: "127.0.0.1:0", BusyRate: 1,
		RingMin: 10 * time.Millisecond, RingMax: 20 * time.Millisecond, Seed: 1}, log)
	if err != nil {
		t.Fatal(err)
	}
	serve("busy carrier", busy.Serve, busy.Ready())
	phones, err := sipsim.NewPhones(sipsim.PhoneConfig{Addr: "127.0.0.1:0"}, log)
	if err != nil {
		t.Fatal(err)
	}
	serve("phones", phones.Serve, phones.Ready())

	set, err := trunk.NewSet(trunk.SetConfig{Default: trunk.Trunk{URI: "sip:" + answer.Addr()}, Clock: time.Now, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	min := testenv.EvenPorts(t, 20)
	ua, err := New(Config{ListenAddr: "127.0.0.1:0", RTPPorts: media.PortRange{Min: min, Max: min + 19}, Trunks: set, UserAgent: "alo-test"}, log)
	if err != nil {
		t.Fatal(err)
	}
	serve("ua", ua.Serve, ua.Ready())

	cust, res, err := ua.DialCustomer(callCtx(t), "+998901234567", DialOptions{RingTimeout: 5 * time.Second})
	if err != nil || !res.Answered {
		t.Fatalf("customer: %+v, %v", res, err)
	}
	if cust.Kind() != "customer" || cust.AnsweredAt().IsZero() {
		t.Fatalf("customer leg: kind %q answered %v", cust.Kind(), cust.AnsweredAt())
	}
	phone, res, err := ua.DialAgent(callCtx(t), phones.URI("agent7"), DialOptions{AutoAnswer: true, RingTimeout: 5 * time.Second})
	if err != nil || !res.Answered {
		t.Fatalf("agent phone: %+v, %v", res, err)
	}
	media.Connect(cust.Media(), phone.Media())
	media.Connect(phone.Media(), cust.Media())
	deadline := time.Now().Add(5 * time.Second)
	for phones.RTPReceived() < 20 || answer.Stats().RTPReceived < 20 {
		if time.Now().After(deadline) {
			t.Fatalf("relayed RTP: phone got %d, carrier got %d", phones.RTPReceived(), answer.Stats().RTPReceived)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if n := len(ua.Legs()); n != 2 {
		t.Fatalf("%d legs up, want 2", n)
	}
	for _, l := range []*Leg{cust, phone} {
		if err := l.Hangup(callCtx(t)); err != nil {
			t.Fatal(err)
		}
	}

	// The busy carrier, campaign 2's trunk group: a SIP fact, no leg.
	if err := set.Apply([]trunk.Trunk{{Name: "busy", URI: "sip:" + busy.Addr(), Group: "busy"}}, map[int64]string{2: "busy"}); err != nil {
		t.Fatal(err)
	}
	leg, res, err := ua.DialCustomer(callCtx(t), "+998901234568", DialOptions{CampaignID: 2, RingTimeout: 5 * time.Second})
	if err != nil || leg != nil || res.Answered || res.Code != 486 || res.End != EndFinal {
		t.Fatalf("busy: leg %v, %+v, %v", leg, res, err)
	}
	if n := ua.PortsInUse(); n != 0 {
		t.Fatalf("%d RTP ports bound after the calls", n)
	}
}
