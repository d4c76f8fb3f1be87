package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The agent console's stream as the page reads it (web/console/view.go),
// only what these tests check.
type (
	consoleAgent struct {
		ID           int64      `json:"id"`
		Name         string     `json:"name"`
		State        string     `json:"state"`
		Since        time.Time  `json:"since"`
		WrapUpEndsAt *time.Time `json:"wrap_up_ends_at"`
	}
	consoleField struct{ Key, Value string }
	consolePop   struct {
		AttemptID    int64     `json:"attempt_id"`
		CampaignID   int64     `json:"campaign_id"`
		CampaignName string    `json:"campaign_name"`
		BridgedAt    time.Time `json:"bridged_at"`
		Contact      struct {
			ID     int64
			Name   string
			Phone  string
			Fields []consoleField
		} `json:"contact"`
		Dispositions []struct{ Code string } `json:"dispositions"`
	}
	consoleDay struct {
		Calls     int   `json:"calls"`
		Successes int   `json:"successes"`
		TalkMS    int64 `json:"talk_ms"`
	}
)

// sseEvent is one event of a stream and when it arrived here.
type sseEvent struct {
	id, name string
	data     []byte
	at       time.Time
}

// eventStream is GET /api/v1/events read as EventSource reads it.
type eventStream struct {
	t      *testing.T
	events chan sseEvent
	cancel context.CancelFunc
}

// openEvents opens the stream with c's session cookie.
func openEvents(t *testing.T, c *apiClient) *eventStream {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", c.base+"/events", nil)
	req.Header.Set("Accept", "text/event-stream")
	res, err := c.http.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK {
		cancel()
		t.Fatalf("GET /api/v1/events: %s", res.Status)
	}
	s := &eventStream{t: t, events: make(chan sseEvent, 10000), cancel: cancel}
	t.Cleanup(func() { cancel(); res.Body.Close() })
	go func() {
		defer close(s.events)
		sc := bufio.NewScanner(res.Body)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		var e sseEvent
		for sc.Scan() {
			line := sc.Text()
			if line == "" {
				if e.name != "" {
					e.at = time.Now()
					s.events <- e
				}
				e = sseEvent{}
				continue
			}
			field, value, _ := strings.Cut(line, ":")
			value = strings.TrimPrefix(value, " ")
			switch field {
			case "id":
				e.id = value
			case "event":
				e.name = value
			case "data":
				e.data = []byte(value)
			}
		}
	}()
	return s
}

// next returns the next event named name, skipping others, decoding its
// data into v.
func (s *eventStream) next(name string, within time.Duration, v any) sseEvent {
	s.t.Helper()
	timeout := time.After(within)
	for {
		select {
		case e, ok := <-s.events:
			if !ok {
				s.t.Fatalf("the event stream ended while waiting for %s", name)
			}
			if e.name != name {
				continue
			}
			if v != nil {
				if err := json.Unmarshal(e.data, v); err != nil {
					s.t.Fatalf("%s data %s: %v", name, e.data, err)
				}
			}
			return e
		case <-timeout:
			s.t.Fatalf("no %s event in %v", name, within)
		}
	}
}

// nextState returns the next agent.state with state want.
func (s *eventStream) nextState(want string, within time.Duration) (consoleAgent, sseEvent) {
	s.t.Helper()
	deadline := time.Now().Add(within)
	for {
		var a consoleAgent
		e := s.next("agent.state", time.Until(deadline), &a)
		if a.State == want {
			return a, e
		}
	}
}

// agentPassword is the password of every agent user addAgentUser makes.
const agentPassword = "correct horse battery staple"

// consoleURL is where the stack serves the consoles (/signin, /agent).
func (s *stack) consoleURL() string { return strings.TrimSuffix(s.api.base, "/api/v1") }

// addAgentUser creates a user name of role agent for agentID, with
// agentPassword, through the admin API: a browser signs in as them on
// consoleURL()+"/signin".
func addAgentUser(t *testing.T, admin *apiClient, name string, agentID int64) {
	t.Helper()
	admin.do("POST", "/users", map[string]any{"name": name, "role": "agent", "password": agentPassword, "agent_id": agentID}, nil)
}

// signInAgent adds an agent user (addAgentUser) and signs in as them with
// the password (POST /api/v1/session): the client it returns carries their
// session cookie, as a browser does.
func signInAgent(t *testing.T, admin *apiClient, name string, agentID int64) *apiClient {
	t.Helper()
	addAgentUser(t, admin, name, agentID)
	jar, _ := cookiejar.New(nil)
	c := &apiClient{t: t, base: admin.base, log: admin.log, http: http.Client{Jar: jar}}
	var me struct {
		Role    string
		AgentID int64 `json:"agent_id"`
	}
	c.do("POST", "/session", map[string]string{"name": name, "password": agentPassword}, &me)
	if me.Role != "agent" || me.AgentID != agentID {
		t.Fatalf("signed in as %+v, want agent %d", me, agentID)
	}
	return c
}

// TestAgentConsoleLive: in `alo serve` with sipp as carrier and agent
// phone, an agent user signs in with a password and opens the live stream
// as the console does: the snapshot, then ready; each call answered by a
// customer pops with the contact as loaded (name, number, custom fields)
// and the campaign's codes, ends with the wrap-up deadline, and leaves the
// screen when the agent disposes it; the day counts the calls. It measures
// how long each screen pop takes from the bridge to this client.
func TestAgentConsoleLive(t *testing.T) {
	serial(t)
	st := startStack(t, "uas_carrier.xml", "e2e-console")
	api := st.api

	var client struct{ ID int64 }
	api.do("POST", "/clients", map[string]any{"name": "e2e bank"}, &client)
	var camp struct{ ID int64 }
	api.do("POST", "/campaigns", map[string]any{"name": "Card activation", "client_id": client.ID, "type": "outbound_list",
		"daily_start": "00:00", "daily_end": "23:59", "time_zone": "UTC", "ring_timeout": "15s", "max_attempts": 1, "wrap_up": "2m"}, &camp)
	// Every number ends in 0-6: the carrier answers and hangs up after 4 s.
	const calls = 8
	type contact struct {
		Phone      string            `json:"phone"`
		Name       string            `json:"name"`
		ExternalID string            `json:"external_id"`
		Fields     map[string]string `json:"fields"`
	}
	byPhone := map[string]contact{}
	var list []contact
	for i := range calls {
		c := contact{Phone: fmt.Sprintf("+9989012346%d%d", i/7, i%7), Name: fmt.Sprintf("Customer %d", i),
			ExternalID: fmt.Sprintf("CRM-%d", i), Fields: map[string]string{"card": fmt.Sprintf("Visa %d", i), "branch": "Chilonzor"}}
		byPhone[c.Phone] = c
		list = append(list, c)
	}
	api.do("POST", fmt.Sprintf("/campaigns/%d/contacts", camp.ID), list, nil)
	var ag struct{ ID int64 }
	api.do("POST", "/agents", map[string]any{"name": "Dilnoza", "sip_uri": st.agentURI(1), "campaign_ids": []int64{camp.ID}}, &ag)

	me := signInAgent(t, api, "dilnoza", ag.ID)
	// alo serve serves the consoles beside the API: the agent's page opens
	// with the same cookie.
	res, err := me.http.Get(st.consoleURL() + "/agent")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(page), fmt.Sprintf(`data-agent-id="%d"`, ag.ID)) {
		t.Fatalf("GET /agent signed in: %s\n%s", res.Status, page)
	}
	stream := openEvents(t, me)
	var snap struct {
		ServerTime   time.Time               `json:"server_time"`
		Agent        consoleAgent            `json:"agent"`
		PauseReasons []struct{ Code string } `json:"pause_reasons"`
	}
	stream.next("snapshot", 10*time.Second, &snap)
	if snap.Agent.ID != ag.ID || snap.Agent.State != "offline" || len(snap.PauseReasons) == 0 || snap.ServerTime.IsZero() {
		t.Fatalf("snapshot %+v", snap)
	}
	me.do("POST", fmt.Sprintf("/agents/%d/ready", ag.ID), nil, nil)
	stream.nextState("ready", 15*time.Second)
	api.do("POST", fmt.Sprintf("/campaigns/%d/start", camp.ID), nil, nil)

	var latencies []time.Duration
	for n := range calls {
		var pop consolePop
		ev := stream.next("call.bridged", 60*time.Second, &pop)
		latencies = append(latencies, ev.at.Sub(pop.BridgedAt))
		want, ok := byPhone[pop.Contact.Phone]
		if !ok {
			t.Fatalf("call %d popped contact %+v, not one loaded", n, pop.Contact)
		}
		delete(byPhone, pop.Contact.Phone)
		fields := map[string]string{}
		for _, f := range pop.Contact.Fields {
			fields[f.Key] = f.Value
		}
		if pop.Contact.Name != want.Name || fields["card"] != want.Fields["card"] || fields["branch"] != "Chilonzor" ||
			fields["external_id"] != want.ExternalID || pop.CampaignID != camp.ID || pop.CampaignName != "Card activation" || len(pop.Dispositions) == 0 {
			t.Errorf("call %d pop %+v (fields %v), want %+v", n, pop, fields, want)
		}
		// The pop's bridge is the attempt's.
		var att struct {
			BridgedAt *time.Time `json:"bridged_at"`
			AgentID   int64      `json:"agent_id"`
		}
		var ended struct {
			AttemptID int64     `json:"attempt_id"`
			EndedAt   time.Time `json:"ended_at"`
			Outcome   string    `json:"outcome"`
		}
		stream.next("call.ended", 30*time.Second, &ended)
		if ended.AttemptID != pop.AttemptID || ended.Outcome != "human" || ended.EndedAt.Before(pop.BridgedAt) {
			t.Errorf("call %d ended %+v after pop of attempt %d", n, ended, pop.AttemptID)
		}
		wrap, _ := stream.nextState("wrap_up", 10*time.Second)
		if wrap.WrapUpEndsAt == nil || wrap.WrapUpEndsAt.Sub(ended.EndedAt) < 110*time.Second {
			t.Errorf("call %d wrap-up %+v, want it to end 2 min after the call", n, wrap)
		}
		attemptOf(t, api, camp.ID, pop.AttemptID, &att)
		if att.BridgedAt == nil || att.BridgedAt.UnixMilli() != pop.BridgedAt.UnixMilli() || att.AgentID != ag.ID {
			t.Errorf("attempt %d bridged at %v to agent %d; the pop says %v, agent %d", pop.AttemptID, att.BridgedAt, att.AgentID, pop.BridgedAt, ag.ID)
		}
		me.do("POST", fmt.Sprintf("/attempts/%d/disposition", pop.AttemptID), map[string]any{"code": "completed", "notes": "activated"}, nil)
		var disposed struct {
			AttemptID int64 `json:"attempt_id"`
			Code      string
		}
		stream.next("call.disposed", 10*time.Second, &disposed)
		if disposed.AttemptID != pop.AttemptID || disposed.Code != "completed" {
			t.Errorf("call %d disposed %+v", n, disposed)
		}
		var day consoleDay
		stream.next("agent.day", 10*time.Second, &day)
		if day.Calls != n+1 || day.Successes != n+1 || day.TalkMS < int64(n+1)*3000 {
			t.Errorf("after call %d the day is %+v, want %d calls, all successes, 3 s or more each", n, day, n+1)
		}
	}
	p50, p95 := percentile(latencies, 50), percentile(latencies, 95)
	t.Logf("screen pop, bridge to this client, over %d calls: p50 %v, p95 %v, max %v", len(latencies), p50, p95, slices.Max(latencies))
	if p95 > 300*time.Millisecond {
		t.Errorf("screen pop p95 %v, want at most 300 ms (docs/benchmarks.md, \"Consoles\")", p95)
	}
	if t.Failed() {
		t.Logf("alo serve warnings and errors:\n%s", st.serve.log.grep(40, "level=WARN", "level=ERROR"))
	}
}

// attemptOf reads one attempt of the campaign into out.
func attemptOf(t *testing.T, api *apiClient, campaignID, attemptID int64, out any) {
	t.Helper()
	var all []json.RawMessage
	api.do("GET", fmt.Sprintf("/campaigns/%d/attempts?limit=100", campaignID), nil, &all)
	for _, raw := range all {
		var a struct{ ID int64 }
		if json.Unmarshal(raw, &a) == nil && a.ID == attemptID {
			if err := json.Unmarshal(raw, out); err != nil {
				t.Fatal(err)
			}
			return
		}
	}
	t.Fatalf("attempt %d not among campaign %d's", attemptID, campaignID)
}

// percentile is the p-th percentile of ds (nearest rank).
func percentile(ds []time.Duration, p int) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	i := (p*len(s)+99)/100 - 1
	return s[max(0, min(i, len(s)-1))]
}

// TestAgentPhoneDown: an agent whose phone hangs up the nailed-up leg (a
// phone put down, a lost network) sees phone_down on their stream at once,
// then ready again when alo has placed the leg anew.
func TestAgentPhoneDown(t *testing.T) {
	serial(t)
	sipp := need(t, "sipp", "ALO_REQUIRE_SIPP", "apt-get install sip-tester")
	st := startStack(t, "uas_carrier.xml", "e2e-phone-down")
	api := st.api
	const holdMS = 2000
	port := startSipp(t, sipp, st.tmp, "dropping-phone", "-sf", filepath.Join(repoRoot(t), "internal", "sipptest", "scenarios", "agent_drop.xml"),
		"-key", "rtp_port", strconv.Itoa(st.agentMedia.port()), "-d", strconv.Itoa(holdMS))

	var client struct{ ID int64 }
	api.do("POST", "/clients", map[string]any{"name": "e2e bank"}, &client)
	var camp struct{ ID int64 }
	api.do("POST", "/campaigns", map[string]any{"name": "quiet list", "client_id": client.ID, "type": "outbound_list",
		"daily_start": "00:00", "daily_end": "23:59", "time_zone": "UTC"}, &camp)
	var ag struct{ ID int64 }
	api.do("POST", "/agents", map[string]any{"name": "Rustam", "sip_uri": fmt.Sprintf("sip:agent9@127.0.0.1:%d", port), "campaign_ids": []int64{camp.ID}}, &ag)
	me := signInAgent(t, api, "rustam", ag.ID)
	stream := openEvents(t, me)
	stream.next("snapshot", 10*time.Second, nil)
	me.do("POST", fmt.Sprintf("/agents/%d/ready", ag.ID), nil, nil)

	ready, readyEv := stream.nextState("ready", 15*time.Second)
	down, downEv := stream.nextState("phone_down", 15*time.Second)
	// The phone hung up holdMS after it answered; the event reaches the
	// stream as soon as alo has its BYE.
	late := downEv.at.Sub(readyEv.at) - holdMS*time.Millisecond
	t.Logf("phone_down on the stream %v after the phone's BYE was due (leg up at %v, down at %v)", late, ready.Since, down.Since)
	if late > time.Second {
		t.Errorf("phone_down reached the stream %v after the phone hung up, want at once", late)
	}
	if again, _ := stream.nextState("ready", 15*time.Second); !again.Since.After(down.Since) {
		t.Errorf("ready again since %v, not after the phone went down at %v", again.Since, down.Since)
	}
}
