package sipua

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/alo-dialer/alo/dialer/trunk"
	"github.com/alo-dialer/alo/internal/sipptest"
)

// refreshAnswered is one refresh sipp takes, checking alo asks to be the
// refresher, and answers 200 echoing the interval.
func refreshAnswered(method string) string {
	lines := []string{"Contact: <sip:carrier@[local_ip]:[local_port];transport=[transport]>",
		"Session-Expires: 4;refresher=uac", "Require: timer"}
	if method == "INVITE" {
		lines = append(lines, "Content-Type: application/sdp", "Content-Length: [len]", "",
			"v=0", "o=carrier 1 2 IN IP4 [media_ip]", "s=-", "c=IN IP4 [media_ip]", "t=0 0",
			"m=audio [media_port] RTP/AVP 0", "a=rtpmap:0 PCMU/8000")
	}
	s := `<recv request="` + method + `">
    <action><ereg regexp="refresher=uac" search_in="hdr" header="Session-Expires:" check_it="true" assign_to="dummy"/></action>
  </recv>
  ` + sipptest.Reply("200 OK", lines...)
	if method == "INVITE" {
		s += `
  <recv request="ACK"/>`
	}
	return s
}

// refreshRefused answers a refresh with code: the dialog is gone.
func refreshRefused(method string, code int) string {
	return `<recv request="` + method + `"/>
  ` + sipptest.Reply(strconv.Itoa(code)+" Call Leg/Transaction Does Not Exist")
}

// refreshTooSmall answers alo's first UPDATE 422 with Min-SE: 6, then
// takes the retry, which must ask for 6 s.
var refreshTooSmall = `<recv request="UPDATE"/>
  ` + sipptest.Reply("422 Session Interval Too Small", "Min-SE: 6") + `
  <recv request="UPDATE">
    <action><ereg regexp="^ *6;refresher=uac" search_in="hdr" header="Session-Expires:" check_it="true" assign_to="dummy"/></action>
  </recv>
  ` + sipptest.Reply("200 OK", "Session-Expires: 6;refresher=uac", "Require: timer", "X-Checked: [$dummy]")

// carrierRefreshes has the carrier (the refresher) send an UPDATE every
// second, n times.
func carrierRefreshes(n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteString(`<pause milliseconds="1000"/>
  <send retrans="500">
    <![CDATA[
      UPDATE [next_url] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:carrier@[local_ip]:[local_port]>;tag=[pid]SIPpTag[call_number]
      To: [$caller_from]
      Call-ID: [call_id]
      CSeq: ` + strconv.Itoa(10+i) + ` UPDATE
      Contact: <sip:carrier@[local_ip]:[local_port];transport=[transport]>
      Session-Expires: 3;refresher=uas
      Supported: timer
      Max-Forwards: 70
      Content-Length: 0
    ]]>
  </send>
  <recv response="200"/>
  `)
	}
	return b.String()
}

// keepFrom keeps the caller's From for the carrier's own requests.
const keepFrom = `<ereg regexp="[^ ].*" search_in="hdr" header="From:" assign_to="caller_from"/>`

// TestSessionTimer: against sipp as a carrier that asks for session timers
// (RFC 4028) in its 200 OK. With refresher=uac alo refreshes every half
// interval, by UPDATE when the carrier allows it, else by re-INVITE with
// its SDP (and the ACK); a refresh answered 481 ends the call at once;
// with refresher=uas and no refresh from the carrier, alo ends the call
// when the session expires.
func TestSessionTimer(t *testing.T) {
	tests := []struct {
		name       string
		se, allow  string
		invite     string
		refreshes  string
		wantDone   int           // refreshes alo completes before the test hangs up
		wantReason string        // alo ends the call itself, with this reason
		stillUp    time.Duration // the call must still be up this long after the answer
	}{
		{name: "422 retried with the carrier's Min-SE", se: "4;refresher=uac", allow: "INVITE, ACK, BYE, CANCEL, UPDATE",
			refreshes: refreshTooSmall, wantDone: 1},
		{name: "the carrier refreshes every second: the 3 s session lives on", se: "3;refresher=uas", allow: "INVITE, ACK, BYE, CANCEL, UPDATE",
			invite: keepFrom, refreshes: carrierRefreshes(4), stillUp: 4500 * time.Millisecond},
		{name: "refreshed by UPDATE", se: "4;refresher=uac", allow: "INVITE, ACK, BYE, CANCEL, UPDATE",
			refreshes: refreshAnswered("UPDATE") + "\n  " + refreshAnswered("UPDATE"), wantDone: 2},
		{name: "refreshed by re-INVITE when UPDATE is not allowed", se: "4;refresher=uac", allow: "INVITE, ACK, BYE, CANCEL",
			refreshes: refreshAnswered("INVITE") + "\n  " + refreshAnswered("INVITE"), wantDone: 2},
		{name: "refresh answered 481 ends the call", se: "4;refresher=uac", allow: "INVITE, ACK, BYE, CANCEL, UPDATE",
			refreshes: refreshRefused("UPDATE", 481), wantReason: EndRefreshFailed},
		{name: "the carrier refreshes and does not: expired", se: "3;refresher=uas", allow: "INVITE, ACK, BYE, CANCEL, UPDATE",
			wantReason: EndSessionExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sipp := sipptest.Start(t, sipptest.Render(t, "uas_session_timer.xml", "SE", tt.se, "ALLOW", tt.allow, "INVITE", tt.invite, "REFRESHES", tt.refreshes), "-m", "1")
			s := startUA(t, Config{Trunk: trunk.Trunk{URI: sipp.URI("")}, MediaTimeout: -1})
			leg, res, err := s.DialCustomer(callCtx(t), "+998901234567", DialOptions{RingTimeout: 5 * time.Second})
			if err != nil || !res.Answered {
				t.Fatalf("DialCustomer: %+v, %v", res, err)
			}
			if tt.wantReason != "" {
				select {
				case <-leg.Done():
				case <-time.After(10 * time.Second):
					t.Fatal("alo did not end the call")
				}
				if leg.EndReason() != tt.wantReason || leg.EndedBy() != "local" {
					t.Fatalf("ended by %q, reason %q; want local, %q", leg.EndedBy(), leg.EndReason(), tt.wantReason)
				}
				sipp.Wait(t)
				return
			}
			if tt.stillUp > 0 {
				// Nothing must happen for a while: the carrier's refreshes
				// keep restarting a session that would expire after 2 s.
				select {
				case <-leg.Done():
					t.Fatalf("call ended (%s) although the carrier refreshed it", leg.EndReason())
				case <-time.After(tt.stillUp):
				}
			}
			deadline := time.Now().Add(10 * time.Second)
			for leg.Refreshes() < tt.wantDone {
				if time.Now().After(deadline) {
					t.Fatalf("%d refreshes after 10 s, want %d", leg.Refreshes(), tt.wantDone)
				}
				time.Sleep(50 * time.Millisecond) // the refreshes come on their own timer
			}
			if err := leg.Hangup(callCtx(t)); err != nil {
				t.Fatal(err)
			}
			sipp.Wait(t)
		})
	}
}

func TestParseSessionExpires(t *testing.T) {
	tests := []struct {
		in        string
		ok        bool
		secs      int
		refresher string
	}{
		{"1800;refresher=uac", true, 1800, "uac"},
		{"90; refresher = UAS", true, 90, "uas"},
		{"600", true, 600, ""},
		{"abc", false, 0, ""},
		{"0;refresher=uac", false, 0, ""},
		{"1800;refresher=both", false, 0, ""},
		{"99999999", false, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			se, ok := parseSessionExpires(tt.in)
			if ok != tt.ok || (ok && (se.interval != time.Duration(tt.secs)*time.Second || se.refresher != tt.refresher)) {
				t.Fatalf("parse %q = %+v, %v", tt.in, se, ok)
			}
		})
	}
}
