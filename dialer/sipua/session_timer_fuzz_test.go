package sipua

import (
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"
)

// FuzzSessionTimerHeaders feeds the session-timer headers of a peer's
// answer (Session-Expires, Min-SE, Allow) to their parsers: no input may
// panic, and an accepted interval is within a day with a known refresher.
func FuzzSessionTimerHeaders(f *testing.F) {
	for _, seed := range [][3]string{
		{"1800;refresher=uac", "90", "INVITE, ACK, BYE, CANCEL, UPDATE"},
		{"90; refresher = UAS", "1800;x=y", "INVITE,UPDATE"},
		{"600", "", ""},
		{"abc;;;refresher", "-1", ",,,"},
		{"4294967296;refresher=uac", "99999999999", "update"},
	} {
		f.Add(seed[0], seed[1], seed[2])
	}
	f.Fuzz(func(t *testing.T, se, min, allow string) {
		if got, ok := parseSessionExpires(se); ok {
			if got.interval <= 0 || got.interval > 24*time.Hour {
				t.Fatalf("%q: interval %v accepted", se, got.interval)
			}
			if got.refresher != "" && got.refresher != "uac" && got.refresher != "uas" {
				t.Fatalf("%q: refresher %q accepted", se, got.refresher)
			}
		}
		res := sip.NewResponse(422, "Session Interval Too Small")
		res.AppendHeader(sip.NewHeader("Min-SE", min))
		res.AppendHeader(sip.NewHeader("Allow", allow))
		if d, ok := minSE(res); ok && (d <= 0 || d > 24*time.Hour) {
			t.Fatalf("Min-SE %q: %v accepted", min, d)
		}
		_ = allows(res, "UPDATE")
	})
}
