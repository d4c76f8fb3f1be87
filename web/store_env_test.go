package web

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/alo-dialer/alo/campaigns"
	"github.com/alo-dialer/alo/compliance"
	"github.com/alo-dialer/alo/dialer/agent"
	"github.com/alo-dialer/alo/internal/testenv"
	"github.com/alo-dialer/alo/sqldb"
)

// storeEnv is the API over the real stores on SQLite (web, campaigns and
// compliance migrated), with one user and token per role asked for.
type storeEnv struct {
	db     *sqldb.DB
	clock  func() time.Time
	users  *Users
	store  *campaigns.Store
	tokens map[Role]string
}

func newStoreEnv(t testing.TB, roles ...Role) *storeEnv {
	t.Helper()
	ctx := context.Background()
	e := &storeEnv{db: testenv.SQLite(t), clock: func() time.Time { return testTime }, tokens: map[Role]string{}}
	if err := sqldb.Migrate(ctx, e.db, "web", Migrations); err != nil {
		t.Fatal(err)
	}
	if err := sqldb.Migrate(ctx, e.db, "campaigns", campaigns.Migrations); err != nil {
		t.Fatal(err)
	}
	if err := sqldb.Migrate(ctx, e.db, "compliance", compliance.Migrations); err != nil {
		t.Fatal(err)
	}
	e.users = NewUsers(e.db, e.clock)
	e.store = campaigns.NewStore(e.db, e.clock)
	for _, role := range roles {
		_, tok, err := addRoleUser(ctx, e.users, string(role), role, envAgentID)
		if err != nil {
			t.Fatal(err)
		}
		e.tokens[role] = tok
	}
	return e
}

// api serves cfg, with the env's users, its campaigns store and fake
// agents unless cfg sets them, and a discarding log.
func (e *storeEnv) api(t *testing.T, cfg ServerConfig) *testAPI {
	t.Helper()
	a := &testAPI{t: t, tokens: e.tokens, waker: &fakeWaker{}}
	cfg.Users = e.users
	if cfg.Campaigns == nil {
		cfg.Campaigns = e.store
	}
	if cfg.Agents == nil {
		// The env's agent user's agent, working campaign 1.
		ag := newFakeAgents()
		ag.agents[envAgentID] = agent.Agent{ID: envAgentID, Name: "agent", SIPURI: "sip:agent@10.0.0.9", CampaignIDs: []int64{1}}
		cfg.Agents = ag
	}
	if cfg.Attempts == nil {
		cfg.Attempts = e.store
	}
	if cfg.Waker == nil {
		cfg.Waker = a.waker
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	a.h = NewServer(cfg).Handler()
	return a
}
