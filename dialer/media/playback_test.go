package media

import (
	"testing"
	"time"

	"github.com/pion/rtp"

	"github.com/alo-dialer/alo/dialer/audio"
)

// recvN reads n packets and their arrival times.
func (p *peer) recvN(n int) ([]rtp.Packet, []time.Time) {
	p.t.Helper()
	pkts := make([]rtp.Packet, 0, n)
	at := make([]time.Time, 0, n)
	for range n {
		pkts = append(pkts, p.recv())
		at = append(at, time.Now())
	}
	return pkts, at
}

func TestPlaybackPacing(t *testing.T) {
	tests := []struct {
		name  string
		codec string
		ms    int
	}{
		{"pcmu 400 ms", CodecPCMU, 400},
		{"pcma 1 s", CodecPCMA, 1000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pool := NewPortPool("127.0.0.1", PortRange{Min: 41000, Max: 41999})
			far := newPeer(t)
			s := testStream(t, pool, tt.codec, far.addr())
			samples := audio.AppendTone(nil, audio.MillisToSamples(tt.ms), 8000, 440)
			done, err := s.PlaySamples(samples)
			if err != nil {
				t.Fatal(err)
			}
			frames := tt.ms / 20
			pkts, at := far.recvN(frames)
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("playback ended with %v", err)
				}
			case <-time.After(2 * time.Second):
				t.Fatal("playback never reported its end")
			}
			for i, p := range pkts {
				if len(p.Payload) != audio.FrameSamples {
					t.Fatalf("frame %d: %d bytes", i, len(p.Payload))
				}
				if i == 0 {
					if !p.Marker {
						t.Error("first frame has no marker bit")
					}
					continue
				}
				if d := p.SequenceNumber - pkts[i-1].SequenceNumber; d != 1 {
					t.Errorf("frame %d: sequence step %d", i, d)
				}
				if d := p.Timestamp - pkts[i-1].Timestamp; d != SamplesPerFrame {
					t.Errorf("frame %d: timestamp step %d", i, d)
				}
			}
			// Paced, not burst: the frames span about their own duration.
			span := at[len(at)-1].Sub(at[0])
			want := time.Duration(frames-1) * FrameInterval
			if span < want-40*time.Millisecond || span > want+200*time.Millisecond {
				t.Errorf("%d frames arrived over %v, want about %v", frames, span, want)
			}
			far.expectNothing() // no comfort silence on a customer leg
		})
	}
}

func TestComfortSilenceAndSwitch(t *testing.T) {
	pool := NewPortPool("127.0.0.1", PortRange{Min: 42000, Max: 42999})
	phone, customer := newPeer(t), newPeer(t)
	agent := testStream(t, pool, CodecPCMU, phone.addr())
	cust := testStream(t, pool, CodecPCMU, customer.addr())
	agent.SetComfortSilence(true)

	// Idle: the agent's phone hears silence, one continuous stream.
	idle, _ := phone.recvN(5)
	for i, p := range idle {
		if p.Payload[0] != audio.PCMU.Silence() {
			t.Fatalf("idle frame %d is not silence", i)
		}
		if i > 0 && p.SequenceNumber != idle[i-1].SequenceNumber+1 {
			t.Fatalf("idle frame %d: sequence jumps", i)
		}
	}

	// A customer is bridged: their audio reaches the phone on the same
	// SSRC, with the marker bit on the first relayed packet.
	Connect(cust, agent)
	Connect(agent, cust)
	voice := bytes160(0x55)
	var got rtp.Packet
	deadline := time.Now().Add(2 * time.Second)
	for ts := uint32(1000); time.Now().Before(deadline); ts += 160 {
		customer.send(cust, rtp.Header{PayloadType: PayloadPCMU, SequenceNumber: uint16(ts), Timestamp: ts, SSRC: 7}, voice)
		got = phone.recv()
		if got.Payload[0] == 0x55 {
			break
		}
	}
	if got.Payload[0] != 0x55 {
		t.Fatal("customer audio never reached the agent")
	}
	if !got.Marker || got.SSRC != idle[0].SSRC {
		t.Errorf("relayed packet: marker %v ssrc %x, want marker and ssrc %x", got.Marker, got.SSRC, idle[0].SSRC)
	}

	// The customer hangs up: the phone goes back to silence, not quiet.
	Disconnect(cust)
	Disconnect(agent)
	cust.Close()
	var back rtp.Packet
	for range 10 {
		back = phone.recv()
		if back.Payload[0] == audio.PCMU.Silence() {
			break
		}
	}
	if back.Payload[0] != audio.PCMU.Silence() || back.SSRC != idle[0].SSRC {
		t.Fatalf("after hang-up: payload %x ssrc %x", back.Payload[0], back.SSRC)
	}
	if !back.Marker {
		t.Error("silence after relayed audio has no marker bit")
	}
}

func TestPlaybackTakesTheFloor(t *testing.T) {
	pool := NewPortPool("127.0.0.1", PortRange{Min: 43000, Max: 43999})
	phone, customer := newPeer(t), newPeer(t)
	agent := testStream(t, pool, CodecPCMU, phone.addr())
	cust := testStream(t, pool, CodecPCMU, customer.addr())
	Connect(cust, agent)
	done, err := agent.PlaySamples(CallArrivedTone())
	if err != nil {
		t.Fatal(err)
	}
	// While the tone plays, relayed packets are held back.
	customer.send(cust, rtp.Header{PayloadType: PayloadPCMU, Timestamp: 160, SSRC: 9}, bytes160(0x55))
	for range 6 {
		if p := phone.recv(); p.Payload[0] == 0x55 {
			t.Fatal("relayed audio interleaved with the tone")
		}
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func bytes160(b byte) []byte {
	p := make([]byte, 160)
	for i := range p {
		p[i] = b
	}
	return p
}
