package sipsim

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo"
)

// newTestCarrier starts a carrier on loopback with short times.
func newTestCarrier(t *testing.T, cfg CarrierConfig) *Carrier {
	t.Helper()
	cfg.Addr = "127.0.0.1:0"
	c, err := NewCarrier(cfg, testLog())
	if err != nil {
		t.Fatalf("NewCarrier: %v", err)
	}
	serve(t, c)
	return c
}

// awaitStats polls the carrier's counters (they move on its goroutines)
// until ok, failing after d.
func awaitStats(t *testing.T, c *Carrier, d time.Duration, ok func(CarrierStats) bool) CarrierStats {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		s := c.Stats()
		if ok(s) {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("carrier stats %+v did not reach the expected state in %v", s, d)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestCarrierAnswersWithAudio(t *testing.T) {
	tests := []struct {
		name string
		// callerHangsUp: the caller BYEs; otherwise the carrier does after
		// the talk time.
		callerHangsUp bool
		talk          time.Duration
	}{
		{"caller hangs up", true, time.Minute},
		{"carrier hangs up", false, 600 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newTestCarrier(t, CarrierConfig{AnswerRate: 1, RingMin: 50 * time.Millisecond, RingMax: 100 * time.Millisecond, TalkMin: tt.talk, TalkMax: tt.talk, Seed: 7})
			caller := newTestCaller(t)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()

			sess, codes, err := caller.invite(ctx, "sip:+998901234560@"+c.Addr(), caller.offer())
			if err != nil {
				t.Fatalf("WaitAnswer: %v (codes %v)", err, codes)
			}
			for _, want := range []int{180, 200} {
				if !slices.Contains(codes, want) {
					t.Errorf("responses %v, want a %d", codes, want)
				}
			}
			if err := sess.Ack(ctx); err != nil {
				t.Fatalf("ACK: %v", err)
			}
			media := answerAddr(t, sess.InviteResponse)
			if !strings.Contains(string(sess.InviteResponse.Body()), "a=rtpmap:0 PCMU/8000") {
				t.Errorf("answer is not PCMU:\n%s", sess.InviteResponse.Body())
			}
			caller.awaitRTP(10, 5*time.Second)
			caller.sendRTP(media, 5)
			awaitStats(t, c, 5*time.Second, func(s CarrierStats) bool { return s.RTPReceived >= 5 })

			if tt.callerHangsUp {
				if err := sess.Bye(ctx); err != nil {
					t.Fatalf("BYE: %v", err)
				}
				awaitStats(t, c, 5*time.Second, func(s CarrierStats) bool { return s.HangupByCaller == 1 && s.Active == 0 })
			} else {
				select {
				case id := <-caller.byes:
					if id != callID(sess.InviteRequest) {
						t.Errorf("BYE for call %s, want %s", id, callID(sess.InviteRequest))
					}
				case <-ctx.Done():
					t.Fatal("no BYE from the carrier after the talk time")
				}
				awaitStats(t, c, 5*time.Second, func(s CarrierStats) bool { return s.HangupByCarrier == 1 && s.Active == 0 })
			}
			s := c.Stats()
			if s.Invites != 1 || s.Answered != 1 || s.Busy != 0 || s.Cancelled != 0 || s.RTPSent < 10 {
				t.Errorf("stats %+v", s)
			}
		})
	}
}

func TestCarrierBusy(t *testing.T) {
	c := newTestCarrier(t, CarrierConfig{BusyRate: 1, RingMin: 10 * time.Millisecond, RingMax: 20 * time.Millisecond})
	caller := newTestCaller(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, codes, err := caller.invite(ctx, "sip:+998901234567@"+c.Addr(), caller.offer())
	var rerr *sipgo.ErrDialogResponse
	if !errors.As(err, &rerr) || rerr.Res.StatusCode != 486 {
		t.Fatalf("WaitAnswer = %v (codes %v), want a 486", err, codes)
	}
	s := awaitStats(t, c, 5*time.Second, func(s CarrierStats) bool { return s.Active == 0 })
	if s.Invites != 1 || s.Busy != 1 || s.Answered != 0 {
		t.Errorf("stats %+v", s)
	}
}

func TestCarrierRingsUntilCancelled(t *testing.T) {
	c := newTestCarrier(t, CarrierConfig{RingMin: 0, RingMax: 0})
	caller := newTestCaller(t)
	// The ring timeout: cancelling WaitAnswer's context sends CANCEL.
	ctx, cancel := context.WithTimeout(context.Background(), 700*time.Millisecond)
	defer cancel()
	sess, codes, err := caller.invite(ctx, "sip:+998901234569@"+c.Addr(), caller.offer())
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("WaitAnswer = %v (codes %v), want the ring timeout", err, codes)
	}
	if !slices.Contains(codes, 180) {
		t.Errorf("responses %v, want 180 before the CANCEL", codes)
	}
	if sess.InviteResponse == nil || sess.InviteResponse.StatusCode != 487 {
		t.Errorf("final response %v, want 487 Request Terminated", sess.InviteResponse)
	}
	s := awaitStats(t, c, 5*time.Second, func(s CarrierStats) bool { return s.Cancelled == 1 && s.Active == 0 })
	if s.Answered != 0 || s.Busy != 0 {
		t.Errorf("stats %+v", s)
	}
}

func TestCarrierRejectsOfferWithoutPCMU(t *testing.T) {
	c := newTestCarrier(t, CarrierConfig{AnswerRate: 1})
	caller := newTestCaller(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	pcmaOnly := strings.Replace(string(caller.offer()), "RTP/AVP 0 8 101", "RTP/AVP 8", 1)
	_, codes, err := caller.invite(ctx, "sip:+998901234561@"+c.Addr(), []byte(pcmaOnly))
	var rerr *sipgo.ErrDialogResponse
	if !errors.As(err, &rerr) || rerr.Res.StatusCode != 488 {
		t.Fatalf("WaitAnswer = %v (codes %v), want 488", err, codes)
	}
}

func TestCarrierPlanIsSeededAndProportional(t *testing.T) {
	cfg := CarrierConfig{Addr: "127.0.0.1:0", AnswerRate: 0.5, BusyRate: 0.3, RingMin: time.Second, RingMax: 5 * time.Second, TalkMin: 10 * time.Second, TalkMax: 20 * time.Second, Seed: 42}
	newC := func(seed int64) *Carrier {
		cfg := cfg
		cfg.Seed = seed
		c, err := NewCarrier(cfg, testLog())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.conn.Close(); c.ua.Close() })
		return c
	}
	type plan struct {
		fate       carrierFate
		ring, talk time.Duration
	}
	const n = 4000
	num := func(i int) string { return fmt.Sprintf("+447700%06d", i) }
	a, b, other := newC(42), newC(42), newC(43)
	first := make([]plan, n)
	counts := map[carrierFate]int{}
	for i := range n {
		f, r, tk := a.plan(num(i))
		first[i] = plan{f, r, tk}
		counts[f]++
		if r < cfg.RingMin || r > cfg.RingMax || tk < cfg.TalkMin || tk > cfg.TalkMax {
			t.Fatalf("ring %v talk %v out of range", r, tk)
		}
	}
	// Same seed, numbers in reverse order: the same plans, whatever the
	// order calls arrive in. Another seed: different plans.
	differ := 0
	for i := n - 1; i >= 0; i-- {
		f, r, tk := b.plan(num(i))
		if (plan{f, r, tk}) != first[i] {
			t.Fatalf("plan of %s: %v, then %v with the same seed", num(i), first[i], plan{f, r, tk})
		}
		if f, r, tk := other.plan(num(i)); (plan{f, r, tk}) != first[i] {
			differ++
		}
	}
	if differ < n/2 {
		t.Errorf("only %d of %d plans changed with the seed", differ, n)
	}
	for fate, want := range map[carrierFate]float64{fateAnswer: 0.5, fateBusy: 0.3, fateNoAnswer: 0.2} {
		if got := float64(counts[fate]) / n; math.Abs(got-want) > 0.03 {
			t.Errorf("fate %d share %.3f, want %.2f±0.03", fate, got, want)
		}
	}
	// The second call to a number is a fresh draw (a retry can get through).
	same := 0
	for i := range 200 {
		f, r, tk := a.plan(num(i))
		if (plan{f, r, tk}) == first[i] {
			same++
		}
	}
	if same > 20 {
		t.Errorf("%d of 200 redials drew the same as the first call", same)
	}
}

func TestCarrierConfigValidation(t *testing.T) {
	tests := []struct {
		name string
		cfg  CarrierConfig
		want string
	}{
		{"rates over 1", CarrierConfig{AnswerRate: 0.8, BusyRate: 0.3}, "their sum at most 1"},
		{"negative rate", CarrierConfig{AnswerRate: -0.1}, "want each in 0-1"},
		{"ring reversed", CarrierConfig{RingMin: 2 * time.Second, RingMax: time.Second}, "ring 2s-1s"},
		{"talk reversed", CarrierConfig{TalkMin: 2 * time.Second, TalkMax: time.Second}, "talk 2s-1s"},
		{"odd RTP port", CarrierConfig{RTPPorts: [2]int{20001, 20100}}, "want an even MIN"},
		{"bad address", CarrierConfig{Addr: "nowhere"}, "address"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.cfg.Addr == "" {
				tt.cfg.Addr = "127.0.0.1:0"
			}
			c, err := NewCarrier(tt.cfg, testLog())
			if err == nil {
				c.conn.Close()
				c.ua.Close()
				t.Fatalf("want an error containing %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestCarrierUsesConfiguredRTPPorts(t *testing.T) {
	c := newTestCarrier(t, CarrierConfig{AnswerRate: 1, TalkMin: time.Minute, TalkMax: time.Minute, RTPPorts: [2]int{47000, 47010}})
	caller := newTestCaller(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sess, _, err := caller.invite(ctx, "sip:+998901234562@"+c.Addr(), caller.offer())
	if err != nil {
		t.Fatalf("WaitAnswer: %v", err)
	}
	sess.Ack(ctx)
	defer sess.Bye(ctx)
	if p := answerAddr(t, sess.InviteResponse).Port; p < 47000 || p > 47010 || p%2 != 0 {
		t.Errorf("RTP port %d, want an even one in 47000-47010", p)
	}
	if ip := answerAddr(t, sess.InviteResponse).IP; !ip.Equal(net.IPv4(127, 0, 0, 1)) {
		t.Errorf("RTP address %v, want 127.0.0.1", ip)
	}
}
