package recording

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/alo-dialer/alo/dialer/audio"
	"github.com/alo-dialer/alo/dialer/media"
)

// maxQueuedFrames bounds each side's backlog (200 ms): a side that sends
// faster than real time loses its oldest audio rather than memory.
const maxQueuedFrames = 10

// wavHeaderSize is the size of the canonical 44-byte PCM WAV header.
const WavHeaderSize = 44

// Recording writes a bridged call as a two-channel 8 kHz 16-bit WAV:
// left the customer, right the agent. Each side's received packets are
// decoded into a short queue; a 20 ms clock takes one frame from each (or
// silence when a side sent nothing), so the two stay aligned in time
// whatever their jitter. The file is written as it goes, never held whole
// in memory, and its header sizes are filled in at Close.
type Recording struct {
	path string
	f    *os.File
	w    *bufio.Writer

	mu     sync.Mutex
	queues [2][][]int16
	ours   []int16 // alo's own audio to the customer (the disclosure), mixed on the agent side
	frames int64
	err    error

	stop chan struct{}
	done chan struct{}
}

// Recording channels.
const (
	RecCustomer = 0
	RecAgent    = 1
)

// Start creates path (and its directory) and starts the 20 ms
// clock.
func Start(path string) (*Recording, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("recording %s: %w", path, err)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o640)
	if err != nil {
		return nil, fmt.Errorf("recording %s: %w", path, err)
	}
	r := &Recording{path: path, f: f, w: bufio.NewWriterSize(f, 64<<10), stop: make(chan struct{}), done: make(chan struct{})}
	if _, err := r.w.Write(wavHeader(0)); err != nil {
		f.Close()
		return nil, fmt.Errorf("recording %s: %w", path, err)
	}
	go r.clock()
	return r, nil
}

// Tap returns the MediaTap that feeds one side (recCustomer or recAgent).
func (r *Recording) Tap(side int) media.MediaTap {
	return func(p media.TapPacket) {
		if p.Event {
			return
		}
		c := audio.PCMU
		if p.Codec == media.CodecPCMA {
			c = audio.PCMA
		}
		pcm, err := c.Decode(make([]int16, 0, len(p.Payload)), p.Payload)
		if err != nil {
			return
		}
		r.mu.Lock()
		q := append(r.queues[side], pcm)
		if len(q) > maxQueuedFrames {
			q = q[len(q)-maxQueuedFrames:]
		}
		r.queues[side] = q
		r.mu.Unlock()
	}
}

// Announce records audio alo itself is playing to the customer from now
// on (the recording disclosure) on the agent's side, mixed with whatever
// the agent says, one frame per tick of the recording's clock as the
// prompt is paced out. A prompt is a few seconds: held whole.
func (r *Recording) Announce(samples []int16) {
	r.mu.Lock()
	r.ours = append(r.ours, samples...)
	r.mu.Unlock()
}

// clock writes one stereo frame every 20 ms until Close.
func (r *Recording) clock() {
	defer close(r.done)
	t := time.NewTicker(media.FrameInterval)
	defer t.Stop()
	frame := make([]byte, media.SamplesPerFrame*4)
	for {
		select {
		case <-r.stop:
			return
		case <-t.C:
		}
		r.mu.Lock()
		var sides [2][]int16
		for i := range sides {
			if len(r.queues[i]) > 0 {
				sides[i], r.queues[i] = r.queues[i][0], r.queues[i][1:]
			}
		}
		ours := r.ours[:min(media.SamplesPerFrame, len(r.ours))]
		r.ours = r.ours[len(ours):]
		r.mu.Unlock()
		for i := range media.SamplesPerFrame {
			var left, right int16
			if i < len(sides[RecCustomer]) {
				left = sides[RecCustomer][i]
			}
			if i < len(sides[RecAgent]) {
				right = sides[RecAgent][i]
			}
			if i < len(ours) {
				right = mix(right, ours[i])
			}
			binary.LittleEndian.PutUint16(frame[4*i:], uint16(left))
			binary.LittleEndian.PutUint16(frame[4*i+2:], uint16(right))
		}
		if _, err := r.w.Write(frame); err != nil {
			r.mu.Lock()
			r.err = err
			r.mu.Unlock()
			return
		}
		r.mu.Lock()
		r.frames++
		r.mu.Unlock()
	}
}

// mix adds two samples, clipped to 16 bits.
func mix(a, b int16) int16 {
	return int16(max(math.MinInt16, min(math.MaxInt16, int32(a)+int32(b))))
}

// Close stops the clock, fills in the header's sizes and closes the file.
func (r *Recording) Close() error {
	close(r.stop)
	<-r.done
	r.mu.Lock()
	frames, werr := r.frames, r.err
	r.mu.Unlock()
	err := errors.Join(werr, r.w.Flush())
	if err == nil {
		_, err = r.f.WriteAt(wavHeader(uint32(frames*media.SamplesPerFrame*4)), 0)
	}
	return errors.Join(err, r.f.Close())
}

// Duration is how much audio has been written.
func (r *Recording) Duration() time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return time.Duration(r.frames) * media.FrameInterval
}

// wavHeader is the header of a two-channel 8 kHz 16-bit PCM WAV with
// dataSize bytes of samples.
func wavHeader(dataSize uint32) []byte {
	h := make([]byte, WavHeaderSize)
	copy(h[0:], "RIFF")
	binary.LittleEndian.PutUint32(h[4:], 36+dataSize)
	copy(h[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(h[16:], 16)     // fmt chunk size
	binary.LittleEndian.PutUint16(h[20:], 1)      // PCM
	binary.LittleEndian.PutUint16(h[22:], 2)      // channels: customer, agent
	binary.LittleEndian.PutUint32(h[24:], 8000)   // sample rate
	binary.LittleEndian.PutUint32(h[28:], 8000*4) // byte rate
	binary.LittleEndian.PutUint16(h[32:], 4)      // block align
	binary.LittleEndian.PutUint16(h[34:], 16)     // bits per sample
	copy(h[36:], "data")
	binary.LittleEndian.PutUint32(h[40:], dataSize)
	return h
}

var _ io.Closer = (*Recording)(nil)
