package dialer

import (
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alo-dialer/alo/campaigns"
	"github.com/alo-dialer/alo/dialer/agent"
	"github.com/alo-dialer/alo/dialer/sipua"
	"github.com/alo-dialer/alo/dialer/trunk"
	"github.com/alo-dialer/alo/internal/sipptest"
	"github.com/alo-dialer/alo/pacing"
)

// amdSippParallel bounds the clips played at once (each is a sipp and a UA
// on these 2 cores, while other packages' tests run too).
const amdSippParallel = 6

// TestAMDCorpusThroughSipp plays the labelled AMD corpus (the clips
// dialer/audio/testdata/amd_corpus.sh makes with espeak-ng and sox, 42 of
// them) into alo as each customer's RTP from sipp, over a real SIP call,
// with AMD on: people judged machines under 5 %, machines found at least
// 85 %. The confusion matrix and decision times are logged
// (go test -v -run TestAMDCorpusThroughSipp ./dialer) for docs/benchmarks.md.
func TestAMDCorpusThroughSipp(t *testing.T) {
	sipptest.Require(t)
	for _, tool := range []string{"espeak-ng", "sox"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("ALO_REQUIRE_AUDIO") == "1" {
				t.Fatalf("%s not installed", tool)
			}
			t.Skipf("%s not installed (test.sh installs it)", tool)
		}
	}
	dir := t.TempDir()
	script, _ := filepath.Abs(filepath.Join("audio", "testdata", "amd_corpus.sh"))
	if out, err := exec.Command("bash", script, dir).CombinedOutput(); err != nil {
		t.Fatalf("corpus: %v\n%s", err, out)
	}
	f, err := os.Open(filepath.Join(dir, "labels.csv"))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil || len(rows) < 41 {
		t.Fatalf("labels: %d rows, %v", len(rows), err)
	}
	type result struct {
		file, class, verdict, cause string
		at                          time.Duration
	}
	var mu sync.Mutex
	var results []result
	sem := make(chan struct{}, amdSippParallel)
	t.Run("clips", func(t *testing.T) {
		for _, r := range rows[1:] {
			file, class := r[0], r[1]
			t.Run(file, func(t *testing.T) {
				t.Parallel()
				sem <- struct{}{}
				defer func() { <-sem }()
				raw := filepath.Join(dir, strings.TrimSuffix(file, ".wav")+".al")
				if out, err := exec.Command("sox", filepath.Join(dir, file), "-r", "8000", "-c", "1", "-e", "a-law", "-t", "raw", raw).CombinedOutput(); err != nil {
					t.Fatalf("sox: %v\n%s", err, out)
				}
				sf := sipptest.Render(t, "uas_stream.xml", "AUDIO", raw, "SDP_FORMATS", "8", "SDP_EXTRA", "", "HANGUP_MS", "5000")
				carrier := sipptest.Start(t, sf, "-m", "1")
				s := newTestSIP(t, trunk.Trunk{URI: carrier.URI("")})
				agents := agent.NewRegistry(agent.Config{DB: testDB(t), Clock: time.Now, Log: quietLogger()})
				t.Cleanup(agents.Close)
				src := &fakeAttempts{done: make(chan struct{}, 8)}
				marker := &fakeMarker{}
				e := NewEngine(EngineConfig{Attempts: src, Marker: marker, Agents: agents, SIP: s, Clock: time.Now, Log: quietLogger()})
				camp := campaigns.Campaign{ID: 1, ClientID: 3, AMD: campaigns.AMDSettings{Enabled: true, MachineAction: campaigns.MachineHangup}}
				cl := campaigns.Claimed{Key: campaigns.AttemptKey{CampaignID: 1, ContactID: 7, Number: 1}, Campaign: camp,
					Contact: campaigns.Contact{ID: 7, CampaignID: 1, Phone: "+998901234567"}}
				p := newPacer(context.Background(), e, camp, pacing.Progressive{})
				leg, res, err := s.DialCustomer(dialCtx(t), cl.Contact.Phone, sipua.DialOptions{RingTimeout: 5 * time.Second})
				if err != nil || !res.Answered {
					t.Fatalf("DialCustomer: %+v, %v", res, err)
				}
				p.connect(dialCtx(t), p.log, cl, 42, leg, nil)
				carrier.Wait(t)
				m := marker.media
				got := result{file: file, class: class, verdict: m.AMDVerdict, cause: m.AMDCause}
				if m.AMDDecidedAt != nil {
					got.at = m.AMDDecidedAt.Sub(marker.answered)
				}
				mu.Lock()
				results = append(results, got)
				mu.Unlock()
			})
		}
	})
	if t.Failed() {
		return
	}
	type key struct{ class, verdict string }
	matrix := map[key]int{}
	perClass := map[string]int{}
	times := map[string][]time.Duration{}
	slices.SortFunc(results, func(a, b result) int { return strings.Compare(a.file, b.file) })
	for _, r := range results {
		v := r.verdict
		if v == "" {
			v = "none"
		}
		matrix[key{r.class, v}]++
		perClass[r.class]++
		times[v] = append(times[v], r.at)
		t.Logf("%-22s %-7s → %-8s %-14s at %v", r.file, r.class, v, r.cause, r.at.Round(time.Millisecond))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n| label \\ verdict | HUMAN | NOTSURE | MACHINE | none |\n|---|---|---|---|---|\n")
	for _, class := range []string{"human", "machine"} {
		fmt.Fprintf(&b, "| %s (%d) | %d | %d | %d | %d |\n", class, perClass[class], matrix[key{class, "HUMAN"}],
			matrix[key{class, "NOTSURE"}], matrix[key{class, "MACHINE"}], matrix[key{class, "none"}])
	}
	fmt.Fprintf(&b, "\n| verdict | n | min | p50 | p90 | max (after the 200 OK) |\n|---|---|---|---|---|---|\n")
	for _, v := range []string{"HUMAN", "NOTSURE", "MACHINE"} {
		ts := times[v]
		if len(ts) == 0 {
			continue
		}
		slices.Sort(ts)
		r := func(d time.Duration) time.Duration { return d.Round(time.Millisecond) }
		fmt.Fprintf(&b, "| %s | %d | %v | %v | %v | %v |\n", v, len(ts), r(ts[0]), r(ts[len(ts)/2]), r(ts[len(ts)*9/10]), r(ts[len(ts)-1]))
	}
	t.Log(b.String())
	humans, machines := perClass["human"], perClass["machine"]
	if fp := matrix[key{"human", "MACHINE"}]; float64(fp) >= 0.05*float64(humans) {
		t.Errorf("%d of %d people judged machines (limit < 5 %%)", fp, humans)
	}
	if tp := matrix[key{"machine", "MACHINE"}]; float64(tp) < 0.85*float64(machines) {
		t.Errorf("%d of %d machines detected (want ≥ 85 %%)", tp, machines)
	}
}
