package dialer

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"math"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pion/rtp"

	"github.com/alo-dialer/alo/campaigns"
	"github.com/alo-dialer/alo/dialer/agent"
	"github.com/alo-dialer/alo/dialer/audio"
	"github.com/alo-dialer/alo/dialer/media"
	"github.com/alo-dialer/alo/dialer/prompt"
	"github.com/alo-dialer/alo/dialer/recording"
	"github.com/alo-dialer/alo/dialer/sipua"
	"github.com/alo-dialer/alo/dialer/trunk"
	"github.com/alo-dialer/alo/internal/sipptest"
	"github.com/alo-dialer/alo/internal/testenv"
	"github.com/alo-dialer/alo/pacing"
)

// TestRecordingTwoChannels: the customer's 440 Hz and the agent's 1 kHz,
// fed as the streams' taps would (PCMA and PCMU, 20 ms frames, the agent
// starting late), come out as a two-channel 8 kHz WAV with the customer on
// the left and the agent on the right, aligned, its header sizes filled in.
func TestRecordingTwoChannels(t *testing.T) {
	path := filepath.Join(t.TempDir(), "7", "42.wav")
	rec, err := recording.Start(path)
	if err != nil {
		t.Fatal(err)
	}
	tone := func(hz float64, n int) []int16 {
		s := make([]int16, n)
		for i := range s {
			s[i] = int16(8000 * math.Sin(2*math.Pi*hz*float64(i)/8000))
		}
		return s
	}
	cust, ag := rec.Tap(recording.RecCustomer), rec.Tap(recording.RecAgent)
	ct, at := tone(440, 160*40), tone(1000, 160*40)
	for i := range 40 {
		pa, _ := audio.PCMA.Encode(nil, ct[i*160:(i+1)*160])
		cust(media.TapPacket{Codec: media.CodecPCMA, Payload: pa})
		if i >= 10 { // the agent's phone starts sending 200 ms later
			pu, _ := audio.PCMU.Encode(nil, at[i*160:(i+1)*160])
			ag(media.TapPacket{Codec: media.CodecPCMU, Payload: pu})
		}
		cust(media.TapPacket{Event: true, Payload: []byte{9, 0x80, 0, 160}}) // a key: not audio
		time.Sleep(media.FrameInterval)                                      // the recorder's own 20 ms clock drains the queues
	}
	time.Sleep(10 * media.FrameInterval)
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(b[0:4]) != "RIFF" || binary.LittleEndian.Uint16(b[22:]) != 2 || binary.LittleEndian.Uint32(b[24:]) != 8000 ||
		int(binary.LittleEndian.Uint32(b[40:])) != len(b)-recording.WavHeaderSize || int(binary.LittleEndian.Uint32(b[4:])) != len(b)-8 {
		t.Fatalf("header %x, file %d bytes", b[:44], len(b))
	}
	frames := (len(b) - recording.WavHeaderSize) / 4
	left, right := make([]int16, frames), make([]int16, frames)
	for i := range frames {
		left[i] = int16(binary.LittleEndian.Uint16(b[recording.WavHeaderSize+4*i:]))
		right[i] = int16(binary.LittleEndian.Uint16(b[recording.WavHeaderSize+4*i+2:]))
	}
	if frames < 30*160 {
		t.Fatalf("only %d samples recorded", frames)
	}
	// Somewhere in the middle both talk: each channel carries its own tone.
	mid := frames / 2
	l, r := left[mid:mid+800], right[mid:mid+800]
	if audio.TonePower(l, 440) < 10*audio.TonePower(l, 1000) || audio.TonePower(r, 1000) < 10*audio.TonePower(r, 440) {
		t.Fatalf("channels mixed: left 440/1000 %.0f/%.0f, right %.0f/%.0f",
			audio.TonePower(l, 440), audio.TonePower(l, 1000), audio.TonePower(r, 440), audio.TonePower(r, 1000))
	}
	if rec.Duration() < 30*media.FrameInterval {
		t.Fatalf("duration %v", rec.Duration())
	}
}

// readStereo reads a two-channel 16-bit WAV written by Recording, checking
// its header sizes.
func readStereo(t *testing.T, path string) (left, right []int16) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < recording.WavHeaderSize || string(b[0:4]) != "RIFF" || binary.LittleEndian.Uint16(b[22:]) != 2 ||
		binary.LittleEndian.Uint32(b[24:]) != 8000 || int(binary.LittleEndian.Uint32(b[40:])) != len(b)-recording.WavHeaderSize {
		t.Fatalf("%s: not a complete two-channel 8 kHz WAV (%d bytes)", path, len(b))
	}
	frames := (len(b) - recording.WavHeaderSize) / 4
	left, right = make([]int16, frames), make([]int16, frames)
	for i := range frames {
		left[i] = int16(binary.LittleEndian.Uint16(b[recording.WavHeaderSize+4*i:]))
		right[i] = int16(binary.LittleEndian.Uint16(b[recording.WavHeaderSize+4*i+2:]))
	}
	return left, right
}

// toneSamples is hz at amplitude amp for n samples of 8 kHz audio.
func toneSamples(hz, amp float64, n int) []int16 {
	s := make([]int16, n)
	for i := range s {
		s[i] = int16(amp * math.Sin(2*math.Pi*hz*float64(i)/8000))
	}
	return s
}

// rms is the root mean square of samples.
func rms(s []int16) float64 {
	var sum float64
	for _, v := range s {
		sum += float64(v) * float64(v)
	}
	return math.Sqrt(sum / float64(max(len(s), 1)))
}

// talkingPhone sends a tone as PCMU RTP from peer to the stream every
// 20 ms until the test ends: an agent's phone with someone talking.
func talkingPhone(t *testing.T, from *rtpPeer, to *media.Stream, hz float64) {
	t.Helper()
	pcm := toneSamples(hz, 6000, media.SamplesPerFrame*50) // 1 s, a whole number of cycles
	stop, done := make(chan struct{}), make(chan struct{})
	t.Cleanup(func() { close(stop); <-done })
	dst := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(to.Port()))
	go func() {
		defer close(done)
		tick := time.NewTicker(media.FrameInterval)
		defer tick.Stop()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			off := (i % 50) * media.SamplesPerFrame
			payload, _ := audio.PCMU.Encode(nil, pcm[off:off+media.SamplesPerFrame])
			b, _ := (&rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: media.PayloadPCMU, SequenceNumber: uint16(i),
				Timestamp: uint32(i * media.SamplesPerFrame), SSRC: 0xA6E7}, Payload: payload}).Marshal()
			_, _ = from.conn.WriteToUDPAddrPort(b, dst)
		}
	}()
}

// listen collects what a phone hears, decoded from PCMU, until the
// returned function is called (reading as it comes: a socket buffer holds
// only a few seconds of small datagrams).
func listen(t *testing.T, p *rtpPeer) func() [][]int16 {
	t.Helper()
	var frames [][]int16
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, media.MTU)
		var pkt rtp.Packet
		for {
			n, err := p.conn.Read(buf)
			if err != nil {
				return
			}
			if pkt.Unmarshal(buf[:n]) != nil || pkt.PayloadType != media.PayloadPCMU {
				continue
			}
			if pcm, err := audio.PCMU.Decode(nil, pkt.Payload); err == nil {
				frames = append(frames, pcm)
			}
		}
	}()
	return func() [][]int16 {
		_ = p.conn.SetReadDeadline(time.Now())
		<-done
		return frames
	}
}

// TestRecordingBridgedCall: a customer (sipp streaming a 440 Hz tone) is
// bridged to an agent whose phone sends 1 kHz. Recording on: the WAV in
// <dir>/<campaign>/<attempt>.wav has the customer's tone on the left and
// the agent's on the right, or, with the disclosure, the notice on the
// right while it plays (what the customer heard from us) and the customer
// hears it (packets out on the customer's leg). Recording off: no file.
// Each case also checks both legs' media quality reaches the attempt.
func TestRecordingBridgedCall(t *testing.T) {
	custTone := filepath.Join(t.TempDir(), "440.al")
	alaw, _ := audio.PCMA.Encode(nil, toneSamples(440, 6000, 8000*8))
	if err := os.WriteFile(custTone, alaw, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		rec        campaigns.RecordingSettings
		agentTone  float64 // 0: the agent listens in silence
		hangupMs   string
		wantFile   bool
		disclosure bool
	}{
		{name: "both sides", rec: campaigns.RecordingSettings{Enabled: true, Disclosure: "none"}, agentTone: 1000, hangupMs: "2500", wantFile: true},
		{name: "disclosure first", rec: campaigns.RecordingSettings{Enabled: true}, hangupMs: "4500", wantFile: true, disclosure: true},
		{name: "off", agentTone: 1000, hangupMs: "1500"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sf := sipptest.Render(t, "uas_stream.xml", "AUDIO", custTone, "SDP_FORMATS", "8", "SDP_EXTRA", "", "HANGUP_MS", tt.hangupMs)
			carrier := sipptest.Start(t, sf, "-m", "1")
			s := newTestSIP(t, trunk.Trunk{URI: carrier.URI("")})
			phone := newRTPPeer(t)
			pool := media.NewPortPool("127.0.0.1", media.PortRange{Min: 46000, Max: 46999})
			legs, ready := make(chan *media.Stream, 1), make(chan struct{}, 1)
			agents := agent.NewRegistry(agent.Config{DB: testDB(t), Clock: time.Now, Log: testenv.Logger(t),
				Dial: func(context.Context, string) (agent.PhoneLeg, error) {
					st := startedStream(t, pool, media.CodecPCMU, phone.addr())
					legs <- st
					return &streamPhoneLeg{fakePhoneLeg: fakePhoneLeg{done: make(chan struct{})}, s: st}, nil
				}})
			onReady(t, agents, func([]int64) {
				select {
				case ready <- struct{}{}:
				default:
				}
			})
			t.Cleanup(agents.Close)
			ag, err := agents.CreateAgent(context.Background(), agent.NewAgent{Name: "A", SIPURI: "sip:a@127.0.0.1", CampaignIDs: []int64{5}})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := agents.SetReady(context.Background(), ag.ID); err != nil {
				t.Fatal(err)
			}
			agentLeg := <-legs
			<-ready // the nailed-up leg is up and the agent reservable
			heard := listen(t, phone)
			if tt.agentTone > 0 {
				talkingPhone(t, phone, agentLeg, tt.agentTone)
			}
			dir := t.TempDir()
			src := &fakeAttempts{done: make(chan struct{}, 8)}
			marker := &fakeMarker{}
			e := NewEngine(EngineConfig{Attempts: src, Marker: marker, Agents: agents, SIP: s, Clock: time.Now,
				Log: testenv.Logger(t), RecordingsDir: dir})
			camp := campaigns.Campaign{ID: 5, ClientID: 3, Recording: tt.rec}
			cl := campaigns.Claimed{Key: campaigns.AttemptKey{CampaignID: 5, ContactID: 7, Number: 1}, Campaign: camp,
				Contact: campaigns.Contact{ID: 7, CampaignID: 5, Phone: "+998901234567", Language: "en"}}
			p := newPacer(context.Background(), e, camp, pacing.Progressive{})
			leg, res, err := s.DialCustomer(dialCtx(t), cl.Contact.Phone, sipua.DialOptions{RingTimeout: 5 * time.Second})
			if err != nil || !res.Answered {
				t.Fatalf("DialCustomer: %+v, %v", res, err)
			}
			p.connect(dialCtx(t), p.log, cl, 42, leg, nil)
			carrier.Wait(t)
			if len(src.finished) != 1 || src.finished[0].Outcome != campaigns.OutcomeHuman {
				t.Fatalf("finished = %+v, want one bridged call", src.finished)
			}

			var q map[string]media.StreamQuality
			if err := json.Unmarshal([]byte(marker.media.Quality), &q); err != nil {
				t.Fatalf("media stats %q: %v", marker.media.Quality, err)
			}
			if q["customer"].PacketsIn < 25 || q["agent"].PacketsOut < 25 {
				t.Errorf("media stats: customer in %d, agent out %d packets; want the call's audio", q["customer"].PacketsIn, q["agent"].PacketsOut)
			}
			t.Logf("media stats %s", marker.media.Quality)

			path := filepath.Join(dir, "5", "42.wav")
			if !tt.wantFile {
				if _, err := os.Stat(path); !os.IsNotExist(err) || marker.media.Recording != "" {
					t.Fatalf("recording off, yet %s: %v (attempt recording %q)", path, err, marker.media.Recording)
				}
				if entries, _ := os.ReadDir(dir); len(entries) != 0 {
					t.Fatalf("recording off, yet %d entries in the recordings dir", len(entries))
				}
				return
			}
			if marker.media.Recording != filepath.Join("5", "42.wav") {
				t.Fatalf("attempt recording %q", marker.media.Recording)
			}
			left, right := readStereo(t, path)
			secs := float64(len(left)) / 8000
			t.Logf("recorded %.2f s", secs)
			if tt.disclosure {
				pm, err := e.prompts().For(prompt.RecordingNotice, "en")
				if err != nil {
					t.Fatal(err)
				}
				notice := float64(pm.Millis()) / 1000
				if secs < notice+0.5 || q["customer"].PacketsOut < uint64(notice*50)-5 {
					t.Fatalf("recorded %.2f s, customer sent %d packets; want the %.2f s notice and more", secs, q["customer"].PacketsOut, notice)
				}
				// The notice is speech on the right while it plays; after it,
				// the agent's silence. The customer's tone is on the left.
				end := int(notice * 8000)
				during, after := right[4000:end-2000], right[end+2000:]
				if rms(during) < 300 || rms(after) > 50 {
					t.Errorf("right channel rms %.0f during the notice, %.0f after; want speech, then silence", rms(during), rms(after))
				}
				if l := left[4000 : end-2000]; audio.TonePower(l, 440) < 10*audio.TonePower(l, 1000) {
					t.Errorf("left channel lacks the customer's tone")
				}
				// The agent hears the notice too, then the customer.
				var speech, customer int
				for _, f := range heard() {
					switch {
					case rms(f) < 300:
					case audio.TonePower(f, 440) > 0.5*float64(len(f))*rms(f)*rms(f):
						customer++ // most of the frame's energy is the customer's tone
					default:
						speech++
					}
				}
				t.Logf("the agent heard %d frames of notice, %d of the customer", speech, customer)
				if speech < int(notice*50/2) || customer < 10 || float64(customer) > (secs-notice+0.5)*50 {
					t.Errorf("the agent heard %d frames of speech and %d of the customer; want the %.2f s notice, then the customer", speech, customer, notice)
				}
				return
			}
			if secs < 1.5 {
				t.Fatalf("only %.2f s recorded", secs)
			}
			// Past the first half second both sides talk: each channel
			// carries its own side's tone only.
			for from := 4000; from+1600 <= len(left)-800; from += 1600 {
				l, r := left[from:from+1600], right[from:from+1600]
				if audio.TonePower(l, 440) < 10*audio.TonePower(l, 1000) || audio.TonePower(r, 1000) < 10*audio.TonePower(r, 440) {
					t.Fatalf("at %.1f s channels mixed: left 440/1000 %.3g/%.3g, right 440/1000 %.3g/%.3g", float64(from)/8000,
						audio.TonePower(l, 440), audio.TonePower(l, 1000), audio.TonePower(r, 440), audio.TonePower(r, 1000))
				}
			}
		})
	}
}
