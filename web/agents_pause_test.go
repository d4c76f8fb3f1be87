package web

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/alo-dialer/alo/dialer"
	"github.com/alo-dialer/alo/dialer/agent"
	"github.com/alo-dialer/alo/dialer/media"
	"github.com/alo-dialer/alo/internal/testenv"
	"github.com/alo-dialer/alo/sqldb"
)

// steadyLeg is a phone leg that stays up.
type steadyLeg struct{ done chan struct{} }

func (steadyLeg) CallID() string                  { return "leg" }
func (steadyLeg) Media() *media.Stream            { return nil }
func (l steadyLeg) Done() <-chan struct{}         { return l.done }
func (steadyLeg) Hangup(context.Context) error    { return nil }
func (steadyLeg) KeepAlive(context.Context) error { return nil }

// TestPauseAfterCall: over the real agent registry, an agent on a call
// asks to be paused after it and takes the wish back, asks again and is
// paused with the reason when the call ends; asked while idle, the pause
// is at once. The body must say which.
func TestPauseAfterCall(t *testing.T) {
	ctx := context.Background()
	db := testenv.SQLite(t)
	if err := sqldb.Migrate(ctx, db, "web", Migrations); err != nil {
		t.Fatal(err)
	}
	if err := sqldb.Migrate(ctx, db, "dialer", dialer.Migrations); err != nil {
		t.Fatal(err)
	}
	reg := agent.NewRegistry(agent.Config{DB: db, Clock: time.Now, Log: slog.New(slog.DiscardHandler),
		Dial: func(context.Context, string) (agent.PhoneLeg, error) {
			return steadyLeg{done: make(chan struct{})}, nil
		}})
	t.Cleanup(reg.Close)
	changes := reg.Changes()
	ag, err := reg.CreateAgent(ctx, agent.NewAgent{Name: "Dilnoza", SIPURI: "sip:d@127.0.0.1", CampaignIDs: []int64{1}})
	if err != nil {
		t.Fatal(err)
	}
	users := NewUsers(db, func() time.Time { return testTime })
	_, tok, err := addRoleUser(ctx, users, "dilnoza", RoleAgent, ag.ID)
	if err != nil {
		t.Fatal(err)
	}
	a := &testAPI{t: t, tokens: map[Role]string{RoleAgent: tok}, h: NewServer(ServerConfig{Agents: reg, Users: users}).Handler()}
	put := func(body string) response {
		t.Helper()
		return a.call("PUT", "/api/v1/agents/1/pause-after-call", RoleAgent, "application/json", body)
	}
	awaitState := func(want agent.State) agent.Change {
		t.Helper()
		for {
			select {
			case c := <-changes:
				if c.State == want {
					return c
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("agent never %s", want)
			}
		}
	}
	if _, err := reg.SetReady(ctx, ag.ID); err != nil {
		t.Fatal(err)
	}
	awaitState(agent.Ready)
	res, ok := reg.Reserve(1)
	if !ok || !reg.StartCall(res) {
		t.Fatal("no call")
	}
	put(`{"reason":"lunch"}`).expect(t, http.StatusBadRequest, "invalid", "pause_after_call")
	put(`{"pause_after_call":true,"reason":"lunch"}`).expect(t, http.StatusOK, "")
	if st, _ := reg.Status(ag.ID); st.State != agent.OnCall || !st.PauseNext || st.PauseNextReason != "lunch" {
		t.Fatalf("after asking: %+v, want on the call with a pause to come", st)
	}
	put(`{"pause_after_call":false}`).expect(t, http.StatusOK, "")
	if st, _ := reg.Status(ag.ID); st.State != agent.OnCall || st.PauseNext {
		t.Fatalf("after taking it back: %+v", st)
	}
	put(`{"pause_after_call":true,"reason":"break"}`).expect(t, http.StatusOK, "")
	reg.EndCall(res)
	if st, _ := reg.Status(ag.ID); st.State != agent.Paused || st.Reason != "break" {
		t.Fatalf("after the call: %+v, want paused for break", st)
	}
	if _, err := reg.SetReady(ctx, ag.ID); err != nil {
		t.Fatal(err)
	}
	put(`{"pause_after_call":false}`).expect(t, http.StatusOK, "")
	if st, _ := reg.Status(ag.ID); st.State != agent.Ready {
		t.Fatalf("taking back a wish while idle changed the state: %+v", st)
	}
	put(`{"pause_after_call":true,"reason":"meeting"}`).expect(t, http.StatusOK, `"state":"paused"`)
	if st, _ := reg.Status(ag.ID); st.State != agent.Paused || st.Reason != "meeting" {
		t.Fatalf("asked while idle: %+v, want paused at once", st)
	}
	if r := put(`{"pause_after_call":true}`); !strings.Contains(r.body, `"id":1`) {
		t.Fatalf("answer %s, want the agent", r.body)
	}
}
