package media

import (
	"os"
	"path/filepath"
	"testing"
)

// sdpSeeds are the SDP bodies the fuzz targets start from: what carriers
// and phones really send, and the broken shapes the lenient scan exists for.
func sdpSeeds(f *testing.F) {
	f.Helper()
	f.Add([]byte(string(OfferSDP("127.0.0.1", 40000, 1, 1))))
	f.Add([]byte("v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nt=0 0\r\nc=IN IP4 10.0.0.1\r\nm=audio 4000 RTP/AVP 8 101\r\na=rtpmap:101 telephone-event/8000\r\na=sendonly\r\n"))
	f.Add([]byte("v=0\nc=IN IP4 0.0.0.0\nm=audio 0 RTP/AVP 0\na=inactive\n"))
	f.Add([]byte("m=audio 99999999999 RTP/AVP 0\nc=IN IP6 ::1\n"))
	f.Add([]byte("c=IN IP4\nm=audio\na=rtpmap:\na=rtpmap:300 x\n"))
	matches, _ := filepath.Glob(filepath.Join("testdata", "sdp", "*.sdp"))
	for _, m := range matches {
		if b, err := os.ReadFile(m); err == nil {
			f.Add(b)
		}
	}
}

// FuzzParseAnswer: any SDP body from the network is parsed or refused with
// an error, never a panic, and a parsed answer is one alo can use.
func FuzzParseAnswer(f *testing.F) {
	sdpSeeds(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		rm, err := ParseSDP(body)
		if err != nil {
			return
		}
		if rm.Codec != CodecPCMU && rm.Codec != CodecPCMA {
			t.Fatalf("parsed codec %q", rm.Codec)
		}
		if !rm.Addr.Addr().IsValid() {
			t.Fatalf("parsed address %v", rm.Addr)
		}
	})
}

// FuzzOfferDirection: any re-INVITE body gives one of the four directions.
func FuzzOfferDirection(f *testing.F) {
	sdpSeeds(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		switch d := OfferDirection(body); d {
		case DirSendRecv, DirSendOnly, dirRecvOnly, DirInactive:
		default:
			t.Fatalf("direction %q", d)
		}
	})
}
