package dialer

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/emiago/sipgo"

	"github.com/alo-dialer/alo/dialer/agent"
	"github.com/alo-dialer/alo/dialer/media"
	"github.com/alo-dialer/alo/dialer/registrar"
	"github.com/alo-dialer/alo/dialer/sipua"
	"github.com/alo-dialer/alo/dialer/trunk"
	"github.com/alo-dialer/alo/input"
	"github.com/alo-dialer/alo/internal/sipptest"
	"github.com/alo-dialer/alo/internal/testenv"
)

// regConfigs keeps each test registrar's dependencies (its database and
// Redis), for the tests that look behind it.
var regConfigs sync.Map // *registrar.Registrar → registrar.Config

func regConfig(r *registrar.Registrar) registrar.Config {
	c, _ := regConfigs.Load(r)
	return c.(registrar.Config)
}

// registrarSIP starts alo's UA with a registrar over real redis-server and
// SQLite, with agent 1 owning SIP user 1001.
func registrarSIP(t *testing.T, cfg registrar.Config) (*sipua.UA, *registrar.Registrar) {
	t.Helper()
	ctx := context.Background()
	db := dialerDB(t, testenv.SQLite)
	agents := agent.NewRegistry(agent.Config{DB: db, Clock: time.Now, Log: quietLogger()})
	ag, err := agents.CreateAgent(ctx, agent.NewAgent{Name: "Dilnoza", SIPURI: "sip:1001@" + registrar.Domain, CampaignIDs: []int64{1}})
	if err != nil {
		t.Fatal(err)
	}
	cfg.DB, cfg.Redis, cfg.Log = db, testenv.Redis(t), testenv.Logger(t)
	reg, err := registrar.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	regConfigs.Store(reg, cfg)
	if err := reg.SetCredentials(ctx, ag.ID, "1001", "correct-horse"); err != nil {
		t.Fatal(err)
	}
	if err := reg.SetCredentials(ctx, ag.ID, "10 01", "correct-horse"); !errors.Is(err, input.ErrInvalid) {
		t.Fatalf("bad user name: %v", err)
	}
	min := testenv.EvenPorts(t, 20)
	s, err := sipua.New(sipua.Config{ListenAddr: "127.0.0.1:0", RTPPorts: media.PortRange{Min: min, Max: min + 19}, UserAgent: "alo-test", Registrar: reg}, testenv.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	sctx, cancel := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- s.Serve(sctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	<-s.Ready()
	return s, reg
}

// register sends REGISTER as user with password from a fresh sipgo UA and
// returns the final status code.
func register(t *testing.T, s *sipua.UA, user, password string, expires int) int {
	t.Helper()
	ua, err := sipgo.NewUA(sipgo.WithUserAgent("phone-test"))
	if err != nil {
		t.Fatal(err)
	}
	defer ua.Close()
	c, err := sipgo.NewClient(ua, sipgo.WithClientHostname("127.0.0.1"))
	if err != nil {
		t.Fatal(err)
	}
	return registerWithExpires(t, c, s, user, password, expires)
}

func TestRegistrarDigestAndLocation(t *testing.T) {
	s, reg := registrarSIP(t, registrar.Config{FailuresPerMinute: 1, FailureBurst: 3})
	ctx := context.Background()
	tests := []struct {
		name, user, pass string
		expires, want    int
	}{
		{"unknown user", "2002", "whatever1", 600, 403},
		{"too brief", "1001", "correct-horse", 10, 423},
		{"ok", "1001", "correct-horse", 600, 200},
		{"wrong password", "1001", "guess-0001", 600, 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := register(t, s, tt.user, tt.pass, tt.expires); got != tt.want {
				t.Fatalf("REGISTER answered %d, want %d", got, tt.want)
			}
		})
	}
	b, err := reg.Lookup(ctx, "1001")
	if err != nil || b.AgentID != 1 || b.Contact != "sip:1001@192.0.2.50:5060" || b.Transport != "udp" || b.Source == "" {
		t.Fatalf("binding %+v, %v", b, err)
	}
	if ttl := testenvTTL(t, reg, "1001"); ttl <= 590*time.Second || ttl > 600*time.Second {
		t.Fatalf("binding expires in %v, want 600 s", ttl)
	}
	// Brute force: the third failure from this address uses up the bucket;
	// then even the right password is refused without checking.
	if got := register(t, s, "1001", "guess-0002", 600); got != 403 {
		t.Fatalf("guess answered %d", got)
	}
	if got := register(t, s, "1001", "correct-horse", 600); got != 403 {
		t.Fatalf("right password after the failure budget answered %d, want 403", got)
	}
}

func testenvTTL(t *testing.T, r *registrar.Registrar, user string) time.Duration {
	t.Helper()
	d, err := regConfig(r).Redis.TTL(context.Background(), registrar.BindingKey(user)).Result()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// Unregistering (Expires: 0) removes the binding; dialling the agent then
// fails with ErrNotRegistered.
func TestRegistrarUnregister(t *testing.T) {
	s, reg := registrarSIP(t, registrar.Config{})
	if got := register(t, s, "1001", "correct-horse", 300); got != 200 {
		t.Fatalf("register %d", got)
	}
	if got := register(t, s, "1001", "correct-horse", 0); got != 200 {
		t.Fatalf("unregister %d", got)
	}
	if _, err := reg.Lookup(context.Background(), "1001"); !errors.Is(err, registrar.ErrNotRegistered) {
		t.Fatalf("lookup after unregister: %v", err)
	}
	if _, _, err := s.DialAgent(dialCtx(t), "sip:1001@"+registrar.Domain, sipua.DialOptions{AutoAnswer: true}); !errors.Is(err, registrar.ErrNotRegistered) {
		t.Fatalf("dial unregistered phone: %v", err)
	}
}

// requireBaresip skips without baresip unless ALO_REQUIRE_BARESIP=1.
func requireBaresip(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("baresip")
	if err != nil {
		if os.Getenv("ALO_REQUIRE_BARESIP") == "1" {
			t.Fatalf("baresip not on PATH and ALO_REQUIRE_BARESIP=1: %v", err)
		}
		t.Skip("baresip not on PATH (Debian package baresip-core)")
	}
	return p
}

// baresip as an agent's softphone: it registers to alo with digest, alo
// nails up the leg with auto-answer hints, baresip answers by itself, and a
// customer (sipp) bridged to it is heard on the phone, and the phone's
// audio reaches the customer leg.
func TestBaresipAgentPhone(t *testing.T) {
	bin := requireBaresip(t)
	s, reg := registrarSIP(t, registrar.Config{})
	dir := t.TempDir()
	port := sipptest.FreeUDPPort(t)
	lo := testenv.EvenPorts(t, 8)
	config := fmt.Sprintf(`sip_listen 127.0.0.1:%d
audio_player aubridge,phone
audio_source aubridge,phone
audio_alert aubridge,phone
rtp_ports %d-%d
module_path /usr/lib/baresip/modules
module g711.so
module aubridge.so
module account.so
module menu.so
`, port, lo, lo+7)
	if err := os.WriteFile(filepath.Join(dir, "config"), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	acct := fmt.Sprintf("<sip:1001@127.0.0.1:%d;transport=udp>;auth_pass=correct-horse;regint=600;answermode=auto;audio_codecs=PCMU\n", s.LocalAddr().Port())
	if err := os.WriteFile(filepath.Join(dir, "accounts"), []byte(acct), 0o644); err != nil {
		t.Fatal(err)
	}
	out := &sipptest.Buffer{}
	cmd := exec.Command(bin, "-f", dir, "-t", "60")
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
		if t.Failed() {
			t.Logf("baresip output:\n%s", sipptest.Tail(out.String(), 4000))
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := reg.Lookup(context.Background(), "1001"); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("baresip did not register in 10 s")
		}
		time.Sleep(50 * time.Millisecond)
	}

	ag, res, err := s.DialAgent(dialCtx(t), "sip:1001@"+registrar.Domain, sipua.DialOptions{AutoAnswer: true, RingTimeout: 10 * time.Second})
	if err != nil || !res.Answered {
		t.Fatalf("nail up baresip: %+v, %v", res, err)
	}
	carrier := sipptest.Start(t, "uas_answer.xml", "-m", "1")
	// The customer goes through a trunk of its own on the same UA.
	if err := s.Trunks().Apply([]trunk.Trunk{{ID: 1, Name: "sipp", Group: trunk.DefaultGroup, URI: carrier.URI(""), Transport: trunk.TransportUDP}}, nil); err != nil {
		t.Fatal(err)
	}
	cust, res, err := s.DialCustomer(dialCtx(t), "+77011234567", sipua.DialOptions{RingTimeout: 5 * time.Second})
	if err != nil || !res.Answered {
		t.Fatalf("DialCustomer: %+v, %v", res, err)
	}
	before := ag.Media().Stats()
	media.Connect(cust.Media(), ag.Media())
	media.Connect(ag.Media(), cust.Media())
	waitForLong(t, 5*time.Second, func() bool {
		st := ag.Media().Stats()
		return st.PacketsOut-before.PacketsOut >= 50 && st.PacketsIn-before.PacketsIn >= 50
	})
	if cust.Media().Stats().PacketsOut < 25 {
		t.Errorf("the phone's audio did not reach the customer: %+v", cust.Media().Stats())
	}
	media.Disconnect(cust.Media())
	media.Disconnect(ag.Media())
	ctx := dialCtx(t)
	if err := cust.Hangup(ctx); err != nil {
		t.Error(err)
	}
	if err := ag.Hangup(ctx); err != nil {
		t.Error(err)
	}
	carrier.Wait(t)
}

// waitForLong polls cond until it holds or d passes.
func waitForLong(t *testing.T, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met in %v", d)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
