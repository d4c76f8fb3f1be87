package compliance

import (
	"context"
	"database/sql"
	"os"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

// openDNC returns a DNC list on a real SQLite file, with the Up migration applied.
func openDNC(t testing.TB, now time.Time) *DNCList {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+t.TempDir()+"/c.db?_pragma=journal_mode(WAL)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ddl, err := os.ReadFile("migrations/sqlite/00001_dnc.sql")
	if err != nil {
		t.Fatal(err)
	}
	up := strings.Split(string(ddl), "-- +goose Down")[0]
	if _, err := db.Exec(up); err != nil {
		t.Fatal(err)
	}
	l := NewDNCList(db, func() time.Time { return now })
	if err := l.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	return l
}

func TestBasicGate(t *testing.T) {
	ctx := context.Background()
	// 06:00 UTC = 11:00 in Tashkent (UTC+5), 01:00 in New York (UTC-5).
	at := time.Date(2026, 11, 23, 6, 0, 0, 0, time.UTC)
	dnc := openDNC(t, at)
	if err := dnc.AddDNC(ctx, "+998901234599", "asked by phone"); err != nil {
		t.Fatal(err)
	}
	g := NewBasicGate(dnc)
	day := Window{Start: 9 * 60, End: 20 * 60}

	tests := []struct {
		name       string
		req        Request
		allow      bool
		reason     string
		zones      string
		nextOpenAt time.Time
	}{
		{name: "uzbek mobile inside hours", req: Request{Number: "+998901234567", Window: day, At: at},
			allow: true, zones: "Asia/Tashkent"},
		{name: "on dnc", req: Request{Number: "+998901234599", Window: day, At: at},
			reason: "DNC"},
		{name: "new york at 01:00", req: Request{Number: "+12125550123", Window: day, At: at},
			reason: "outside", zones: "America/New_York",
			nextOpenAt: time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC)},
		{name: "explicit zone wins", req: Request{Number: "+12125550123", Zone: "Asia/Tashkent", Window: day, At: at},
			allow: true, zones: "Asia/Tashkent"},
		{name: "not e164", req: Request{Number: "998901234567", Window: day, At: at},
			reason: "E.164"},
		{name: "bad explicit zone fails closed", req: Request{Number: "+998901234567", Zone: "Mars/Olympus", Window: day, At: at},
			reason: "Mars/Olympus"},
		{name: "window end is exclusive", req: Request{Number: "+998901234567", Window: Window{Start: 9 * 60, End: 11 * 60}, At: at},
			reason: "outside"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := g.Check(ctx, tt.req)
			if err != nil {
				t.Fatal(err)
			}
			if d.Allow != tt.allow {
				t.Fatalf("Allow = %v, want %v (%s)", d.Allow, tt.allow, d.Reason)
			}
			if tt.reason != "" && !strings.Contains(d.Reason, tt.reason) {
				t.Errorf("Reason = %q, want it to mention %q", d.Reason, tt.reason)
			}
			if tt.zones != "" && strings.Join(d.Zones, ",") != tt.zones {
				t.Errorf("Zones = %v, want %s", d.Zones, tt.zones)
			}
			if d.RuleSet != BasicRuleSet || d.Checked == "" {
				t.Errorf("evidence incomplete: %+v", d)
			}
			if !tt.nextOpenAt.IsZero() && !d.NextAllowed.Equal(tt.nextOpenAt) {
				t.Errorf("NextAllowed = %v, want %v", d.NextAllowed, tt.nextOpenAt)
			}
			if d.Allow && len(d.Local) != len(d.Zones) {
				t.Errorf("local times %v for zones %v", d.Local, d.Zones)
			}
		})
	}
}

func TestBasicGateMultiZoneIntersection(t *testing.T) {
	// A US toll-free number maps to every US zone: the window is their
	// intersection, so 09:00 in New York is still too early while Honolulu
	// is at 04:00.
	g := NewBasicGate(nil)
	zs, err := ZonesForNumber("+18005550123")
	if err != nil || len(zs) < 2 {
		t.Fatalf("toll-free zones = %v, %v; want several", zs, err)
	}
	w := Window{Start: 9 * 60, End: 20 * 60}
	at := time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC) // 09:00 New York, 04:00 Honolulu
	d, err := g.Check(context.Background(), Request{Number: "+18005550123", Window: w, At: at})
	if err != nil {
		t.Fatal(err)
	}
	if d.Allow {
		t.Fatalf("allowed while Honolulu is at 04:00: %+v", d)
	}
	if d.NextAllowed.IsZero() {
		t.Fatal("no next opening for the intersection")
	}
}

func TestDNCList(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	l := openDNC(t, now)
	if err := l.AddDNC(ctx, "12345", ""); err == nil {
		t.Fatal("want error for non-E.164 number")
	}
	if err := l.AddDNC(ctx, "+77011234567", "first"); err != nil {
		t.Fatal(err)
	}
	if err := l.AddDNC(ctx, "+77011234567", "again"); err != nil {
		t.Fatalf("second add: %v", err)
	}
	if !l.Contains("+77011234567") {
		t.Fatal("added number not contained")
	}
	// A second list on the same database sees it after Load (another node).
	other := NewDNCList(l.db, l.clock)
	if err := other.Load(ctx); err != nil || !other.Contains("+77011234567") {
		t.Fatalf("reload: %v, contains=%v", err, other.Contains("+77011234567"))
	}
	es, err := l.ListDNC(ctx)
	if err != nil || len(es) != 1 || es[0].Note != "first" || !es[0].AddedAt.Equal(now) {
		t.Fatalf("ListDNC = %+v, %v", es, err)
	}
	if err := l.RemoveDNC(ctx, "+77011234567"); err != nil {
		t.Fatal(err)
	}
	if l.Contains("+77011234567") {
		t.Fatal("removed number still contained")
	}
	if err := l.RemoveDNC(ctx, "+77011234567"); err == nil {
		t.Fatal("removing an absent number: want ErrNotListed")
	}
}
