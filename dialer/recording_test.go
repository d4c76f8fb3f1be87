package dialer

import (
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/alo-dialer/alo/dialer/audio"
)

// TestRecordingTwoChannels: the customer's 440 Hz and the agent's 1 kHz,
// fed as the streams' taps would (PCMA and PCMU, 20 ms frames, the agent
// starting late), come out as a two-channel 8 kHz WAV with the customer on
// the left and the agent on the right, aligned, its header sizes filled in.
func TestRecordingTwoChannels(t *testing.T) {
	path := filepath.Join(t.TempDir(), "7", "42.wav")
	rec, err := StartRecording(path)
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
	cust, agent := rec.Tap(recCustomer), rec.Tap(recAgent)
	ct, at := tone(440, 160*40), tone(1000, 160*40)
	for i := range 40 {
		pa, _ := audio.PCMA.Encode(nil, ct[i*160:(i+1)*160])
		cust(TapPacket{Codec: CodecPCMA, Payload: pa})
		if i >= 10 { // the agent's phone starts sending 200 ms later
			pu, _ := audio.PCMU.Encode(nil, at[i*160:(i+1)*160])
			agent(TapPacket{Codec: CodecPCMU, Payload: pu})
		}
		cust(TapPacket{Event: true, Payload: []byte{9, 0x80, 0, 160}}) // a key: not audio
		time.Sleep(frameInterval)                                      // the recorder's own 20 ms clock drains the queues
	}
	time.Sleep(10 * frameInterval)
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(b[0:4]) != "RIFF" || binary.LittleEndian.Uint16(b[22:]) != 2 || binary.LittleEndian.Uint32(b[24:]) != 8000 ||
		int(binary.LittleEndian.Uint32(b[40:])) != len(b)-wavHeaderSize || int(binary.LittleEndian.Uint32(b[4:])) != len(b)-8 {
		t.Fatalf("header %x, file %d bytes", b[:44], len(b))
	}
	frames := (len(b) - wavHeaderSize) / 4
	left, right := make([]int16, frames), make([]int16, frames)
	for i := range frames {
		left[i] = int16(binary.LittleEndian.Uint16(b[wavHeaderSize+4*i:]))
		right[i] = int16(binary.LittleEndian.Uint16(b[wavHeaderSize+4*i+2:]))
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
	if rec.Duration() < 30*frameInterval {
		t.Fatalf("duration %v", rec.Duration())
	}
}
