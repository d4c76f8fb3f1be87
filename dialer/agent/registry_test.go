package agent

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/alo-dialer/alo/dialer/media"
	"github.com/alo-dialer/alo/dialer/schema"
	"github.com/alo-dialer/alo/input"
	"github.com/alo-dialer/alo/internal/testenv"
	"github.com/alo-dialer/alo/sqldb"
)

// fakeLeg is a phone leg that stays up until hung up.
type fakeLeg struct{ done chan struct{} }

func (l *fakeLeg) CallID() string                  { return "leg-1" }
func (l *fakeLeg) Media() *media.Stream            { return nil }
func (l *fakeLeg) Done() <-chan struct{}           { return l.done }
func (l *fakeLeg) KeepAlive(context.Context) error { return nil }
func (l *fakeLeg) Hangup(context.Context) error {
	select {
	case <-l.done:
	default:
		close(l.done)
	}
	return nil
}

// forEachEngine runs fn on SQLite and PostgreSQL with the dialer's tables.
func forEachEngine(t *testing.T, fn func(t *testing.T, db *sqldb.DB)) {
	t.Helper()
	for _, e := range testenv.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			db := e.Open(t)
			if err := sqldb.Migrate(context.Background(), db, "dialer", schema.Migrations); err != nil {
				t.Fatal(err)
			}
			fn(t, db)
		})
	}
}

// newTestRegistry is a registry whose phones answer at once, with agents
// 1 and 2 (campaigns 1, and 1 and 2).
func newTestRegistry(t *testing.T, db *sqldb.DB) *Registry {
	t.Helper()
	r := NewRegistry(Config{DB: db, Clock: time.Now, Log: testenv.Logger(t),
		Dial: func(context.Context, string) (PhoneLeg, error) { return &fakeLeg{done: make(chan struct{})}, nil }})
	t.Cleanup(r.Close)
	for i, camps := range [][]int64{{1}, {1, 2}} {
		if _, err := r.CreateAgent(context.Background(), NewAgent{Name: "agent " + string(rune('A'+i)), SIPURI: "sip:a@10.0.0.1", CampaignIDs: camps}); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

// problemFields lists the fields an *input.Error names.
func problemFields(err error) []string {
	var ie *input.Error
	if !errors.As(err, &ie) {
		return nil
	}
	var out []string
	for _, p := range ie.Problems {
		out = append(out, p.Field)
	}
	return out
}

// TestTeams: teams are created, renamed, listed with their agents and
// deleted; agents' membership is replaced as a whole and shows on the
// agent; duplicates, bad names and unknown teams are refused by field.
func TestTeams(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		r := newTestRegistry(t, db)
		day, err := r.CreateTeam(ctx, "  Day shift ")
		if err != nil || day.Name != "Day shift" || len(day.AgentIDs) != 0 {
			t.Fatalf("create: %+v %v", day, err)
		}
		night, _ := r.CreateTeam(ctx, "Night shift")
		if _, err := r.CreateTeam(ctx, "Day shift"); !errors.Is(err, ErrConflict) {
			t.Fatalf("duplicate: %v", err)
		}
		for _, bad := range []string{"", "  ", strings.Repeat("x", MaxTeamName+1), "a\nb"} {
			if _, err := r.CreateTeam(ctx, bad); !slices.Equal(problemFields(err), []string{"name"}) {
				t.Errorf("name %q: %v", bad, err)
			}
		}
		if _, err := r.RenameTeam(ctx, night.ID, "Day shift"); !errors.Is(err, ErrConflict) {
			t.Fatalf("rename onto another: %v", err)
		}
		if _, err := r.RenameTeam(ctx, 99, "x"); !errors.Is(err, input.ErrNotFound) {
			t.Fatalf("rename unknown: %v", err)
		}
		if got, err := r.RenameTeam(ctx, night.ID, "Evening"); err != nil || got.Name != "Evening" {
			t.Fatalf("rename: %+v %v", got, err)
		}

		ag, err := r.SetAgentTeams(ctx, 1, []int64{night.ID, day.ID, day.ID})
		if err != nil || !slices.Equal(ag.TeamIDs, []int64{day.ID, night.ID}) {
			t.Fatalf("set teams: %+v %v", ag, err)
		}
		if _, err := r.SetAgentTeams(ctx, 2, []int64{day.ID}); err != nil {
			t.Fatal(err)
		}
		if _, err := r.SetAgentTeams(ctx, 2, []int64{day.ID, 98, 99}); !slices.Equal(problemFields(err), []string{"team_ids[1]", "team_ids[2]"}) {
			t.Fatalf("unknown teams: %v", err)
		}
		if _, err := r.SetAgentTeams(ctx, 9, nil); !errors.Is(err, input.ErrNotFound) {
			t.Fatalf("unknown agent: %v", err)
		}
		teams, err := r.ListTeams(ctx)
		if err != nil || len(teams) != 2 || teams[0].Name != "Day shift" || !slices.Equal(teams[0].AgentIDs, []int64{1, 2}) ||
			!slices.Equal(teams[1].AgentIDs, []int64{1}) {
			t.Fatalf("list: %+v %v", teams, err)
		}
		if err := r.DeleteTeam(ctx, day.ID); err != nil {
			t.Fatal(err)
		}
		if err := r.DeleteTeam(ctx, day.ID); !errors.Is(err, input.ErrNotFound) {
			t.Fatalf("delete twice: %v", err)
		}
		as, _ := r.ListAgents(ctx)
		if !slices.Equal(as[0].TeamIDs, []int64{night.ID}) || len(as[1].TeamIDs) != 0 || as[1].TeamIDs == nil {
			t.Fatalf("agents after the delete: %+v", as)
		}
		if _, err := r.SetAgentTeams(ctx, 1, nil); err != nil {
			t.Fatal(err)
		}
		if got, _ := r.GetAgent(ctx, 1); len(got.TeamIDs) != 0 {
			t.Fatalf("teams cleared: %+v", got)
		}
	})
}

// TestPauseReasons: reasons are added and replaced by code, offered for
// every campaign or some, deleted; a pause must use one the agent is
// offered once the floor keeps a list.
func TestPauseReasons(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		r := newTestRegistry(t, db)
		// No list yet: any words.
		if _, err := r.SetPaused(ctx, 1, "обед"); err != nil {
			t.Fatal(err)
		}
		lunch, created, err := r.SavePauseReason(ctx, PauseReason{Code: "lunch", Label: "Lunch"})
		if err != nil || !created || lunch.Code != "lunch" || len(lunch.CampaignIDs) != 0 {
			t.Fatalf("save: %+v %v %v", lunch, created, err)
		}
		coach, _, err := r.SavePauseReason(ctx, PauseReason{Code: "coaching", Label: "Coaching", CampaignIDs: []int64{2, 2}})
		if err != nil || !slices.Equal(coach.CampaignIDs, []int64{2}) {
			t.Fatalf("save with campaigns: %+v %v", coach, err)
		}
		again, created, err := r.SavePauseReason(ctx, PauseReason{Code: "lunch", Label: "Обед"})
		if err != nil || created || again.ID != lunch.ID || again.Label != "Обед" {
			t.Fatalf("replace: %+v %v %v", again, created, err)
		}
		_, _, err = r.SavePauseReason(ctx, PauseReason{Code: "Lunch Break", Label: " ", CampaignIDs: []int64{1, 0}})
		if !slices.Equal(problemFields(err), []string{"code", "label", "campaign_ids[1]"}) {
			t.Fatalf("bad reason: %v", err)
		}
		for _, c := range []struct {
			camps []int64
			want  []string
		}{{[]int64{1}, []string{"lunch"}}, {[]int64{1, 2}, []string{"lunch", "coaching"}}, {nil, []string{"lunch"}}} {
			got, err := r.PauseReasonsFor(ctx, c.camps)
			var codes []string
			for _, p := range got {
				codes = append(codes, p.Code)
			}
			if err != nil || !slices.Equal(codes, c.want) {
				t.Errorf("reasons for %v: %v %v", c.camps, codes, err)
			}
		}
		if _, err := r.SetPaused(ctx, 1, "coaching"); !slices.Equal(problemFields(err), []string{"reason"}) ||
			!strings.Contains(err.Error(), "(lunch)") {
			t.Fatalf("a reason agent 1 is not offered: %v", err)
		}
		for _, ok := range []struct {
			agent  int64
			reason string
		}{{1, "lunch"}, {1, ""}, {2, "coaching"}} {
			if _, err := r.SetPaused(ctx, ok.agent, ok.reason); err != nil {
				t.Errorf("pause %d with %q: %v", ok.agent, ok.reason, err)
			}
			var saved string
			if err := db.QueryRow(`SELECT pause_reason FROM agents WHERE id = $1`, ok.agent).Scan(&saved); err != nil || saved != ok.reason {
				t.Errorf("agent %d paused with %q %v, want %q", ok.agent, saved, err, ok.reason)
			}
		}
		if err := r.DeletePauseReason(ctx, coach.ID); err != nil {
			t.Fatal(err)
		}
		if err := r.DeletePauseReason(ctx, coach.ID); !errors.Is(err, input.ErrNotFound) {
			t.Fatalf("delete twice: %v", err)
		}
		if all, _ := r.PauseReasons(ctx); len(all) != 1 || all[0].Code != "lunch" {
			t.Fatalf("after delete: %+v", all)
		}
	})
}

// readyAgent logs agent id in and waits until their phone's leg is up.
func readyAgent(t *testing.T, r *Registry, id int64) {
	t.Helper()
	woken := r.Ready()
	if _, err := r.SetReady(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	select {
	case <-woken:
	case <-time.After(5 * time.Second):
		t.Fatal("the agent's leg never came up")
	}
}

// TestPauseAfterCall: a pause asked for during a call waits for its end
// (or for the wrap-up's), can be withdrawn meanwhile, applies at once
// without a call, and needs a logged-in agent.
func TestPauseAfterCall(t *testing.T) {
	db := testenv.SQLite(t)
	if err := sqldb.Migrate(context.Background(), db, "dialer", schema.Migrations); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	r := newTestRegistry(t, db)
	if _, err := r.PauseAfterCall(ctx, 1, true, ""); !errors.Is(err, ErrConflict) {
		t.Fatalf("logged out: %v", err)
	}
	if _, err := r.PauseAfterCall(ctx, 9, true, ""); !errors.Is(err, input.ErrNotFound) {
		t.Fatalf("unknown agent: %v", err)
	}
	readyAgent(t, r, 1)
	onCall := func(wrap time.Duration) Reservation {
		t.Helper()
		res, ok := r.Reserve(1)
		if !ok || !r.StartCall(res) {
			t.Fatal("no call for the agent")
		}
		res.WrapUp = wrap
		return res
	}
	state := func(want State, after bool, reason string) {
		t.Helper()
		ag, err := r.GetAgent(ctx, 1)
		if err != nil || ag.State != want || ag.PauseAfterCall != after || (ag.PauseReason+ag.PauseAfterCallReason) != reason {
			t.Fatalf("agent %+v %v, want %s after=%v %q", ag, err, want, after, reason)
		}
	}

	res := onCall(0)
	if ag, err := r.PauseAfterCall(ctx, 1, true, "break"); err != nil || !ag.PauseAfterCall || ag.State != OnCall {
		t.Fatalf("asked on a call: %+v %v", ag, err)
	}
	state(OnCall, true, "break")
	r.EndCall(res)
	state(Paused, false, "break")

	readyAgent(t, r, 1)
	res = onCall(time.Hour)
	if _, err := r.PauseAfterCall(ctx, 1, true, "break"); err != nil {
		t.Fatal(err)
	}
	if ag, err := r.PauseAfterCall(ctx, 1, false, ""); err != nil || ag.PauseAfterCall {
		t.Fatalf("withdrawn: %+v %v", ag, err)
	}
	r.EndCall(res)
	state(WrapUp, false, "")
	if _, err := r.PauseAfterCall(ctx, 1, true, "lunch"); err != nil {
		t.Fatal(err)
	}
	state(WrapUp, true, "lunch")
	r.EndWrapUp(1)
	state(Paused, false, "lunch")
	// A restart restores the pause asked for.
	var login, reason string
	if err := db.QueryRow(`SELECT login, pause_reason FROM agents WHERE id = 1`).Scan(&login, &reason); err != nil || login != "paused" || reason != "lunch" {
		t.Fatalf("saved login %q %q %v", login, reason, err)
	}

	readyAgent(t, r, 1)
	if ag, err := r.PauseAfterCall(ctx, 1, false, ""); err != nil || ag.State != Ready {
		t.Fatalf("withdrawn with no call: %+v %v", ag, err)
	}
	if ag, err := r.PauseAfterCall(ctx, 1, true, "break"); err != nil || ag.State != Paused || ag.PauseReason != "break" {
		t.Fatalf("asked with no call: %+v %v", ag, err)
	}
}
