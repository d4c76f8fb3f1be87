package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"time"

	"github.com/alicebob/miniredis/v2"

	"github.com/alo-dialer/alo/campaigns"
	"github.com/alo-dialer/alo/dialer/agent"
	"github.com/alo-dialer/alo/dialer/sipsim"
	"github.com/alo-dialer/alo/web"
)

// demoSummary is what `alo demo --summary json` prints at the end.
type demoSummary struct {
	Dialed    int64                       `json:"dialed"`
	Answered  int64                       `json:"answered"`
	Connected int64                       `json:"connected"`
	Abandoned int64                       `json:"abandoned"`
	ByOutcome map[campaigns.Outcome]int64 `json:"by_outcome"`
}

// runDemo handles `alo demo`: alo with embedded defaults, a simulated carrier
// and simulated agent phones on loopback, and a welcome-call campaign running.
func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("alo demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	runFor := fs.Duration("for", 0, "stop after this long (0: until interrupted)")
	summary := fs.String("summary", "", `print a summary at the end: "json"`)
	dataDir := fs.String("data-dir", "", "data directory (default: a temporary one, removed at exit)")
	httpAddr := fs.String("http-addr", "127.0.0.1:8080", "HTTP listen address (a free port is used if busy)")
	agents := fs.Int("agents", 5, "simulated agents")
	contacts := fs.Int("contacts", 500, "contacts in the seeded campaign")
	answerRate := fs.Float64("answer-rate", 0.6, "share of calls the simulated carrier answers")
	busyRate := fs.Float64("busy-rate", 0.15, "share of calls the simulated carrier refuses as busy")
	seed := fs.Int64("seed", 1, "seed of the simulated carrier")
	verbose := fs.Bool("v", false, "log every call")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *summary != "" && *summary != "json" {
		return fmt.Errorf("--summary %q: want json", *summary)
	}
	if *agents < 1 || *agents > 200 {
		return fmt.Errorf("--agents %d: want 1 to 200", *agents)
	}
	if *contacts < 1 || *contacts > maxDemoContacts {
		return fmt.Errorf("--contacts %d: want 1 to %d", *contacts, maxDemoContacts)
	}
	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelInfo
	}
	log := newLogger(stderr, level)

	dir := *dataDir
	if dir == "" {
		tmp, err := os.MkdirTemp("", "alo-demo-")
		if err != nil {
			return fmt.Errorf("data dir: %w", err)
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	if *runFor > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *runFor)
		defer cancel()
	}

	// Redis: the private child when redis-server is installed, else in memory.
	var redisURL string
	if redisAvailable() {
		url, stop, err := startPrivateRedis(ctx, dir, log)
		if err != nil {
			return fmt.Errorf("private redis-server: %w", err)
		}
		defer stop()
		redisURL = url
	} else {
		m := miniredis.NewMiniRedis()
		if err := m.Start(); err != nil {
			return fmt.Errorf("in-memory redis: %w", err)
		}
		defer m.Close()
		fmt.Fprintln(stderr, "warning: redis-server is not installed; the demo uses an in-memory Redis (nothing persists; apt-get install redis-server for the real one)")
		redisURL = "redis://" + m.Addr()
	}

	// The simulated carrier and agent phones, on loopback.
	carrier, err := sipsim.NewCarrier(sipsim.CarrierConfig{
		Addr: "127.0.0.1:0", AnswerRate: *answerRate, BusyRate: *busyRate,
		RingMin: time.Second, RingMax: 6 * time.Second, TalkMin: 5 * time.Second, TalkMax: 25 * time.Second,
		Seed: *seed, RTPPorts: [2]int{42000, 43998},
	}, log.With("component", "sim-carrier"))
	if err != nil {
		return err
	}
	phones, err := sipsim.NewPhones(sipsim.PhoneConfig{Addr: "127.0.0.1:0", RTPPorts: [2]int{44000, 45998}}, log.With("component", "sim-phones"))
	if err != nil {
		return err
	}
	simCtx, simCancel := context.WithCancel(context.Background())
	defer simCancel()
	go func() { _ = carrier.Serve(simCtx) }()
	go func() { _ = phones.Serve(simCtx) }()
	for _, r := range []<-chan struct{}{carrier.Ready(), phones.Ready()} {
		select {
		case <-r:
		case <-ctx.Done():
			return nil
		}
	}

	sipAddr, err := freeUDPAddr()
	if err != nil {
		return err
	}
	addr := *httpAddr
	if ln, err := net.Listen("tcp", addr); err != nil {
		addr = "127.0.0.1:0"
	} else {
		ln.Close()
	}
	cfg := ServeConfig{
		HTTPAddr: addr, SIPAddr: sipAddr, TrunkURI: "sip:" + carrier.Addr(),
		RTPPorts: "40000-41998", DataDir: dir, Node: "demo",
	}
	a, err := newApp(ctx, cfg, redisURL, log)
	if err != nil {
		return err
	}
	defer a.close()
	var campaignID int64
	err = a.run(ctx, func(url string) {
		seed, err := seedDemo(ctx, a, phones.Addr(), *agents, *contacts)
		if err != nil {
			log.Error("seed the demo", "err", err)
			fmt.Fprintf(stderr, "alo demo: seeding failed: %v\n", err)
			return
		}
		token, id := seed.token, seed.campaign
		campaignID = id
		fmt.Fprintf(stderr, "\nalo demo is running: %d simulated agents are calling %d contacts.\n", *agents, *contacts)
		fmt.Fprintf(stderr, "  API:    %s/api/v1 (try: curl -H 'Authorization: Bearer %s' %s/api/v1/campaigns/%d/stats)\n", url, token, url, id)
		fmt.Fprintf(stderr, "  login:  admin, token %s\n", token)
		fmt.Fprintf(stderr, "  agent:  %s/signin as agent1, password %s (Agent 1's console)\n", url, seed.agentPassword)
		fmt.Fprintf(stderr, "  data:   %s\n  stop:   Ctrl-C\n\n", dir)
	})
	if err != nil {
		return err
	}
	if *summary == "json" {
		return printSummary(a, campaignID, stdout)
	}
	return nil
}

// demoSeed is what seedDemo made that the demo prints.
type demoSeed struct {
	token         string // the admin's
	campaign      int64
	agentPassword string // user agent1's, Agent 1 on the console
}

// seedDemo creates the admin user, the client, the welcome-call campaign, its
// contacts and agents (Agent 1 with a user who signs in to the console),
// sets the agents ready and starts the campaign.
func seedDemo(ctx context.Context, a *app, phonesAddr string, nAgents, nContacts int) (demoSeed, error) {
	var seed demoSeed
	_, token, err := a.users.Add(ctx, "admin", web.RoleAdmin)
	if err != nil {
		return seed, err
	}
	seed.token = token
	client, err := a.store.CreateClient(ctx, "Demo Bank")
	if err != nil {
		return seed, err
	}
	camp, err := a.store.CreateCampaign(ctx, campaigns.Campaign{
		ClientID: client.ID, Name: "Welcome calls: new card holders",
		// Round the clock and in UTC, so the demo calls whatever the hour.
		DailyStart: 0, DailyEnd: 24 * 60, TimeZone: "UTC", DefaultRegion: "GB",
		MaxAttempts: 1, RingTimeout: 15 * time.Second, RetryDelay: time.Hour,
	})
	if err != nil {
		return seed, err
	}
	seed.campaign = camp.ID
	in := make([]campaigns.NewContact, nContacts)
	for i := range in {
		in[i] = campaigns.NewContact{Phone: demoNumber(i), Name: fmt.Sprintf("Card holder %d", i+1), TimeZone: "UTC"}
	}
	if _, err := a.store.AddContacts(ctx, camp.ID, in); err != nil {
		return seed, err
	}
	for i := 1; i <= nAgents; i++ {
		ag, err := a.agents.CreateAgent(ctx, agent.NewAgent{
			Name: fmt.Sprintf("Agent %d", i), SIPURI: fmt.Sprintf("sip:agent%d@%s", i, phonesAddr), CampaignIDs: []int64{camp.ID},
		})
		if err != nil {
			return seed, err
		}
		if i == 1 {
			// A fresh password each run: the demo listens on loopback, but
			// a fixed one would be known to everyone who read this.
			seed.agentPassword = strings.ToLower(rand.Text()[:12])
			if _, _, err := a.users.Create(ctx, web.NewUser{Name: "agent1", Role: web.RoleAgent, AgentID: ag.ID, Password: seed.agentPassword}); err != nil {
				return seed, err
			}
		}
		if _, err := a.agents.SetReady(ctx, ag.ID); err != nil {
			return seed, err
		}
	}
	if err := a.store.SetStatus(ctx, camp.ID, campaigns.StatusRunning); err != nil {
		return seed, err
	}
	a.eng.Wake(camp.ID)
	return seed, nil
}

// printSummary writes the campaign's outcome counts as one JSON object.
func printSummary(a *app, campaignID int64, w io.Writer) error {
	if campaignID == 0 {
		return errors.New("no campaign was seeded")
	}
	st, err := a.store.Stats(context.Background(), campaignID)
	if err != nil {
		return err
	}
	s := demoSummary{ByOutcome: map[campaigns.Outcome]int64{}}
	for o, n := range st.ByOutcome {
		if n == 0 {
			continue
		}
		s.ByOutcome[o] = n
		if o != campaigns.OutcomeBlocked {
			s.Dialed += n
		}
		switch o {
		case campaigns.OutcomeHuman:
			s.Answered += n
			s.Connected += n
		case campaigns.OutcomeAbandoned:
			s.Answered += n
			s.Abandoned += n
		case campaigns.OutcomeMachine:
			s.Answered += n
		}
	}
	enc := json.NewEncoder(w)
	return enc.Encode(s)
}

// demoDramaPrefixes are UK geographic ranges Ofcom keeps for drama: valid
// numbers (so the gate accepts them) that belong to nobody. Each holds 1,000.
var demoDramaPrefixes = []string{
	"+442079460", "+441614960", "+441214960", "+441134960", "+441174960", "+441144960",
	"+441164960", "+441184960", "+441314960", "+441414960", "+441514960", "+441914980",
}

// maxDemoContacts is how many distinct fictional numbers demoNumber has.
var maxDemoContacts = len(demoDramaPrefixes) * 1000

// demoNumber returns the i-th fictional number of the demo campaign.
func demoNumber(i int) string {
	return fmt.Sprintf("%s%03d", demoDramaPrefixes[i/1000], i%1000)
}

// freeUDPAddr finds a free loopback UDP port for alo's SIP listener.
func freeUDPAddr() (string, error) {
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("free udp port: %w", err)
	}
	defer c.Close()
	return c.LocalAddr().String(), nil
}
