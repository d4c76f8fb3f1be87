package registrar

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/icholy/digest"
)

// FuzzRegistrarAuthorization: any Authorization header value a phone (or a
// scanner) sends to the registrar is parsed, its nonce checked and its
// digest response compared without a panic; only the nonce issued to an
// address is accepted from it, and a forged response never passes.
func FuzzRegistrarAuthorization(f *testing.F) {
	r := &Registrar{cfg: Config{Realm: "alo"}, secret: []byte("0123456789abcdef0123456789abcdef")}
	now := time.Unix(1_800_000_000, 0)
	hash := ha1("1001", "alo", "correct-horse")
	good := r.nonce(now, "192.0.2.7")
	f.Add(fmt.Sprintf(`Digest username="1001", realm="alo", nonce="%s", uri="sip:127.0.0.1", response="00000000000000000000000000000000", algorithm=MD5, qop=auth, nc=00000001, cnonce="abc"`, good), "192.0.2.7")
	f.Add(`Digest username="1001", realm="alo", nonce="1800000000.zz", uri="sip:x", response="x"`, "192.0.2.7")
	f.Add(`Digest username="", nonce="-99999999999999999999.", qop=auth-int, nc=zz`, "::1")
	f.Add(`Basic YWxhZGRpbjpvcGVuc2VzYW1l`, "")
	f.Add(`Digest nonce="9223372036854775807.00", response=""`, "10.0.0.1")
	f.Fuzz(func(t *testing.T, auth, ip string) {
		if ok, stale := r.nonceValid(r.nonce(now, ip), now, ip); !ok || stale {
			t.Fatalf("our fresh nonce for %q refused (ok %v stale %v)", ip, ok, stale)
		}
		cred, err := digest.ParseCredentials(auth)
		if err != nil {
			return
		}
		ok, _ := r.nonceValid(cred.Nonce, now, ip)
		if ok && cred.Nonce != r.nonce(time.Unix(nonceSeconds(t, cred.Nonce), 0), ip) {
			t.Fatalf("nonce %q accepted for %q but not ours", cred.Nonce, ip)
		}
		if digestResponseOK(cred, hash, "REGISTER") && !strings.EqualFold(cred.Response, expectedResponse(cred, hash)) {
			t.Fatalf("forged response %q accepted", cred.Response)
		}
	})
}

// nonceSeconds reads the timestamp of a nonce that nonceValid accepted.
func nonceSeconds(t *testing.T, n string) int64 {
	t.Helper()
	var sec int64
	var rest string
	if _, err := fmt.Sscanf(n, "%d.%s", &sec, &rest); err != nil {
		t.Fatalf("accepted nonce %q has no timestamp: %v", n, err)
	}
	return sec
}

// expectedResponse recomputes the RFC 2617 response independently of
// digestResponseOK, with the icholy/digest client as a phone would.
func expectedResponse(c *digest.Credentials, hash string) string {
	chal := &digest.Challenge{Realm: c.Realm, Nonce: c.Nonce, Algorithm: "MD5"}
	if c.QOP != "" {
		chal.QOP = []string{c.QOP}
	}
	cc, err := digest.Digest(chal, digest.Options{Method: "REGISTER", URI: c.URI, Cnonce: c.Cnonce, Count: c.Nc, A1: hash})
	if err != nil {
		return ""
	}
	return cc.Response
}
