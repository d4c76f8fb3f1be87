package dialer

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/alo-dialer/alo/campaigns"
	"github.com/alo-dialer/alo/compliance"
	"github.com/alo-dialer/alo/dialer/agent"
	"github.com/alo-dialer/alo/dialer/audio"
	"github.com/alo-dialer/alo/dialer/media"
	"github.com/alo-dialer/alo/dialer/sipua"
	"github.com/alo-dialer/alo/dialer/trunk"
	"github.com/alo-dialer/alo/internal/sipptest"
	"github.com/alo-dialer/alo/internal/testenv"
	"github.com/alo-dialer/alo/sqldb"
)

// TestLoadWholePath measures sustained call set-ups through the whole
// originate path of one node: the pacer's decision, the claim from the
// Redis ready set, the compliance RuleGate (cis-default preset), the SQL
// dialing row and call leg row (SQLite), the INVITE to sipp as the carrier
// and the outcome written back. The carrier answers every INVITE with 180
// then ALO_LOAD_CODE (default 486, a refusal: no media). Agents are
// registry entries with a stand-in phone leg, so every call has a reserved
// agent as in production. Run by hand (docs/benchmarks.md):
//
//	ALO_LOAD_PATH_CONTACTS=6000 ALO_LOAD_AGENTS=300 go test ./dialer -run TestLoadWholePath -v -count=1
func TestLoadWholePath(t *testing.T) {
	total, _ := strconv.Atoi(os.Getenv("ALO_LOAD_PATH_CONTACTS"))
	if total <= 0 {
		t.Skip("set ALO_LOAD_PATH_CONTACTS (and ALO_LOAD_AGENTS) to run the whole-path load benchmark")
	}
	nAgents, _ := strconv.Atoi(os.Getenv("ALO_LOAD_AGENTS"))
	if nAgents <= 0 {
		nAgents = 300
	}
	code := os.Getenv("ALO_LOAD_CODE")
	if code == "" {
		code = "486"
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	// A weekday noon in Tashkent, moving at real speed: inside every
	// cis-default calling window whenever the benchmark is run.
	base := time.Date(2026, 11, 18, 12, 0, 0, 0, time.FixedZone("UZT", 5*3600))
	started := time.Now()
	clock := func() time.Time { return base.Add(time.Since(started)) }

	carrier := sipptest.Start(t, sipptest.Render(t, "uas_load.xml", "code", code, "reason", "Final"),
		"-timeout", "600s", "-buff_size", "4194304")
	db := dialerDB(t, testenv.SQLite)
	lc := newLoadCampaign(t, db, clock, total)
	store, disp, gate, camp := lc.store, lc.disp, lc.gate, lc.camp
	agents := agent.NewRegistry(agent.Config{DB: db, Clock: clock, Log: quietLogger(),
		Dial: func(context.Context, string) (agent.PhoneLeg, error) {
			return &fakePhoneLeg{done: make(chan struct{})}, nil
		}})
	defer agents.Close()
	for i := range nAgents {
		ag, err := agents.CreateAgent(ctx, agent.NewAgent{Name: fmt.Sprintf("a%d", i), SIPURI: fmt.Sprintf("sip:%d@127.0.0.1", 2000+i), CampaignIDs: []int64{camp.ID}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := agents.SetReady(ctx, ag.ID); err != nil {
			t.Fatal(err)
		}
	}
	waitForLong(t, 10*time.Second, func() bool { return agents.ReadyFor(camp.ID) == nAgents })

	min := testenv.EvenPorts(t, 2000)
	s, err := sipua.New(sipua.Config{ListenAddr: "127.0.0.1:0", RTPPorts: media.PortRange{Min: min, Max: min + 1999}, UserAgent: "alo-load",
		Trunk: trunk.Trunk{URI: carrier.URI("")}, Legs: sipua.NewCallLegs(db), Clock: clock}, quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	sctx, stopSIP := context.WithCancel(context.Background())
	go func() { served <- s.Serve(sctx) }()
	defer func() { stopSIP(); <-served }()
	<-s.Ready()

	lc.fill(t, clock, total)
	e := NewEngine(EngineConfig{Node: "load", Campaigns: store, Attempts: disp, Marker: store, Gate: gate, Agents: agents, SIP: s,
		Clock: clock, Log: quietLogger(), Tick: 50 * time.Millisecond})

	var ru0, ru1 syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
	var ms runtime.MemStats
	if err := store.SetStatus(ctx, camp.ID, campaigns.StatusRunning); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	ectx, stopEngine := context.WithCancel(ctx)
	engDone := make(chan error, 1)
	go func() { engDone <- e.Run(ectx) }()
	var finished int64
	var heap uint64
	deadline := time.Now().Add(time.Duration(total/20+60) * time.Second)
	for {
		st, err := store.Stats(ctx, camp.ID)
		if err != nil {
			t.Fatal(err)
		}
		finished = 0
		for _, n := range st.ByOutcome {
			finished += n
		}
		runtime.ReadMemStats(&ms)
		heap = max(heap, ms.HeapInuse)
		if finished >= int64(total) || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond) // polling SQL with a deadline: the attempts finish on their own
	}
	elapsed := time.Since(start)
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
	stopEngine()
	<-engDone
	st, err := store.Stats(ctx, camp.ID)
	if err != nil {
		t.Fatal(err)
	}
	cpu := time.Duration(ru1.Utime.Nano()+ru1.Stime.Nano()-ru0.Utime.Nano()-ru0.Stime.Nano()) * time.Nanosecond
	want := campaigns.OutcomeBusy
	if code != "486" {
		want = ""
	}
	t.Logf("whole path, carrier %s: %d of %d attempts finished in %v = %.0f set-ups/s; outcomes %v; "+
		"alo CPU %v = %.0f µs per set-up (%.0f%% of one core); peak Go heap in use %.1f MiB; %d agents",
		code, finished, total, elapsed.Round(time.Millisecond), float64(finished)/elapsed.Seconds(), st.ByOutcome,
		cpu.Round(time.Millisecond), float64(cpu.Microseconds())/float64(max(finished, 1)),
		100*cpu.Seconds()/elapsed.Seconds(), float64(heap)/(1<<20), nAgents)
	if finished != int64(total) {
		t.Errorf("%d of %d attempts finished", finished, total)
	}
	// sipp's own capacity in the same run: sipp as the caller doing the
	// same set-up against the same carrier, as many at once as alo had
	// agents, as fast as it can.
	sippRate := sippCapacity(t, sipptest.Render(t, "uac_load.xml", "code", code), carrier, total, nAgents)
	t.Logf("sipp UAC -> sipp UAS, same carrier: %.0f set-ups/s; alo's whole path reaches %.2f of it",
		sippRate, float64(finished)/elapsed.Seconds()/sippRate)
	rows, err := db.QueryContext(ctx, `SELECT outcome, sip_code, reason, COUNT(*) FROM attempts WHERE outcome <> $1 GROUP BY outcome, sip_code, reason`, string(want))
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var o, r string
		var c, n int
		if err := rows.Scan(&o, &c, &r, &n); err != nil {
			t.Fatal(err)
		}
		t.Logf("other outcome: %d × %s %d %q", n, o, c, r)
	}
	rows.Close()
	if want != "" && st.ByOutcome[want] != int64(total) {
		t.Errorf("outcomes %v, want all %s (zero failed transactions)", st.ByOutcome, want)
	}
}

// loadCampaign is the campaigns and compliance side of the load tests.
type loadCampaign struct {
	store *campaigns.Store
	ready *campaigns.ReadySet
	disp  *campaigns.Dispatcher
	gate  compliance.Gate
	camp  campaigns.Campaign
}

// newLoadCampaign migrates db, builds the store, the Redis ready set, the
// dispatcher and the cis-default RuleGate, and creates a progressive
// campaign with total Uzbek mobile contacts.
func newLoadCampaign(t *testing.T, db *sqldb.DB, clock func() time.Time, total int) loadCampaign {
	t.Helper()
	ctx := context.Background()
	for owner, fs := range map[string]fs.FS{"campaigns": campaigns.Migrations, "compliance": compliance.Migrations} {
		if err := sqldb.Migrate(ctx, db, owner, fs); err != nil {
			t.Fatal(err)
		}
	}
	rdb := testenv.Redis(t)
	store := campaigns.NewStore(db, clock)
	ready := campaigns.NewReadySet(rdb, clock)
	disp := campaigns.NewDispatcher(store, ready, "load", time.Minute, quietLogger())

	rules, err := compliance.Preset(compliance.PresetCISDefault)
	if err != nil {
		t.Fatal(err)
	}
	eng, err := compliance.NewEngine(rules, compliance.NewZoneResolver(100000),
		compliance.NewDNCIndex(compliance.NewDNCList(db.DB, clock)), compliance.NewConsentIndex())
	if err != nil {
		t.Fatal(err)
	}
	gate := compliance.NewRuleGate(compliance.GateConfig{Fallback: eng})

	cl, err := store.CreateClient(ctx, "Load")
	if err != nil {
		t.Fatal(err)
	}
	camp, err := store.CreateCampaign(ctx, campaigns.Campaign{ClientID: cl.ID, Name: "load", DailyStart: 9 * 60, DailyEnd: 20 * 60,
		TimeZone: "Asia/Tashkent", DefaultRegion: "UZ", MaxAttempts: 1, RetryDelay: time.Hour, RingTimeout: 30 * time.Second, Pacing: "progressive"})
	if err != nil {
		t.Fatal(err)
	}
	in := make([]campaigns.NewContact, total)
	for i := range in {
		in[i] = campaigns.NewContact{Phone: fmt.Sprintf("+99890%07d", 1000000+i)}
	}
	if _, err := store.AddContacts(ctx, camp.ID, in); err != nil {
		t.Fatal(err)
	}

	return loadCampaign{store: store, ready: ready, disp: disp, gate: gate, camp: camp}
}

// fill puts every contact in the ready set, as the feeder and its tasks would.
func (lc loadCampaign) fill(t *testing.T, clock func() time.Time, total int) {
	t.Helper()
	ctx := context.Background()
	due, err := lc.store.QueueDue(ctx, lc.camp.ID, clock().Add(time.Hour), total)
	if err != nil || len(due) != total {
		t.Fatalf("queue due: %d of %d, %v", len(due), total, err)
	}
	for _, d := range due {
		if err := lc.ready.Add(ctx, d.Key, float64(d.DueAt.UnixMilli())); err != nil {
			t.Fatal(err)
		}
	}
}

// sippCapacity runs sipp as the caller (scenario) against carrier for total
// calls, at most concurrent at once and unthrottled, and returns the
// set-ups per second it completed.
func sippCapacity(t *testing.T, scenario string, carrier *sipptest.Proc, total, concurrent int) float64 {
	t.Helper()
	dir := t.TempDir()
	cmd := exec.Command(sipptest.Require(t), "-sf", scenario, "-i", "127.0.0.1", "-p", strconv.Itoa(sipptest.FreeUDPPort(t)),
		"-m", strconv.Itoa(total), "-l", strconv.Itoa(concurrent), "-r", "100000", "-rp", "1000",
		"-buff_size", "4194304", "-nostdin", "-timeout", "300s", "-timeout_error",
		"-trace_err", "-error_file", filepath.Join(dir, "errors.log"), fmt.Sprintf("127.0.0.1:%d", carrier.Port))
	cmd.Dir = dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	start := time.Now()
	out, err := cmd.CombinedOutput()
	elapsed := time.Since(start)
	if err != nil {
		t.Fatalf("sipp UAC: %v\n%s", err, sipptest.Tail(string(out), 2000))
	}
	return float64(total) / elapsed.Seconds()
}

// TestLoadHeldCalls measures how many bridged calls one node holds with RTP
// flowing both ways: ALO_LOAD_HOLD_CALLS agents log in (their phones are one
// sipp, each nailed-up leg a real SIP dialog with media), as many contacts
// are dialled through the whole path against a sipp carrier that answers,
// every customer replays G.711 audio (a 7 s capture, about 33 packets/s)
// and every phone echoes what it receives, until alo hangs up. It reports the calls bridged, the RTP
// alo relayed each way per second over ALO_LOAD_HOLD_SECONDS (default 10),
// Go heap and RSS per call and CPU per call. Run by hand:
//
//	ALO_LOAD_HOLD_CALLS=200 go test ./dialer -run TestLoadHeldCalls -v -count=1
func TestLoadHeldCalls(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("ALO_LOAD_HOLD_CALLS"))
	if n <= 0 {
		t.Skip("set ALO_LOAD_HOLD_CALLS to run the held-calls load benchmark")
	}
	hold, _ := strconv.Atoi(os.Getenv("ALO_LOAD_HOLD_SECONDS"))
	if hold <= 0 {
		hold = 10
	}
	ctx := context.Background()
	base := time.Date(2026, 11, 18, 12, 0, 0, 0, time.FixedZone("UZT", 5*3600))
	started := time.Now()
	clock := func() time.Time { return base.Add(time.Since(started)) }

	// The customers stream audio (sipp's rtp_stream: a pool of threads for
	// all calls); the phones echo what alo relays to them (-rtp_echo: one
	// sipp thread), or, with ALO_LOAD_PHONES=stream, stream their own.
	audioFile := loadAudioFile(t)
	streamAction := `<action><exec rtp_stream="` + audioFile + `,-1,8"/></action>`
	// With ALO_LOAD_CHURN_SECONDS the customers hang up after 10 to 30 s
	// and more contacts wait, so calls end and new ones are bridged while
	// about n are up: the answer-to-bridged latency under that load.
	churn, _ := strconv.Atoi(os.Getenv("ALO_LOAD_CHURN_SECONDS"))
	contacts, carrierInvite, carrierEnd := n, "", heldEnd
	if churn > 0 {
		contacts, carrierInvite, carrierEnd = n+n*churn*3/40+100, churnInvite, churnEnd
	}
	carrier := sipptest.Start(t, sipptest.Render(t, "uas_load_stream.xml", "media", streamAction, "invite", carrierInvite, "end", carrierEnd),
		"-timeout", "900s", "-buff_size", "4194304", "-rtp_threadtasks", "64")
	phoneArgs, phoneMedia := []string{"-timeout", "900s", "-buff_size", "4194304", "-rtp_echo"}, ""
	if os.Getenv("ALO_LOAD_PHONES") == "stream" {
		phoneArgs, phoneMedia = []string{"-timeout", "900s", "-buff_size", "4194304", "-rtp_threadtasks", "64"}, streamAction
	}
	phones := sipptest.Start(t, sipptest.Render(t, "uas_load_stream.xml", "media", phoneMedia, "invite", "", "end", heldEnd), phoneArgs...)
	db := dialerDB(t, testenv.SQLite)
	lc := newLoadCampaign(t, db, clock, contacts)

	lo := testenv.EvenPorts(t, 4*n+100)
	s, err := sipua.New(sipua.Config{ListenAddr: "127.0.0.1:0", RTPPorts: media.PortRange{Min: lo, Max: lo + 4*n + 99}, UserAgent: "alo-load",
		Trunk: trunk.Trunk{URI: carrier.URI("")}, Legs: sipua.NewCallLegs(db), Clock: clock}, quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	sctx, stopSIP := context.WithCancel(ctx)
	go func() { served <- s.Serve(sctx) }()
	defer func() { stopSIP(); <-served }()
	<-s.Ready()

	var e *Engine
	agents := agent.NewRegistry(agent.Config{DB: db, Clock: clock, Log: quietLogger(), KeepAliveEvery: time.Hour,
		Dial: func(ctx context.Context, uri string) (agent.PhoneLeg, error) {
			leg, res, err := s.DialAgent(ctx, uri, sipua.DialOptions{AutoAnswer: true, RingTimeout: 30 * time.Second})
			if err != nil {
				return nil, err
			}
			if !res.Answered {
				return nil, fmt.Errorf("agent phone %s: %d %s", uri, res.Code, res.Reason)
			}
			return leg, nil
		}})
	onReady(t, agents, func(ids []int64) {
		if e != nil {
			e.WakeAll(ids)
		}
	})
	defer agents.Close()
	var runtime0 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&runtime0)
	rss0 := rssBytes(t)
	for i := range n {
		ag, err := agents.CreateAgent(ctx, agent.NewAgent{Name: fmt.Sprintf("a%d", i), SIPURI: phones.URI(fmt.Sprintf("agent%d", i)), CampaignIDs: []int64{lc.camp.ID}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := agents.SetReady(ctx, ag.ID); err != nil {
			t.Fatal(err)
		}
	}
	waitForLong(t, 120*time.Second, func() bool { return agents.ReadyFor(lc.camp.ID) == n })
	t.Logf("%d agent phones nailed up in %v", n, time.Since(started).Round(time.Millisecond))

	lc.fill(t, clock, contacts)
	e = NewEngine(EngineConfig{Node: "load", Campaigns: lc.store, Attempts: lc.disp, Marker: lc.store, Gate: lc.gate, Agents: agents, SIP: s,
		Clock: clock, Log: quietLogger(), Tick: 50 * time.Millisecond})
	if err := lc.store.SetStatus(ctx, lc.camp.ID, campaigns.StatusRunning); err != nil {
		t.Fatal(err)
	}
	ectx, stopEngine := context.WithCancel(ctx)
	engDone := make(chan error, 1)
	go func() { engDone <- e.Run(ectx) }()
	defer func() { stopEngine(); <-engDone }()
	bridged := func() int {
		var c int
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM attempts WHERE bridged_at IS NOT NULL AND ended_at IS NULL`).Scan(&c); err != nil {
			t.Fatal(err)
		}
		return c
	}
	// Ramp until every call is bridged or the count stops growing for 15 s
	// (polling SQL with a deadline: the calls connect on their own).
	rampStart := time.Now()
	held, grew := 0, time.Now()
	for held < n && time.Since(grew) < 15*time.Second && time.Since(rampStart) < time.Duration(n/5+60)*time.Second {
		time.Sleep(500 * time.Millisecond)
		if b := bridged(); b > held {
			held, grew = b, time.Now()
		}
	}
	t.Logf("%d of %d calls bridged in %v; answer to bridged: %s; answer to the first customer packet at the agent: %s; "+
		"answer to the customer's first packet at alo: %s", held, n, grew.Sub(rampStart).Round(time.Millisecond),
		latencyLine(e.AnswerToBridged()), latencyLine(e.AnswerToAgentAudio()), latencyLine(e.AnswerToCustomerAudio()))
	logOutcomes(t, db)
	// From here on: bridges made while about n calls are up.
	e.bridgeLatency.reset()
	e.audioLatency.reset()
	e.customerStart.reset()

	// Relayed RTP, from the agents' legs: PacketsOut is what alo sent the
	// phone (the customer's audio), PacketsIn what the phone sent (relayed
	// to the customer).
	rtp := func() (toAgent, fromAgent uint64) {
		for _, pl := range agents.PhoneLegs() {
			if leg, ok := pl.(*sipua.Leg); ok && leg.Media() != nil {
				st := leg.Media().Stats()
				toAgent += st.PacketsOut
				fromAgent += st.PacketsIn
			}
		}
		return toAgent, fromAgent
	}
	var ru0, ru1 syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
	aloDrops0, allDrops0 := udpDrops(t, lo, lo+4*n+99)
	to0, from0 := rtp()
	w0 := time.Now()
	window := time.Duration(hold) * time.Second
	if churn > 0 {
		window = time.Duration(churn) * time.Second
	}
	upMin, upSum, upN := n, 0, 0
	for time.Since(w0) < window { // holding the calls is the measurement; count them each second
		time.Sleep(time.Second)
		b := bridged()
		upMin, upSum, upN = min(upMin, b), upSum+b, upN+1
	}
	window = time.Since(w0)
	to1, from1 := rtp()
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
	aloDrops1, allDrops1 := udpDrops(t, lo, lo+4*n+99)
	// RFC 3550 interarrival jitter as alo receives each stream: the
	// customers' (sipp's stream, straight in) and the agents' (the same
	// audio relayed by alo, echoed by sipp, back in). The difference bounds
	// what alo's relay adds (sipp's echo adds its own).
	var custJ, agJ []float64
	for _, leg := range s.Legs() {
		if leg.Media() != nil {
			if q := leg.Media().Quality(); q.PacketsIn > 0 {
				if leg.Kind() == "agent" {
					agJ = append(agJ, q.JitterMs)
				} else {
					custJ = append(custJ, q.JitterMs)
				}
			}
		}
	}
	t.Logf("RTP jitter as received by alo (ms): customers' streams %s; agents' echo of the relayed audio %s", spread(custJ), spread(agJ))
	t.Logf("UDP datagrams the kernel dropped in the window (socket buffers full): %d on alo's RTP sockets, %d on all sockets (sipp's included)",
		aloDrops1-aloDrops0, allDrops1-allDrops0)
	still := bridged()
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	rss := rssBytes(t)
	cpu := time.Duration(ru1.Utime.Nano()+ru1.Stime.Nano()-ru0.Utime.Nano()-ru0.Stime.Nano()) * time.Nanosecond
	perSec := func(d uint64) float64 { return float64(d) / window.Seconds() }
	t.Logf("%d bridged calls held %v (%d still up at the end): RTP relayed %.0f pkt/s customer->agent, %.0f pkt/s agent->customer "+
		"(%.1f and %.1f per call); alo CPU %.0f%% of one core (%.2f ms CPU per call-second); Go heap %.1f KiB per call, RSS %.1f KiB per call "+
		"(each call is a customer leg and an agent leg)",
		held, window.Round(time.Millisecond), still, perSec(to1-to0), perSec(from1-from0), perSec(to1-to0)/float64(held), perSec(from1-from0)/float64(held),
		100*cpu.Seconds()/window.Seconds(), 1000*cpu.Seconds()/window.Seconds()/float64(held),
		float64(int64(ms.HeapInuse)-int64(runtime0.HeapInuse))/1024/float64(held), float64(rss-rss0)/1024/float64(held))
	logOutcomes(t, db)
	if churn > 0 {
		lat := e.AnswerToBridged()
		t.Logf("churn: calls up min %d, mean %.0f; %d bridged during the window; answer to bridged: %s; answer to the first customer packet at the agent: %s; "+
			"answer to the customer's first packet at alo: %s", upMin, float64(upSum)/float64(max(upN, 1)), lat.Count, latencyLine(lat),
			latencyLine(e.AnswerToAgentAudio()), latencyLine(e.AnswerToCustomerAudio()))
		if held != n || lat.Count == 0 {
			t.Errorf("%d of %d bridged before the window, %d bridged during it", held, n, lat.Count)
		}
		return
	}
	if held != n || still != n {
		t.Errorf("%d of %d calls bridged, %d still up after %v", held, n, still, window)
	}
	if to1 == to0 || from1 == from0 {
		t.Errorf("no RTP relayed one way: to agents %d, from agents %d", to1-to0, from1-from0)
	}
}

// heldEnd holds a call until alo's BYE.
var heldEnd = `<recv request="BYE"/>
  ` + sipptest.Reply("200 OK")

// churnInvite keeps the caller's From for churnEnd's BYE.
const churnInvite = `<action><ereg regexp="[^ ].*" search_in="hdr" header="From:" assign_to="caller_from"/></action>`

// churnEnd has the customer hang up 10 to 30 s after the answer.
const churnEnd = `<pause distribution="uniform" min="10000" max="30000"/>
  <send retrans="500">
    <![CDATA[
      BYE [next_url] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:load@[local_ip]:[local_port]>;tag=[pid]SIPpTag[call_number]
      To: [$caller_from]
      Call-ID: [call_id]
      CSeq: 2 BYE
      Max-Forwards: 70
      Content-Length: 0
    ]]>
  </send>
  <recv response="200" timeout="10000"/>`

// latencyLine formats a latency summary for the log.
func latencyLine(s LatencySummary) string {
	return fmt.Sprintf("n %d, p50 %v, p90 %v, p99 %v, max %v", s.Window, s.P50.Round(10*time.Microsecond),
		s.P90.Round(10*time.Microsecond), s.P99.Round(10*time.Microsecond), s.Max.Round(10*time.Microsecond))
}

// loadAudioFile writes 10 s of raw A-law (two tones with a slow swell, so
// the stream is not constant) for sipp's rtp_stream to loop.
func loadAudioFile(t *testing.T) string {
	t.Helper()
	var samples []int16
	for i := range 50 {
		samples = audio.AppendTone(samples, audio.MillisToSamples(200), float64(1000+100*(i%10)), 440, 620)
	}
	raw := make([]byte, len(samples))
	for i, v := range samples {
		raw[i] = audio.LinearToALaw(v)
	}
	path := filepath.Join(t.TempDir(), "load.alaw")
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// spread formats the median, 99th percentile and maximum of xs.
func spread(xs []float64) string {
	if len(xs) == 0 {
		return "none"
	}
	slices.Sort(xs)
	at := func(p float64) float64 { return xs[min(int(p*float64(len(xs))), len(xs)-1)] }
	return fmt.Sprintf("n %d, p50 %.2f, p99 %.2f, max %.2f", len(xs), at(0.5), at(0.99), xs[len(xs)-1])
}

// udpDrops sums the drop counters of the IPv4 UDP sockets in
// /proc/net/udp: those bound to ports lo..hi (alo's RTP) and all of them.
// A closed socket's drops leave the sum, so compare over a window in which
// few sockets close.
func udpDrops(t *testing.T, lo, hi int) (inRange, all uint64) {
	t.Helper()
	b, err := os.ReadFile("/proc/net/udp")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n")[1:] {
		f := strings.Fields(line)
		if len(f) < 13 {
			continue
		}
		_, portHex, _ := strings.Cut(f[1], ":")
		port, err1 := strconv.ParseUint(portHex, 16, 32)
		drops, err2 := strconv.ParseUint(f[len(f)-1], 10, 64)
		if err1 != nil || err2 != nil {
			continue
		}
		all += drops
		if int(port) >= lo && int(port) <= hi {
			inRange += drops
		}
	}
	return inRange, all
}

// rssBytes is this process's resident set size.
func rssBytes(t *testing.T) int64 {
	t.Helper()
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		t.Fatal(err)
	}
	var size, res int64
	if _, err := fmt.Sscan(string(b), &size, &res); err != nil {
		t.Fatal(err)
	}
	return res * int64(os.Getpagesize())
}

// logOutcomes logs how the attempts that ended so far ended.
func logOutcomes(t *testing.T, db *sqldb.DB) {
	t.Helper()
	rows, err := db.QueryContext(context.Background(), `SELECT outcome, sip_code, reason, COUNT(*) FROM attempts WHERE ended_at IS NOT NULL GROUP BY outcome, sip_code, reason`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var o, r string
		var c, k int
		if err := rows.Scan(&o, &c, &r, &k); err != nil {
			t.Fatal(err)
		}
		t.Logf("ended: %d × %s %d %q", k, o, c, r)
	}
}
