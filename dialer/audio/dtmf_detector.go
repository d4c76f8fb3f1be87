package audio

import "math"

// In-band DTMF detection, for trunks that did not negotiate
// telephone-event: the key arrives as two tones inside the G.711 audio. Each
// block of dtmfBlock samples is run through eight Goertzel filters (one DTMF
// frequency each); a block holds a key when the strongest row and column
// tones are loud enough, stand clear of the other tones of their group,
// are within the allowed twist of each other, and carry most of the block's
// energy (speech spreads its energy and fails that test). A key is reported
// once it has held for the minimum duration, and again only after a pause.

// dtmfBlock is 102 samples (12.75 ms): short enough for the 40 ms minimum
// tone, and at 8 kHz it puts the nearest neighbour of each row frequency
// close to a null of the filter, so 697 Hz and 770 Hz separate cleanly.
const dtmfBlock = 102

// DTMFDetectorConfig tunes a DTMFDetector; the zero value of a field takes
// the default given.
type DTMFDetectorConfig struct {
	// MinDuration in samples a tone pair must last to count (default 320,
	// 40 ms, the shortest key ITU-T Q.24 requires receivers to accept).
	MinDuration int
	// MinLevel is the weakest tone accepted, in dB relative to a full-scale
	// sine (default -33; phones send about -8 dBm0, which is around -11).
	MinLevel float64
	// MaxNormalTwist is how far in dB the high (column) tone may exceed the
	// low (row) tone (default 8), MaxReverseTwist the other way (default 4):
	// lines lose the high tone, so phones send it a little louder.
	MaxNormalTwist, MaxReverseTwist float64
}

// DetectedDigit is a key found in the audio.
type DetectedDigit struct {
	Digit  rune
	Offset int64 // sample offset, from the first sample given, where the tone began (block resolution)
}

// DTMFDetector finds DTMF keys in a stream of 8 kHz linear samples. It keeps
// state across calls, so payloads can be fed as they arrive.
type DTMFDetector struct {
	hitsNeeded            int
	minEnergy             float64 // per tone, over one block
	normalTwist, revTwist float64 // power ratios
	coef                  [8]float64
	s1, s2                [8]float64
	energy                float64
	n                     int   // samples in the current block
	offset                int64 // samples consumed before the current block
	candidate             rune  // key seen in the latest hit blocks
	hits, misses          int
	candidateStart        int64
	reported              bool // candidate has been reported
}

// NewDTMFDetector returns a detector with cfg's thresholds.
func NewDTMFDetector(cfg DTMFDetectorConfig) *DTMFDetector {
	if cfg.MinDuration <= 0 {
		cfg.MinDuration = MillisToSamples(40)
	}
	if cfg.MinLevel == 0 {
		cfg.MinLevel = -33
	}
	if cfg.MaxNormalTwist <= 0 {
		cfg.MaxNormalTwist = 8
	}
	if cfg.MaxReverseTwist <= 0 {
		cfg.MaxReverseTwist = 4
	}
	d := &DTMFDetector{
		// A tone of MinDuration, however it falls on block edges, fills at
		// least this many whole blocks.
		hitsNeeded:  max(1, (cfg.MinDuration-(dtmfBlock-1))/dtmfBlock),
		normalTwist: math.Pow(10, cfg.MaxNormalTwist/10),
		revTwist:    math.Pow(10, cfg.MaxReverseTwist/10),
	}
	amp := 32767 * math.Pow(10, cfg.MinLevel/20)
	d.minEnergy = dtmfBlock * amp * amp / 2 // a sine's energy over one block
	for i, f := range append(dtmfRows[:], dtmfCols[:]...) {
		d.coef[i] = 2 * math.Cos(2*math.Pi*f/SampleRate)
	}
	return d
}

// Process consumes samples and appends any keys that reached their minimum
// duration to dst.
func (d *DTMFDetector) Process(dst []DetectedDigit, samples []int16) []DetectedDigit {
	for _, s := range samples {
		x := float64(s)
		d.energy += x * x
		for i, c := range d.coef {
			s0 := x + c*d.s1[i] - d.s2[i]
			d.s2[i], d.s1[i] = d.s1[i], s0
		}
		if d.n++; d.n == dtmfBlock {
			dst = d.block(dst)
		}
	}
	return dst
}

// block classifies the finished block, updates the key state and resets the
// filters.
func (d *DTMFDetector) block(dst []DetectedDigit) []DetectedDigit {
	var power [8]float64
	for i, c := range d.coef {
		// Goertzel output power, scaled to the energy a sine at exactly
		// this frequency contributes to the block.
		power[i] = 2 * (d.s1[i]*d.s1[i] + d.s2[i]*d.s2[i] - c*d.s1[i]*d.s2[i]) / dtmfBlock
	}
	digit := d.classify(power)
	start := d.offset
	d.offset += dtmfBlock
	d.n, d.energy, d.s1, d.s2 = 0, 0, [8]float64{}, [8]float64{}

	if digit == 0 {
		if d.misses++; d.misses >= 2 { // a pause of about 25 ms ends the key
			d.candidate, d.hits, d.reported = 0, 0, false
		}
		return dst
	}
	d.misses = 0
	if digit != d.candidate {
		d.candidate, d.hits, d.reported, d.candidateStart = digit, 0, false, start
	}
	if d.hits++; d.hits >= d.hitsNeeded && !d.reported {
		d.reported = true
		dst = append(dst, DetectedDigit{Digit: digit, Offset: d.candidateStart})
	}
	return dst
}

// classify returns the key the block's tone powers show, or 0.
func (d *DTMFDetector) classify(p [8]float64) rune {
	row, col := strongest(p[:4]), strongest(p[4:])
	r, c := p[row], p[4+col]
	if r < d.minEnergy || c < d.minEnergy {
		return 0
	}
	if c > r*d.normalTwist || r > c*d.revTwist {
		return 0
	}
	const clear = 6.3 // 8 dB: the chosen tone over any other in its group
	for i := range 4 {
		if i != row && p[i]*clear > r || i != col && p[4+i]*clear > c {
			return 0
		}
	}
	if r+c < 0.6*d.energy { // the pair must carry most of the block's energy
		return 0
	}
	return rune(dtmfKeypad[row*4+col])
}

// strongest returns the index of the largest value.
func strongest(p []float64) int {
	best := 0
	for i := range p {
		if p[i] > p[best] {
			best = i
		}
	}
	return best
}
