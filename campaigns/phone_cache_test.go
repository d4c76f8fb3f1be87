package campaigns

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestPhoneNormalizerAgreesWithParser checks the cached normaliser against
// NormalizePhone on numbers of many shapes and countries: same E.164 and
// the same error text for every one.
func TestPhoneNormalizerAgreesWithParser(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	formats := []struct {
		region, format string
		width          int
	}{
		{"UZ", "90 %s", 7}, {"UZ", "+998 (9%s", 8}, {"UZ", "998%s", 9}, {"UZ", "00998%s", 9},
		{"KZ", "8 (70%s", 8}, {"KZ", "+7 7%s", 9}, {"KZ", "87%s", 9}, {"KZ", "8 10 998 9%s", 8},
		{"AZ", "050 %s", 7}, {"AZ", "+994 5%s", 8}, {"RU", "8 9%s", 9}, {"RU", "+7 (4%s", 9},
		{"US", "(2%s", 9}, {"US", "+1 %s", 10}, {"GB", "07%s", 9}, {"GB", "+44 (0) 20%s", 8},
		{"IT", "+39 06%s", 8}, {"DE", "030 %s", 7}, {"", "+998 %s", 9}, {"UZ", "%s", 5},
	}
	p := NewPhoneNormalizer()
	for range 20 {
		for _, f := range formats {
			for range 200 {
				d := ""
				for range f.width {
					d += string(rune('0' + rng.IntN(10)))
				}
				raw := fmt.Sprintf(f.format, d)
				want, wantErr := NormalizePhone(raw, f.region)
				got, gotErr := p.Normalize(raw, f.region)
				if got != want || fmt.Sprint(gotErr) != fmt.Sprint(wantErr) {
					t.Fatalf("Normalize(%q, %q) = %q, %v; NormalizePhone: %q, %v", raw, f.region, got, gotErr, want, wantErr)
				}
			}
		}
	}
}

func BenchmarkPhoneNormalizer(b *testing.B) {
	p := NewPhoneNormalizer()
	i := 0
	for b.Loop() {
		i++
		if _, err := p.Normalize(fmt.Sprintf("+998 90 %07d", i%10_000_000), "UZ"); err != nil {
			b.Fatal(err)
		}
	}
}
