package dialer

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/alo-dialer/alo/dialer/agent"
	"github.com/alo-dialer/alo/dialer/registrar"
)

// A logged-in agent whose phone is not registered waits out the redial
// back-off (an hour here); the phone's REGISTER cuts it short, and the agent
// is ready within seconds.
func TestRegistrationWakesRedial(t *testing.T) {
	s, reg := registrarSIP(t, registrar.Config{})
	dials := make(chan error, 16)
	ready := make(chan []int64, 4)
	a := agent.NewRegistry(agent.Config{
		DB: regConfig(reg).DB, Clock: time.Now, Log: quietLogger(), Registered: reg.Registered(),
		RedialMin: time.Hour, RedialMax: time.Hour,
		// The phone is reached if the registrar knows where it is, as
		// sipua.UA.DialAgent resolves sip:<user>@alo.
		Dial: func(ctx context.Context, uri string) (agent.PhoneLeg, error) {
			var err error
			if !agent.RegisteredAs(uri, "1001") {
				err = errors.New("unexpected uri " + uri)
			} else if _, err = reg.Lookup(ctx, "1001"); err == nil {
				dials <- nil
				return &fakePhoneLeg{done: make(chan struct{})}, nil
			}
			dials <- err
			return nil, err
		},
	})
	onReady(t, a, func(c []int64) { ready <- c })
	t.Cleanup(a.Close)
	ctx := context.Background()
	if _, err := a.SetReady(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if err := <-dials; !errors.Is(err, registrar.ErrNotRegistered) {
		t.Fatalf("first dial: %v, want ErrNotRegistered", err)
	}
	if ag, _ := a.GetAgent(ctx, 1); ag.State != agent.PhoneDown {
		t.Fatalf("state %s before the phone registered, want phone_down", ag.State)
	}
	start := time.Now()
	if got := register(t, s, "1001", "correct-horse", 600); got != 200 {
		t.Fatalf("REGISTER answered %d", got)
	}
	select {
	case err := <-dials:
		if err != nil {
			t.Fatalf("redial after REGISTER: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no redial within 5 s of the REGISTER (back-off is an hour)")
	}
	select {
	case c := <-ready:
		if len(c) != 1 || c[0] != 1 {
			t.Fatalf("woke campaigns %v", c)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("agent not ready after the redial")
	}
	t.Logf("ready %v after REGISTER", time.Since(start))
	if ag, _ := a.GetAgent(ctx, 1); ag.State != agent.Ready {
		t.Fatalf("state %s, want ready", ag.State)
	}
	// A refresh while the leg is up does not dial again.
	if got := register(t, s, "1001", "correct-horse", 600); got != 200 {
		t.Fatalf("refresh answered %d", got)
	}
	select {
	case err := <-dials:
		t.Fatalf("dialled again while the leg was up: %v", err)
	case <-time.After(300 * time.Millisecond): // absence of an event: a bounded wait is the only proof
	}
}

func TestRegisteredAs(t *testing.T) {
	cases := []struct {
		uri, user string
		want      bool
	}{
		{"sip:1001@alo", "1001", true},
		{"sip:1001@alo;transport=tcp", "1001", true},
		{"sip:1002@alo", "1001", false},
		{"sip:1001@10.0.0.5:5060", "1001", false},
		{"sip:1001@alo.example", "1001", false},
		{"not a uri", "1001", false},
	}
	for _, c := range cases {
		if got := agent.RegisteredAs(c.uri, c.user); got != c.want {
			t.Errorf("registeredAs(%q, %q) = %v, want %v", c.uri, c.user, got, c.want)
		}
	}
}
