package e2e

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/alo-dialer/alo/dialer/audio"
	"github.com/alo-dialer/alo/dialer/prompt"
)

// TestAgentlessCalls: recorded calls in `alo serve` with sipp as the
// customers (pressing RFC 4733 keys) and as an agent phone. An agentless
// appointment reminder says the date and time; the contact who presses 1
// is done with close reason "confirmed" and the attempt disposed
// "confirmed"; the one who presses 2 is put through to the agent; a notice
// campaign delivers its message (a prompt uploaded through the API) to
// every contact, paced by lines.
func TestAgentlessCalls(t *testing.T) {
	serial(t)
	st := startStack(t, "uas_keys.xml", "e2e-ivr")
	api, serveLog := st.api, st.serve.log

	var client struct{ ID int64 }
	api.do("POST", "/clients", map[string]any{"name": "clinic"}, &client)
	create := func(body map[string]any) int64 {
		body["client_id"], body["daily_start"], body["daily_end"], body["time_zone"] = client.ID, "00:00", "23:59", "Asia/Tashkent"
		body["ring_timeout"], body["agentless"] = "15s", true
		var c struct{ ID int64 }
		api.do("POST", "/campaigns", body, &c)
		return c.ID
	}
	reminder := create(map[string]any{"name": "reminders", "type": "appointment_reminder",
		"schedule": map[string]string{"lead_time": "48h", "cut_off": "1h"}})
	notice := create(map[string]any{"name": "event moved", "type": "notice", "lines": 5,
		"prompts": map[string]string{"message": "event_moved"}})
	// The notice's own message: three seconds uploaded as a WAV.
	var wav bytes.Buffer
	if err := audio.WriteWAV(&wav, 1, audio.AppendSilence(nil, audio.MillisToSamples(3000))); err != nil {
		t.Fatal(err)
	}
	uploadPrompt(t, api, "en", "event_moved", wav.Bytes())
	keys, err := audio.NewPrompts(prompt.Builtin(), "en").For("notice_keys", "en")
	if err != nil {
		t.Fatal(err)
	}
	noticeMs := audio.SamplesToMillis(int64(audio.MillisToSamples(3000) + len(keys.Samples)))
	var agent struct{ ID int64 }
	api.do("POST", "/agents", map[string]any{"name": "Nurse desk", "sip_uri": st.agentURI(1),
		"campaign_ids": []int64{reminder, notice}}, &agent)
	api.do("POST", fmt.Sprintf("/agents/%d/ready", agent.ID), nil, nil)

	appt := time.Now().Add(26 * time.Hour).UTC().Format(time.RFC3339)
	api.do("POST", fmt.Sprintf("/campaigns/%d/contacts", reminder), []map[string]string{
		{"phone": "+998901230061", "appointment_at": appt, "language": "ru"}, // presses 1
		{"phone": "+998901230062", "appointment_at": appt},                   // presses 2
	}, nil)
	var items []map[string]string
	for i := range 5 {
		items = append(items, map[string]string{"phone": fmt.Sprintf("+99890123007%d", 3+i)}) // 3–7: no key
	}
	api.do("POST", fmt.Sprintf("/campaigns/%d/contacts", notice), items, nil)
	api.do("POST", fmt.Sprintf("/campaigns/%d/start", reminder), nil, nil)
	api.do("POST", fmt.Sprintf("/campaigns/%d/start", notice), nil, nil)

	type contact struct {
		Phone       string
		State       string
		CloseReason string `json:"close_reason"`
	}
	type attempt struct {
		Phone       string
		State       string
		Outcome     string
		Disposition string
		Agent       int64      `json:"agent_id"`
		BridgedAt   *time.Time `json:"bridged_at"`
	}
	allDone := func(id int64) bool {
		var cs []contact
		api.do("GET", fmt.Sprintf("/campaigns/%d/contacts", id), nil, &cs)
		for _, c := range cs {
			if c.State != "done" {
				return false
			}
		}
		return len(cs) > 0
	}
	for deadline := time.Now().Add(90 * time.Second); !(allDone(reminder) && allDone(notice)); time.Sleep(500 * time.Millisecond) { // polling alo
		if time.Now().After(deadline) {
			api.fatalf("recorded calls not done")
		}
	}
	var cs []contact
	api.do("GET", fmt.Sprintf("/campaigns/%d/contacts", reminder), nil, &cs)
	var as []attempt
	api.do("GET", fmt.Sprintf("/campaigns/%d/attempts", reminder), nil, &as)
	byPhone := map[string]attempt{}
	for _, a := range as {
		byPhone[a.Phone] = a
	}
	for _, c := range cs {
		a := byPhone[c.Phone]
		switch c.Phone {
		case "+998901230061":
			if c.CloseReason != "confirmed" || a.Disposition != "confirmed" || a.Outcome != "human" {
				t.Errorf("pressed 1: contact %+v attempt %+v", c, a)
			}
		case "+998901230062":
			if a.Outcome != "human" || a.Agent != agent.ID || a.BridgedAt == nil {
				t.Errorf("pressed 2: contact %+v attempt %+v, want bridged to agent %d", c, a, agent.ID)
			}
		}
	}
	var ns []attempt
	api.do("GET", fmt.Sprintf("/campaigns/%d/attempts", notice), nil, &ns)
	if len(ns) != 5 {
		t.Errorf("notice: %d attempts, want 5", len(ns))
	}
	for _, a := range ns {
		if a.Outcome != "human" {
			t.Errorf("notice to %s: %+v", a.Phone, a)
		}
	}
	if played := serveLog.grep(20, fmt.Sprintf("message_ms=%d", noticeMs)); strings.Count(played, "recorded message") < 5 {
		t.Errorf("the uploaded notice (%d ms with the keys) was not played to 5 contacts:\n%s", noticeMs, played)
	}
	if t.Failed() {
		t.Logf("alo serve warnings and errors:\n%s", serveLog.grep(60, "level=WARN", "level=ERROR"))
	}
}

// uploadPrompt stores a WAV through POST /api/v1/prompts.
func uploadPrompt(t *testing.T, api *apiClient, lang, name string, wav []byte) {
	t.Helper()
	req, err := http.NewRequest("POST", api.base+"/prompts?language="+lang+"&name="+name, bytes.NewReader(wav))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+api.token)
	req.Header.Set("Content-Type", "audio/wav")
	res, err := api.http.Do(req)
	if err != nil {
		api.fatalf("upload prompt: %v", err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusCreated {
		api.fatalf("upload prompt: %s\n%s", res.Status, b)
	}
}
