package dialer

import (
	"testing"
	"time"
)

func TestLatencyRecorder(t *testing.T) {
	tests := []struct {
		name          string
		n             int
		wantCount     int64
		wantWindow    int
		p50, p99, max time.Duration
	}{
		{"empty", 0, 0, 0, 0, 0, 0},
		{"one to a hundred ms", 100, 100, 100, 50 * time.Millisecond, 99 * time.Millisecond, 100 * time.Millisecond},
		// Past the window only the latest latencyWindow count.
		{"ring wraps", latencyWindow + 100, latencyWindow + 100, latencyWindow, (latencyWindow/2 + 100) * time.Millisecond, 8211 * time.Millisecond, (latencyWindow + 100) * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newLatencyRecorder()
			for i := 1; i <= tt.n; i++ {
				r.observe(time.Duration(i) * time.Millisecond)
			}
			s := r.summary()
			if s.Count != tt.wantCount || s.Window != tt.wantWindow || s.P50 != tt.p50 || s.P99 != tt.p99 || s.Max != tt.max {
				t.Errorf("summary = %+v, want count %d window %d p50 %v p99 %v max %v", s, tt.wantCount, tt.wantWindow, tt.p50, tt.p99, tt.max)
			}
		})
	}
}
