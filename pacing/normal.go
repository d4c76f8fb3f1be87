package pacing

import "math"

// normalQuantile is Φ⁻¹ for 0 < p < 1.
func normalQuantile(p float64) float64 {
	return -math.Sqrt2 * math.Erfcinv(2*p)
}
