package web

import (
	"testing"
	"time"

	"github.com/alo-dialer/alo/dialer"
	"github.com/alo-dialer/alo/dialer/agent"
	"github.com/alo-dialer/alo/internal/testenv"
	"github.com/alo-dialer/alo/sqldb"
	"github.com/alo-dialer/alo/web/console"
)

// TestConsoleDirectory: the users page's lists come from the API's own
// stores: users with their role, agent, lock-out and last sign-in, the
// agents and the clients by name.
func TestConsoleDirectory(t *testing.T) {
	e := newAuthEnv(t, SignInConfig{}, SessionConfig{})
	e.setPassword(RoleMarketer, secretPassword)
	e.signInAs("marketer", secretPassword, "198.51.100.1").expect(t, 200, "")
	for range 5 {
		e.signInAs("agent", "not the password", "203.0.113.10")
	}
	if err := sqldb.Migrate(t.Context(), e.db, "dialer", dialer.Migrations); err != nil {
		t.Fatal(err)
	}
	registry := agent.NewRegistry(agent.Config{DB: e.db, Clock: e.clock, Log: testenv.Logger(t)})
	t.Cleanup(registry.Close)
	dilnoza, err := registry.CreateAgent(t.Context(), agent.NewAgent{Name: "Dilnoza", SIPURI: "sip:dilnoza@alo", CampaignIDs: []int64{1}})
	if err != nil {
		t.Fatal(err)
	}
	d := NewConsoleDirectory(e.users, e.signIn, registry, e.store)
	rows, err := d.Users(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	by := map[string]console.UserRow{}
	for _, r := range rows {
		by[r.Name] = r
	}
	if len(rows) != len(Roles) {
		t.Fatalf("%d rows: %+v", len(rows), rows)
	}
	if r := by["agent"]; r.Role != console.RoleAgent || r.AgentID != envAgentID || !r.LockedUntil.Equal(testTime.Add(15*time.Minute)) || !r.LastSignIn.IsZero() {
		t.Errorf("agent row %+v", r)
	}
	if r := by["marketer"]; !r.LastSignIn.Equal(testTime) || !r.LockedUntil.IsZero() || !r.HasPassword {
		t.Errorf("marketer row %+v", r)
	}
	agents, err := d.Agents(t.Context())
	if err != nil || len(agents) != 1 || agents[0] != (console.Choice{ID: dilnoza.ID, Name: "Dilnoza"}) {
		t.Errorf("agents %+v %v", agents, err)
	}
	clients, err := d.Clients(t.Context())
	if err != nil || len(clients) != 2 || clients[0].Name != "Bank A" {
		t.Errorf("clients %+v %v", clients, err)
	}
	// Without sign-in there are no lock-outs to show.
	rows, err = NewConsoleDirectory(e.users, nil, registry, e.store).Users(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if !r.LockedUntil.IsZero() {
			t.Errorf("%s locked without sign-in", r.Name)
		}
	}
}
