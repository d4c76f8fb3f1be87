package e2e

// The agent console in Chromium against the real `alo serve`, with sipp
// as the carrier and as the agents' phones: an agent's day, a frozen tab,
// a cut stream, and how fast the screen pop and the page are. (The stream
// itself, read over HTTP, is agent_console_test.go's.)
//
// Screenshots go to $ALO_SCREENSHOTS when set (to look at them), else to
// the test's temporary directory.

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/alo-dialer/alo/internal/browsertest"
)

// frozenFor is how long TestAgentConsoleFrozenTab keeps the tab frozen:
// two minutes, as the issue asks and CI runs; ALO_FROZEN_FOR=20s makes it
// shorter for a run at one's desk.
func frozenFor(t *testing.T) time.Duration {
	t.Helper()
	v := os.Getenv("ALO_FROZEN_FOR")
	if v == "" {
		return 2 * time.Minute
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 10*time.Second {
		t.Fatalf("ALO_FROZEN_FOR=%q: want a duration of at least 10s, such as 20s or 2m", v)
	}
	return d
}

// TestAgentConsoleFrozenTab: Chrome freezes a background tab to save
// power. With the agent's tab frozen for frozenFor (past the session's
// idle limit), the agent stays ready and signed in (presence is the
// server's, not the tab's), a call still reaches their phone, and when the
// tab thaws it shows that call and the state it left the agent in. Then a
// stream cut mid-call (every connection dropped, none accepted for a few
// seconds, while the customer hangs up) resumes without losing the screen
// pop. It mostly waits, so it runs beside the other tests.
func TestAgentConsoleFrozenTab(t *testing.T) {
	t.Parallel()
	freeze := frozenFor(t)
	idle := max(freeze/4, 5*time.Second)
	st := startStack(t, "uas_carrier.xml", "e2e-frozen", "ALO_RTP_PORTS="+e2eRTPPorts(1), "ALO_SESSION_IDLE="+idle.String())
	camp := st.newConsoleCampaign("frozen tab", "10m")
	contacts := map[string]consoleContact{}
	for _, c := range []consoleContact{
		{Phone: "+998901230061", Name: "Dilnoza Karimova", Card: "Visa Gold", Last4: "4821", Branch: "Tashkent, Yunusabad"},
		{Phone: "+998901230062", Name: "Rustam Aliev", Card: "Humo Classic", Last4: "0917", Branch: "Samarkand"},
	} {
		contacts[c.Phone] = c
		st.api.do("POST", fmt.Sprintf("/campaigns/%d/contacts", camp), c.input(), nil)
	}
	ag := st.addConsoleAgent(1, "Aziza Rahimova", "aziza", agentZone, camp)
	proxy := newCutProxy(t, strings.TrimPrefix(st.baseURL(), "http://"))

	b := browsertest.Start(t)
	tab := openConsole(t, b, proxy.url(), ag)
	submitSignIn(t, tab)
	tab.Run(chromedp.Click(chromedp.CSS("#ready")))
	tab.WaitText("#state-label", "Ready")
	st.await("the agent ready", 20*time.Second, func() bool { return st.agentState(ag.ID) == "ready" })

	setLifecycle(tab, page.SetWebLifecycleStateStateFrozen)
	frozenAt := time.Now()
	t.Logf("tab frozen for %v; sessions idle out after %v", freeze, idle)
	// Nothing to await but time while the tab is frozen: past the idle
	// limit, the agent is still ready.
	time.Sleep(idle + 2*time.Second)
	if s := st.agentState(ag.ID); s != "ready" {
		t.Fatalf("after %v with the tab frozen the agent is %q, want ready", time.Since(frozenAt).Round(time.Second), s)
	}
	st.api.do("POST", fmt.Sprintf("/campaigns/%d/start", camp), nil, nil)
	var first attemptRow
	st.await("a call bridged to the agent during the freeze", 45*time.Second, func() bool {
		for _, a := range st.attempts(camp, 10) {
			if a.State == "done" {
				first = a
				return true
			}
		}
		return false
	})
	if first.Outcome != "human" || first.Agent != ag.ID || first.MediaToAgent <= 0 {
		t.Fatalf("the call during the freeze: %+v; want answered, bridged to agent %d, with media to the agent", first, ag.ID)
	}
	if rest := freeze - time.Since(frozenAt); rest > 0 {
		time.Sleep(rest) // the rest of the freeze
	}
	if s := st.agentState(ag.ID); s != "wrap_up" {
		t.Fatalf("at the end of the freeze the agent is %q, want wrap_up (the campaign's limit is 10 min)", s)
	}

	setLifecycle(tab, page.SetWebLifecycleStateStateActive)
	thawed := time.Now()
	who := contacts[first.Phone]
	tab.WaitText("#contact-name", who.Name)
	tab.WaitText("#state-label", "Wrap-up")
	tab.WaitVisible("#hung-up")
	t.Logf("thawed after %v frozen: the call on screen %v later", thawed.Sub(frozenAt).Round(time.Second), time.Since(thawed).Round(time.Millisecond))
	checkPop(t, tab, who, ag)
	p := readProbe(t, tab)
	var froze, resumed bool
	for _, l := range p.Lifecycle {
		froze = froze || l.What == "freeze"
		resumed = resumed || l.What == "resume"
	}
	if !froze || !resumed {
		t.Errorf("the page saw freeze %v and resume %v; want both (was it frozen?)", froze, resumed)
	}
	if r, ok := p.find(first.ID); !ok {
		t.Errorf("the probe saw no screen pop nor snapshot with attempt %d: %+v", first.ID, p)
	} else if at := epochMS(r.Arrived); at.Before(thawed.Add(-time.Second)) {
		t.Errorf("the screen pop (%s) was handled at %v, before the thaw at %v: the page was not frozen", r.Type, at, thawed)
	} else {
		t.Logf("the call reached the page as a %s after the thaw (snapshots: %d)", r.Type, len(p.Snapshots))
	}
	if status := sessionStatus(tab); status != 200 {
		t.Errorf("after %v frozen (the idle limit is %v) GET /api/v1/session answered %d: the working agent was signed out", freeze, idle, status)
	}
	tab.Screenshot("frozen-1-thawed")

	// Disposed, the next call comes: then the stream is cut mid-call,
	// and the customer hangs up while it is.
	tab.Press("1")
	tab.WaitText("#message", "Saved: Done.")
	var next consoleContact
	for phone, c := range contacts {
		if phone != first.Phone {
			next = c
		}
	}
	st.await("the next call bridged", 45*time.Second, func() bool { return st.agentState(ag.ID) == "on_call" })
	tab.WaitText("#contact-name", next.Name)
	tab.WaitText("#state-label", "On call")
	before := len(readProbe(t, tab).Snapshots)
	tab.IgnoreConsole(`net::ERR_[A-Z_]+ \(http://[^)]*/api/v1/events\)`) // the cut, as the browser reports it
	proxy.cut(6 * time.Second)
	cutAt := time.Now()
	tab.WaitJS(`document.querySelector("#live-status").dataset.live === "reconnecting"`)
	tab.WaitText("#live-status", "Live")
	t.Logf("stream back %v after the cut", time.Since(cutAt).Round(time.Millisecond))
	var second attemptRow
	for _, a := range st.attempts(camp, 10) {
		if a.Phone == next.Phone {
			second = a
		}
	}
	if second.State != "done" || second.Agent != ag.ID {
		t.Fatalf("the call during the cut: %+v; want done (the carrier hangs up after 4 s), by agent %d", second, ag.ID)
	}
	tab.WaitText("#contact-name", next.Name)
	tab.WaitText("#state-label", "Wrap-up")
	tab.WaitVisible("#hung-up")
	checkPop(t, tab, next, ag)
	if after := len(readProbe(t, tab).Snapshots); after > before {
		t.Logf("after the cut the stream started afresh with a snapshot holding the call")
	} else {
		t.Logf("after the cut the stream resumed from its last event id")
	}
	tab.Screenshot("frozen-2-after-cut")
	tab.Press("1")
	tab.WaitText("#message", "Saved: Done.")

	// Paused, the agent is no longer kept signed in: past the idle
	// limit their session is gone. So the limit is real, and what kept
	// the frozen tab signed in was the agent being at work.
	tab.Run(chromedp.Click(chromedp.CSS("#pause")))
	tab.WaitText("#state-label", "Paused")
	time.Sleep(idle + 2*time.Second) // idleness is the point
	tab.IgnoreConsole(`status of 401`)
	if status := sessionStatus(tab); status != 401 {
		t.Errorf("a paused agent idle for %v: GET /api/v1/session answered %d, want 401", idle+2*time.Second, status)
	}
	if t.Failed() {
		t.Logf("alo serve warnings and errors:\n%s", st.serve.log.grep(40, "level=WARN", "level=ERROR"))
	}
}

// sessionStatus is the status of GET /api/v1/session asked by the page,
// with its cookie.
func sessionStatus(tab *browsertest.Tab) int {
	return browsertest.Get(tab, chromedp.Evaluate[int](`fetch("/api/v1/session").then(r => r.status)`, chromedp.EvalAwaitPromise))
}

// TestAgentConsoleDay is an agent's day through the console: sign in on
// the sign-in page, Ready, a customer answers and the screen pop shows
// their fields and the filled script, the agent books a callback for
// themselves a few seconds ahead with a hot key, the callback comes back
// to them at its time (the screen pop again, the first call in its
// history), they ask for a pause after it, dispose it, and sign out.
func TestAgentConsoleDay(t *testing.T) {
	serial(t)
	st := startStack(t, "uas_carrier.xml", "e2e-day")
	camp := st.newConsoleCampaign("welcome calls", "2m")
	who := consoleContact{Phone: "+998901230051", Name: "Dilnoza Karimova", Card: "Visa Gold", Last4: "4821", Branch: "Tashkent, Yunusabad"}
	st.api.do("POST", fmt.Sprintf("/campaigns/%d/contacts", camp), who.input(), nil)
	ag := st.addConsoleAgent(1, "Aziza Rahimova", "aziza", agentZone, camp)
	base := st.baseURL()

	b := browsertest.Start(t)
	tab := openConsole(t, b, base, ag)
	tab.Screenshot("day-1-signin")
	submitSignIn(t, tab)
	tab.WaitText("#state-label", "Offline")
	tab.Run(chromedp.KeyEvent("r", chromedp.KeyModifiers(chromedp.ModifierAlt)))
	tab.WaitText("#state-label", "Ready")
	st.await("the agent ready", 20*time.Second, func() bool { return st.agentState(ag.ID) == "ready" })
	tab.Screenshot("day-2-ready")

	// A customer answers: the screen pop.
	st.api.do("POST", fmt.Sprintf("/campaigns/%d/start", camp), nil, nil)
	tab.WaitText("#contact-name", who.Name)
	tab.WaitText("#state-label", "On call")
	checkPop(t, tab, who, ag)
	if got := tab.Text("#campaign-name"); got != "welcome calls" {
		t.Errorf("campaign on the screen pop: %q", got)
	}
	tab.Screenshot("day-3-screen-pop")

	// The customer hangs up after 4 s; in wrap-up the agent books a
	// callback for themselves, 8 s ahead in their zone, and disposes
	// with the callback's hot key.
	tab.WaitVisible("#hung-up")
	tab.WaitText("#state-label", "Wrap-up")
	zone, err := time.LoadLocation(agentZone)
	if err != nil {
		t.Fatal(err)
	}
	callbackAt := time.Now().Add(8 * time.Second).Truncate(time.Second)
	tab.Run(chromedp.SetValue(chromedp.CSS("#callback-at"), callbackAt.In(zone).Format("2006-01-02T15:04:05")),
		chromedp.Click(chromedp.CSS("#notes")))
	const notes = "Busy at work, call back in a moment"
	tab.Press(notes)
	tab.Press(kb.Escape)
	if !browsertest.Eval[bool](tab, `document.querySelector('input[name="callback-for"][value="me"]').checked`) {
		t.Error(`the callback is not "for me" by default`)
	}
	key := browsertest.Eval[string](tab, `(document.querySelector('#dispositions button[data-code="callback"]') || {ariaKeyShortcuts: ""}).ariaKeyShortcuts`)
	if key == "" {
		t.Fatalf("no hot key for the callback: %q", tab.Text("#dispositions"))
	}
	tab.Screenshot("day-4-callback")
	tab.Press(key)
	tab.WaitText("#message", "Saved: Call back.")
	tab.WaitText("#state-label", "Ready")
	// The promise is the agent's, at the second the page was given.
	var promised []struct {
		Phone string
		At    time.Time `json:"callback_at"`
	}
	st.api.do("GET", fmt.Sprintf("/agents/%d/callbacks?tz=%s", ag.ID, agentZone), nil, &promised)
	if len(promised) != 1 || promised[0].Phone != who.Phone || !promised[0].At.Equal(callbackAt) {
		t.Errorf("agent %d's callbacks: %+v; want %s at %v", ag.ID, promised, who.Phone, callbackAt)
	}

	// At its time the callback comes back to this agent (placed within a
	// few seconds of it: the due task waits for asynq's next look).
	st.await("the callback placed", 60*time.Second, func() bool { return len(st.attempts(camp, 10)) == 2 })
	tab.WaitJS(`window.__alo.pops.length >= 2`)
	tab.WaitText("#contact-name", who.Name)
	tab.WaitText("#history", notes)
	as := st.attempts(camp, 10)
	if len(as) != 2 {
		t.Fatalf("%d attempts, want the call and its callback: %+v", len(as), as)
	}
	cb := as[1]
	if as[0].CreatedAt.After(cb.CreatedAt) {
		cb = as[0]
	}
	if cb.Agent != ag.ID || cb.Phone != who.Phone || cb.CreatedAt.Before(callbackAt.Add(-100*time.Millisecond)) {
		t.Errorf("callback %+v; want agent %d calling %s from %v", cb, ag.ID, who.Phone, callbackAt)
	}
	p := readProbe(t, tab)
	if last := p.Pops[len(p.Pops)-1]; last.Attempt != cb.ID {
		t.Errorf("the second screen pop is attempt %d, want the callback %d", last.Attempt, cb.ID)
	}
	checkPop(t, tab, who, ag)
	tab.Screenshot("day-5-callback-pop")

	// A pause after this call, then the call disposed with hot key 1.
	// PENDING(api): PUT /agents/{id}/pause-after-call.
	tab.Run(chromedp.Click(chromedp.CSS("#pause-after")))
	st.await("pause after the call", 10*time.Second, func() bool {
		var a struct {
			PauseAfterCall bool `json:"pause_after_call"`
		}
		st.api.do("GET", fmt.Sprintf("/agents/%d", ag.ID), nil, &a)
		return a.PauseAfterCall
	})
	tab.WaitText("#state-label", "Wrap-up")
	tab.Press("1")
	tab.WaitText("#message", "Saved: Done.")
	tab.WaitText("#state-label", "Paused")
	if s := st.agentState(ag.ID); s != "paused" {
		t.Errorf("after the call with a pause asked for, the agent is %q", s)
	}
	tab.Screenshot("day-6-paused")

	// Sign out: back on the sign-in page, and the console wants it again.
	tab.Submit(chromedp.Click(chromedp.CSS("form.signout button")))
	tab.WaitVisible("#signin-submit")
	tab.Navigate(base + "/agent")
	tab.WaitVisible("#signin-submit")
	tab.Screenshot("day-7-signed-out")

	for _, r := range p.Pops {
		if arrived, drawn, err := r.popLatency(); err == nil {
			t.Logf("screen pop of attempt %d: in the page %v after the bridge, drawn %v", r.Attempt, arrived.Round(time.Millisecond), drawn.Round(time.Millisecond))
		}
	}
	if t.Failed() {
		t.Logf("alo serve warnings and errors:\n%s", st.serve.log.grep(40, "level=WARN", "level=ERROR"))
	}
}

// checkPop checks that the screen pop shows contact c and the campaign's
// script filled with their fields and the agent's name.
func checkPop(t *testing.T, tab *browsertest.Tab, c consoleContact, a agentLogin) {
	t.Helper()
	fields := tab.Text("#fields")
	// The campaign names no labels: the file's keys read as words.
	for _, want := range []string{"Card product", c.Card, "Card last4", c.Last4, "Branch", c.Branch} {
		if !strings.Contains(fields, want) {
			t.Errorf("the screen pop's fields lack %q:\n%s", want, fields)
		}
	}
	if got := tab.Text("#contact-phone"); !strings.Contains(strings.ReplaceAll(got, " ", ""), c.Phone) {
		t.Errorf("the screen pop's number %q, want %s", got, c.Phone)
	}
	script := tab.Text("#script")
	for _, want := range []string{"Good afternoon, " + c.Name + "!", "My name is " + a.Name,
		"Your new " + c.Card + " card ending in " + c.Last4, "at our " + c.Branch + " branch"} {
		if !strings.Contains(script, want) {
			t.Errorf("the script lacks %q:\n%s", want, script)
		}
	}
}

// find is the probe's record (screen pop or snapshot) of attempt id.
func (p probe) find(id int64) (probeRecord, bool) {
	for _, r := range append(append([]probeRecord{}, p.Pops...), p.Snapshots...) {
		if r.Attempt == id {
			return r, true
		}
	}
	return probeRecord{}, false
}

// Targets of the agent console (docs/benchmarks.md, "Consoles").
const (
	popTarget    = 300 * time.Millisecond // p95, bridge to the event in the page
	renderTarget = 200 * time.Millisecond // first contentful paint of /agent
)

// TestAgentConsoleBenchmarks measures the agent console with 10,000
// contacts in its campaign: the page's first render (Navigation and Paint
// Timing from Chromium, cold and warm cache) and the screen pop, from the
// bridge (bridged_at, stamped by alo) to the event's arrival in the page
// (the same machine's clock). ALO_BENCH_CONSOLE=1 runs the benchmark of
// docs/benchmarks.md (100 calls over 4 agents, failing past the targets);
// without it a short run of 5 calls over 2 agents fails only past five
// times the targets.
func TestAgentConsoleBenchmarks(t *testing.T) {
	serial(t)
	calls, agents, slack := 5, 2, 5
	bench := os.Getenv("ALO_BENCH_CONSOLE") == "1"
	if bench {
		calls, agents = 100, 4
		slack = 1
	}
	st := startStack(t, "uas_carrier.xml", "e2e-bench")
	camp := st.newConsoleCampaign("bench", "0s")
	const contactsN = 10_000
	var csv strings.Builder
	csv.WriteString("phone,name,card_product,card_last4,branch\n")
	for i := range contactsN {
		// Last digits 0–6 only: the carrier answers them all.
		fmt.Fprintf(&csv, "+99890%07d,Contact %d,Visa Gold,%04d,Tashkent\n", 1_000_000+i/7*10+i%7, i, i%10_000)
	}
	loadStart := time.Now()
	if added := st.postCSV(camp, csv.String()); added != contactsN {
		t.Fatalf("%d contacts added, want %d", added, contactsN)
	}
	t.Logf("%d contacts loaded in %v", contactsN, time.Since(loadStart).Round(time.Millisecond))
	ags := make([]agentLogin, agents)
	for i := range ags {
		// No zone in their profiles: the node's applies.
		ags[i] = st.addConsoleAgent(i+1, fmt.Sprintf("Agent %d", i+1), fmt.Sprintf("agent%d", i+1), "", camp)
	}

	b := browsertest.Start(t)
	tabs := make([]*browsertest.Tab, agents)
	for i, a := range ags {
		tabs[i] = openConsole(t, b, st.baseURL(), a)
		submitSignIn(t, tabs[i])
	}
	measureFirstRender(t, tabs[0], st.baseURL()+"/agent", slack)

	for _, tab := range tabs {
		tab.Run(chromedp.Click(chromedp.CSS("#ready")))
		tab.WaitText("#state-label", "Ready")
	}
	st.api.do("POST", fmt.Sprintf("/campaigns/%d/start", camp), nil, nil)
	start := time.Now()
	st.await(fmt.Sprintf("%d screen pops", calls), time.Duration(calls)*20*time.Second/time.Duration(agents)+time.Minute, func() bool {
		n := 0
		for _, tab := range tabs {
			n += browsertest.Eval[int](tab, `window.__alo.pops.length`)
		}
		return n >= calls
	})
	st.api.do("POST", fmt.Sprintf("/campaigns/%d/stop", camp), nil, nil)
	elapsed := time.Since(start)

	byID := map[int64]attemptRow{}
	for _, a := range st.attempts(camp, 2*calls+100) {
		byID[a.ID] = a
	}
	var arrived, drawn []time.Duration
	for i, tab := range tabs {
		for _, r := range readProbe(t, tab).Pops {
			if a := byID[r.Attempt]; a.Agent != ags[i].ID {
				t.Errorf("%s's page popped attempt %d, which is agent %d's", ags[i].Name, r.Attempt, a.Agent)
			}
			in, out, err := r.popLatency()
			if err != nil {
				t.Errorf("screen pop of attempt %d: %v", r.Attempt, err)
				continue
			}
			arrived = append(arrived, in)
			if out > 0 {
				drawn = append(drawn, out)
			}
		}
	}
	ms := func(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }
	t.Logf("screen pop over %d calls, %d agents, %v: bridge → page p50 %s, p95 %s, max %s; → drawn p50 %s, p95 %s, max %s",
		len(arrived), agents, elapsed.Round(time.Second), ms(percentile(arrived, 50)), ms(percentile(arrived, 95)), ms(percentile(arrived, 100)),
		ms(percentile(drawn, 50)), ms(percentile(drawn, 95)), ms(percentile(drawn, 100)))
	if p95 := percentile(arrived, 95); p95 > time.Duration(slack)*popTarget {
		t.Errorf("screen pop p95 %s, over %d× the target of %v", ms(p95), slack, popTarget)
	}
	if t.Failed() {
		t.Logf("alo serve warnings and errors:\n%s", st.serve.log.grep(40, "level=WARN", "level=ERROR"))
	}
}

// navTiming is what Chromium's Navigation and Paint Timing tell of a
// load, in ms from its start.
type navTiming struct {
	TTFB     float64 `json:"ttfb"`
	DCL      float64 `json:"dcl"`
	Load     float64 `json:"load"`
	FCP      float64 `json:"fcp"`
	Snapshot float64 `json:"snapshot"` // the frame after the snapshot was drawn
}

const readNavTiming = `JSON.stringify((() => {
  const n = performance.getEntriesByType("navigation")[0];
  const fcp = performance.getEntriesByName("first-contentful-paint")[0];
  const s = (window.__alo.snapshots[0] || {});
  return { ttfb: n.responseStart, dcl: n.domContentLoadedEventEnd, load: n.loadEventEnd,
    fcp: fcp ? fcp.startTime : -1, snapshot: s.frameSinceNav || -1 };
})())`

// measureFirstRender loads the console five times with a cold cache and
// five times warm, and checks the median first contentful paint.
func measureFirstRender(t *testing.T, tab *browsertest.Tab, url string, slack int) {
	t.Helper()
	const runs = 5
	for _, cold := range []bool{true, false} {
		var fcp, snap, dcl, ttfb []float64
		for range runs {
			if cold {
				tab.Run(chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
					_, err := cdp.Call(ctx, tg, network.ClearBrowserCache, cdp.Empty{})
					return err
				}))
			}
			tab.Navigate(url)
			tab.WaitText("#live-status", "Live")
			tab.WaitJS(`performance.getEntriesByType("navigation")[0].loadEventEnd > 0 && window.__alo.snapshots.length > 0 && window.__alo.snapshots[0].frameSinceNav > 0`)
			var nt navTiming
			if err := json.Unmarshal([]byte(browsertest.Eval[string](tab, readNavTiming)), &nt); err != nil {
				t.Fatal(err)
			}
			fcp, snap, dcl, ttfb = append(fcp, nt.FCP), append(snap, nt.Snapshot), append(dcl, nt.DCL), append(ttfb, nt.TTFB)
		}
		cache := "warm"
		if cold {
			cache = "cold"
		}
		t.Logf("/agent, %s cache, median of %d: first byte %.1f ms, DOMContentLoaded %.1f ms, first contentful paint %.1f ms, snapshot drawn %.1f ms",
			cache, runs, median(ttfb), median(dcl), median(fcp), median(snap))
		if m := median(fcp); m < 0 || m > float64(slack)*float64(renderTarget.Milliseconds()) {
			t.Errorf("/agent with a %s cache: first contentful paint %.1f ms (median), want under %d× %v", cache, m, slack, renderTarget)
		}
	}
}
