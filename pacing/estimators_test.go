package pacing

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

func sec(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

func TestDurationDist(t *testing.T) {
	d := NewDurationDist(250*time.Millisecond, 120*time.Second, 0)
	if d.Survival(5) != 1 || d.Mean() != 0 || d.Quantile(0.5) != 0 {
		t.Fatal("empty distribution must survive everything and have no mean")
	}
	// Uniform 0–20 s.
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		d.Observe(sec(20 * r.Float64()))
	}
	tests := []struct {
		name      string
		got, want float64
	}{
		{"survival at 5 s", d.Survival(5), 0.75},
		{"survival at 15 s", d.Survival(15), 0.25},
		{"survival past the end", d.Survival(25), 0},
		{"median", d.Quantile(0.5), 10},
		{"mean", d.Mean(), 10},
		// Uniform 0–20 having run 10 s: half of what is left ends in 5 s.
		{"residual", d.Residual(10, 5), 0.5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if math.Abs(tt.got-tt.want) > 0.02*math.Max(1, tt.want) {
				t.Errorf("got %.4f, want %.4f", tt.got, tt.want)
			}
		})
	}
}

func TestDurationDistForgets(t *testing.T) {
	// Handle times move from 60 s to 200 s: with a memory of 200 calls, the
	// estimate follows within a few hundred calls.
	d := NewDurationDist(time.Second, time.Hour, 200)
	for range 2000 {
		d.Observe(60 * time.Second)
	}
	for range 1000 {
		d.Observe(200 * time.Second)
	}
	if m := d.Mean(); m < 195 {
		t.Errorf("mean %.1f s after the change, want near 200", m)
	}
}

func TestDurationDistResidualHeavyTail(t *testing.T) {
	// Lognormal handle times: an agent already long on a call is a worse
	// bet to free up soon than one just started.
	d := NewDurationDist(time.Second, time.Hour, 0)
	r := rand.New(rand.NewPCG(3, 4))
	for range 50000 {
		d.Observe(sec(math.Exp(math.Log(120) + r.NormFloat64())))
	}
	early, late := d.Residual(60, 30), d.Residual(900, 30)
	if late >= early {
		t.Errorf("residual at 900 s = %.3f, at 60 s = %.3f; want the long call less likely to end", late, early)
	}
	if got := d.Residual(5000, 30); got <= 0 || got >= 1 {
		t.Errorf("residual beyond the data = %v, want a probability", got)
	}
}

func TestAnswerRate(t *testing.T) {
	t.Run("prior at cold start", func(t *testing.T) {
		a := NewAnswerRate(0.25, 20, 1000, 200)
		if a.Mean() != 0.25 {
			t.Errorf("Mean = %v, want the prior", a.Mean())
		}
		if a.Upper(1) <= a.Mean() {
			t.Error("upper bound not above the mean")
		}
	})
	t.Run("learns", func(t *testing.T) {
		a := NewAnswerRate(0.25, 20, 1000, 200)
		r := rand.New(rand.NewPCG(5, 6))
		for range 3000 {
			a.Observe(r.Float64() < 0.6)
		}
		if math.Abs(a.Mean()-0.6) > 0.04 {
			t.Errorf("Mean = %.3f, want 0.6", a.Mean())
		}
		if a.Upper(1)-a.Mean() > 0.03 {
			t.Errorf("upper bound %.3f still wide after 3000 dials", a.Upper(1))
		}
	})
	t.Run("adapts to drift", func(t *testing.T) {
		a := NewAnswerRate(0.3, 20, 5000, 200)
		r := rand.New(rand.NewPCG(7, 8))
		for range 10000 {
			a.Observe(r.Float64() < 0.3)
		}
		for range 400 {
			a.Observe(r.Float64() < 0.6)
		}
		if a.Drifts == 0 {
			t.Error("drift from 0.3 to 0.6 not detected")
		}
		if math.Abs(a.Mean()-0.6) > 0.07 {
			t.Errorf("Mean = %.3f 400 dials after drift, want near 0.6", a.Mean())
		}
	})
	t.Run("no false drift", func(t *testing.T) {
		a := NewAnswerRate(0.3, 20, 5000, 200)
		r := rand.New(rand.NewPCG(9, 10))
		for range 20000 {
			a.Observe(r.Float64() < 0.3)
		}
		if a.Drifts > 2 {
			t.Errorf("%d drifts on a steady rate", a.Drifts)
		}
	})
}

func TestAbandonControl(t *testing.T) {
	// A plant whose abandonment is the risk itself: the loop settles where
	// abandons run at the aim.
	c := NewAbandonControl(0.01, 0.002)
	r := rand.New(rand.NewPCG(11, 12))
	aim := 0.025
	ab, n := 0, 0
	for i := range 200000 {
		x := r.Float64() < c.Risk()*1.5
		c.Observe(x, aim)
		if i > 100000 {
			n++
			if x {
				ab++
			}
		}
	}
	if got := float64(ab) / float64(n); math.Abs(got-aim) > 0.003 {
		t.Errorf("abandon rate %.4f, want %.4f", got, aim)
	}
	if math.Abs(c.Risk()*1.5-aim) > 0.01 {
		t.Errorf("risk %.4f, want about %.4f", c.Risk(), aim/1.5)
	}
}

func TestSafetyMargin(t *testing.T) {
	m5, m20, m100 := SafetyMargin(0.03, 5), SafetyMargin(0.03, 20), SafetyMargin(0.03, 100)
	if !(m5 > m20 && m20 > m100 && m100 > 0) {
		t.Errorf("margins 5/20/100 agents = %.4f/%.4f/%.4f, want shrinking and positive", m5, m20, m100)
	}
	if m5 >= 0.03 {
		t.Errorf("margin at 5 agents %.4f leaves nothing to aim at", m5)
	}
}

func TestAim(t *testing.T) {
	base := Aim(Budget{Cap: 0.03}, 20)
	tests := []struct {
		name string
		b    Budget
		want func(float64) bool
	}{
		{"cap less margin", Budget{Cap: 0.03, LiveAnswers: 1000, Abandons: 10}, func(a float64) bool { return a == base }},
		{"window over the aim lowers it", Budget{Cap: 0.03, LiveAnswers: 1000, Abandons: 28}, func(a float64) bool { return a < base }},
		{"never below a quarter", Budget{Cap: 0.03, LiveAnswers: 1000, Abandons: 300}, func(a float64) bool { return a == base/4 }},
		{"too few answers to judge", Budget{Cap: 0.03, LiveAnswers: 50, Abandons: 5}, func(a float64) bool { return a == base }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Aim(tt.b, 20); !tt.want(got) {
				t.Errorf("Aim = %.4f (base %.4f)", got, base)
			}
		})
	}
}
