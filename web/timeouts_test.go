package web

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/alo-dialer/alo/internal/testenv"
	"github.com/alo-dialer/alo/live"
	"github.com/alo-dialer/alo/sqldb"
)

// shortTimeouts are test timeouts a few hundred milliseconds long.
var shortTimeouts = Timeouts{ReadHeader: 300 * time.Millisecond, Read: 300 * time.Millisecond,
	Write: 300 * time.Millisecond, Idle: 300 * time.Millisecond, UploadStep: 64 << 10}

// serveTimeouts serves h with t on loopback and returns its address.
func serveTimeouts(t *testing.T, h http.Handler, tm Timeouts) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := NewHTTPServer(h, tm)
	go func() { _ = hs.Serve(ln) }()
	t.Cleanup(func() { _ = hs.Close() })
	return ln.Addr().String()
}

// cutWithin reports whether the server closes c within d (reading
// whatever it sends meanwhile).
func cutWithin(t *testing.T, c net.Conn, d time.Duration) bool {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(d))
	_, err := io.Copy(io.Discard, c)
	var ne net.Error
	return !(errors.As(err, &ne) && ne.Timeout())
}

// TestSlowClientsAreCut: a client that trickles a body, one that sends no
// request and one that idles after a request are all disconnected; an
// upload that keeps moving outlives the read timeout.
func TestSlowClientsAreCut(t *testing.T) {
	addr := serveTimeouts(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, err := io.Copy(io.Discard, r.Body)
		if err != nil {
			return
		}
		fmt.Fprintf(w, "%d", n)
	}), shortTimeouts)
	dial := func(t *testing.T) net.Conn {
		t.Helper()
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	t.Run("slow body", func(t *testing.T) {
		c := dial(t)
		fmt.Fprintf(c, "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n")
		stop := make(chan struct{})
		defer close(stop)
		go func() { // a byte every 50 ms: 1000 bytes would take 50 s
			for {
				select {
				case <-stop:
					return
				case <-time.After(50 * time.Millisecond):
					if _, err := c.Write([]byte("x")); err != nil {
						return
					}
				}
			}
		}()
		if !cutWithin(t, c, 3*time.Second) {
			t.Fatal("a client trickling its body was still connected after 3 s (read timeout 300 ms)")
		}
	})
	t.Run("no request", func(t *testing.T) {
		if !cutWithin(t, dial(t), 3*time.Second) {
			t.Fatal("a client sending nothing was still connected after 3 s")
		}
	})
	t.Run("idle after a request", func(t *testing.T) {
		c := dial(t)
		fmt.Fprintf(c, "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nok")
		if !cutWithin(t, c, 3*time.Second) {
			t.Fatal("an idle kept-alive connection was still open after 3 s (idle timeout 300 ms)")
		}
	})
	t.Run("moving upload outlives the read timeout", func(t *testing.T) {
		pr, pw := io.Pipe()
		go func() {
			chunk := strings.Repeat("x", int(shortTimeouts.UploadStep))
			for range 12 { // 12 steps 100 ms apart: 1.2 s, four read timeouts
				if _, err := io.WriteString(pw, chunk); err != nil {
					return
				}
				time.Sleep(100 * time.Millisecond) // the client's pace is the point of the test
			}
			pw.Close()
		}()
		res, err := http.Post("http://"+addr+"/upload", "text/csv", pr)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		if want := fmt.Sprint(12 * shortTimeouts.UploadStep); string(body) != want {
			t.Fatalf("upload answered %d %q, want all %s bytes", res.StatusCode, body, want)
		}
	})
}

// TestEventStreamOutlivesTimeouts: an event stream stays open, receiving
// heartbeats, for many times the read, write and idle timeouts. CI runs
// 3 s against 300 ms timeouts; ALO_SSE_SOAK=10m runs ten minutes against
// the default timeouts and heartbeat (the figure).
func TestEventStreamOutlivesTimeouts(t *testing.T) {
	tm, heartbeat, hold := shortTimeouts, 100*time.Millisecond, 3*time.Second
	if soak := os.Getenv("ALO_SSE_SOAK"); soak != "" {
		d, err := time.ParseDuration(soak)
		if err != nil {
			t.Fatalf("ALO_SSE_SOAK=%q: %v", soak, err)
		}
		tm, heartbeat, hold = DefaultTimeouts(), DefaultHeartbeat, d
	}
	ctx := context.Background()
	db := testenv.SQLite(t)
	if err := sqldb.Migrate(ctx, db, "web", Migrations); err != nil {
		t.Fatal(err)
	}
	users := NewUsers(db, func() time.Time { return testTime })
	_, tok, err := users.Create(ctx, NewUser{Name: "admin-user", Role: RoleAdmin, Token: true})
	if err != nil {
		t.Fatal(err)
	}
	bus, err := live.NewBus(live.Config{Node: "n1"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(bus.Close)
	srv := NewServer(ServerConfig{Users: users, Live: LiveConfig{Bus: bus, Heartbeat: heartbeat, Agents: fakeAgentLookup{}, Done: make(chan struct{})}})
	addr := serveTimeouts(t, srv.Handler(), tm)
	req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/api/v1/events", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("events answered %d", res.StatusCode)
	}
	lines := bufio.NewScanner(res.Body)
	start, beats := time.Now(), 0
	for time.Since(start) < hold {
		if !lines.Scan() {
			t.Fatalf("stream ended after %v (%d heartbeats): %v", time.Since(start).Round(time.Millisecond), beats, lines.Err())
		}
		if lines.Text() == ": heartbeat" {
			beats++
		}
	}
	t.Logf("stream open %v with read/write/idle timeouts %v/%v/%v: %d heartbeats", hold, tm.Read, tm.Write, tm.Idle, beats)
}
