package sipsim

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
	"github.com/pion/rtp"
)

// testLog is quiet unless SIPSIM_TEST_LOG=1.
func testLog() *slog.Logger {
	if os.Getenv("SIPSIM_TEST_LOG") == "1" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// testCaller is a plain sipgo UAC on loopback (what alo's dialer is to the
// simulators), with its own RTP socket that counts what it receives and a
// UAS side that takes the callee's BYE.
type testCaller struct {
	t      *testing.T
	addr   string
	dua    *sipgo.DialogUA
	rtp    *net.UDPConn
	rtpGot atomic.Int64
	rtpSig chan struct{} // receives after every RTP packet, if not full

	mu       sync.Mutex
	sessions map[string]*sipgo.DialogClientSession
	byes     chan string // Call-IDs of BYEs received
}

func newTestCaller(t *testing.T) *testCaller {
	t.Helper()
	ua, err := sipgo.NewUA(sipgo.WithUserAgent("test-caller"), sipgo.WithUserAgentHostname("127.0.0.1"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ua.Close() })
	srv, err := sipgo.NewServer(ua, sipgo.WithServerLogger(testLog()))
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	go srv.ServeUDP(conn)
	addr := conn.LocalAddr().String()
	if err := awaitListener(context.Background(), ua, addr); err != nil {
		t.Fatal(err)
	}
	port := conn.LocalAddr().(*net.UDPAddr).Port
	client, err := sipgo.NewClient(ua, sipgo.WithClientHostname("127.0.0.1"), sipgo.WithClientConnectionAddr(addr))
	if err != nil {
		t.Fatal(err)
	}
	rtpConn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rtpConn.Close() })
	c := &testCaller{
		t: t, addr: addr, rtp: rtpConn, rtpSig: make(chan struct{}, 1),
		dua:      &sipgo.DialogUA{Client: client, ContactHDR: sip.ContactHeader{Address: sip.Uri{Scheme: "sip", User: "alo", Host: "127.0.0.1", Port: port}}},
		sessions: map[string]*sipgo.DialogClientSession{},
		byes:     make(chan string, 16),
	}
	srv.OnBye(func(req *sip.Request, tx sip.ServerTransaction) {
		id := callID(req)
		c.mu.Lock()
		s := c.sessions[id]
		c.mu.Unlock()
		if s == nil {
			tx.Respond(sip.NewResponseFromRequest(req, 481, "Call/Transaction Does Not Exist", nil))
			return
		}
		if err := s.ReadBye(req, tx); err != nil {
			t.Errorf("ReadBye: %v", err)
		}
		c.byes <- id
	})
	go c.countRTP()
	return c
}

func (c *testCaller) countRTP() {
	buf := make([]byte, 1500)
	var h rtp.Header
	for {
		n, _, err := c.rtp.ReadFromUDP(buf)
		if err != nil {
			return
		}
		if _, err := h.Unmarshal(buf[:n]); err == nil && h.PayloadType == 0 && n == 12+frameSamples {
			c.rtpGot.Add(1)
			select {
			case c.rtpSig <- struct{}{}:
			default:
			}
		}
	}
}

// awaitRTP waits until n packets have arrived, failing after d.
func (c *testCaller) awaitRTP(n int64, d time.Duration) {
	c.t.Helper()
	deadline := time.After(d)
	for c.rtpGot.Load() < n {
		select {
		case <-c.rtpSig:
		case <-deadline:
			c.t.Fatalf("got %d RTP packets in %v, want %d", c.rtpGot.Load(), d, n)
		}
	}
}

// offer is the caller's SDP: PCMU and PCMA, media on its RTP socket.
func (c *testCaller) offer() []byte {
	port := c.rtp.LocalAddr().(*net.UDPAddr).Port
	return []byte(fmt.Sprintf("v=0\r\no=alo 1 1 IN IP4 127.0.0.1\r\ns=alo\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"+
		"m=audio %d RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n", port))
}

// invite sends an INVITE to uri and waits for the final answer within ctx.
// It returns the session, the status codes seen (provisional and final) and
// WaitAnswer's error.
func (c *testCaller) invite(ctx context.Context, uri string, body []byte) (*sipgo.DialogClientSession, []int, error) {
	c.t.Helper()
	var to sip.Uri
	if err := sip.ParseUri(uri, &to); err != nil {
		c.t.Fatal(err)
	}
	sess, err := c.dua.Invite(context.Background(), to, body, sip.NewHeader("Content-Type", "application/sdp"))
	if err != nil {
		c.t.Fatalf("INVITE %s: %v", uri, err)
	}
	c.mu.Lock()
	c.sessions[callID(sess.InviteRequest)] = sess
	c.mu.Unlock()
	var mu sync.Mutex
	var codes []int
	err = sess.WaitAnswer(ctx, sipgo.AnswerOptions{OnResponse: func(r *sip.Response) error {
		mu.Lock()
		codes = append(codes, r.StatusCode)
		mu.Unlock()
		return nil
	}})
	mu.Lock()
	defer mu.Unlock()
	if err == nil {
		codes = append(codes, sess.InviteResponse.StatusCode)
	}
	return sess, codes, err
}

// sendRTP sends n PCMU packets to addr, 20 ms apart.
func (c *testCaller) sendRTP(to *net.UDPAddr, n int) {
	c.t.Helper()
	payload := make([]byte, frameSamples)
	for i := range n {
		p := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 0, SequenceNumber: uint16(i), Timestamp: uint32(i * frameSamples), SSRC: 42}, Payload: payload}
		b, err := p.Marshal()
		if err != nil {
			c.t.Fatal(err)
		}
		if _, err := c.rtp.WriteToUDP(b, to); err != nil {
			c.t.Fatal(err)
		}
		time.Sleep(frameDuration) // pacing real-time media, not waiting for a signal
	}
}

// answerAddr parses the media address of a 200's SDP.
func answerAddr(t *testing.T, res *sip.Response) *net.UDPAddr {
	t.Helper()
	if ct := res.ContentType(); ct == nil || ct.Value() != "application/sdp" {
		t.Fatalf("200 content type %v, want application/sdp", res.ContentType())
	}
	a, err := parseOffer(res.Body())
	if err != nil {
		t.Fatalf("answer SDP: %v\n%s", err, res.Body())
	}
	return a
}

// serve runs s until the test ends and waits until it is ready.
func serve(t *testing.T, s interface {
	Serve(context.Context) error
	Ready() <-chan struct{}
}) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	select {
	case <-s.Ready():
	case err := <-done:
		t.Fatalf("Serve ended at once: %v", err)
	}
}
