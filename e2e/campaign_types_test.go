package e2e

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// TestCampaignTypes drives campaign types through their life in `alo
// serve` with a real redis-server, SQLite, sipp as the carrier and as the
// agents' phones: a welcome call dialed only after its delay, its busy
// contact retried by the busy rule then closed at the attempt limit; a
// welcome call whose deadline passed before it started closed, not
// dialed; a list that completes; a reminder whose appointment is inside
// the cut-off never called while one in time is.
func TestCampaignTypes(t *testing.T) {
	serial(t)
	st := startStack(t, "uas_carrier.xml", "e2e-types")
	api, serveLog, dataDir := st.api, st.serve.log, st.dataDir

	var client struct{ ID int64 }
	api.do("POST", "/clients", map[string]any{"name": "e2e bank"}, &client)
	type campaign struct {
		ID     int64
		Status string
	}
	create := func(body map[string]any) campaign {
		t.Helper()
		body["client_id"], body["daily_start"], body["daily_end"], body["time_zone"] = client.ID, "00:00", "23:59", "UTC"
		body["ring_timeout"] = "15s"
		var c campaign
		api.do("POST", "/campaigns", body, &c)
		return c
	}
	type contact struct {
		ID          int64
		Phone       string
		State       string
		Attempts    int
		CloseReason string    `json:"close_reason"`
		CreatedAt   time.Time `json:"created_at"`
	}
	add := func(c campaign, items ...map[string]any) {
		t.Helper()
		api.do("POST", fmt.Sprintf("/campaigns/%d/contacts", c.ID), items, nil)
	}
	contacts := func(c campaign) []contact {
		t.Helper()
		var cs []contact
		api.do("GET", fmt.Sprintf("/campaigns/%d/contacts", c.ID), nil, &cs)
		return cs
	}
	type attempt struct {
		Phone     string
		Attempt   int
		Outcome   string
		CreatedAt time.Time `json:"created_at"`
	}
	attempts := func(c campaign) []attempt {
		t.Helper()
		var as []attempt
		api.do("GET", fmt.Sprintf("/campaigns/%d/attempts", c.ID), nil, &as)
		return as
	}

	// Numbers: the last digit tells the carrier what to do (0–6 answer,
	// 7–8 busy, 9 ring out).
	welcome := create(map[string]any{"name": "welcome", "type": "welcome_call", "max_attempts": 2,
		"schedule": map[string]string{"first_delay": "3s", "deadline": "10m"},
		"retry":    map[string]any{"busy": map[string]any{"delay": "10s"}}})
	late := create(map[string]any{"name": "welcome, started late", "type": "welcome_call",
		"schedule": map[string]string{"first_delay": "1s", "deadline": "2s"}})
	list := create(map[string]any{"name": "list", "type": "outbound_list", "recording": map[string]any{"enabled": true}})
	reminder := create(map[string]any{"name": "reminder", "type": "appointment_reminder",
		"schedule": map[string]string{"lead_time": "30h", "cut_off": "2h"}})
	ids := []int64{welcome.ID, late.ID, list.ID, reminder.ID}
	for i := 1; i <= 3; i++ {
		var agent struct{ ID int64 }
		api.do("POST", "/agents", map[string]any{"name": fmt.Sprintf("Agent %d", i),
			"sip_uri": st.agentURI(i), "campaign_ids": ids}, &agent)
		api.do("POST", fmt.Sprintf("/agents/%d/ready", agent.ID), nil, nil)
	}

	add(late, map[string]any{"phone": "+998901230010"})
	add(welcome, map[string]any{"phone": "+998901230020"}, map[string]any{"phone": "+998901230027"})
	add(list, map[string]any{"phone": "+998901230030"}, map[string]any{"phone": "+998901230031"})
	now := time.Now().UTC()
	add(reminder,
		map[string]any{"phone": "+998901230040", "appointment_at": now.Add(time.Hour).Format(time.RFC3339)},
		map[string]any{"phone": "+998901230041", "appointment_at": now.Add(25 * time.Hour).Format(time.RFC3339)})
	time.Sleep(3 * time.Second) // let the late campaign's 2 s deadline pass before it starts
	for _, c := range []campaign{welcome, late, list, reminder} {
		api.do("POST", fmt.Sprintf("/campaigns/%d/start", c.ID), nil, nil)
	}

	done := func(c campaign) bool {
		for _, ct := range contacts(c) {
			if ct.State != "done" {
				return false
			}
		}
		return true
	}
	deadline := time.Now().Add(90 * time.Second)
	for !(done(welcome) && done(late) && done(list) && done(reminder)) {
		if time.Now().After(deadline) {
			api.fatalf("not done: welcome %+v late %+v list %+v reminder %+v", contacts(welcome), contacts(late), contacts(list), contacts(reminder))
		}
		time.Sleep(500 * time.Millisecond) // polling an external process
	}

	// Welcome: nothing before the 3 s delay; the busy number retried once
	// (10 s later), then closed at the attempt limit.
	wc := contacts(welcome)
	byPhone := map[string][]attempt{}
	for _, a := range attempts(welcome) {
		byPhone[a.Phone] = append(byPhone[a.Phone], a)
	}
	for _, ct := range wc {
		for _, a := range byPhone[ct.Phone] {
			if a.CreatedAt.Sub(ct.CreatedAt) < 3*time.Second-50*time.Millisecond {
				t.Errorf("welcome %s dialed %v after it arrived, before the 3 s delay", ct.Phone, a.CreatedAt.Sub(ct.CreatedAt))
			}
		}
	}
	if as := byPhone["+998901230020"]; len(as) != 1 || as[0].Outcome != "human" {
		t.Errorf("welcome, answering number: %+v", as)
	}
	if as := byPhone["+998901230027"]; len(as) != 2 || as[1].CreatedAt.Sub(as[0].CreatedAt) < 10*time.Second {
		t.Errorf("welcome, busy number: want 2 attempts ≥ 10 s apart, got %+v", as)
	}
	for _, ct := range wc {
		want := map[string]string{"+998901230020": "success", "+998901230027": "max_attempts"}[ct.Phone]
		if ct.CloseReason != want {
			t.Errorf("welcome %s closed %q, want %q", ct.Phone, ct.CloseReason, want)
		}
	}
	// Started after its deadline: closed, never dialed.
	if lc := contacts(late); lc[0].CloseReason != "deadline" || lc[0].Attempts != 0 || len(attempts(late)) != 0 {
		t.Errorf("late welcome: %+v, attempts %+v", lc, attempts(late))
	}
	// The list completes.
	var lst campaign
	for end := time.Now().Add(10 * time.Second); lst.Status != "completed" && time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
		api.do("GET", fmt.Sprintf("/campaigns/%d", list.ID), nil, &lst)
	}
	if lst.Status != "completed" {
		t.Errorf("list campaign %s, want completed", lst.Status)
	}
	// The list records its calls: a two-channel WAV per answered call,
	// the carrier's audio on the customer's (left) channel.
	wavs, _ := filepath.Glob(filepath.Join(dataDir, "recordings", strconv.FormatInt(list.ID, 10), "*.wav"))
	if len(wavs) != 2 {
		t.Errorf("recordings of the list: %v, want 2", wavs)
	}
	for _, w := range wavs {
		b, err := os.ReadFile(w)
		if err != nil || len(b) < 44+4*8000 || string(b[:4]) != "RIFF" || b[22] != 2 {
			t.Errorf("recording %s: %d bytes, %v", w, len(b), err)
			continue
		}
		var loud int
		for i := 44; i+1 < len(b); i += 4 {
			if v := int16(uint16(b[i]) | uint16(b[i+1])<<8); v > 500 || v < -500 {
				loud++
			}
		}
		if loud < 1000 {
			t.Errorf("recording %s: the customer's channel is silent (%d loud samples)", w, loud)
		}
	}
	// Each answered call keeps its legs' media quality.
	var la []struct {
		ID         int64
		Outcome    string
		Recording  string
		MediaStats map[string]struct {
			PacketsIn uint64 `json:"packets_in"`
			Lost      uint32 `json:"lost"`
		} `json:"media_stats"`
	}
	api.do("GET", fmt.Sprintf("/campaigns/%d/attempts", list.ID), nil, &la)
	fetched := 0
	for _, a := range la {
		if _, agent := a.MediaStats["agent"]; a.Outcome == "human" && (a.MediaStats["customer"].PacketsIn == 0 || !agent) {
			t.Errorf("answered call without media stats: %+v", a)
		}
		if a.Recording == "" {
			continue
		}
		// Compliance staff fetch the recording through the API: the
		// same bytes as on disk.
		var got []byte
		api.do("GET", fmt.Sprintf("/campaigns/%d/attempts/%d/recording", list.ID, a.ID), nil, &got)
		want, err := os.ReadFile(filepath.Join(dataDir, "recordings", a.Recording))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("recording of attempt %d through the API: %d bytes, on disk %d (%v)", a.ID, len(got), len(want), err)
		}
		fetched++
	}
	if fetched != 2 {
		t.Errorf("%d recordings fetched through the API, want 2", fetched)
	}
	// Reminder: the appointment inside the cut-off is never called.
	ra := attempts(reminder)
	for _, ct := range contacts(reminder) {
		switch ct.Phone {
		case "+998901230040":
			if ct.CloseReason != "cut_off" || ct.Attempts != 0 {
				t.Errorf("reminder inside cut-off: %+v", ct)
			}
		case "+998901230041":
			if ct.CloseReason != "success" || len(ra) != 1 || ra[0].Phone != ct.Phone {
				t.Errorf("reminder in time: %+v, attempts %+v", ct, ra)
			}
		}
	}
	if t.Failed() {
		t.Logf("alo serve warnings and errors:\n%s", serveLog.grep(40, "level=WARN", "level=ERROR"))
	}
}
