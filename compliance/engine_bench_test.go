package compliance

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkGateCheck measures one decision with zones and DNC in memory:
// 10,000 distinct numbers (zones cached after the first round), 100,000 DNC
// entries, the cis-default preset with its holiday table and attempt
// limit. Target (docs/architecture.md): ≥ 100,000 decisions per second per core.
func BenchmarkGateCheck(b *testing.B) {
	for _, name := range []string{PresetCISDefault, PresetUSTCPA} {
		b.Run(name, func(b *testing.B) {
			w := newWorld()
			for i := range 100000 {
				w.dnc.Put(DNCRecord{Number: fmt.Sprintf("+99893%07d", i), Scope: ScopeGlobal, Source: SourceImport})
			}
			e := w.engine(b, preset(b, name))
			at := time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC) // 20:00 Tashkent is closed; use 06:00 UTC for UZ
			prefix := "+1212555"
			if name == PresetCISDefault {
				at = time.Date(2026, 11, 23, 6, 0, 0, 0, time.UTC)
				prefix = "+99890123"
			}
			nums := make([]string, 10000)
			for i := range nums {
				nums[i] = fmt.Sprintf("%s%04d", prefix, i)
			}
			recent := []PastCall{{At: at.Add(-2 * time.Hour), Outcome: "no_answer"}}
			for _, n := range nums { // warm the zone cache, as a running campaign has
				if r := e.Check(Input{Number: n, Purpose: PurposeInformational, Method: MethodLive}, at); r.Decision != Allow {
					b.Fatalf("%s: %s", n, r.Summary())
				}
			}
			b.ReportAllocs()
			b.ResetTimer()
			i := 0
			for b.Loop() {
				r := e.Check(Input{Number: nums[i%len(nums)], Purpose: PurposeInformational, Method: MethodLive, Recent: recent}, at)
				if r.Decision != Allow {
					b.Fatal(r.Summary())
				}
				i++
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "decisions/s")
		})
	}
}

// BenchmarkZoneLookupCold measures the first decision for a number, whose
// zones libphonenumber must work out (the cache then serves it).
func BenchmarkZoneLookupCold(b *testing.B) {
	z := NewZoneResolver(1 << 30)
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		if _, err := z.Lookup(fmt.Sprintf("+9989%08d", i)); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
