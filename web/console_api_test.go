package web

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/alo-dialer/alo/campaigns"
	"github.com/alo-dialer/alo/compliance"
	"github.com/alo-dialer/alo/dialer"
	"github.com/alo-dialer/alo/dialer/agent"
	"github.com/alo-dialer/alo/dialer/media"
	"github.com/alo-dialer/alo/sqldb"
)

// The API the agent console needs (scripts, callbacks for me or anyone,
// pause after this call, teams, pause reasons, my callbacks), over the
// real campaigns store and agent registry on SQLite and PostgreSQL.

// upLeg is an agent's phone leg that stays up until hung up.
type upLeg struct{ done chan struct{} }

func (l *upLeg) CallID() string                  { return "agent-leg" }
func (l *upLeg) Media() *media.Stream            { return nil }
func (l *upLeg) Done() <-chan struct{}           { return l.done }
func (l *upLeg) KeepAlive(context.Context) error { return nil }
func (l *upLeg) Hangup(context.Context) error {
	select {
	case <-l.done:
	default:
		close(l.done)
	}
	return nil
}

// consoleEnv is the API over the real stores: client 1 with campaigns 1
// and 2 (09:00–20:00 UTC), agents 1 (campaign 1, the agent user's) and 2
// (campaigns 1 and 2) whose phones answer at once, one user per role.
type consoleEnv struct {
	*testAPI
	db     *sqldb.DB
	store  *campaigns.Store
	agents *agent.Registry
	offers *fakeOffers
}

func newConsoleEnv(t *testing.T, db *sqldb.DB) *consoleEnv {
	t.Helper()
	ctx := context.Background()
	// forEachEngine has migrated the web's tables.
	for _, m := range []struct {
		owner string
		fs    fs.FS
	}{{"campaigns", campaigns.Migrations}, {"compliance", compliance.Migrations}, {"dialer", dialer.Migrations}} {
		if err := sqldb.Migrate(ctx, db, m.owner, m.fs); err != nil {
			t.Fatal(err)
		}
	}
	clock := func() time.Time { return testTime }
	e := &consoleEnv{db: db, store: campaigns.NewStore(db, clock), offers: &fakeOffers{open: map[int64]int64{}}}
	e.agents = agent.NewRegistry(agent.Config{DB: db, Clock: clock, Log: slog.New(slog.DiscardHandler),
		Dial: func(context.Context, string) (agent.PhoneLeg, error) { return &upLeg{done: make(chan struct{})}, nil }})
	t.Cleanup(e.agents.Close)
	cl, err := e.store.CreateClient(ctx, "Bank")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"cards", "loans"} {
		if _, err := e.store.CreateCampaign(ctx, campaigns.Campaign{ClientID: cl.ID, Name: name}); err != nil {
			t.Fatal(err)
		}
	}
	for i, camps := range [][]int64{{1}, {1, 2}} {
		if _, err := e.agents.CreateAgent(ctx, agent.NewAgent{Name: fmt.Sprintf("Agent %d", i+1), SIPURI: "sip:a@10.0.0.1", CampaignIDs: camps}); err != nil {
			t.Fatal(err)
		}
	}
	users := NewUsers(db, clock)
	e.testAPI = &testAPI{t: t, tokens: map[Role]string{}, waker: &fakeWaker{}, logs: &strings.Builder{}}
	for _, r := range Roles {
		_, tok, err := addRoleUser(ctx, users, string(r), r, testAgentID)
		if err != nil {
			t.Fatal(err)
		}
		e.tokens[r] = tok
	}
	e.h = NewServer(ServerConfig{Campaigns: e.store, Agents: e.agents, Users: users, Dispositions: e.store, Attempts: e.store,
		WrapUp: e.agents, Teams: e.agents, PauseReasons: e.agents, DNC: compliance.NewDNCList(db.DB, clock), Clock: clock,
		Waker: e.waker, Offers: e.offers, Log: slog.New(slog.NewTextHandler(&lockedWriter{w: e.logs}, nil))}).Handler()
	return e
}

// answeredCall adds a contact to campaign 1 and ends its first attempt,
// answered and bridged to agentID.
func (e *consoleEnv) answeredCall(phone string, agentID int64) int64 {
	e.t.Helper()
	ctx := context.Background()
	res, err := e.store.UpsertContacts(ctx, 1, []campaigns.NewContact{{Phone: phone, Name: "Contact " + phone[len(phone)-3:]}})
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.store.QueueDue(ctx, 1, testTime, 0); err != nil {
		e.t.Fatal(err)
	}
	a, err := e.store.BeginDialing(ctx, campaigns.AttemptKey{CampaignID: 1, ContactID: res.Added[0].ID, Number: 1}, campaigns.DialingInfo{AgentID: agentID})
	if err != nil {
		e.t.Fatal(err)
	}
	_ = e.store.MarkAnswered(ctx, a.ID, testTime)
	if err := e.store.Finish(ctx, a.ID, campaigns.Result{Outcome: campaigns.OutcomeHuman}); err != nil {
		e.t.Fatal(err)
	}
	return a.ID
}

const jsonCT = "application/json"

// TestScriptAPI: a marketer writes a campaign's script at create and
// replaces it; every clearly wrong placeholder is named; agents read it
// with the campaign.
func TestScriptAPI(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		e := newConsoleEnv(t, db)
		r := e.call("POST", "/api/v1/campaigns", RoleMarketer, jsonCT, `{"name":"welcome","client_id":1,"script":"Hello {{name}}, {{agent_name}} from {{campaign_name}} about your {{card_type}}."}`)
		r.expect(t, http.StatusCreated, "")
		var c campaignView
		r.decode(t, &c)
		if !strings.Contains(c.Script, "{{card_type}}") {
			t.Fatalf("created %+v", c)
		}
		e.call("POST", "/api/v1/campaigns", RoleMarketer, jsonCT, `{"name":"bad","client_id":1,"script":"Hi {{first name}} {{Name}} {{x"}`).
			expect(t, http.StatusBadRequest, "", "script", "script", "script")
		path := fmt.Sprintf("/api/v1/campaigns/%d/script", c.ID)
		e.call("PUT", path, RoleMarketer, jsonCT, `{"script":"Добрый день, {{name}}! {{ branch }}"}`).expect(t, http.StatusOK, "")
		r = e.call("PUT", path, RoleMarketer, jsonCT, `{"script":"{{}} and }}"}`)
		r.expect(t, http.StatusBadRequest, "", "script", "script")
		if !strings.Contains(r.body, "names no field") || !strings.Contains(r.body, "without {{") {
			t.Fatalf("reasons: %s", r.body)
		}
		e.call("PUT", path, RoleMarketer, jsonCT, `{}`).expect(t, http.StatusBadRequest, "invalid request", "script")
		e.call("PUT", "/api/v1/campaigns/99/script", RoleAdmin, jsonCT, `{"script":""}`).expect(t, http.StatusNotFound, "campaign 99")
		e.call("PUT", path, RoleSupervisor, jsonCT, `{"script":""}`).expect(t, http.StatusForbidden, "role supervisor")
		// The agent (of agent 1, working campaign 1) reads it with the campaign.
		e.call("PUT", "/api/v1/campaigns/1/script", RoleAdmin, jsonCT, `{"script":"Hello {{name}}"}`).expect(t, http.StatusOK, "")
		e.call("GET", "/api/v1/campaigns/1", RoleAgent, "", "").decode(t, &c)
		if c.Script != "Hello {{name}}" {
			t.Fatalf("the agent's view %+v", c)
		}
		if got, _ := e.store.GetCampaign(context.Background(), 3); got.Script != "Добрый день, {{name}}! {{ branch }}" {
			t.Fatalf("stored %q", got.Script)
		}
	})
}

// TestCallbackForAPI: the agent promises a callback for themselves or for
// anyone; "my callbacks" lists theirs for the day asked, in the zone asked;
// a bad callback_for, day or zone is named; a time outside the campaign's
// hours is refused naming callback_at.
func TestCallbackForAPI(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		e := newConsoleEnv(t, db)
		mine := e.answeredCall("+77011000401", testAgentID)
		pool := e.answeredCall("+77011000402", testAgentID)
		other := e.answeredCall("+77011000403", 2)
		dispose := func(aid int64, role Role, body string) response {
			return e.call("POST", fmt.Sprintf("/api/v1/attempts/%d/disposition", aid), role, jsonCT, body)
		}
		dispose(mine, RoleAgent, `{"code":"callback","callback_at":"2026-03-02T20:30:00Z","callback_for":"me"}`).
			expect(t, http.StatusBadRequest, "", "callback_at")
		dispose(mine, RoleAgent, `{"code":"callback","callback_at":"2026-03-02T16:30:00+05:00","callback_for":"boss"}`).
			expect(t, http.StatusBadRequest, "invalid request", "callback_for")
		dispose(mine, RoleAgent, `{"code":"callback","callback_at":"2026-03-02T16:30:00+05:00","callback_for":"me","notes":"after lunch"}`).
			expect(t, http.StatusOK, "")
		dispose(pool, RoleAgent, `{"code":"callback","callback_at":"2026-03-02T12:00:00Z","callback_for":"anyone"}`).expect(t, http.StatusOK, "")
		// A supervisor disposing for agent 2: "me" is the agent who took the call.
		dispose(other, RoleSupervisor, `{"code":"callback","callback_at":"2026-03-02T13:00:00Z"}`).expect(t, http.StatusOK, "")

		var cbs []campaigns.Callback
		e.call("GET", "/api/v1/agents/1/callbacks", RoleAgent, "", "").decode(t, &cbs)
		if len(cbs) != 1 || cbs[0].Phone != "+77011000401" || cbs[0].CampaignName != "cards" || !cbs[0].At.Equal(time.Date(2026, 3, 2, 11, 30, 0, 0, time.UTC)) ||
			cbs[0].Name != "Contact 401" {
			t.Fatalf("my callbacks today: %+v", cbs)
		}
		r := e.call("GET", "/api/v1/agents/1/callbacks?day=2026-03-02&tz=Asia/Tashkent", RoleSupervisor, "", "")
		if r.expect(t, http.StatusOK, ""); !strings.Contains(r.body, `"callback_at":"2026-03-02T16:30:00+05:00"`) {
			t.Fatalf("in Tashkent: %s", r.body)
		}
		e.call("GET", "/api/v1/agents/2/callbacks", RoleAdmin, "", "").decode(t, &cbs)
		if len(cbs) != 1 || cbs[0].Phone != "+77011000403" {
			t.Fatalf("agent 2's: %+v", cbs)
		}
		e.call("GET", "/api/v1/agents/1/callbacks?day=2026-03-03", RoleAgent, "", "").decode(t, &cbs)
		if len(cbs) != 0 {
			t.Fatalf("tomorrow: %+v", cbs)
		}
		e.call("GET", "/api/v1/agents/1/callbacks?day=3/2/2026&tz=Mars/Olympus", RoleAgent, "", "").
			expect(t, http.StatusBadRequest, "invalid request", "tz", "day")
		e.call("GET", "/api/v1/agents/9/callbacks", RoleAdmin, "", "").expect(t, http.StatusNotFound, "agent 9")
		e.call("GET", "/api/v1/agents/2/callbacks", RoleAgent, "", "").expect(t, http.StatusForbidden, "only as themselves")
	})
}

// TestPauseAfterCallAPI: the agent asks to pause after the call they are
// on and withdraws it; the pause lands when the call ends; a logged-out
// agent is a 409; the body is checked.
func TestPauseAfterCallAPI(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		e := newConsoleEnv(t, db)
		put := func(role Role, body string) response {
			return e.call("PUT", "/api/v1/agents/1/pause-after-call", role, jsonCT, body)
		}
		put(RoleAgent, `{"pause_after_call":true}`).expect(t, http.StatusConflict, "not logged in")
		put(RoleAgent, `{"reason":"lunch"}`).expect(t, http.StatusBadRequest, "invalid request", "pause_after_call")
		put(RoleAgent, `{"pause_after_call":"yes"}`).expect(t, http.StatusBadRequest, "invalid request", "pause_after_call")

		woken := e.agents.Ready()
		e.call("POST", "/api/v1/agents/1/ready", RoleAgent, "", "").expect(t, http.StatusOK, "")
		select {
		case <-woken:
		case <-time.After(5 * time.Second):
			t.Fatal("the agent's leg never came up")
		}
		res, ok := e.agents.Reserve(1)
		if !ok || !e.agents.StartCall(res) {
			t.Fatal("no call")
		}
		var ag agent.Agent
		put(RoleAgent, `{"pause_after_call":true,"reason":" break "}`).decode(t, &ag)
		if ag.State != agent.OnCall || !ag.PauseAfterCall || ag.PauseAfterCallReason != "break" {
			t.Fatalf("asked: %+v", ag)
		}
		put(RoleSupervisor, `{"pause_after_call":false}`).decode(t, &ag)
		if ag.PauseAfterCall {
			t.Fatalf("withdrawn by the supervisor: %+v", ag)
		}
		put(RoleAgent, `{"pause_after_call":true,"reason":"break"}`).expect(t, http.StatusOK, "")
		e.agents.EndCall(res)
		e.call("GET", "/api/v1/agents/1", RoleAgent, "", "").decode(t, &ag)
		if ag.State != agent.Paused || ag.PauseReason != "break" {
			t.Fatalf("after the call: %+v", ag)
		}
		e.call("PUT", "/api/v1/agents/2/pause-after-call", RoleAgent, jsonCT, `{"pause_after_call":true}`).
			expect(t, http.StatusForbidden, "only as themselves")
		e.call("PUT", "/api/v1/agents/1/pause-after-call", RoleMarketer, jsonCT, `{"pause_after_call":true}`).
			expect(t, http.StatusForbidden, "role marketer")
	})
}

// TestTeamsAPI: an admin creates, renames and deletes teams and sets an
// agent's teams; bad names, duplicates and unknown teams are named.
func TestTeamsAPI(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		e := newConsoleEnv(t, db)
		var day, night agent.Team
		r := e.admin("POST", "/api/v1/teams", `{"name":"Day shift"}`)
		r.expect(t, http.StatusCreated, "")
		r.decode(t, &day)
		e.admin("POST", "/api/v1/teams", `{"name":"Night"}`).decode(t, &night)
		e.admin("POST", "/api/v1/teams", `{"name":"Day shift"}`).expect(t, http.StatusConflict, `a team named "Day shift" already exists`)
		e.admin("POST", "/api/v1/teams", `{"name":""}`).expect(t, http.StatusBadRequest, "invalid request", "name")
		e.admin("POST", "/api/v1/teams", `{"name":"a\u0007b"}`).expect(t, http.StatusBadRequest, "invalid request", "name")
		e.admin("PATCH", fmt.Sprintf("/api/v1/teams/%d", night.ID), `{"name":"Evening"}`).decode(t, &night)
		if night.Name != "Evening" {
			t.Fatalf("renamed %+v", night)
		}
		e.admin("PATCH", "/api/v1/teams/99", `{"name":"x"}`).expect(t, http.StatusNotFound, "team 99")

		var ag agent.Agent
		e.admin("PUT", "/api/v1/agents/2/teams", fmt.Sprintf(`{"team_ids":[%d,%d]}`, night.ID, day.ID)).decode(t, &ag)
		if !slices.Equal(ag.TeamIDs, []int64{day.ID, night.ID}) {
			t.Fatalf("agent 2's teams %+v", ag)
		}
		e.admin("PUT", "/api/v1/agents/1/teams", fmt.Sprintf(`{"team_ids":[%d,77,0]}`, day.ID)).
			expect(t, http.StatusBadRequest, "invalid request", "team_ids[2]")
		e.admin("PUT", "/api/v1/agents/1/teams", fmt.Sprintf(`{"team_ids":[%d,77]}`, day.ID)).
			expect(t, http.StatusBadRequest, "", "team_ids[1]")
		e.admin("PUT", "/api/v1/agents/1/teams", `{}`).expect(t, http.StatusBadRequest, "invalid request", "team_ids")
		e.admin("PUT", "/api/v1/agents/1/teams", fmt.Sprintf(`{"team_ids":[%d]}`, day.ID)).expect(t, http.StatusOK, "")

		var teams []agent.Team
		e.call("GET", "/api/v1/teams", RoleSupervisor, "", "").decode(t, &teams)
		if len(teams) != 2 || teams[0].Name != "Day shift" || !slices.Equal(teams[0].AgentIDs, []int64{1, 2}) {
			t.Fatalf("teams %+v", teams)
		}
		var as []agent.Agent
		e.call("GET", "/api/v1/agents", RoleSupervisor, "", "").decode(t, &as)
		if !slices.Equal(as[0].TeamIDs, []int64{day.ID}) {
			t.Fatalf("agents %+v", as)
		}
		e.call("POST", "/api/v1/teams", RoleSupervisor, jsonCT, `{"name":"x"}`).expect(t, http.StatusForbidden, "role supervisor")
		e.call("DELETE", fmt.Sprintf("/api/v1/teams/%d", day.ID), RoleAdmin, "", "").expect(t, http.StatusNoContent, "")
		e.call("DELETE", fmt.Sprintf("/api/v1/teams/%d", day.ID), RoleAdmin, "", "").expect(t, http.StatusNotFound, "not found")
		if !strings.Contains(e.logs.String(), `msg="team deleted"`) || !strings.Contains(e.logs.String(), "user=admin") {
			t.Fatalf("team changes are not logged with the user:\n%s", e.logs)
		}
	})
}

// TestPauseReasonsAPI: an admin keeps the list (a code again replaces
// it), each reason for every campaign or some; agents read the ones
// offered to them and must pause with one.
func TestPauseReasonsAPI(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		e := newConsoleEnv(t, db)
		e.admin("POST", "/api/v1/pause-reasons", `{"code":"lunch","label":"Lunch"}`).expect(t, http.StatusCreated, "")
		e.admin("POST", "/api/v1/pause-reasons", `{"code":"coaching","label":"Coaching","campaign_ids":[2]}`).expect(t, http.StatusCreated, "")
		var p agent.PauseReason
		r := e.admin("POST", "/api/v1/pause-reasons", `{"code":"lunch","label":"Обед"}`)
		r.expect(t, http.StatusOK, "")
		r.decode(t, &p)
		if p.Label != "Обед" {
			t.Fatalf("replaced %+v", p)
		}
		e.admin("POST", "/api/v1/pause-reasons", `{"code":"Tea Break","label":" ","campaign_ids":[9,0,1]}`).
			expect(t, http.StatusBadRequest, "invalid request", "code", "label", "campaign_ids[1]", "campaign_ids[0]")
		e.admin("POST", "/api/v1/pause-reasons", `{"code":"tea","label":"Tea","campaign_ids":"1"}`).
			expect(t, http.StatusBadRequest, "invalid request", "campaign_ids")
		codes := func(role Role, query string) string {
			t.Helper()
			var ps []agent.PauseReason
			e.call("GET", "/api/v1/pause-reasons"+query, role, "", "").decode(t, &ps)
			var out []string
			for _, p := range ps {
				out = append(out, p.Code)
			}
			return strings.Join(out, ",")
		}
		for _, c := range []struct {
			role         Role
			query, codes string
		}{
			{RoleAdmin, "", "lunch,coaching"}, {RoleSupervisor, "?campaign_id=1", "lunch"}, {RoleCompliance, "?campaign_id=2", "lunch,coaching"},
			{RoleAgent, "", "lunch"}, // agent 1 works campaign 1 only
		} {
			if got := codes(c.role, c.query); got != c.codes {
				t.Errorf("%s %s: %s, want %s", c.role, c.query, got, c.codes)
			}
		}
		e.call("GET", "/api/v1/pause-reasons?campaign_id=2", RoleAgent, "", "").expect(t, http.StatusNotFound, "campaign 2")
		e.call("GET", "/api/v1/pause-reasons?campaign_id=x", RoleAdmin, "", "").expect(t, http.StatusBadRequest, "invalid request", "campaign_id")

		e.call("POST", "/api/v1/agents/1/pause", RoleAgent, jsonCT, `{"reason":"coaching"}`).expect(t, http.StatusBadRequest, "", "reason")
		e.call("POST", "/api/v1/agents/1/pause", RoleAgent, jsonCT, `{"reason":"lunch"}`).expect(t, http.StatusOK, "")
		e.call("POST", "/api/v1/agents/2/pause", RoleSupervisor, jsonCT, `{"reason":"coaching"}`).expect(t, http.StatusOK, "")

		e.call("POST", "/api/v1/pause-reasons", RoleSupervisor, jsonCT, `{"code":"x","label":"x"}`).expect(t, http.StatusForbidden, "role supervisor")
		e.call("DELETE", fmt.Sprintf("/api/v1/pause-reasons/%d", p.ID), RoleAdmin, "", "").expect(t, http.StatusNoContent, "")
		e.call("DELETE", fmt.Sprintf("/api/v1/pause-reasons/%d", p.ID), RoleAdmin, "", "").expect(t, http.StatusNotFound, "not found")
		if got := codes(RoleAdmin, ""); got != "coaching" {
			t.Fatalf("after the delete: %s", got)
		}
	})
}
