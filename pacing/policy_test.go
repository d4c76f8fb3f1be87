package pacing

import "testing"

func TestProgressive(t *testing.T) {
	tests := []struct {
		name string
		s    Snapshot
		want int
	}{
		{"no agents", Snapshot{ReadyAgents: 0, Queued: 10}, 0},
		{"one per agent", Snapshot{ReadyAgents: 3, Queued: 10}, 3},
		{"dialing covers", Snapshot{ReadyAgents: 3, Dialing: 3, Queued: 10}, 0},
		{"partly covered", Snapshot{ReadyAgents: 3, Dialing: 1, Queued: 10}, 2},
		{"bounded by queue", Snapshot{ReadyAgents: 5, Queued: 2}, 2},
		{"empty queue", Snapshot{ReadyAgents: 5}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Progressive{}.Decide(tt.s)
			if d.Launch != tt.want {
				t.Errorf("Launch = %d, want %d (%s)", d.Launch, tt.want, d.Reason)
			}
			if d.Reason == "" {
				t.Error("empty reason")
			}
		})
	}
}

func TestByName(t *testing.T) {
	if _, err := ByName("progressive"); err != nil {
		t.Fatal(err)
	}
	if _, err := ByName("bogus"); err == nil {
		t.Fatal("want error for unknown policy")
	}
}
