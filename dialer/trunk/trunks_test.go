package trunk

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/alo-dialer/alo/dialer/schema"
	"github.com/alo-dialer/alo/input"
	"github.com/alo-dialer/alo/internal/testenv"
	"github.com/alo-dialer/alo/sqldb"
)

func goodTrunk() Trunk {
	return Trunk{Name: "carrier-a", URI: "sip:sbc.example.net:5060", User: "alo", Password: "s3cret"}
}

func TestTrunkValidate(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(*Trunk)
		field string // "" = valid
	}{
		{"ok", func(*Trunk) {}, ""},
		{"tcp with proxy and presentation", func(tr *Trunk) {
			tr.Transport, tr.OutboundProxy, tr.PAI, tr.Privacy, tr.FromUser = "TCP", "sip:10.0.0.1:5060", "+998712345678", "id", "+998712345678"
		}, ""},
		{"no name", func(tr *Trunk) { tr.Name = "" }, "name"},
		{"bad group", func(tr *Trunk) { tr.Group = "Group A" }, "group"},
		{"uri not sip", func(tr *Trunk) { tr.URI = "http://x" }, "uri"},
		{"uri CRLF", func(tr *Trunk) { tr.URI = "sip:a.example\r\nX: y" }, "uri"},
		{"transport", func(tr *Trunk) { tr.Transport = "sctp" }, "transport"},
		{"user with colon", func(tr *Trunk) { tr.User = "a:b" }, "user"},
		{"password CRLF", func(tr *Trunk) { tr.Password = "a\r\nb" }, "password"},
		{"proxy", func(tr *Trunk) { tr.OutboundProxy = "10.0.0.1" }, "outbound_proxy"},
		{"port", func(tr *Trunk) { tr.LocalPort = 70000 }, "local_port"},
		{"from user space", func(tr *Trunk) { tr.FromUser = "a b" }, "from_user"},
		{"pai not e164", func(tr *Trunk) { tr.PAI = "12345" }, "pai"},
		{"privacy", func(tr *Trunk) { tr.Privacy = "full" }, "privacy"},
		{"max calls", func(tr *Trunk) { tr.MaxCalls = -1 }, "max_calls"},
		{"max cps", func(tr *Trunk) { tr.MaxCPS = -1 }, "max_cps"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := goodTrunk()
			tt.edit(&tr)
			tr.Normalize()
			err := tr.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			var bad *input.Error
			if !errors.Is(err, input.ErrInvalid) || !errors.As(err, &bad) || bad.Problems[0].Field != tt.field {
				t.Fatalf("err = %v, want ErrInvalid naming %s", err, tt.field)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Fatal("error shows the password")
			}
		})
	}
}

// The password stays out of logs and JSON.
func TestTrunkHidesPassword(t *testing.T) {
	var b strings.Builder
	slog.New(slog.NewTextHandler(&b, nil)).Info("x", "trunk", goodTrunk())
	if strings.Contains(b.String(), "s3cret") {
		t.Fatalf("log shows the password: %s", b.String())
	}
}

func migratedDB(t *testing.T, open func(testing.TB) *sqldb.DB) *sqldb.DB {
	t.Helper()
	db := open(t)
	if err := sqldb.Migrate(context.Background(), db, "dialer", schema.Migrations); err != nil {
		t.Fatal(err)
	}
	return db
}

func TestTrunkStore(t *testing.T) {
	for _, eng := range testenv.Engines() {
		t.Run(eng.Name, func(t *testing.T) {
			ctx := context.Background()
			clock := func() time.Time { return time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC) }
			s := NewStore(migratedDB(t, eng.Open), clock)
			a, err := s.Create(ctx, goodTrunk())
			if err != nil {
				t.Fatal(err)
			}
			if a.ID == 0 || a.Group != DefaultGroup || a.Transport != TransportUDP || !a.HasPassword {
				t.Fatalf("created %+v", a)
			}
			if _, err := s.Create(ctx, goodTrunk()); !errors.Is(err, input.ErrInvalid) {
				t.Fatalf("duplicate name: %v", err)
			}
			b := goodTrunk()
			b.Name, b.Group, b.Priority, b.MaxCPS = "carrier-b", "bank", 1, 12.5
			if b, err = s.Create(ctx, b); err != nil {
				t.Fatal(err)
			}
			upd := a
			upd.Password, upd.MaxCalls = "", 30
			if _, err := s.Update(ctx, upd); err != nil {
				t.Fatal(err)
			}
			got, err := s.Get(ctx, a.ID)
			if err != nil || got.Password != "s3cret" || got.MaxCalls != 30 {
				t.Fatalf("after update without password: %+v, %v", got, err)
			}
			list, err := s.List(ctx)
			if err != nil || len(list) != 2 || list[0].Name != "carrier-b" || list[1].MaxCPS != 0 || list[0].MaxCPS != 12.5 {
				t.Fatalf("list %+v, %v", list, err)
			}
			if err := s.SetCampaignGroup(ctx, 7, "bank"); err != nil {
				t.Fatal(err)
			}
			if err := s.SetCampaignGroup(ctx, 7, "Bad Group"); !errors.Is(err, input.ErrInvalid) {
				t.Fatalf("bad group: %v", err)
			}
			groups, err := s.CampaignGroups(ctx)
			if err != nil || groups[7] != "bank" {
				t.Fatalf("groups %v, %v", groups, err)
			}
			if err := s.SetCampaignGroup(ctx, 7, DefaultGroup); err != nil {
				t.Fatal(err)
			}
			if groups, _ := s.CampaignGroups(ctx); len(groups) != 0 {
				t.Fatalf("default group kept a row: %v", groups)
			}
			if err := s.Delete(ctx, b.ID); err != nil {
				t.Fatal(err)
			}
			if err := s.Delete(ctx, b.ID); !errors.Is(err, input.ErrNotFound) {
				t.Fatalf("second delete: %v", err)
			}
		})
	}
}

// fakeClock is a settable clock for the trunk set's unit tests.
type fakeClock struct{ now time.Time }

func (c *fakeClock) Now() time.Time      { return c.now }
func (c *fakeClock) Add(d time.Duration) { c.now = c.now.Add(d) }
func discardLogger() *slog.Logger        { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
func trunkIn(g string, prio int, n string) Trunk {
	return Trunk{Name: n, Group: g, Priority: prio, URI: "sip:" + n + ".example.net"}
}

func TestTrunksRouteCapsAndBreaker(t *testing.T) {
	ctx := context.Background()
	clock := &fakeClock{now: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)}
	store := NewStore(migratedDB(t, testenv.SQLite), clock.Now)
	ts, err := NewSet(SetConfig{Store: store, Default: Trunk{URI: "sip:default.example.net"}, Clock: clock.Now,
		Log: discardLogger(), BreakerFailures: 2, BreakerCooldown: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	second := trunkIn("bank", 5, "second")
	second.MaxCalls = 1
	first := trunkIn("bank", 1, "first")
	first.MaxCPS = 2
	for _, tr := range []Trunk{second, first} {
		if _, err := ts.Create(ctx, tr); err != nil {
			t.Fatal(err)
		}
	}
	if err := ts.SetCampaignGroup(ctx, 3, "bank"); err != nil {
		t.Fatal(err)
	}
	names := func(lts []*Live) string {
		var n []string
		for _, lt := range lts {
			n = append(n, lt.t.Name)
		}
		return strings.Join(n, ",")
	}
	if got := names(ts.Route(3)); got != "first,second" {
		t.Fatalf("route of campaign 3 = %s", got)
	}
	if got := names(ts.Route(4)); got != "default" {
		t.Fatalf("route of unmapped campaign = %s", got)
	}
	r := ts.Route(3)
	// Set-ups per second: a burst of 2, then refused until tokens refill.
	for i := range 2 {
		rel, err := r[0].Acquire(clock.Now())
		if err != nil {
			t.Fatalf("set-up %d: %v", i, err)
		}
		rel()
	}
	if _, err := r[0].Acquire(clock.Now()); err == nil || !strings.Contains(err.Error(), "set-ups per second") {
		t.Fatalf("third set-up in the same instant: %v", err)
	}
	clock.Add(500 * time.Millisecond)
	if rel, err := r[0].Acquire(clock.Now()); err != nil {
		t.Fatalf("after refill: %v", err)
	} else {
		rel()
	}
	// Concurrent calls: one slot on "second".
	rel, err := r[1].Acquire(clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r[1].Acquire(clock.Now()); err == nil || !strings.Contains(err.Error(), "cap of 1 calls") {
		t.Fatalf("second concurrent call: %v", err)
	}
	rel()
	rel() // a second release is harmless
	if st, _ := ts.StatusOf(r[1].t.ID); st.ActiveCalls != 0 {
		t.Fatalf("active calls %d after release", st.ActiveCalls)
	}
	// Breaker: two refusals open it; a busy (the callee's answer) does not count.
	lt := r[1]
	log := discardLogger()
	lt.observe(503, clock.Now(), 10*time.Second, 2, log)
	lt.observe(486, clock.Now(), 10*time.Second, 2, log)
	lt.observe(503, clock.Now(), 10*time.Second, 2, log)
	if rel, err := lt.Acquire(clock.Now()); err != nil {
		t.Fatalf("breaker opened on non-consecutive refusals: %v", err)
	} else {
		rel()
	}
	lt.observe(0, clock.Now(), 10*time.Second, 2, log)
	if _, err := lt.Acquire(clock.Now()); err == nil || !strings.Contains(err.Error(), "circuit breaker") {
		t.Fatalf("breaker not open: %v", err)
	}
	if st, _ := ts.StatusOf(lt.t.ID); !st.BreakerOpen {
		t.Fatal("status does not show the open breaker")
	}
	clock.Add(11 * time.Second)
	rel, err = lt.Acquire(clock.Now())
	if err != nil {
		t.Fatalf("half-open trial refused: %v", err)
	}
	rel()
	lt.observe(200, clock.Now(), 10*time.Second, 2, log)
	lt.observe(503, clock.Now(), 10*time.Second, 2, log)
	if rel, err := lt.Acquire(clock.Now()); err != nil {
		t.Fatalf("one refusal after a success opened the breaker: %v", err)
	} else {
		rel()
	}
	// Keep-alive: no answer marks the trunk down; an answer, even 404, up.
	ts.PingAll(ctx, pingFunc(func(tr Trunk) (int, error) {
		if tr.Name == "first" {
			return 0, errors.New("timeout")
		}
		return 404, nil
	}))
	if _, err := r[0].Acquire(clock.Now()); err == nil || !strings.Contains(err.Error(), "down") {
		t.Fatalf("trunk without OPTIONS answer: %v", err)
	}
	if st, _ := ts.StatusOf(r[1].t.ID); !st.Up {
		t.Fatal("a 404 to OPTIONS marked the trunk down")
	}
	// A reload keeps live state of unchanged trunks.
	if err := ts.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	if st, _ := ts.StatusOf(r[0].t.ID); st.Up {
		t.Fatal("reload forgot the trunk was down")
	}
}

type pingFunc func(Trunk) (int, error)

func (f pingFunc) PingTrunk(_ context.Context, t Trunk) (int, error) { return f(t) }
