package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/alo-dialer/alo/internal/browsertest"
)

// The agent console's tests share one campaign shape: a card-activation
// call with custom fields the screen pop shows and a script that names
// them.
const (
	consoleScript = "Good afternoon, {{name}}! My name is {{agent_name}}, I am calling from Demo Bank.\n\n" +
		"Your new {{card_product}} card ending in {{card_last4}} is ready at our {{branch}} branch. " +
		"May I help you activate it now?"
	agentZone       = "Asia/Tashkent"
	browserPassword = "correct horse battery"
	// The browser's window: a common office screen.
	screenW, screenH = 1280, 800
)

// consoleContact is a contact of the console campaign: its number's last
// digit (0–6) makes the carrier answer and hang up after 4 s.
type consoleContact struct {
	Phone, Name, Card, Last4, Branch string
}

func (c consoleContact) input() map[string]any {
	return map[string]any{"phone": c.Phone, "name": c.Name, "fields": map[string]string{
		"card_product": c.Card, "card_last4": c.Last4, "branch": c.Branch}}
}

// newConsoleCampaign creates a client and a campaign calling all day in
// UTC with the console script; wrapUp is its wrap-up limit ("0s": none).
func (s *stack) newConsoleCampaign(name, wrapUp string) int64 {
	s.api.t.Helper()
	var client struct{ ID int64 }
	s.api.do("POST", "/clients", map[string]any{"name": name + " client"}, &client)
	var camp struct{ ID int64 }
	// PENDING(api): "script" is the campaign field the api branch adds.
	s.api.do("POST", "/campaigns", map[string]any{"name": name, "client_id": client.ID, "type": "outbound_list",
		"daily_start": "00:00", "daily_end": "23:59", "time_zone": "UTC", "ring_timeout": "15s", "wrap_up": wrapUp,
		"script": consoleScript}, &camp)
	return camp.ID
}

// agentLogin is an agent and the user who signs in as them.
type agentLogin struct {
	ID         int64
	Name, User string
}

// addConsoleAgent creates agent n (its phone is the stack's sipp) in the
// campaigns and the user of role agent who is them, whose profile has
// zone (none: the node's zone applies).
func (s *stack) addConsoleAgent(n int, name, user, zone string, campaignIDs ...int64) agentLogin {
	s.api.t.Helper()
	a := agentLogin{Name: name, User: user}
	var created struct{ ID int64 }
	s.api.do("POST", "/agents", map[string]any{"name": name, "sip_uri": s.agentURI(n), "campaign_ids": campaignIDs}, &created)
	a.ID = created.ID
	s.api.do("POST", "/users", map[string]any{"name": a.User, "role": "agent", "password": browserPassword,
		"agent_id": a.ID, "language": "en", "time_zone": zone}, nil)
	return a
}

// agentState is the agent's state as the API tells it.
func (s *stack) agentState(id int64) string {
	s.api.t.Helper()
	var a struct{ State string }
	s.api.do("GET", fmt.Sprintf("/agents/%d", id), nil, &a)
	return a.State
}

// attemptRow is a row of GET /campaigns/{id}/attempts.
type attemptRow struct {
	ID           int64     `json:"id"`
	Agent        int64     `json:"agent_id"`
	Phone        string    `json:"phone"`
	State        string    `json:"state"`
	Outcome      string    `json:"outcome"`
	MediaToAgent int64     `json:"media_to_agent"`
	Reason       string    `json:"reason"`
	CreatedAt    time.Time `json:"created_at"`
}

func (s *stack) attempts(campaignID int64, limit int) []attemptRow {
	s.api.t.Helper()
	var as []attemptRow
	s.api.do("GET", fmt.Sprintf("/campaigns/%d/attempts?limit=%d", campaignID, limit), nil, &as)
	return as
}

// await polls alo (an external process) until ok, failing after d.
func (s *stack) await(what string, d time.Duration, ok func() bool) {
	s.api.t.Helper()
	for deadline := time.Now().Add(d); !ok(); time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			s.api.fatalf("timed out after %v waiting for %s", d, what)
		}
	}
}

// postCSV uploads a CSV of contacts to a campaign.
func (s *stack) postCSV(campaignID int64, csv string) (added int) {
	s.api.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "POST", fmt.Sprintf("%s/campaigns/%d/contacts", s.api.base, campaignID), strings.NewReader(csv))
	if err != nil {
		s.api.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+s.api.token)
	req.Header.Set("Content-Type", "text/csv")
	res, err := s.api.http.Do(req)
	if err != nil {
		s.api.fatalf("upload contacts: %v", err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	var rep struct {
		Added    int
		Rejected []any
	}
	if res.StatusCode/100 != 2 || json.Unmarshal(b, &rep) != nil || len(rep.Rejected) > 0 {
		s.api.fatalf("upload contacts: %s\n%.2000s", res.Status, b)
	}
	return rep.Added
}

// pageProbe is run in every page before its own scripts: it wraps the
// listeners the console gives its EventSource to note when each snapshot
// and screen pop arrived and when the page had drawn it, and notes the
// page's freeze and resume and the live indicator's changes. Times are
// ms since the epoch (performance.timeOrigin + performance.now(), the
// same clock as the server's on one machine), except sinceNav: ms since
// the navigation began.
const pageProbe = `(() => {
  if (window.__alo) return;
  const rec = window.__alo = { pops: [], snapshots: [], lifecycle: [], live: [] };
  const now = () => performance.timeOrigin + performance.now();
  const add = EventSource.prototype.addEventListener;
  EventSource.prototype.addEventListener = function (type, fn, opts) {
    if ((type === "call.bridged" || type === "snapshot") && typeof fn === "function") {
      const inner = fn;
      fn = function (ev) {
        const r = { type, id: ev.lastEventId, arrived: now(), sinceNav: performance.now() };
        try {
          const d = JSON.parse(ev.data);
          const c = type === "snapshot" ? d.call : d;
          if (c) { r.attempt = c.attempt_id; r.bridgedAt = c.bridged_at; }
        } catch (e) {}
        (type === "snapshot" ? rec.snapshots : rec.pops).push(r);
        const out = inner.apply(this, arguments);
        r.handled = now();
        requestAnimationFrame(() => { r.frame = now(); r.frameSinceNav = performance.now(); });
        return out;
      };
    }
    return add.call(this, type, fn, opts);
  };
  document.addEventListener("freeze", () => rec.lifecycle.push({ what: "freeze", at: now() }));
  document.addEventListener("resume", () => rec.lifecycle.push({ what: "resume", at: now() }));
  document.addEventListener("DOMContentLoaded", () => {
    const el = document.getElementById("live-status");
    if (!el) return;
    new MutationObserver(() => rec.live.push({ status: el.dataset.live, at: now() }))
      .observe(el, { attributes: true, attributeFilter: ["data-live"] });
  });
})()`

// probeRecord is one event the probe saw.
type probeRecord struct {
	Type          string  `json:"type"`
	ID            string  `json:"id"`
	Attempt       int64   `json:"attempt"`
	BridgedAt     string  `json:"bridgedAt"`
	Arrived       float64 `json:"arrived"`
	SinceNav      float64 `json:"sinceNav"`
	Handled       float64 `json:"handled"`
	Frame         float64 `json:"frame"`
	FrameSinceNav float64 `json:"frameSinceNav"`
}

// probe is what the probe saw in a page.
type probe struct {
	Pops      []probeRecord `json:"pops"`
	Snapshots []probeRecord `json:"snapshots"`
	Lifecycle []struct {
		What string  `json:"what"`
		At   float64 `json:"at"`
	} `json:"lifecycle"`
	Live []struct {
		Status string  `json:"status"`
		At     float64 `json:"at"`
	} `json:"live"`
}

func readProbe(t *testing.T, tab *browsertest.Tab) probe {
	t.Helper()
	var p probe
	s := browsertest.Eval[string](tab, `JSON.stringify(window.__alo || {})`)
	if err := json.Unmarshal([]byte(s), &p); err != nil {
		t.Fatalf("the page probe's record is not JSON: %v\n%s", err, s)
	}
	return p
}

// epochMS turns a probe's time into a time.Time.
func epochMS(ms float64) time.Time { return time.UnixMicro(int64(ms * 1000)) }

// popLatency is how long after its bridge a screen pop reached the page
// and was drawn (the frame after its handler ran; 0 while that frame is
// still to come).
func (r probeRecord) popLatency() (arrived, drawn time.Duration, err error) {
	at, err := time.Parse(time.RFC3339Nano, r.BridgedAt)
	if err != nil {
		return 0, 0, fmt.Errorf("bridged_at %q: %w", r.BridgedAt, err)
	}
	if r.Frame > 0 {
		drawn = epochMS(r.Frame).Sub(at)
	}
	return epochMS(r.Arrived).Sub(at), drawn, nil
}

// openConsole opens a tab that runs the probe and signs agent a in at
// base through the sign-in page, landing on their console with its
// stream open.
func openConsole(t *testing.T, b *browsertest.Browser, base string, a agentLogin) *browsertest.Tab {
	t.Helper()
	tab := b.NewTab(t, screenW, screenH)
	tab.Run(chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: pageProbe})
		return err
	}))
	tab.Navigate(base + "/signin")
	tab.WaitVisible("#signin-submit")
	tab.Run(chromedp.SendKeys(chromedp.CSS("#name"), a.User), chromedp.SendKeys(chromedp.CSS("#password"), browserPassword))
	return tab
}

// submitSignIn submits the sign-in form openConsole filled and waits for the
// console's stream.
func submitSignIn(t *testing.T, tab *browsertest.Tab) {
	t.Helper()
	if status := tab.Submit(chromedp.Click(chromedp.CSS("#signin-submit"))); status != http.StatusOK {
		t.Fatalf("sign-in answered %d", status)
	}
	tab.WaitVisible("#agent")
	tab.WaitText("#live-status", "Live")
}

// setLifecycle freezes or thaws the tab's page through CDP, as Chrome
// does to a background tab to save power.
func setLifecycle(tab *browsertest.Tab, state page.SetWebLifecycleStateState) {
	tab.Run(chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, page.SetWebLifecycleState, page.SetWebLifecycleStateParams{State: state})
		return err
	}))
}

// cutProxy forwards TCP connections to a target and can cut them all
// and refuse new ones for a while, as a dropped Wi-Fi or a NAT that
// forgot its mapping does to a long-lived stream.
type cutProxy struct {
	t      *testing.T
	ln     net.Listener
	target string

	mu       sync.Mutex
	conns    map[net.Conn]struct{}
	downTill time.Time
	accepted int
}

func newCutProxy(t *testing.T, target string) *cutProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{t: t, ln: ln, target: target, conns: map[net.Conn]struct{}{}}
	go p.serve()
	t.Cleanup(func() { ln.Close(); p.closeAll() })
	return p
}

// url is the proxy's http:// base.
func (p *cutProxy) url() string { return "http://" + p.ln.Addr().String() }

func (p *cutProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			continue
		}
		p.mu.Lock()
		down := time.Now().Before(p.downTill)
		if !down {
			p.conns[c] = struct{}{}
			p.accepted++
		}
		p.mu.Unlock()
		if down {
			c.Close() // the browser sees the connection drop and retries
			continue
		}
		go p.forward(c)
	}
}

func (p *cutProxy) forward(c net.Conn) {
	up, err := net.Dial("tcp", p.target)
	if err != nil {
		p.drop(c)
		return
	}
	p.mu.Lock()
	p.conns[up] = struct{}{}
	p.mu.Unlock()
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(up, c); done <- struct{}{} }()
	go func() { _, _ = io.Copy(c, up); done <- struct{}{} }()
	<-done
	p.drop(c)
	p.drop(up)
}

func (p *cutProxy) drop(c net.Conn) {
	c.Close()
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
}

// cut closes every connection now and refuses new ones for d.
func (p *cutProxy) cut(d time.Duration) {
	p.mu.Lock()
	p.downTill = time.Now().Add(d)
	p.mu.Unlock()
	p.closeAll()
}

func (p *cutProxy) closeAll() {
	p.mu.Lock()
	conns := make([]net.Conn, 0, len(p.conns))
	for c := range p.conns {
		conns = append(conns, c)
	}
	p.mu.Unlock()
	for _, c := range conns {
		c.Close()
	}
}

// median of the float64s (ms).
func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
