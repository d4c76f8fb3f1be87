package sipua

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/alo-dialer/alo/dialer/trunk"
	"github.com/alo-dialer/alo/internal/sipptest"
)

// TestTLSTrunk places calls through a trunk over TLS. Debian's sipp has
// no TLS, so socat terminates TLS in front of sipp over TCP: a real TLS
// server (OpenSSL) that verifies client certificates when asked. The
// carrier's 200 OK names the TLS port in its Contact, so ACK and BYE go
// through TLS as well.
func TestTLSTrunk(t *testing.T) {
	pki := newTestPKI(t)
	tests := []struct {
		name        string
		serverCert  tlsPair // what socat presents
		requireCert bool    // socat demands a client certificate signed by the CA
		alo         func() (*Config, error)
		answered    bool
		errHas      string // in the dial error (handshake failures)
	}{
		{name: "carrier verified against the configured CA", serverCert: pki.server, answered: true,
			alo: func() (*Config, error) { return tlsSIPConfig(pki.caFile, "", "") }},
		{name: "mutual TLS with alo's client certificate", serverCert: pki.server, requireCert: true, answered: true,
			alo: func() (*Config, error) { return tlsSIPConfig(pki.caFile, pki.client.cert, pki.client.key) }},
		{name: "carrier certificate from an unknown CA: no call, no plaintext fallback", serverCert: pki.rogue,
			alo:    func() (*Config, error) { return tlsSIPConfig(pki.caFile, "", "") },
			errHas: "certificate"},
		{name: "carrier demands a client certificate alo does not have", serverCert: pki.server, requireCert: true,
			alo: func() (*Config, error) { return tlsSIPConfig(pki.caFile, "", "") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tlsPort := freeTCPPort(t)
			sipp := sipptest.Start(t, sipptest.Render(t, "uas_tls.xml", "TLS_PORT", strconv.Itoa(tlsPort)), "-m", "1", "-t", "t1")
			startTLSProxy(t, tlsPort, sipp.Port, tt.serverCert, pki.caFile, tt.requireCert)
			cfg, err := tt.alo()
			if err != nil {
				t.Fatal(err)
			}
			cfg.Trunk = trunk.Trunk{URI: fmt.Sprintf("sip:127.0.0.1:%d", tlsPort), Transport: trunk.TransportTLS}
			cfg.NoResponseTimeout = 2 * time.Second
			s := startUA(t, *cfg)
			leg, res, err := s.DialCustomer(callCtx(t), "+998901234567", DialOptions{RingTimeout: 5 * time.Second})
			if tt.answered {
				if err != nil || !res.Answered {
					t.Fatalf("DialCustomer over TLS: %+v, %v", res, err)
				}
				if err := leg.Hangup(callCtx(t)); err != nil {
					t.Fatalf("BYE over TLS: %v", err)
				}
				sipp.Wait(t)
				return
			}
			if res.Answered {
				t.Fatalf("answered through an untrusted TLS connection: %+v", res)
			}
			if tt.errHas != "" && (err == nil || !strings.Contains(err.Error(), tt.errHas)) {
				t.Fatalf("dial error %v, want it to mention %q", err, tt.errHas)
			}
		})
	}
}

// TestLoadTLSConfig: unusable files are refused with the file named.
func TestLoadTLSConfig(t *testing.T) {
	pki := newTestPKI(t)
	notPEM := filepath.Join(t.TempDir(), "ca.txt")
	if err := os.WriteFile(notPEM, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, ca, cert, key string
		errHas              string
	}{
		{name: "system roots"},
		{name: "CA and client pair", ca: pki.caFile, cert: pki.client.cert, key: pki.client.key},
		{name: "CA missing", ca: "/nonexistent/ca.pem", errHas: "/nonexistent/ca.pem"},
		{name: "CA not PEM", ca: notPEM, errHas: "no PEM certificate"},
		{name: "certificate without key", cert: pki.client.cert, errHas: "without its key"},
		{name: "key without certificate", key: pki.client.key, errHas: "without its certificate"},
		{name: "key of another certificate", cert: pki.client.cert, key: pki.server.key, errHas: "private key does not match"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := LoadTLSConfig(tt.ca, tt.cert, tt.key)
			if tt.errHas == "" {
				if err != nil || cfg.MinVersion == 0 {
					t.Fatalf("LoadTLSConfig: %+v, %v", cfg, err)
				}
				return
			}
			if !errors.Is(err, ErrTLSConfig) || !strings.Contains(err.Error(), tt.errHas) {
				t.Fatalf("error %v, want ErrTLSConfig mentioning %q", err, tt.errHas)
			}
		})
	}
}

func tlsSIPConfig(ca, cert, key string) (*Config, error) {
	conf, err := LoadTLSConfig(ca, cert, key)
	if err != nil {
		return nil, err
	}
	return &Config{TLS: conf}, nil
}

// tlsPair is a certificate and its key, as PEM files.
type tlsPair struct{ cert, key string }

// testPKI is a CA with a server certificate for 127.0.0.1 and a client
// certificate, plus a rogue server certificate from another CA.
type testPKI struct {
	caFile                string
	server, client, rogue tlsPair
}

func newTestPKI(t *testing.T) testPKI {
	t.Helper()
	dir := t.TempDir()
	ca, caKey := testCert(t, dir, "ca", nil, nil, true)
	other, otherKey := testCert(t, dir, "other-ca", nil, nil, true)
	_, _ = testCert(t, dir, "server", ca, caKey, false)
	_, _ = testCert(t, dir, "client", ca, caKey, false)
	_, _ = testCert(t, dir, "rogue", other, otherKey, false)
	pair := func(n string) tlsPair {
		return tlsPair{cert: filepath.Join(dir, n+".pem"), key: filepath.Join(dir, n+".key")}
	}
	return testPKI{caFile: filepath.Join(dir, "ca.pem"), server: pair("server"), client: pair("client"), rogue: pair("rogue")}
}

// testCert writes name.pem and name.key: a CA when isCA, else a leaf for
// 127.0.0.1 and localhost, usable by servers and clients, signed by parent.
func testCert(t *testing.T, dir, name string, parent *x509.Certificate, parentKey *ecdsa.PrivateKey, isCA bool) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "alo test " + name},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
	}
	if isCA {
		tmpl.IsCA, tmpl.BasicConstraintsValid = true, true
		tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature
	} else {
		tmpl.KeyUsage = x509.KeyUsageDigitalSignature
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}
		tmpl.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1)}
		tmpl.DNSNames = []string{"localhost"}
	}
	signer, signerKey := tmpl, key
	if parent != nil {
		signer, signerKey = parent, parentKey
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, signer, &key.PublicKey, signerKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	writePEM(t, filepath.Join(dir, name+".pem"), "CERTIFICATE", der)
	writePEM(t, filepath.Join(dir, name+".key"), "EC PRIVATE KEY", keyDER)
	return cert, key
}

func writePEM(t *testing.T, path, typ string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// requireSocat finds socat, or skips (fails under ALO_REQUIRE_SOCAT=1).
func requireSocat(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("socat")
	if err != nil {
		if os.Getenv("ALO_REQUIRE_SOCAT") == "1" {
			t.Fatalf("socat not on PATH and ALO_REQUIRE_SOCAT=1: %v", err)
		}
		t.Skip("socat not on PATH (Debian package socat)")
	}
	return path
}

// startTLSProxy runs socat terminating TLS on port with the server pair
// and forwarding each connection to sipp's TCP port; with requireCert it
// demands a client certificate signed by caFile.
func startTLSProxy(t *testing.T, port, sippPort int, server tlsPair, caFile string, requireCert bool) {
	t.Helper()
	verify := "verify=0"
	if requireCert {
		verify = "verify=1,cafile=" + caFile
	}
	listen := fmt.Sprintf("OPENSSL-LISTEN:%d,bind=127.0.0.1,reuseaddr,fork,cert=%s,key=%s,%s", port, server.cert, server.key, verify)
	cmd := exec.Command(requireSocat(t), listen, fmt.Sprintf("TCP:127.0.0.1:%d", sippPort))
	out := &sipptest.Buffer{}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start socat: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("socat output:\n%s", sipptest.Tail(out.String(), 2000))
		}
	})
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second)
		if err == nil {
			c.Close() // socat forks a child for it, which ends at once
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("socat not listening on %d: %v\n%s", port, err, out.String())
		}
		time.Sleep(20 * time.Millisecond) // socat is another process
	}
}

// freeTCPPort returns a TCP port that was free a moment ago.
func freeTCPPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
