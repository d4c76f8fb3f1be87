package media

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/pion/sdp/v3"
)

// RTP payload types alo offers. PCMU and PCMA are static (RFC 3551);
// telephone-event (RFC 4733 DTMF) is dynamic and 101 by long custom.
const (
	PayloadPCMU      = 0
	PayloadPCMA      = 8
	ptTelephoneEvent = 101
)

// Codec names as they appear in SDP rtpmap lines and in Stream.Codec.
const (
	CodecPCMU = "PCMU"
	CodecPCMA = "PCMA"
)

// remoteMedia is what alo needs from the peer's SDP answer.
type Remote struct {
	Addr     netip.AddrPort // where to send RTP until a packet shows the real source
	Codec    string         // CodecPCMU or CodecPCMA
	PT       uint8          // payload type the peer uses for Codec
	DTMFPT   uint8          // payload type of telephone-event, 0 if not offered
	Lenient  bool           // pion/sdp refused the body and the line scan was used
	Inactive bool           // port 0: the stream was refused
}

// sdpFormat is one payload type of an m= line with its rtpmap encoding.
type sdpFormat struct {
	PT   uint8
	Name string // "PCMU", "PCMA", "telephone-event"
}

// offerFormats is alo's offer: PCMU, then PCMA, then RFC 4733 events.
var offerFormats = []sdpFormat{{PayloadPCMU, CodecPCMU}, {PayloadPCMA, CodecPCMA}, {ptTelephoneEvent, "telephone-event"}}

// offerSDP builds alo's SDP offer: audio on host:port, PCMU then PCMA, with
// telephone-event. version grows with every new body for the same session
// (RFC 3264 §8).
func OfferSDP(host string, port int, sessID, version uint64) []byte {
	return sdpBody(host, port, sessID, version, offerFormats)
}

// sdpBody writes a one-stream, sendrecv audio description.
func sdpBody(host string, port int, sessID, version uint64, formats []sdpFormat) []byte {
	return sdpBodyDir(host, port, sessID, version, formats, DirSendRecv)
}

// sdpBodyDir writes a one-stream audio description with a direction
// attribute (RFC 3264 §6.1): the answer to a hold offer says recvonly or
// inactive.
func sdpBodyDir(host string, port int, sessID, version uint64, formats []sdpFormat, dir string) []byte {
	ip := "IP4"
	if a, err := netip.ParseAddr(host); err == nil && a.Is6() && !a.Is4In6() {
		ip = "IP6"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "v=0\r\n")
	fmt.Fprintf(&b, "o=alo %d %d IN %s %s\r\n", sessID, version, ip, host)
	fmt.Fprintf(&b, "s=alo\r\n")
	fmt.Fprintf(&b, "c=IN %s %s\r\n", ip, host)
	fmt.Fprintf(&b, "t=0 0\r\n")
	fmt.Fprintf(&b, "m=audio %d RTP/AVP", port)
	for _, f := range formats {
		fmt.Fprintf(&b, " %d", f.PT)
	}
	b.WriteString("\r\n")
	for _, f := range formats {
		fmt.Fprintf(&b, "a=rtpmap:%d %s/8000\r\n", f.PT, f.Name)
		if f.Name == "telephone-event" {
			fmt.Fprintf(&b, "a=fmtp:%d 0-16\r\n", f.PT)
		}
	}
	fmt.Fprintf(&b, "a=ptime:20\r\n")
	fmt.Fprintf(&b, "a=%s\r\n", dir)
	return []byte(b.String())
}

// errNoCodec says the answer holds no audio stream alo can relay.
var errNoCodec = errors.New("sdp: no PCMU or PCMA audio stream")

// parseAnswer reads the peer's SDP answer. It tries pion/sdp first and falls
// back to a plain line scan for c= and m= (and rtpmap), because real trunks
// send SDP that a strict RFC 8866 parser refuses (c= after t=, stray
// spaces) and a call should not fail over grammar.
func ParseSDP(body []byte) (Remote, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return Remote{}, errors.New("sdp: empty body")
	}
	var sd sdp.SessionDescription
	if err := sd.Unmarshal(body); err == nil {
		if rm, err := fromPion(&sd); err == nil {
			return rm, nil
		}
	}
	rm, err := scanSDP(body)
	if err != nil {
		return Remote{}, err
	}
	rm.Lenient = true
	return rm, nil
}

// fromPion extracts the first audio stream of a parsed description.
func fromPion(sd *sdp.SessionDescription) (Remote, error) {
	for _, md := range sd.MediaDescriptions {
		if md.MediaName.Media != "audio" {
			continue
		}
		conn := md.ConnectionInformation
		if conn == nil {
			conn = sd.ConnectionInformation
		}
		if conn == nil || conn.Address == nil {
			return Remote{}, errors.New("sdp: audio stream without c= line")
		}
		rtpmap := map[uint8]string{}
		for _, a := range md.Attributes {
			if a.Key == "rtpmap" {
				addRtpmap(rtpmap, a.Value)
			}
		}
		return pickMedia(conn.Address.Address, md.MediaName.Port.Value, md.MediaName.Formats, rtpmap)
	}
	return Remote{}, errNoCodec
}

// scanSDP is the lenient fallback: the last c= before or inside the first
// audio m= section, that m= line's port and formats, and its rtpmaps.
func scanSDP(body []byte) (Remote, error) {
	var (
		sessionAddr, mediaAddr string
		port                   = -1
		formats                []string
		inAudio, seenAudio     bool
		rtpmap                 = map[uint8]string{}
	)
	sc := bufio.NewScanner(bytes.NewReader(body))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "m="):
			if seenAudio {
				inAudio = false
				continue
			}
			f := strings.Fields(line[2:])
			if len(f) >= 3 && f[0] == "audio" {
				p, err := strconv.Atoi(strings.SplitN(f[1], "/", 2)[0])
				if err != nil {
					return Remote{}, fmt.Errorf("sdp: bad m= port %q", f[1])
				}
				port, formats, inAudio, seenAudio = p, f[3:], true, true
			}
		case strings.HasPrefix(line, "c="):
			f := strings.Fields(line[2:])
			if len(f) < 3 {
				continue
			}
			addr := strings.SplitN(f[2], "/", 2)[0]
			if inAudio {
				mediaAddr = addr
			} else if !seenAudio {
				sessionAddr = addr
			}
		case inAudio && strings.HasPrefix(line, "a=rtpmap:"):
			addRtpmap(rtpmap, line[len("a=rtpmap:"):])
		}
	}
	if !seenAudio {
		return Remote{}, errNoCodec
	}
	addr := mediaAddr
	if addr == "" {
		addr = sessionAddr
	}
	if addr == "" {
		return Remote{}, errors.New("sdp: audio stream without c= line")
	}
	return pickMedia(addr, port, formats, rtpmap)
}

// addRtpmap records "96 telephone-event/8000" as 96 → "telephone-event".
func addRtpmap(m map[uint8]string, v string) {
	f := strings.Fields(v)
	if len(f) < 2 {
		return
	}
	pt, err := strconv.ParseUint(f[0], 10, 8)
	if err != nil {
		return
	}
	m[uint8(pt)] = strings.ToLower(strings.SplitN(f[1], "/", 2)[0])
}

// pickMedia chooses the first format of the answer that alo can relay (the
// answerer's preference, RFC 3264 §6.1) and the telephone-event type.
func pickMedia(host string, port int, formats []string, rtpmap map[uint8]string) (Remote, error) {
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return Remote{}, fmt.Errorf("sdp: connection address %q is not an IP: %w", host, err)
	}
	if port < 0 || port > 65535 {
		return Remote{}, fmt.Errorf("sdp: bad media port %d", port)
	}
	rm := Remote{Addr: netip.AddrPortFrom(ip.Unmap(), uint16(port)), Inactive: port == 0}
	for _, f := range formats {
		n, err := strconv.ParseUint(f, 10, 8)
		if err != nil {
			continue
		}
		pt := uint8(n)
		name, mapped := rtpmap[pt]
		switch {
		case rm.Codec == "" && (name == "pcmu" || !mapped && pt == PayloadPCMU):
			rm.Codec, rm.PT = CodecPCMU, pt
		case rm.Codec == "" && (name == "pcma" || !mapped && pt == PayloadPCMA):
			rm.Codec, rm.PT = CodecPCMA, pt
		case name == "telephone-event" && rm.DTMFPT == 0:
			rm.DTMFPT = pt
		}
	}
	if rm.Codec == "" {
		return Remote{}, errNoCodec
	}
	return rm, nil
}

// Media directions (RFC 3264 §5.1).
const (
	DirSendRecv = "sendrecv"
	DirSendOnly = "sendonly"
	dirRecvOnly = "recvonly"
	DirInactive = "inactive"
)

// offerDirection reads the direction of the first audio stream of an offer
// (a media-level attribute overrides the session-level one). A connection
// address of 0.0.0.0 is the RFC 2543 way to put a call on hold and reads
// as sendonly. No attribute means sendrecv.
func OfferDirection(body []byte) string {
	session, media := "", ""
	inAudio, seenAudio, zeroConn := false, false, false
	sc := bufio.NewScanner(bytes.NewReader(body))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "m="):
			if seenAudio {
				inAudio = false
				continue
			}
			f := strings.Fields(line[2:])
			inAudio = len(f) > 0 && f[0] == "audio"
			seenAudio = seenAudio || inAudio
		case strings.HasPrefix(line, "c="):
			f := strings.Fields(line[2:])
			if len(f) >= 3 && (inAudio || !seenAudio) && strings.SplitN(f[2], "/", 2)[0] == "0.0.0.0" {
				zeroConn = true
			}
		case line == "a=sendrecv" || line == "a=sendonly" || line == "a=recvonly" || line == "a=inactive":
			if inAudio {
				media = line[2:]
			} else if !seenAudio {
				session = line[2:]
			}
		}
	}
	dir := DirSendRecv
	if session != "" {
		dir = session
	}
	if media != "" {
		dir = media
	}
	if zeroConn && dir == DirSendRecv {
		dir = DirSendOnly
	}
	return dir
}

// answerDirection is our side of an offered direction (RFC 3264 §6.1).
func AnswerDirection(offer string) string {
	switch offer {
	case DirSendOnly:
		return dirRecvOnly
	case dirRecvOnly:
		return DirSendOnly
	case DirInactive:
		return DirInactive
	}
	return DirSendRecv
}

// SDP describes the stream as negotiated (the peer's codec and its
// telephone-event type, if any) in direction dir, for the answer to a
// re-INVITE or UPDATE or for a refresh offer that changes nothing.
func (m *Stream) SDP(host string, sessID, version uint64, dir string) []byte {
	formats := []sdpFormat{{m.pt, m.codec}}
	if m.dtmfPT != 0 {
		formats = append(formats, sdpFormat{m.dtmfPT, "telephone-event"})
	}
	return sdpBodyDir(host, m.port, sessID, version, formats, dir)
}

// SetRemote points the stream at the peer's new media address (a re-INVITE
// or UPDATE moved it); a packet from elsewhere latches it again.
func (m *Stream) SetRemote(a netip.AddrPort) {
	if a.IsValid() {
		m.remote.Store(&a)
	}
}

// HasTelephoneEvents says the peer sends keys as RFC 4733 events; without
// them keys arrive in-band and only a tone detector hears them.
func (m *Stream) HasTelephoneEvents() bool { return m.dtmfPT != 0 }
