package campaigns

import (
	"testing"
	"time"

	"github.com/alo-dialer/alo/compliance"
)

// TestGateRequestState: a contact's region reaches the gate as its state,
// so us-tcpa's Florida hours (08:00–20:00) apply to a Florida resident
// whose number has a New York area code.
func TestGateRequestState(t *testing.T) {
	rs, err := compliance.Preset("us-tcpa")
	if err != nil {
		t.Fatal(err)
	}
	eng, err := compliance.NewEngine(rs, compliance.NewZoneResolver(16), compliance.NewDNCIndex(nil), compliance.NewConsentIndex())
	if err != nil {
		t.Fatal(err)
	}
	// 20:30 in New York (EST, UTC-5) on a Tuesday.
	at := time.Date(2026, 11, 24, 1, 30, 0, 0, time.UTC)
	camp := Campaign{ID: 1, ClientID: 1, DailyStart: 0, DailyEnd: 1440, TimeZone: "America/New_York"}
	for _, tc := range []struct {
		region string
		want   compliance.Verdict
	}{
		{"", compliance.Allow},
		{"FL", compliance.Defer},
	} {
		req := GateRequest(camp, Contact{ID: 7, Phone: "+12125550123", Region: tc.region}, at, true)
		if req.State != tc.region {
			t.Fatalf("State = %q, want %q", req.State, tc.region)
		}
		res := eng.Check(compliance.Input{Number: req.Number, Zone: req.Zone, DefaultZone: req.FallbackZone, State: req.State,
			Purpose: compliance.PurposeInformational, Method: compliance.MethodLive, GuaranteedAgent: true}, at)
		if res.Decision != tc.want {
			t.Errorf("region %q: %s (%+v), want %s", tc.region, res.Decision, res.Reasons, tc.want)
		}
	}
}
