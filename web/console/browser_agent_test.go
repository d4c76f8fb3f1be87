package console

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/alo-dialer/alo/internal/browsertest"
)

// agentSnapshot is what the event stream would send agent id when they
// open their console: ready for 95 s, nothing on screen.
func agentSnapshot(id int64, name string) func() any {
	return func() any {
		now := time.Now()
		return AgentView{
			ServerTime: now,
			Agent:      AgentStatus{ID: id, Name: name, State: "ready", Since: now.Add(-95 * time.Second)},
			PauseReasons: []PauseReason{
				{Code: "break", Label: "Break"}, {Code: "lunch", Label: "Lunch"},
				{Code: "training", Label: "Training"}, {Code: "technical", Label: "Technical problem"},
			},
			Day: DayCounters{Calls: 37, Successes: 21, CallbacksSet: 4, CallbacksDue: 2,
				TalkMS: (1*3600 + 52*60 + 10) * 1000, PauseMS: (24*60 + 5) * 1000},
		}
	}
}

// welcomeCall is a screen pop of the demo's welcome-call campaign. One
// field tries to inject markup: it must show as text.
func welcomeCall(attemptID int64) CallPop {
	now := time.Now()
	return CallPop{
		AttemptID: attemptID, CampaignID: 3, CampaignName: "Welcome calls: new card holders", BridgedAt: now.Add(-4 * time.Second),
		Contact: ContactCard{ID: 1042, Name: "Dilnoza Karimova", Phone: "+998 90 123 45 67", TimeZone: "Asia/Tashkent",
			Fields: []Field{
				{Key: "card_product", Label: "Card", Value: "Visa Gold"},
				{Key: "card_last4", Label: "Card ends in", Value: "4821"},
				{Key: "branch", Label: "Branch", Value: "Tashkent, Yunusabad"},
				{Key: "customer_since", Label: "Customer since", Value: "2019"},
				{Key: "crm_note", Label: "CRM note", Value: `<img src=x onerror="document.title='pwned'">`},
			}},
		History: []PastAttempt{
			{At: now.Add(-26 * time.Hour), Outcome: "no_answer"},
			{At: now.Add(-50 * time.Hour), Outcome: "busy"},
		},
		Script: "Good afternoon, {{name}}! My name is {{agent_name}}, I am calling from Demo Bank.\n\n" +
			"Your new {{card_product}} card ending in {{card_last4}} is ready at our {{branch}} branch. " +
			"May I help you activate it now?\n\nIf yes: confirm the date of birth and {{secret_word}}.",
		Dispositions: []DispositionChoice{
			{Code: "completed", Label: "Card activated", Meaning: "success"},
			{Code: "not_interested", Label: "Not interested", Meaning: "final_failure"},
			{Code: "callback", Label: "Call back", Meaning: "callback"},
			{Code: "reschedule", Label: "Visit the branch", Meaning: "reschedule"},
			{Code: "do_not_call", Label: "Do not call", Meaning: "do_not_call"},
			{Code: "wrong_number", Label: "Wrong number", Meaning: "wrong_number"},
			{Code: "retry", Label: "Try again later", Meaning: "retry"},
		},
	}
}

func TestBrowserAgentConsole(t *testing.T) {
	srv := newConsoleServer(t, agentSnapshot(7, "Aziza"))
	b := browsertest.Start(t)
	tab := b.NewTab(t, screenW, screenH)
	signIn(tab, srv.URL, "aziza", "secret-aziza")
	srv.live.awaitConnected(t)
	tab.WaitText("#state-label", "Ready")
	tab.WaitText("#live-status", "Live")
	if got := tab.Text("#state-timer"); !strings.HasPrefix(got, "1:3") {
		t.Errorf("time in state %q, want about 1:35 (from the snapshot's since)", got)
	}
	if got := tab.Text("#day-talk"); got != "1:52:10" {
		t.Errorf("my day talk time %q", got)
	}
	tab.Screenshot("agent-ready")

	// Pause with a reason.
	tab.Run(chromedp.SetValue(chromedp.CSS("#pause-reason"), "lunch"), chromedp.Click(chromedp.CSS("#pause")))
	req := srv.api.await(t)
	if req.method != "POST" || req.path != "/api/v1/agents/7/pause" || req.body["reason"] != "lunch" {
		t.Errorf("pause sent %s %s %v", req.method, req.path, req.body)
	}
	srv.live.push(t, EventAgentState, AgentStatus{ID: 7, Name: "Aziza", State: "paused", PauseReason: "lunch", Since: time.Now()})
	tab.WaitText("#state", "Paused")
	tab.WaitText("#state-reason", "Lunch")
	if dis := browsertest.Eval[bool](tab, `document.querySelector("#pause").disabled && !document.querySelector("#ready").disabled`); !dis {
		t.Error("while paused: Pause should be disabled and Ready enabled")
	}
	tab.Screenshot("agent-paused")

	// Ready again, by its access key (Alt+R in Chromium).
	tab.Run(chromedp.KeyEvent("r", chromedp.KeyModifiers(chromedp.ModifierAlt)))
	req = srv.api.await(t)
	if req.path != "/api/v1/agents/7/ready" {
		t.Errorf("Alt+R sent %s %s", req.method, req.path)
	}

	// A call is bridged: the screen pop.
	srv.live.push(t, EventAgentState, AgentStatus{ID: 7, Name: "Aziza", State: "on_call", Since: time.Now()})
	pushed := time.Now()
	srv.live.push(t, EventBridged, welcomeCall(501))
	tab.WaitText("#contact-name", "Dilnoza Karimova")
	t.Logf("screen pop shown %v after the event was sent", time.Since(pushed))
	tab.WaitText("#state", "On call")
	if got := tab.Text("#fields"); !strings.Contains(got, "Visa Gold") || !strings.Contains(got, `<img src=x`) {
		t.Errorf("custom fields: %q", got)
	}
	script := tab.Text("#script")
	for _, want := range []string{"Good afternoon, Dilnoza Karimova!", "My name is Aziza", "Visa Gold card ending in 4821", "[secret_word]"} {
		if !strings.Contains(script, want) {
			t.Errorf("script lacks %q:\n%s", want, script)
		}
	}
	if n := browsertest.Eval[int](tab, `document.querySelectorAll("#pop img, #script mark *").length`); n != 0 {
		t.Errorf("%d elements were made from a contact's field: markup got through", n)
	}
	if title := browsertest.Eval[string](tab, `document.title`); title == "pwned" {
		t.Error("a contact's field ran script")
	}
	if n := browsertest.Eval[int](tab, `document.querySelectorAll("#history tbody tr").length`); n != 2 {
		t.Errorf("%d rows of history, want 2", n)
	}
	if got := tab.Text("#dispositions"); !strings.Contains(got, "2\nNot interested") && !strings.Contains(got, "2 Not interested") {
		t.Errorf("disposition buttons: %q", got)
	}
	tab.Screenshot("agent-call")

	// Typing a digit into the notes is typing, not a hot key: the first
	// request the page sends must be the "2" pressed after Esc.
	tab.Run(chromedp.Click(chromedp.CSS("#notes")))
	tab.Press("3 cards, wants a call on Friday")
	tab.Press(kb.Escape, "2")
	req = srv.api.await(t)
	if req.path != "/api/v1/attempts/501/disposition" || req.body["code"] != "not_interested" {
		t.Fatalf("hot key 2 sent %s %s %v", req.method, req.path, req.body)
	}
	if req.body["notes"] != "3 cards, wants a call on Friday" {
		t.Errorf("notes sent: %q", req.body["notes"])
	}
	tab.WaitText("#message", "Saved: Not interested.")
	tab.WaitVisible("#pop-waiting")

	// A callback needs a time: the key asks for it first, then sends it
	// in the agent's zone (Asia/Tashkent, UTC+5) as RFC 3339.
	srv.live.push(t, EventBridged, welcomeCall(502))
	tab.WaitText("#contact-name", "Dilnoza")
	tab.Press("3")
	tab.WaitText("#message", "Choose the date and time of the callback first.")
	if got := tab.Focused(); got != "input#callback-at" {
		t.Errorf("focus after asking for the time: %s", got)
	}
	tab.Run(chromedp.SetValue(chromedp.CSS("#callback-at"), "2027-01-15T10:30"),
		chromedp.Click(chromedp.CSS(`input[name="callback-for"][value="anyone"]`)))
	tab.Press("3")
	req = srv.api.await(t)
	if req.body["code"] != "callback" || req.body["callback_at"] != "2027-01-15T05:30:00.000Z" || req.body["callback_for"] != "anyone" {
		t.Errorf("callback sent %v", req.body)
	}

	// Wrap-up after the customer hung up: the countdown from the server's end time.
	srv.live.push(t, EventBridged, welcomeCall(503))
	tab.WaitText("#contact-name", "Dilnoza")
	srv.live.push(t, EventEnded, CallEnded{AttemptID: 503, EndedAt: time.Now()})
	ends := time.Now().Add(45 * time.Second)
	srv.live.push(t, EventAgentState, AgentStatus{ID: 7, Name: "Aziza", State: "wrap_up", Since: time.Now(), WrapUpEndsAt: &ends})
	tab.WaitText("#wrapup", "Wrap-up: 0:4")
	tab.WaitVisible("#hung-up")
	tab.Run(chromedp.Click(chromedp.CSS("#pause-after")))
	req = srv.api.await(t)
	if req.method != "PUT" || req.path != "/api/v1/agents/7/pause-after-call" || req.body["pause_after_call"] != true {
		t.Errorf("pause after call sent %s %s %v", req.method, req.path, req.body)
	}
	srv.live.push(t, EventAgentState, AgentStatus{ID: 7, Name: "Aziza", State: "wrap_up", Since: time.Now(), WrapUpEndsAt: &ends,
		PauseAfterCall: true, PauseAfterCallReason: "break"})
	tab.WaitJS(`document.querySelector("#pause-after").checked`)
	tab.Run(chromedp.Focus(chromedp.CSS("#dispositions button")))
	tab.Screenshot("agent-wrapup")

	// An error from the API is shown, in words.
	tab.IgnoreConsole(`status of 400 .*/disposition`)
	srv.api.mu.Lock()
	srv.api.fail = "attempt 503 is already disposed"
	srv.api.mu.Unlock()
	tab.Press("1")
	srv.api.await(t)
	tab.WaitText("#message", "Not saved: attempt 503 is already disposed")
}

// TestBrowserAgentConsoleRussian shows the console in Russian, from the
// agent's profile.
func TestBrowserAgentConsoleRussian(t *testing.T) {
	srv := newConsoleServer(t, agentSnapshot(8, "Ольга"))
	b := browsertest.Start(t)
	tab := b.NewTab(t, screenW, screenH)
	signIn(tab, srv.URL, "olga", "secret-olga")
	srv.live.awaitConnected(t)
	tab.WaitText("#state-label", "Готов")
	tab.WaitText("#live-status", "На связи")
	srv.live.push(t, EventAgentState, AgentStatus{ID: 8, Name: "Ольга", State: "on_call", Since: time.Now()})
	call := welcomeCall(601)
	call.CampaignName = "Приветственные звонки"
	call.Contact.Name = "Нурлан Абенов"
	call.Contact.Phone = "+7 701 555 12 34"
	call.Contact.TimeZone = "Asia/Almaty"
	call.Contact.Fields = []Field{{Key: "card_product", Label: "Карта", Value: "Mastercard Platinum"}, {Key: "card_last4", Label: "Последние цифры", Value: "0375"}, {Key: "branch", Label: "Отделение", Value: "Алматы, Әл-Фараби"}}
	call.Script = "Добрый день, {{name}}! Меня зовут {{agent_name}}, я звоню из банка.\n\nВаша новая карта {{card_product}} с номером на {{card_last4}} готова в отделении {{branch}}."
	call.Dispositions = []DispositionChoice{
		{Code: "completed", Label: "Карта активирована", Meaning: "success"},
		{Code: "not_interested", Label: "Не интересно", Meaning: "final_failure"},
		{Code: "callback", Label: "Перезвонить", Meaning: "callback"},
		{Code: "do_not_call", Label: "Не звонить", Meaning: "do_not_call"},
		{Code: "wrong_number", Label: "Неверный номер", Meaning: "wrong_number"},
	}
	call.History[0].Disposition = "Перезвонить"
	call.History[0].Agent = "Ольга"
	call.History[0].Notes = "Просил перезвонить после 10:00"
	srv.live.push(t, EventBridged, call)
	tab.WaitText("#contact-name", "Нурлан Абенов")
	tab.WaitText("#state", "Разговор")
	tab.WaitText("#script", "Добрый день, Нурлан Абенов! Меня зовут Ольга")
	tab.Screenshot("agent-call-ru")
}

// TestBrowserAgentCallControls: on a bridged call the agent mutes by the
// button, holds by Alt+O (the buttons then read Unmute and Resume, from
// the API's answer) and hangs up by Alt+H; once the call has ended the
// controls are disabled.
func TestBrowserAgentCallControls(t *testing.T) {
	srv := newConsoleServer(t, agentSnapshot(7, "Aziza"))
	b := browsertest.Start(t)
	tab := b.NewTab(t, screenW, screenH)
	signIn(tab, srv.URL, "aziza", "secret-aziza")
	srv.live.awaitConnected(t)
	tab.WaitText("#state-label", "Ready")
	srv.live.push(t, EventBridged, welcomeCall(601))
	tab.WaitText("#contact-name", "Dilnoza Karimova")

	steps := []struct {
		name, reply string
		do          chromedp.Action[chromedp.Void]
		path        string
		on          any
		wait        string
	}{
		{"mute", `{"agent_id":7,"attempt_id":601,"muted":true,"held":false}`, chromedp.Click(chromedp.CSS("#mute")),
			"/api/v1/agents/7/mute", true, `document.querySelector("#mute").textContent === "Unmute" && document.querySelector("#mute").getAttribute("aria-pressed") === "true"`},
		{"hold", `{"agent_id":7,"attempt_id":601,"muted":true,"held":true}`, chromedp.KeyEvent("o", chromedp.KeyModifiers(chromedp.ModifierAlt)),
			"/api/v1/agents/7/hold", true, `document.querySelector("#hold").textContent === "Resume"`},
		{"resume", `{"agent_id":7,"attempt_id":601,"muted":true,"held":false}`, chromedp.KeyEvent("o", chromedp.KeyModifiers(chromedp.ModifierAlt)),
			"/api/v1/agents/7/hold", false, `document.querySelector("#hold").textContent === "Hold"`},
		{"hang up", `{"hung_up":true}`, chromedp.KeyEvent("h", chromedp.KeyModifiers(chromedp.ModifierAlt)),
			"/api/v1/agents/7/hangup", nil, `true`},
	}
	for _, st := range steps {
		srv.api.mu.Lock()
		srv.api.reply = st.reply
		srv.api.mu.Unlock()
		tab.Run(st.do)
		req := srv.api.await(t)
		if req.method != "POST" || req.path != st.path || req.body["on"] != st.on {
			t.Errorf("%s sent %s %s %v, want POST %s on=%v", st.name, req.method, req.path, req.body, st.path, st.on)
		}
		tab.WaitJS(st.wait)
	}
	tab.Screenshot("agent-call-controls")
	srv.live.push(t, EventEnded, CallEnded{AttemptID: 601, EndedAt: time.Now()})
	tab.WaitVisible("#hung-up")
	tab.WaitJS(`["hangup", "mute", "hold"].every((id) => document.getElementById(id).disabled)`)
}

// TestBrowserAgentCallbacks: the page lists the agent's callbacks for today
// with the time in their zone (Asia/Tashkent) and alerts on the one whose
// time has come; when the day changes (an agent.day event) the list is
// read again and the alert goes with the kept callback.
func TestBrowserAgentCallbacks(t *testing.T) {
	srv := newConsoleServer(t, agentSnapshot(7, "Aziza"))
	due := time.Now().Add(-2 * time.Minute).UTC().Truncate(time.Minute)
	later := time.Date(2030, 1, 15, 9, 45, 0, 0, time.UTC) // 14:45 in Tashkent
	srv.api.mu.Lock()
	srv.api.callbacks = fmt.Sprintf(`[{"contact_id":4,"campaign_id":1,"campaign_name":"Cards","name":"Dilnoza Karimova","phone":"+998901234567","callback_at":%q,"state":"scheduled"},
		{"contact_id":5,"campaign_id":1,"campaign_name":"Cards","name":"Bobur","phone":"+998901111111","callback_at":%q,"state":"scheduled"}]`,
		due.Format(time.RFC3339), later.Format(time.RFC3339))
	srv.api.mu.Unlock()
	b := browsertest.Start(t)
	tab := b.NewTab(t, screenW, screenH)
	signIn(tab, srv.URL, "aziza", "secret-aziza")
	srv.live.awaitConnected(t)
	tab.WaitText("#callback-alert", "Callback due: Dilnoza Karimova (Cards)")
	tab.WaitJS(`document.querySelectorAll("#callbacks li").length === 2`)
	if got := tab.Text("#callbacks"); !strings.Contains(got, "02:45 PM") || !strings.Contains(got, "Bobur — Cards") {
		t.Errorf("callbacks panel: %q, want Bobur at 2:45 PM Tashkent time", got)
	}
	if d := browsertest.Eval[string](tab, `document.querySelector("#callbacks li").dataset.due`); d != "true" {
		t.Errorf("the due callback's row: data-due=%q", d)
	}
	tab.Screenshot("agent-callbacks")

	srv.api.mu.Lock()
	srv.api.callbacks = fmt.Sprintf(`[{"contact_id":5,"campaign_id":1,"campaign_name":"Cards","name":"Bobur","phone":"+998901111111","callback_at":%q,"state":"scheduled"}]`,
		later.Format(time.RFC3339))
	srv.api.mu.Unlock()
	srv.live.push(t, EventDay, DayCounters{Calls: 1})
	tab.WaitJS(`document.querySelectorAll("#callbacks li").length === 1 && document.querySelector("#callback-alert").hidden`)
}
