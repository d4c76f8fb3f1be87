package sipsim

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtp"
)

// Errors of SDP offers the simulators cannot answer (488 Not Acceptable Here).
var (
	errNoSDP  = errors.New("no SDP offer")
	errNoPCMU = errors.New("offer has no PCMU audio")
)

// portRange hands out RTP ports from a configured range, even ones only (RTP
// on even ports, RTCP on the odd one above, RFC 3550 §11). The zero range
// means any free port the OS picks.
type portRange struct {
	mu     sync.Mutex
	lo, hi int
	next   int
}

// newPortRange checks r: {0, 0}, or MIN even within 1024–65535 and MIN ≤ MAX.
func newPortRange(r [2]int) (*portRange, error) {
	lo, hi := r[0], r[1]
	if lo == 0 && hi == 0 {
		return &portRange{}, nil
	}
	if lo < 1024 || hi > 65535 || lo > hi || lo%2 != 0 {
		return nil, fmt.Errorf("RTP ports %d-%d: want an even MIN, MIN <= MAX, within 1024-65535", lo, hi)
	}
	return &portRange{lo: lo, hi: hi, next: lo}, nil
}

// listen binds the next free even port on host.
func (p *portRange) listen(host string) (*net.UDPConn, error) {
	ip := net.ParseIP(host)
	if p.lo == 0 {
		return net.ListenUDP("udp", &net.UDPAddr{IP: ip})
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for range (p.hi-p.lo)/2 + 1 {
		port := p.next
		p.next += 2
		if p.next > p.hi {
			p.next = p.lo
		}
		if c, err := net.ListenUDP("udp", &net.UDPAddr{IP: ip, Port: port}); err == nil {
			return c, nil
		}
	}
	return nil, fmt.Errorf("no free RTP port in %d-%d", p.lo, p.hi)
}

// parseOffer finds where the caller wants its audio and checks that PCMU is
// offered. It reads the lines itself, leniently (a media-level c= wins over
// the session one, in whatever order they come), so that a simulator accepts
// what a forgiving carrier would.
func parseOffer(body []byte) (*net.UDPAddr, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, errNoSDP
	}
	var sessionHost, mediaHost string
	port := -1
	pcmu, inAudio := false, false
	for _, line := range strings.Split(string(body), "\n") {
		line = strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "m="):
			f := strings.Fields(line[2:])
			inAudio = len(f) >= 3 && f[0] == "audio" && port < 0
			if inAudio {
				p, err := strconv.Atoi(f[1])
				if err != nil || p < 0 || p > 65535 {
					return nil, fmt.Errorf("bad m=audio port %q", f[1])
				}
				port = p
				for _, pt := range f[3:] {
					pcmu = pcmu || pt == "0"
				}
			}
		case strings.HasPrefix(line, "c="):
			f := strings.Fields(line[2:])
			if len(f) != 3 {
				return nil, fmt.Errorf("bad connection line %q", line)
			}
			if inAudio {
				mediaHost = f[2]
			} else if port < 0 {
				sessionHost = f[2]
			}
		}
	}
	if port < 0 {
		return nil, fmt.Errorf("%w: no m=audio line", errNoPCMU)
	}
	if !pcmu {
		return nil, errNoPCMU
	}
	host := mediaHost
	if host == "" {
		host = sessionHost
	}
	ip := net.ParseIP(host)
	if ip == nil {
		return nil, fmt.Errorf("bad connection address %q", host)
	}
	return &net.UDPAddr{IP: ip, Port: port}, nil
}

// answerSDP is the simulators' answer: PCMU only, 20 ms, on host:port.
func answerSDP(user, host string, port int, sessID uint64) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "v=0\r\n")
	fmt.Fprintf(&b, "o=%s %d %d IN IP4 %s\r\n", user, sessID, sessID, host)
	fmt.Fprintf(&b, "s=sipsim\r\n")
	fmt.Fprintf(&b, "c=IN IP4 %s\r\n", host)
	fmt.Fprintf(&b, "t=0 0\r\n")
	fmt.Fprintf(&b, "m=audio %d RTP/AVP 0\r\n", port)
	fmt.Fprintf(&b, "a=rtpmap:0 PCMU/8000\r\n")
	fmt.Fprintf(&b, "a=ptime:20\r\n")
	fmt.Fprintf(&b, "a=sendrecv\r\n")
	return []byte(b.String())
}

// rtpStream sends a cadence as PCMU RTP to the peer every 20 ms and counts
// the RTP packets that arrive, until stopped.
type rtpStream struct {
	conn     *net.UDPConn
	remote   atomic.Pointer[net.UDPAddr]
	sent     atomic.Int64
	received atomic.Int64
	cancel   context.CancelFunc
	wg       sync.WaitGroup
}

// streamCounters are totals shared by all streams of one simulator.
type streamCounters struct {
	sent, received *atomic.Int64
}

// startRTP starts sending on conn to remote and reading from it. ssrc and
// seq are the stream's random identity (RFC 3550 §5.1).
func startRTP(conn *net.UDPConn, remote *net.UDPAddr, audio cadence, ssrc uint32, seq uint16, totals streamCounters) *rtpStream {
	ctx, cancel := context.WithCancel(context.Background())
	s := &rtpStream{conn: conn, cancel: cancel}
	s.remote.Store(remote)
	s.wg.Add(2)
	go func() {
		defer s.wg.Done()
		s.send(ctx, audio, ssrc, seq, totals.sent)
	}()
	go func() {
		defer s.wg.Done()
		s.receive(totals.received)
	}()
	return s
}

// setRemote redirects the stream (a re-INVITE moved the peer's media).
func (s *rtpStream) setRemote(a *net.UDPAddr) { s.remote.Store(a) }

// stop ends both directions and frees the port.
func (s *rtpStream) stop() {
	s.cancel()
	s.conn.Close()
	s.wg.Wait()
}

func (s *rtpStream) send(ctx context.Context, audio cadence, ssrc uint32, seq uint16, total *atomic.Int64) {
	tick := time.NewTicker(frameDuration)
	defer tick.Stop()
	var ts uint32
	buf := make([]byte, 0, 12+frameSamples)
	for n := 0; ; n++ {
		payload, spurt := audio.frame(n)
		p := rtp.Packet{
			Header: rtp.Header{
				Version: 2, PayloadType: 0, SequenceNumber: seq, Timestamp: ts, SSRC: ssrc,
				Marker: spurt,
			},
			Payload: payload,
		}
		out, err := p.MarshalTo(buf[:cap(buf)])
		if err == nil {
			if _, err := s.conn.WriteToUDP(buf[:out], s.remote.Load()); err == nil {
				s.sent.Add(1)
				total.Add(1)
			}
		}
		seq++
		ts += frameSamples
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

func (s *rtpStream) receive(total *atomic.Int64) {
	buf := make([]byte, 1500)
	var h rtp.Header
	for {
		n, _, err := s.conn.ReadFromUDP(buf)
		if err != nil {
			return // closed by stop
		}
		if _, err := h.Unmarshal(buf[:n]); err == nil && h.Version == 2 {
			s.received.Add(1)
			total.Add(1)
		}
	}
}
