package trunk

import (
	"log/slog"
	"regexp"
	"strings"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/alo-dialer/alo/dialer/siphdr"
	"github.com/alo-dialer/alo/e164"
	"github.com/alo-dialer/alo/input"
)

// SIP transports a trunk may use.
const (
	TransportUDP = "udp"
	TransportTCP = "tcp"
	TransportTLS = "tls"
)

// DefaultGroup is the group of the trunk configured by ALO_TRUNK_URI,
// and the group a campaign without a mapping dials through.
const DefaultGroup = "default"

// Trunk is one carrier connection alo sends customer calls through. Trunks
// of the same Group are tried in Priority order (lowest first); a trunk
// that refuses before any 18x hands the call to the next one.
type Trunk struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	Group    string `json:"group"`
	Priority int    `json:"priority"`
	// URI is the carrier's address, e.g. "sip:sbc.carrier.example:5060";
	// the dialled number becomes its user part.
	URI       string `json:"uri"`
	Transport string `json:"transport"` // udp, tcp or tls
	// User and Password answer the carrier's digest challenges (401/407).
	// The password is never logged nor returned by the API.
	User        string `json:"user,omitempty"`
	Password    string `json:"-"`
	HasPassword bool   `json:"has_password"`
	// OutboundProxy, if set, is where requests are sent (a Route header
	// keeps the Request-URI on the carrier).
	OutboundProxy string `json:"outbound_proxy,omitempty"`
	// LocalPort pins the UDP port alo sends from: carriers authorise by
	// source IP and port. 0 means the main SIP port.
	LocalPort int `json:"local_port,omitempty"`
	// Caller-ID presentation. FromUser is the From user part when the
	// campaign gives no caller ID; PAI adds P-Asserted-Identity (RFC 3325)
	// with this E.164 number; Privacy is sent as is ("id" hides the
	// caller's number from the callee, RFC 3323).
	FromUser string `json:"from_user,omitempty"`
	PAI      string `json:"pai,omitempty"`
	Privacy  string `json:"privacy,omitempty"`
	// MaxCalls caps concurrent calls (0: no cap); MaxCPS caps call set-ups
	// per second with a token bucket (0: no cap).
	MaxCalls  int       `json:"max_calls"`
	MaxCPS    float64   `json:"max_cps"`
	CreatedAt time.Time `json:"created_at"`
}

// LogValue keeps the password out of structured logs.
func (t Trunk) LogValue() slog.Value {
	return slog.GroupValue(slog.Int64("id", t.ID), slog.String("name", t.Name), slog.String("uri", t.URI),
		slog.String("transport", t.Transport), slog.String("user", t.User))
}

// String names the trunk in logs and errors without its password.
func (t Trunk) String() string {
	if t.Name != "" {
		return t.Name
	}
	return t.URI
}

var (
	groupRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)
)

// privacyValues are the RFC 3323/3325 priv-values alo passes on.
var privacyValues = map[string]bool{"": true, "none": true, "id": true, "header": true, "user": true, "id;header": true}

// Normalize fills defaults (transport udp, group default) and lower-cases
// the transport and group.
func (t *Trunk) Normalize() {
	t.Name = strings.TrimSpace(t.Name)
	t.Transport = strings.ToLower(strings.TrimSpace(t.Transport))
	if t.Transport == "" {
		t.Transport = TransportUDP
	}
	t.Group = strings.ToLower(strings.TrimSpace(t.Group))
	if t.Group == "" {
		t.Group = DefaultGroup
	}
	t.HasPassword = t.Password != ""
}

// Validate checks every value that reaches a SIP header or the network. The
// error is an *input.Error naming every wrong field at once; it never holds
// the password.
func (t Trunk) Validate() error {
	var ps input.Problems
	bad := ps.Add
	if t.Name == "" || len(t.Name) > 200 {
		bad("name", "required, at most 200 characters")
	} else if p := input.TextProblem(t.Name); p != "" {
		bad("name", p)
	}
	if !groupRE.MatchString(t.Group) {
		bad("group", "lower-case letters, digits, - and _, up to 64")
	}
	if _, err := parseTrunkURI(t.URI); err != nil {
		bad("uri", err.Error())
	}
	switch t.Transport {
	case TransportUDP, TransportTCP, TransportTLS:
	default:
		bad("transport", "udp, tcp or tls")
	}
	if t.User != "" && !siphdr.ValidUser(t.User) {
		bad("user", "SIP user characters only, up to 64")
	}
	if siphdr.Check(t.Password) != nil || len(t.Password) > 200 {
		bad("password", "no CR, LF or NUL, at most 200 characters")
	}
	if t.OutboundProxy != "" {
		if _, err := parseTrunkURI(t.OutboundProxy); err != nil {
			bad("outbound_proxy", err.Error())
		}
	}
	if t.LocalPort < 0 || t.LocalPort > 65535 {
		bad("local_port", "0 (the main SIP port) or 1-65535")
	}
	if t.FromUser != "" && !siphdr.ValidUser(t.FromUser) {
		bad("from_user", "an E.164 number or SIP user characters, up to 64")
	}
	if t.PAI != "" && !e164.Valid(t.PAI) {
		bad("pai", "an E.164 number (+ and 8-15 digits)")
	}
	if !privacyValues[t.Privacy] {
		bad("privacy", `one of "", none, id, header, user, id;header`)
	}
	if t.MaxCalls < 0 || t.MaxCalls > 100000 {
		bad("max_calls", "0 (no cap) to 100000")
	}
	if t.MaxCPS < 0 || t.MaxCPS > 10000 {
		bad("max_cps", "0 (no cap) to 10000")
	}
	if t.Priority < 0 || t.Priority > 1000 {
		bad("priority", "0 to 1000")
	}
	return ps.Err()
}

// ValidateGroup checks a trunk group name as Validate does.
func ValidateGroup(g string) error {
	if !groupRE.MatchString(g) {
		return input.Invalidf("group", "%q: lower-case letters, digits, - and _, up to 64", g)
	}
	return nil
}

// parseTrunkURI reads a sip: or sips: URI with a host, no header-splitting
// characters, headers or unknown parameters (siphdr.ParseURI).
func parseTrunkURI(s string) (sip.Uri, error) {
	return siphdr.ParseURI(s)
}
