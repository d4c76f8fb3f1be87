package campaigns

import (
	"encoding/json"
	"testing"

	"github.com/alo-dialer/alo/sqldb"
)

// TestAttemptMediaStats: the legs' media quality and the recording's path,
// recorded when the call ends, come back on the attempt (what the attempts
// API shows) as the JSON the dialer wrote; a later fact does not erase them.
func TestAttemptMediaStats(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		f := newStateMachineFixture(t, db, Campaign{}, 0)
		cs, err := f.s.AddContacts(f.ctx, f.camp.ID, []NewContact{{Phone: "+998901234567"}})
		if err != nil {
			t.Fatal(err)
		}
		a, err := f.s.BeginDialing(f.ctx, f.queueOne(t, cs[0].ID), DialingInfo{Node: "n1"})
		if err != nil {
			t.Fatal(err)
		}
		if got, err := f.s.GetAttempt(f.ctx, a.ID); err != nil || got.MediaStats != nil || got.Recording != "" {
			t.Fatalf("before the call: %+v, %v", got, err)
		}
		stats := `{"agent":{"packets_in":500,"lost":0,"jitter_ms":0.4},"customer":{"packets_in":498,"lost":2,"jitter_ms":1.2,"peer_lost":1}}`
		if err := f.s.MarkMedia(f.ctx, a.ID, AttemptMedia{Quality: stats, Recording: "1/42.wav"}); err != nil {
			t.Fatal(err)
		}
		if err := f.s.MarkMedia(f.ctx, a.ID, AttemptMedia{Key: "9"}); err != nil {
			t.Fatal(err)
		}
		got, err := f.s.GetAttempt(f.ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		var legs map[string]struct {
			PacketsIn uint64  `json:"packets_in"`
			Lost      uint32  `json:"lost"`
			JitterMs  float64 `json:"jitter_ms"`
		}
		if err := json.Unmarshal(got.MediaStats, &legs); err != nil {
			t.Fatalf("media_stats %q: %v", got.MediaStats, err)
		}
		if legs["customer"].Lost != 2 || legs["agent"].PacketsIn != 500 || got.Recording != "1/42.wav" {
			t.Fatalf("attempt media_stats %s recording %q", got.MediaStats, got.Recording)
		}
		// In the attempts API's JSON the stats are an object, not a string.
		b, _ := json.Marshal(got)
		var out struct {
			MediaStats map[string]json.RawMessage `json:"media_stats"`
		}
		if err := json.Unmarshal(b, &out); err != nil || len(out.MediaStats) != 2 {
			t.Fatalf("attempt JSON %s: %v", b, err)
		}
	})
}
