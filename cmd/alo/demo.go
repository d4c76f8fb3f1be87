package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"time"

	"github.com/alicebob/miniredis/v2"

	"github.com/alo-dialer/alo/campaigns"
	"github.com/alo-dialer/alo/dialer/sipsim"
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
		st, resumed, err := startDemo(ctx, a, phones, dir, *agents, *contacts)
		if err != nil {
			log.Error("seed the demo", "err", err)
			fmt.Fprintf(stderr, "alo demo: seeding failed: %v\n", err)
			return
		}
		campaignID = st.CampaignID
		printDemoBanner(stderr, url, dir, st, resumed, *dataDir != "", *agents, *contacts)
	})
	if err != nil {
		return err
	}
	if *summary == "json" {
		return printSummary(a, campaignID, stdout)
	}
	return nil
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
