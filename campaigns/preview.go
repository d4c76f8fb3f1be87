package campaigns

import (
	"encoding/json"
	"time"

	"github.com/alo-dialer/alo/input"
)

// What a preview offer does when its countdown reaches zero.
const (
	PreviewCall = "call" // dial the contact as if the agent pressed Call
	PreviewSkip = "skip" // release the contact as if the agent pressed Skip
)

// Preview offer bounds, in seconds.
const (
	DefaultPreviewSeconds = 30
	MaxPreviewSeconds     = 600
)

// PreviewSettings are a preview campaign's offer: the agent sees the
// contact for Seconds, then AtZero acts on its own.
type PreviewSettings struct {
	Seconds int    `json:"seconds,omitempty"`
	AtZero  string `json:"at_zero,omitempty"`
}

// Window is how long an offer stands (the default when unset).
func (p PreviewSettings) Window() time.Duration {
	if p.Seconds <= 0 {
		return DefaultPreviewSeconds * time.Second
	}
	return time.Duration(p.Seconds) * time.Second
}

// CallsAtZero says whether an unanswered offer dials (the default) rather
// than skips.
func (p PreviewSettings) CallsAtZero() bool { return p.AtZero != PreviewSkip }

func (p *PreviewSettings) normalize() {
	if p.Seconds == 0 {
		p.Seconds = DefaultPreviewSeconds
	}
	if p.AtZero == "" {
		p.AtZero = PreviewCall
	}
}

func (p PreviewSettings) check(ps *input.Problems) {
	if p.Seconds < 1 || p.Seconds > MaxPreviewSeconds {
		ps.Addf("preview.seconds", "%d is not within 1-%d seconds", p.Seconds, MaxPreviewSeconds)
	}
	if p.AtZero != PreviewCall && p.AtZero != PreviewSkip {
		ps.Addf("preview.at_zero", "%q must be \"call\" or \"skip\"", p.AtZero)
	}
}

// previewJSON encodes a campaign's preview settings ("" when unset).
func previewJSON(p PreviewSettings) string {
	if p == (PreviewSettings{}) {
		return ""
	}
	b, _ := json.Marshal(p) // a plain struct always marshals
	return string(b)
}
