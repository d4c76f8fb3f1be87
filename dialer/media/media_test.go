package media

import (
	"errors"
	"net"
	"strings"
	"testing"

	"github.com/alo-dialer/alo/internal/testenv"
)

func TestParsePortRange(t *testing.T) {
	tests := []struct {
		in      string
		want    PortRange
		wantErr string
	}{
		{in: "10000-20000", want: PortRange{10000, 20000}},
		{in: " 16384 - 32767 ", want: PortRange{16384, 32767}},
		{in: "10000-10000", want: PortRange{10000, 10000}},
		{in: "10000", wantErr: "want MIN-MAX"},
		{in: "", wantErr: "want MIN-MAX"},
		{in: "a-20000", wantErr: "minimum \"a\" is not a number"},
		{in: "10000-b", wantErr: "maximum \"b\" is not a number"},
		{in: "10001-20000", wantErr: "must be even"},
		{in: "20000-10000", wantErr: "is above maximum"},
		{in: "80-100", wantErr: "within 1024-65535"},
		{in: "60000-70000", wantErr: "within 1024-65535"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParsePortRange(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParsePortRange(%q) error = %v, want it to mention %q", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParsePortRange(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
		})
	}
}

// The pool hands out even ports only, skips ports held elsewhere, reports
// exhaustion, and takes ports back.
func TestPortPool(t *testing.T) {
	base := testenv.EvenPorts(t, 6)
	// Someone else holds the second even port.
	other, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: base + 2})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()

	p := NewPortPool("127.0.0.1", PortRange{base, base + 5})
	var got []int
	var conns []*net.UDPConn
	for {
		c, port, err := p.open()
		if errors.Is(err, ErrNoPort) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		got = append(got, port)
	}
	if want := []int{base, base + 4}; len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("ports %v, want %v", got, want)
	}
	conns[0].Close()
	p.release(got[0])
	if p.InUseCount() != 1 {
		t.Fatalf("in use %d, want 1", p.InUseCount())
	}
	c, port, err := p.open()
	if err != nil || port != base {
		t.Fatalf("after release got port %d, %v; want %d", port, err, base)
	}
	c.Close()
	conns[1].Close()
}
