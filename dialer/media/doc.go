// Package media is RTP below signalling: one stream per call leg on an even
// port, the relay between two streams, alo's own audio into a stream
// (prompts, tones, comfort silence) on one shared 20 ms frame clock, RTCP
// reports and per-leg quality, and the SDP that describes a stream. It
// knows nothing of SIP: the user agent hands it the peer's SDP and asks it
// for ours.
package media
