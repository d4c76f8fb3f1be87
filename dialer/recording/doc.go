// Package recording writes a bridged call as a two-channel WAV (customer
// left, agent right) from the legs' media taps, and sweeps recordings past
// their campaign's retention.
package recording
