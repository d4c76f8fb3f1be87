package audio

import (
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// runAMD feeds samples in 20 ms pieces, as RTP delivers them, until decided.
func runAMD(t *testing.T, cfg AMDConfig, samples []int16) AMDResult {
	t.Helper()
	a, err := NewAMD(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(samples); i += FrameSamples {
		if r, ok := a.Process(samples[i:min(i+FrameSamples, len(samples))]); ok {
			return r
		}
	}
	return a.Result()
}

// The rules, one by one, on synthetic cadences (tone bursts as syllables).
func TestAMDRules(t *testing.T) {
	ms := func(n int) int64 { return int64(MillisToSamples(n)) }
	quiet := func(s []int16, r *rand.Rand, n int) []int16 { return noise(s, r, MillisToSamples(n), -60) }
	tests := []struct {
		name  string
		cfg   AMDConfig
		build func(r *rand.Rand) []int16
		want  AMDVerdict
		cause AMDCause
		at    int64 // expected decision offset (± 3 frames); -1: don't check
	}{
		{"short hello then waiting", AMDConfig{}, func(r *rand.Rand) []int16 {
			s := quiet(nil, r, 700)
			s = syllables(s, r, 500, -20, -60)
			return quiet(s, r, 3000)
		}, Human, CauseHuman, ms(700 + 500 + 800)},
		{"nobody speaks", AMDConfig{}, func(r *rand.Rand) []int16 { return quiet(nil, r, 6000) }, Machine, CauseInitialSilence, ms(2500)},
		{"speaks after 3 s", AMDConfig{}, func(r *rand.Rand) []int16 {
			return syllables(quiet(nil, r, 3000), r, 500, -20, -60)
		}, Machine, CauseInitialSilence, ms(2500)},
		{"long greeting", AMDConfig{}, func(r *rand.Rand) []int16 {
			s := quiet(nil, r, 400)
			s = syllables(s, r, 4000, -20, -60)
			return quiet(s, r, 2000)
		}, Machine, CauseLongGreeting, -1},
		{"many short words", AMDConfig{GreetingMs: 5000}, func(r *rand.Rand) []int16 {
			s := quiet(nil, r, 400)
			for range 5 {
				s = AppendTone(s, MillisToSamples(150), dbfs(-20), 200, 900)
				s = quiet(s, r, 200)
			}
			return quiet(s, r, 2000)
		}, Machine, CauseMaxWords, ms(400 + 3*350 + 100)},
		{"one endless word", AMDConfig{GreetingMs: 9000, MaxWordMs: 2000, TotalAnalysisMs: 9000}, func(r *rand.Rand) []int16 {
			s := quiet(nil, r, 400)
			return AppendTone(s, MillisToSamples(5000), dbfs(-20), 200, 900)
		}, Machine, CauseMaxWordLength, ms(2400)},
		{"hello ... hello", AMDConfig{TotalAnalysisMs: 3000, GreetingMs: 3000}, func(r *rand.Rand) []int16 {
			s := quiet(nil, r, 300)
			s = syllables(s, r, 500, -20, -60)
			s = quiet(s, r, 600)
			s = syllables(s, r, 500, -20, -60)
			s = quiet(s, r, 600)
			return syllables(s, r, 3000, -20, -60)
		}, NotSure, CauseTooLong, ms(3000)},
		{"clicks are not words", AMDConfig{}, func(r *rand.Rand) []int16 {
			s := quiet(nil, r, 500)
			for range 10 {
				s = AppendTone(s, MillisToSamples(40), dbfs(-15), 1000)
				s = quiet(s, r, 200)
			}
			return quiet(s, r, 3000)
		}, Machine, CauseInitialSilence, ms(2500)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := runAMD(t, tt.cfg, tt.build(rand.New(rand.NewPCG(4, 2))))
			if got.Verdict != tt.want || got.Cause != tt.cause {
				t.Fatalf("got %v (%s), want %v (%s): %+v", got.Verdict, got.Cause, tt.want, tt.cause, got)
			}
			if tt.at >= 0 && (got.At < tt.at-3*FrameSamples || got.At > tt.at+3*FrameSamples) {
				t.Errorf("decided at %d ms, want %d ms", SamplesToMillis(got.At), SamplesToMillis(tt.at))
			}
		})
	}
}

func TestAMDConfig(t *testing.T) {
	if _, err := NewAMD(AMDConfig{}); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	d := AMDConfig{}.WithDefaults()
	if d.InitialSilenceMs != 2500 || d.GreetingMs != 1500 || d.AfterGreetingSilenceMs != 800 || d.TotalAnalysisMs != 5000 ||
		d.MinWordMs != 100 || d.BetweenWordsSilenceMs != 50 || d.MaxWords != 3 || d.MaxWordMs != 5000 {
		t.Errorf("defaults %+v", d)
	}
	_, err := NewAMD(AMDConfig{GreetingMs: -1, MaxWords: 1000, TotalAnalysisMs: 60000})
	if err == nil {
		t.Fatal("bad thresholds accepted")
	}
	for _, field := range []string{"greeting_ms -1", "max_words 1000", "total_analysis_ms 60000"} {
		if !strings.Contains(err.Error(), field) {
			t.Errorf("error %q does not name %q", err, field)
		}
	}
}

// corpusClip is one labelled clip of the AMD corpus.
type corpusClip struct {
	file, class, kind, text string
}

// makeCorpus runs testdata/amd_corpus.sh into a temporary directory.
func makeCorpus(t *testing.T) (string, []corpusClip) {
	t.Helper()
	needTool(t, "espeak-ng")
	needTool(t, "sox")
	dir := t.TempDir()
	script, err := filepath.Abs(filepath.Join("testdata", "amd_corpus.sh"))
	if err != nil {
		t.Fatal(err)
	}
	run(t, "bash", script, dir)
	f, err := os.Open(filepath.Join(dir, "labels.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var clips []corpusClip
	for _, r := range rows[1:] {
		clips = append(clips, corpusClip{r[0], r[1], r[2], r[3]})
	}
	return dir, clips
}

// The labelled corpus, played through μ-law as a trunk would deliver it:
// people judged machines under 5 %, machines found at least 85 %. The
// confusion matrix and decision times are logged (go test -v -run
// TestAMDCorpus ./dialer/audio) for docs/benchmarks.md.
func TestAMDCorpus(t *testing.T) {
	dir, clips := makeCorpus(t)
	if len(clips) < 40 {
		t.Fatalf("corpus has %d clips, want at least 40", len(clips))
	}
	type key struct{ class, verdict string }
	matrix := map[key]int{}
	perClass := map[string]int{}
	times := map[string][]int64{}
	for _, c := range clips {
		pcm := loadWAV(t, filepath.Join(dir, c.file))
		enc, _ := PCMU.Encode(nil, pcm)
		pcm, _ = PCMU.Decode(nil, enc)
		r := runAMD(t, AMDConfig{}, pcm)
		matrix[key{c.class, r.Verdict.String()}]++
		perClass[c.class]++
		times[r.Verdict.String()] = append(times[r.Verdict.String()], SamplesToMillis(r.At))
		t.Logf("%-22s %-7s → %-8s %-14s at %5d ms, %d words, %4d ms voice  %s", c.file, c.class, r.Verdict, r.Cause, SamplesToMillis(r.At), r.Words, r.VoiceMs, c.text)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n| label \\ verdict | HUMAN | NOTSURE | MACHINE |\n|---|---|---|---|\n")
	for _, class := range []string{"human", "machine"} {
		fmt.Fprintf(&b, "| %s (%d) | %d | %d | %d |\n", class, perClass[class],
			matrix[key{class, "HUMAN"}], matrix[key{class, "NOTSURE"}], matrix[key{class, "MACHINE"}])
	}
	fmt.Fprintf(&b, "\n| verdict | n | min | p50 | p90 | max (ms after answer) |\n|---|---|---|---|---|---|\n")
	for _, v := range []string{"HUMAN", "NOTSURE", "MACHINE"} {
		ts := times[v]
		if len(ts) == 0 {
			continue
		}
		slices.Sort(ts)
		fmt.Fprintf(&b, "| %s | %d | %d | %d | %d | %d |\n", v, len(ts), ts[0], ts[len(ts)/2], ts[len(ts)*9/10], ts[len(ts)-1])
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
