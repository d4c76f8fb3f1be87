package sipsim

import (
	"context"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"
)

func newTestPhones(t *testing.T) *Phones {
	t.Helper()
	p, err := NewPhones(PhoneConfig{Addr: "127.0.0.1:0"}, testLog())
	if err != nil {
		t.Fatalf("NewPhones: %v", err)
	}
	serve(t, p)
	return p
}

// awaitReceived polls the phone's per-call counter (moved by its RTP
// goroutine) until it reaches n.
func awaitReceived(t *testing.T, p *Phones, callID string, n int64) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for p.Received(callID) < n {
		if time.Now().After(deadline) {
			t.Fatalf("call %s: phone received %d RTP packets, want %d", callID, p.Received(callID), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestPhonesAnswerEveryAgent(t *testing.T) {
	p := newTestPhones(t)
	caller := newTestCaller(t)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()

	agents := []string{"agent1", "agent2", "agent3"}
	ids := map[string]string{}
	for i, agent := range agents {
		sess, codes, err := caller.invite(ctx, p.URI(agent), caller.offer())
		if err != nil {
			t.Fatalf("%s: WaitAnswer: %v (codes %v)", agent, err, codes)
		}
		if slices.Contains(codes, 180) {
			t.Errorf("%s: phone rang (%v); it should answer at once", agent, codes)
		}
		if err := sess.Ack(ctx); err != nil {
			t.Fatalf("%s: ACK: %v", agent, err)
		}
		id := callID(sess.InviteRequest)
		ids[agent] = id
		media := answerAddr(t, sess.InviteResponse)
		caller.sendRTP(media, 5+i)
		awaitReceived(t, p, id, int64(5+i))

		// In-dialog OPTIONS (alo's keep-alive of a nailed-up leg) is 200
		// while the call is up.
		if res, err := sess.Do(ctx, sip.NewRequest(sip.OPTIONS, sess.InviteResponse.Contact().Address)); err != nil || res.StatusCode != 200 {
			t.Errorf("%s: keep-alive OPTIONS = %v, %v; want 200", agent, res, err)
		}
		if i < len(agents)-1 {
			if err := sess.Bye(ctx); err != nil {
				t.Fatalf("%s: BYE: %v", agent, err)
			}
			if res, err := sess.Do(ctx, sip.NewRequest(sip.OPTIONS, sess.InviteResponse.Contact().Address)); err != nil || res.StatusCode != 481 {
				t.Errorf("%s: OPTIONS after BYE = %v, %v; want 481", agent, res, err)
			}
		}
	}
	caller.awaitRTP(10, 5*time.Second) // the phones "speak" too

	calls := p.Calls()
	if len(calls) != len(agents) {
		t.Fatalf("Calls() = %+v, want %d calls", calls, len(agents))
	}
	for i, c := range calls {
		if c.Agent != agents[i] || c.CallID != ids[agents[i]] {
			t.Errorf("call %d = %+v, want agent %s call %s", i, c, agents[i], ids[agents[i]])
		}
		if c.Received != int64(5+i) {
			t.Errorf("call %d received %d, want %d", i, c.Received, 5+i)
		}
		if wantActive := i == len(agents)-1; c.Active != wantActive {
			t.Errorf("call %d active = %v, want %v", i, c.Active, wantActive)
		}
	}
	if p.Received("no-such-call") != 0 {
		t.Error("unknown call has packets")
	}
}

func TestPhonesRejectBadOffers(t *testing.T) {
	p := newTestPhones(t)
	caller := newTestCaller(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	tests := []struct {
		name string
		body string
	}{
		{"no SDP", ""},
		{"no PCMU", strings.Replace(string(caller.offer()), "RTP/AVP 0 8 101", "RTP/AVP 8", 1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, codes, err := caller.invite(ctx, p.URI("agent9"), []byte(tt.body))
			if err == nil || !slices.Contains(codes, 488) && !strings.Contains(err.Error(), "488") {
				t.Fatalf("WaitAnswer = %v (codes %v), want 488", err, codes)
			}
		})
	}
	if n := len(p.Calls()); n != 0 {
		t.Errorf("%d calls recorded for refused offers", n)
	}
}

func TestParseOffer(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		want    string
		wantErr string
	}{
		{"session c", "v=0\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0 8\r\n", "10.0.0.1:4000", ""},
		{"media c wins", "v=0\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 8 0\r\nc=IN IP4 10.0.0.2\r\n", "10.0.0.2:4000", ""},
		{"c after t, LF only", "v=0\nt=0 0\nc=IN IP4 127.0.0.1\nm=audio 5000 RTP/AVP 0\n", "127.0.0.1:5000", ""},
		{"first audio stream", "v=0\r\nc=IN IP4 10.0.0.1\r\nm=audio 4000 RTP/AVP 0\r\nm=audio 6000 RTP/AVP 0\r\n", "10.0.0.1:4000", ""},
		{"empty", "", "", "no SDP offer"},
		{"no audio", "v=0\r\nc=IN IP4 10.0.0.1\r\nm=video 4000 RTP/AVP 96\r\n", "", "no m=audio"},
		{"no PCMU", "v=0\r\nc=IN IP4 10.0.0.1\r\nm=audio 4000 RTP/AVP 8\r\n", "", "no PCMU"},
		{"bad port", "v=0\r\nc=IN IP4 10.0.0.1\r\nm=audio x RTP/AVP 0\r\n", "", "bad m=audio port"},
		{"no address", "v=0\r\nm=audio 4000 RTP/AVP 0\r\n", "", "bad connection address"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseOffer([]byte(tt.body))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if want, _ := net.ResolveUDPAddr("udp", tt.want); got.String() != want.String() {
				t.Errorf("got %v, want %v", got, want)
			}
		})
	}
}
