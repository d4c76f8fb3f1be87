package media

import (
	"net/netip"
	"strings"
	"testing"
)

func TestParseAnswer(t *testing.T) {
	crlf := func(s string) []byte { return []byte(strings.ReplaceAll(s, "\n", "\r\n")) }
	tests := []struct {
		name    string
		body    []byte
		want    Remote
		wantErr bool
	}{
		{
			name: "freeswitch style, PCMA preferred",
			body: crlf(`v=0
o=FreeSWITCH 1700000000 1700000001 IN IP4 10.0.0.5
s=FreeSWITCH
c=IN IP4 10.0.0.5
t=0 0
m=audio 24580 RTP/AVP 8 101
a=rtpmap:8 PCMA/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-16
a=ptime:20
`),
			want: Remote{Addr: netip.MustParseAddrPort("10.0.0.5:24580"), Codec: CodecPCMA, PT: 8, DTMFPT: 101},
		},
		{
			name: "LF only, media-level c=, static types without rtpmap",
			body: []byte("v=0\no=- 1 1 IN IP4 1.2.3.4\ns=-\nt=0 0\nm=audio 4000 RTP/AVP 0\nc=IN IP4 192.0.2.7\n"),
			want: Remote{Addr: netip.MustParseAddrPort("192.0.2.7:4000"), Codec: CodecPCMU, PT: 0},
		},
		{
			name: "c= after t= at session level (pion refuses; line scan)",
			body: crlf(`v=0
o=- 1 1 IN IP4 127.0.0.1
s=-
t=0 0
c=IN IP4 127.0.0.1
m=audio 6000 RTP/AVP 0 8 96
a=rtpmap:96 telephone-event/8000
`),
			want: Remote{Addr: netip.MustParseAddrPort("127.0.0.1:6000"), Codec: CodecPCMU, PT: 0, DTMFPT: 96, Lenient: true},
		},
		{
			name: "video first, audio second",
			body: crlf(`v=0
o=- 1 1 IN IP4 10.1.1.1
s=-
c=IN IP4 10.1.1.1
t=0 0
m=video 5000 RTP/AVP 96
a=rtpmap:96 H264/90000
m=audio 5002 RTP/AVP 8
`),
			want: Remote{Addr: netip.MustParseAddrPort("10.1.1.1:5002"), Codec: CodecPCMA, PT: 8},
		},
		{
			name:    "only G.729",
			body:    crlf("v=0\no=- 1 1 IN IP4 10.1.1.1\ns=-\nc=IN IP4 10.1.1.1\nt=0 0\nm=audio 5000 RTP/AVP 18\na=rtpmap:18 G729/8000\n"),
			wantErr: true,
		},
		{name: "empty", body: nil, wantErr: true},
		{name: "garbage", body: []byte("hello\x00world"), wantErr: true},
		{
			name:    "hostname in c=",
			body:    crlf("v=0\no=- 1 1 IN IP4 x\ns=-\nc=IN IP4 media.example.com\nt=0 0\nm=audio 5000 RTP/AVP 0\n"),
			wantErr: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseSDP(tt.body)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("want error, got %+v", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

// Our own offer must parse strictly and round-trip through parseAnswer.
func TestOfferSDP(t *testing.T) {
	body := OfferSDP("127.0.0.1", 10002, 42, 1)
	got, err := ParseSDP(body)
	if err != nil {
		t.Fatal(err)
	}
	want := Remote{Addr: netip.MustParseAddrPort("127.0.0.1:10002"), Codec: CodecPCMU, PT: 0, DTMFPT: 101}
	if got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
	for _, line := range []string{"m=audio 10002 RTP/AVP 0 8 101\r\n", "a=rtpmap:8 PCMA/8000\r\n", "a=fmtp:101 0-16\r\n"} {
		if !strings.Contains(string(body), line) {
			t.Errorf("offer lacks %q:\n%s", line, body)
		}
	}
}
