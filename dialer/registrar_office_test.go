package dialer

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/alo-dialer/alo/dialer/agent"
	"github.com/alo-dialer/alo/dialer/registrar"
	"github.com/alo-dialer/alo/dialer/sipua"
)

// TestOfficeBehindOneAddress: 1,500 phones behind one office address (one
// source IP, as behind NAT or a carrier's proxy) all register; garbage
// from that address meanwhile costs them nothing. Only failed parsing and
// failed authentication are limited.
func TestOfficeBehindOneAddress(t *testing.T) {
	const phones = 1500
	s, reg := registrarSIP(t, registrar.Config{})
	ctx := context.Background()
	agents := agent.NewRegistry(agent.Config{DB: regConfig(reg).DB, Clock: time.Now, Log: quietLogger()})
	for i := range phones {
		user := strconv.Itoa(2000 + i)
		ag, err := agents.CreateAgent(ctx, agent.NewAgent{Name: "Office " + user, SIPURI: "sip:" + user + "@" + registrar.Domain, CampaignIDs: []int64{1}})
		if err != nil {
			t.Fatal(err)
		}
		if err := reg.SetCredentials(ctx, ag.ID, user, "office-pass-"+user); err != nil {
			t.Fatal(err)
		}
	}
	ua, err := sipgo.NewUA(sipgo.WithUserAgent("office-phones"))
	if err != nil {
		t.Fatal(err)
	}
	defer ua.Close()
	c, err := sipgo.NewClient(ua, sipgo.WithClientHostname("127.0.0.1"))
	if err != nil {
		t.Fatal(err)
	}
	garbage := sendGarbage(t, s, 200)
	start := time.Now()
	codes := make([]int, phones)
	var wg sync.WaitGroup
	work := make(chan int)
	for range 32 {
		wg.Go(func() {
			for i := range work {
				codes[i] = registerWith(t, c, s, strconv.Itoa(2000+i), "office-pass-"+strconv.Itoa(2000+i))
			}
		})
	}
	for i := range phones {
		work <- i
	}
	close(work)
	wg.Wait()
	<-garbage
	for i, code := range codes {
		if code != 200 {
			t.Fatalf("phone %d of %d behind one address answered %d, want 200", i+1, phones, code)
		}
	}
	if _, err := reg.Lookup(ctx, strconv.Itoa(2000+phones-1)); err != nil {
		t.Fatalf("last phone's binding: %v", err)
	}
	t.Logf("%d phones registered from one address in %v; %d malformed messages seen", phones, time.Since(start), s.MalformedMessages())
}

// sendGarbage sends n unparsable datagrams to the UA from 127.0.0.1 in the
// background; the channel is closed when they are sent.
func sendGarbage(t *testing.T, s *sipua.UA, n int) <-chan struct{} {
	t.Helper()
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer conn.Close()
		for i := range n {
			_, _ = conn.WriteToUDP([]byte(fmt.Sprintf("NOT SIP %d\r\n\x00\x01", i)), net.UDPAddrFromAddrPort(s.LocalAddr()))
		}
	}()
	return done
}

// registerWith registers user through client c (one source address for
// every phone) and returns the final status code.
func registerWith(t *testing.T, c *sipgo.Client, s *sipua.UA, user, password string) int {
	t.Helper()
	return registerWithExpires(t, c, s, user, password, 600)
}

func registerWithExpires(t *testing.T, c *sipgo.Client, s *sipua.UA, user, password string, expires int) int {
	t.Helper()
	target := sip.Uri{Scheme: "sip", Host: "127.0.0.1", Port: int(s.LocalAddr().Port())}
	req := sip.NewRequest(sip.REGISTER, target)
	aor := sip.Uri{Scheme: "sip", User: user, Host: "127.0.0.1"}
	req.AppendHeader(&sip.ToHeader{Address: aor})
	from := &sip.FromHeader{Address: aor, Params: sip.NewParams()}
	from.Params.Add("tag", sip.GenerateTagN(8))
	req.AppendHeader(from)
	req.AppendHeader(&sip.ContactHeader{Address: sip.Uri{Scheme: "sip", User: user, Host: "192.0.2.50", Port: 5060}})
	req.AppendHeader(sip.NewHeader("Expires", strconv.Itoa(expires)))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := c.Do(ctx, req)
	if err != nil {
		t.Error(err)
		return 0
	}
	if res.StatusCode != 401 {
		return res.StatusCode
	}
	res, err = c.DoDigestAuth(ctx, req, res, sipgo.DigestAuth{Username: user, Password: password})
	if err != nil {
		t.Error(err)
		return 0
	}
	return res.StatusCode
}
