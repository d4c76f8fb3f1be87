package sipua

import (
	"context"

	"github.com/emiago/sipgo/sip"
)

// RegistrarDomain is the host of an agent SIP URI that means "the phone
// registered to alo as this user": sip:1001@alo is dialled at the contact
// and source address of user 1001's last REGISTER.
const RegistrarDomain = "alo"

// Location is where a registered phone is reached: its Contact URI, and the
// address (ip:port) its REGISTER came from and over what transport. Behind
// NAT only the source is reachable, over the same connection for TCP.
type Location struct {
	Contact   string
	Source    string
	Transport string
}

// Registrar answers REGISTER from agents' phones and says where each
// registered phone is; the user agent hands it REGISTER requests and asks
// it before calling a sip:<user>@alo URI.
type Registrar interface {
	Handle(req *sip.Request, tx sip.ServerTransaction)
	Locate(ctx context.Context, user string) (Location, error)
}
