package sipua

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
)

// ErrTLSConfig marks an unusable TLS file for trunks over TLS.
var ErrTLSConfig = errors.New("sip tls")

// LoadTLSConfig builds the client TLS configuration for trunks over TLS:
// the carrier's certificate is verified against caFile's PEM certificates
// (the system roots when caFile is empty), and certFile with keyFile, when
// given, is the certificate alo presents (mutual TLS, which carriers such
// as Teams Direct Routing or many SBCs demand). TLS 1.2 is the floor: the
// carriers that offer SIP over TLS refuse older versions, and so do we.
// Errors name the file and what is wrong with it.
func LoadTLSConfig(caFile, certFile, keyFile string) (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("%w: CA file: %w", ErrTLSConfig, err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%w: CA file %s: no PEM certificate in it", ErrTLSConfig, caFile)
		}
		cfg.RootCAs = pool
	}
	switch {
	case certFile != "" && keyFile != "":
		pair, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return nil, fmt.Errorf("%w: certificate %s with key %s: %w", ErrTLSConfig, certFile, keyFile, err)
		}
		cfg.Certificates = []tls.Certificate{pair}
	case certFile != "":
		return nil, fmt.Errorf("%w: certificate %s given without its key file", ErrTLSConfig, certFile)
	case keyFile != "":
		return nil, fmt.Errorf("%w: key %s given without its certificate file", ErrTLSConfig, keyFile)
	}
	return cfg, nil
}
