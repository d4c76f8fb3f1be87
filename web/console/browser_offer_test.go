package console

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp/kb"

	"github.com/alo-dialer/alo/internal/browsertest"
)

// offerEvent is a preview offer as web's feed publishes it (call.offered).
func offerEvent(offerID int64, atZero string, deadline time.Time) map[string]any {
	return map[string]any{"attempt_id": 0, "campaign_id": 3, "contact_id": 1042, "agent_id": 7, "offer_id": offerID,
		"deadline": deadline, "at_zero": atZero, "campaign_name": "Card activation",
		"contact": ContactCard{ID: 1042, Name: "Dilnoza Karimova", Phone: "+998 90 123 45 67",
			Fields: []Field{{Key: "card_product", Label: "Card", Value: "Visa Gold"}}},
		"script": "Good afternoon, {{name}}!"}
}

// TestBrowserPreviewOffer: the offer shows the contact, their fields and
// the script with a countdown to the server's deadline; Enter calls, Esc
// skips, and the offer's close takes the panel away.
func TestBrowserPreviewOffer(t *testing.T) {
	srv := newConsoleServer(t, agentSnapshot(7, "Aziza"))
	b := browsertest.Start(t)
	tab := b.NewTab(t, screenW, screenH)
	signIn(tab, srv.URL, "aziza", "secret-aziza")
	srv.live.awaitConnected(t)
	tab.WaitText("#live-status", "Live")

	srv.live.push(t, "call.offered", offerEvent(3, "call", time.Now().Add(20*time.Second)))
	tab.WaitText("#offer-name", "Dilnoza Karimova")
	if got := tab.Text("#offer-fields"); !strings.Contains(got, "Visa Gold") {
		t.Errorf("offer fields %q", got)
	}
	if got := tab.Text("#offer-script"); !strings.Contains(got, "Good afternoon, Dilnoza Karimova!") {
		t.Errorf("offer script %q", got)
	}
	// The page's clock follows the server's within a few milliseconds.
	if got := tab.Text("#offer-countdown"); got != "0:21" && got != "0:20" && got != "0:19" {
		t.Errorf("countdown %q, want about 0:20", got)
	}
	tab.WaitText("#offer-countdown-label", "Calls in")
	tab.Screenshot("agent-offer")
	tab.Press(kb.Enter)
	if req := srv.api.await(t); req.method != "POST" || req.path != "/api/v1/agents/7/offer/3/call" {
		t.Errorf("Enter sent %s %s", req.method, req.path)
	}
	srv.live.push(t, "call.offered", map[string]any{"agent_id": 7, "offer_id": 3, "closed": true})
	tab.WaitJS(`document.querySelector("#offer").hidden`)

	srv.live.push(t, "call.offered", offerEvent(4, "skip", time.Now().Add(5*time.Second)))
	tab.WaitText("#offer-countdown-label", "Skips in")
	tab.Press(kb.Escape)
	if req := srv.api.await(t); req.path != "/api/v1/agents/7/offer/4/skip" {
		t.Errorf("Esc sent %s %s", req.method, req.path)
	}
}
