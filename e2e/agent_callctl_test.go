package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/alo-dialer/alo/internal/browsertest"
)

// TestAgentConsoleCallControls: against alo serve with sipp, an agent on
// a bridged call mutes (Alt+M), holds and resumes (Alt+O), then hangs up
// from the page (Alt+H): alo ends the customer's leg itself (the carrier
// would hang up after 4 s), the attempt reads "ended by agent", and the
// page goes to wrap-up with the controls disabled.
func TestAgentConsoleCallControls(t *testing.T) {
	serial(t)
	st := startStack(t, "uas_carrier.xml", "e2e-callctl")
	camp := st.newConsoleCampaign("call controls", "2m")
	who := consoleContact{Phone: "+998901230071", Name: "Dilnoza Karimova", Card: "Visa Gold", Last4: "4821", Branch: "Tashkent, Yunusabad"}
	st.api.do("POST", fmt.Sprintf("/campaigns/%d/contacts", camp), who.input(), nil)
	ag := st.addConsoleAgent(1, "Aziza Rahimova", "aziza", agentZone, camp)

	b := browsertest.Start(t)
	tab := openConsole(t, b, st.baseURL(), ag)
	submitSignIn(t, tab)
	tab.Run(chromedp.KeyEvent("r", chromedp.KeyModifiers(chromedp.ModifierAlt)))
	tab.WaitText("#state-label", "Ready")
	st.await("the agent ready", 20*time.Second, func() bool { return st.agentState(ag.ID) == "ready" })
	st.api.do("POST", fmt.Sprintf("/campaigns/%d/start", camp), nil, nil)
	tab.WaitText("#contact-name", who.Name)
	bridged := time.Now()

	alt := func(key string) { tab.Run(chromedp.KeyEvent(key, chromedp.KeyModifiers(chromedp.ModifierAlt))) }
	alt("m")
	tab.WaitJS(`document.querySelector("#mute").getAttribute("aria-pressed") === "true"`)
	alt("o")
	tab.WaitJS(`document.querySelector("#hold").getAttribute("aria-pressed") === "true"`)
	alt("o")
	tab.WaitJS(`document.querySelector("#hold").getAttribute("aria-pressed") === "false"`)
	alt("h")
	tab.WaitVisible("#hung-up")
	tab.WaitText("#state-label", "Wrap-up")
	t.Logf("controls used and the call ended %v after the screen pop", time.Since(bridged).Round(time.Millisecond))
	tab.WaitJS(`["hangup", "mute", "hold"].every((id) => document.getElementById(id).disabled)`)
	var row attemptRow
	st.await("the attempt done", 20*time.Second, func() bool {
		for _, a := range st.attempts(camp, 10) {
			if a.State == "done" {
				row = a
				return true
			}
		}
		return false
	})
	if row.Outcome != "human" || !strings.Contains(row.Reason, "ended by agent") {
		t.Errorf("attempt %+v; want human, ended by agent (the carrier's own BYE comes only after 4 s)", row)
	}
	tab.Screenshot("callctl-ended")
}
