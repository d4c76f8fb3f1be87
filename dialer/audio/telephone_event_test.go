package audio

import (
	"bytes"
	"slices"
	"testing"
)

func TestTelephoneEventWire(t *testing.T) {
	tests := []struct {
		name string
		ev   TelephoneEvent
		wire []byte
	}{
		// '9' at -10 dBm0, 800 samples in: the example layout of RFC 4733 §2.3.
		{"update", TelephoneEvent{Event: 9, Volume: 10, Duration: 800}, []byte{0x09, 0x0a, 0x03, 0x20}},
		{"end", TelephoneEvent{Event: 11, End: true, Volume: 7, Duration: 1600}, []byte{0x0b, 0x87, 0x06, 0x40}},
		{"max", TelephoneEvent{Event: 15, End: true, Volume: 63, Duration: 0xffff}, []byte{0x0f, 0xbf, 0xff, 0xff}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.ev.Append(nil); !bytes.Equal(got, tt.wire) {
				t.Errorf("Append = %x, want %x", got, tt.wire)
			}
			got, err := ParseTelephoneEvent(tt.wire)
			if err != nil || got != tt.ev {
				t.Errorf("Parse = %+v, %v; want %+v", got, err, tt.ev)
			}
		})
	}
	// The reserved R bit is ignored on receipt.
	if got, _ := ParseTelephoneEvent([]byte{0x01, 0x4a, 0, 160}); got.Volume != 10 || got.End {
		t.Errorf("R bit leaked: %+v", got)
	}
	if _, err := ParseTelephoneEvent([]byte{1, 2, 3}); err == nil {
		t.Error("3-byte payload accepted")
	}
}

func TestDigitEventCodes(t *testing.T) {
	for i, d := range "0123456789*#ABCD" {
		ev, ok := DigitEvent(d)
		if !ok || int(ev) != i {
			t.Errorf("DigitEvent(%q) = %d, %v", d, ev, ok)
		}
		back, ok := EventDigit(uint8(i))
		if !ok || back != d {
			t.Errorf("EventDigit(%d) = %q, %v", i, back, ok)
		}
	}
	if ev, ok := DigitEvent('b'); !ok || ev != 13 {
		t.Errorf("lower-case b → %d, %v", ev, ok)
	}
	if _, ok := DigitEvent('x'); ok {
		t.Error("'x' is a key")
	}
	if _, ok := EventDigit(32); ok { // 32 is the fax CNG tone, not a key
		t.Error("event 32 is a key")
	}
}

func TestDigitPackets(t *testing.T) {
	pkts, err := DigitPackets('9', 48000, 800, 160, 10) // 100 ms in 20 ms packets
	if err != nil {
		t.Fatal(err)
	}
	type want struct {
		offset   int
		marker   bool
		end      bool
		duration uint16
	}
	wants := []want{
		{0, true, false, 160}, {160, false, false, 320}, {320, false, false, 480}, {480, false, false, 640},
		{640, false, true, 800}, {800, false, true, 800}, {960, false, true, 800},
	}
	if len(pkts) != len(wants) {
		t.Fatalf("%d packets, want %d: %+v", len(pkts), len(wants), pkts)
	}
	for i, w := range wants {
		p := pkts[i]
		ev, _ := ParseTelephoneEvent(p.Payload[:])
		if p.Offset != w.offset || p.Marker != w.marker || ev.End != w.end || ev.Duration != w.duration ||
			p.Timestamp != 48000 || ev.Event != 9 || ev.Volume != 10 {
			t.Errorf("packet %d = %+v %+v, want %+v", i, p, ev, w)
		}
	}
	// An event shorter than one packet is the end packet alone, with the marker first.
	short, err := DigitPackets('#', 0, 100, 160, 10)
	if err != nil || len(short) != 3 || !short[0].Marker || short[1].Marker {
		t.Errorf("short event: %+v, %v", short, err)
	}
	for _, bad := range []struct {
		d                  rune
		duration, interval int
		volume             uint8
	}{{'x', 800, 160, 10}, {'1', 0, 160, 10}, {'1', 70000, 160, 10}, {'1', 800, 0, 10}, {'1', 800, 160, 64}} {
		if _, err := DigitPackets(bad.d, 0, bad.duration, bad.interval, bad.volume); err == nil {
			t.Errorf("DigitPackets(%+v) accepted", bad)
		}
	}
}

// rx is one received telephone-event packet: its RTP timestamp and payload.
type rx struct {
	ts uint32
	ev TelephoneEvent
}

func TestDTMFReceiver(t *testing.T) {
	ev := func(code uint8, end bool, d uint16) TelephoneEvent {
		return TelephoneEvent{Event: code, End: end, Volume: 10, Duration: d}
	}
	tests := []struct {
		name string
		in   []rx
		want []KeyEvent
	}{
		{"press with three ends", []rx{
			{100, ev(1, false, 160)}, {100, ev(1, false, 320)}, {100, ev(1, true, 400)}, {100, ev(1, true, 400)}, {100, ev(1, true, 400)},
		}, []KeyEvent{{'1', 100, false, 0}, {'1', 100, true, 400}}},
		{"start lost", []rx{{100, ev(9, false, 320)}, {100, ev(9, true, 800)}},
			[]KeyEvent{{'9', 100, false, 0}, {'9', 100, true, 800}}},
		{"only an end arrives", []rx{{100, ev(11, true, 800)}, {100, ev(11, true, 800)}},
			[]KeyEvent{{'#', 100, false, 0}, {'#', 100, true, 800}}},
		{"every end lost", []rx{{100, ev(2, false, 160)}, {100, ev(2, false, 320)}, {900, ev(3, false, 160)}, {900, ev(3, true, 480)}},
			[]KeyEvent{{'2', 100, false, 0}, {'2', 100, true, 320}, {'3', 900, false, 0}, {'3', 900, true, 480}}},
		{"late update after end", []rx{{100, ev(5, true, 480)}, {100, ev(5, false, 320)}},
			[]KeyEvent{{'5', 100, false, 0}, {'5', 100, true, 480}}},
		{"same key twice", []rx{{100, ev(5, true, 480)}, {100, ev(5, true, 480)}, {1300, ev(5, false, 160)}, {1300, ev(5, true, 480)}},
			[]KeyEvent{{'5', 100, false, 0}, {'5', 100, true, 480}, {'5', 1300, false, 0}, {'5', 1300, true, 480}}},
		{"fax tone ignored", []rx{{100, ev(36, false, 160)}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r DTMFReceiver
			var got []KeyEvent
			for _, p := range tt.in {
				var err error
				got, err = r.Receive(got, p.ts, p.ev.Append(nil))
				if err != nil {
					t.Fatal(err)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
	var r DTMFReceiver
	if _, err := r.Receive(nil, 0, []byte{1}); err == nil {
		t.Error("short payload accepted")
	}
}

// What DigitPackets sends, a DTMFReceiver reads back as one press per key,
// even when the sequence is sent twice over (duplicated packets).
func TestDigitPacketsRoundTrip(t *testing.T) {
	var r DTMFReceiver
	var got []KeyEvent
	ts := uint32(1000)
	for _, d := range "19#*0" {
		pkts, err := DigitPackets(d, ts, 640, 160, 10)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range append(pkts, pkts...) {
			got, _ = r.Receive(got, p.Timestamp, p.Payload[:])
		}
		ts += 640 + 3*160
	}
	var keys []rune
	for _, k := range got {
		if k.End {
			keys = append(keys, k.Digit)
			if k.Duration != 640 {
				t.Errorf("%q ended after %d samples, want 640", k.Digit, k.Duration)
			}
		}
	}
	if string(keys) != "19#*0" || len(got) != 10 {
		t.Errorf("keys %q from %d events", string(keys), len(got))
	}
}
