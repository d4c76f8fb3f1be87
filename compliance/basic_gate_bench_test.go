package compliance

import (
	"context"
	"testing"
	"time"
)

// BenchmarkBasicGate measures one gate decision for a number whose zone comes
// from its prefix (the common case: no zone on the contact). Target
// (DESIGN.md): ≥ 100 k decisions/s per core.
func BenchmarkBasicGate(b *testing.B) {
	at := time.Date(2026, 11, 23, 6, 0, 0, 0, time.UTC)
	dnc := openDNC(b, at)
	g := NewBasicGate(dnc)
	req := Request{Number: "+998901234567", Window: Window{Start: 9 * 60, End: 20 * 60}, At: at}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if d, _ := g.Check(ctx, req); !d.Allow {
			b.Fatal(d.Reason)
		}
	}
}
