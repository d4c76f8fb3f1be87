package main

import (
	"bytes"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/emiago/sipgo/sip"
	"github.com/redis/go-redis/v9"

	"github.com/alo-dialer/alo/dialer/sipua"
	"github.com/alo-dialer/alo/sqldb"
)

// ServeConfig is the validated configuration of `alo serve`. Every field
// comes from a flag or, when the flag is not given, its environment variable
// (serveOptions lists the pairs and defaults).
type ServeConfig struct {
	// HTTPAddr is where the API listens (host:port).
	HTTPAddr string
	// SIPAddr is where the SIP user agent listens (host:port, UDP).
	SIPAddr string
	// TrunkURI is the default trunk (sip:host[:port] or sips:…); empty means
	// no trunk, so no customer calls can be placed.
	TrunkURI string
	// TrunkUser and TrunkPassword answer the trunk's digest challenge.
	TrunkUser     string
	TrunkPassword string
	// RTPPorts is the media port range "MIN-MAX" (MIN even: RTP takes even
	// ports and RTCP the odd one above, RFC 3550).
	RTPPorts string
	// RedisURL is redis://, rediss:// or unix://; empty means a private
	// redis-server child in the data dir.
	RedisURL string
	// DatabaseURL is postgres://… or sqlite:PATH; empty means SQLite in the
	// data dir.
	DatabaseURL string
	// DataDir holds the SQLite database and the private Redis.
	DataDir string
	// Node names this process in Redis claims, so a claim whose owner died
	// can be told from a live one.
	Node string
	// SIPTLSCA, SIPTLSCert and SIPTLSKey configure trunks over TLS: the
	// PEM CAs that vouch for carriers (system roots when empty) and alo's
	// own certificate and key for carriers that demand mutual TLS.
	SIPTLSCA, SIPTLSCert, SIPTLSKey string
	// SessionIdle signs people out after this long without a request (a Go
	// duration); empty means web.DefaultIdleTimeout. Working agents are
	// pinned and never idled out.
	SessionIdle string
}

// sessionIdle is SessionIdle as a duration, 0 (the default) when empty;
// validate has checked it.
func (c ServeConfig) sessionIdle() time.Duration {
	d, _ := time.ParseDuration(c.SessionIdle)
	return d
}

// serveOption describes one flag of `alo serve`: its environment variable,
// its default, and whether its value is a secret that must never be printed.
type serveOption struct {
	flag, env, def, usage string
	secret                bool
	field                 func(*ServeConfig) *string
}

// serveOptions lists every flag of `alo serve` with its environment variable.
// defaultNode is the node name used when neither --node nor ALO_NODE is set.
func serveOptions(defaultNode string) []serveOption {
	return []serveOption{
		{flag: "http-addr", env: "ALO_HTTP_ADDR", def: "127.0.0.1:8080", usage: "API listen address (host:port)",
			field: func(c *ServeConfig) *string { return &c.HTTPAddr }},
		{flag: "sip-addr", env: "ALO_SIP_ADDR", def: "0.0.0.0:5060", usage: "SIP listen address (host:port, UDP)",
			field: func(c *ServeConfig) *string { return &c.SIPAddr }},
		{flag: "trunk-uri", env: "ALO_TRUNK_URI", usage: "default trunk, e.g. sip:carrier.example.com:5060",
			field: func(c *ServeConfig) *string { return &c.TrunkURI }},
		{flag: "trunk-user", env: "ALO_TRUNK_USER", usage: "trunk digest user name",
			field: func(c *ServeConfig) *string { return &c.TrunkUser }},
		{flag: "trunk-password", env: "ALO_TRUNK_PASSWORD", usage: "trunk digest password (prefer the environment variable: flags show in ps)", secret: true,
			field: func(c *ServeConfig) *string { return &c.TrunkPassword }},
		{flag: "rtp-ports", env: "ALO_RTP_PORTS", def: "10000-20000", usage: "RTP port range MIN-MAX (MIN even, at least 4 ports)",
			field: func(c *ServeConfig) *string { return &c.RTPPorts }},
		{flag: "redis-url", env: "REDIS_URL", usage: "Redis URL (redis://, rediss://, unix://); empty: a private redis-server in the data dir",
			field: func(c *ServeConfig) *string { return &c.RedisURL }},
		{flag: "database-url", env: "DATABASE_URL", usage: "postgres://… or sqlite:PATH; empty: SQLite in the data dir",
			field: func(c *ServeConfig) *string { return &c.DatabaseURL }},
		{flag: "data-dir", env: "ALO_DATA_DIR", def: "./data", usage: "directory for SQLite and the private Redis",
			field: func(c *ServeConfig) *string { return &c.DataDir }},
		{flag: "node", env: "ALO_NODE", def: defaultNode, usage: "this node's name in Redis claims (default: the host name)",
			field: func(c *ServeConfig) *string { return &c.Node }},
		{flag: "sip-tls-ca", env: "ALO_SIP_TLS_CA", usage: "PEM file of the CAs that vouch for carriers on TLS trunks (default: the system roots)",
			field: func(c *ServeConfig) *string { return &c.SIPTLSCA }},
		{flag: "sip-tls-cert", env: "ALO_SIP_TLS_CERT", usage: "PEM certificate alo presents on TLS trunks (mutual TLS); with --sip-tls-key",
			field: func(c *ServeConfig) *string { return &c.SIPTLSCert }},
		{flag: "sip-tls-key", env: "ALO_SIP_TLS_KEY", usage: "PEM private key of --sip-tls-cert",
			field: func(c *ServeConfig) *string { return &c.SIPTLSKey }},
		{flag: "session-idle", env: "ALO_SESSION_IDLE", usage: "sign people out after this long without a request, e.g. 30m (default 30m; agents at work are never signed out)",
			field: func(c *ServeConfig) *string { return &c.SessionIdle }},
	}
}

// parseServeConfig reads the flags of `alo serve` from args, falling back to
// the environment (through getenv) for each flag not given, then to the
// defaults. It checks every value and reports all bad ones together, one line
// each, naming the environment variable and the flag; secrets are never
// echoed. For -h/--help it prints the usage to stderr and returns
// flag.ErrHelp.
func parseServeConfig(args []string, getenv func(string) string) (ServeConfig, error) {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "alo"
	}
	opts := serveOptions(host)

	var cfg ServeConfig
	var out bytes.Buffer
	fs := flag.NewFlagSet("alo serve", flag.ContinueOnError)
	fs.SetOutput(&out)
	for _, o := range opts {
		usage := fmt.Sprintf("%s (env %s)", o.usage, o.env)
		fs.StringVar(o.field(&cfg), o.flag, o.def, usage)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Stderr.Write(out.Bytes())
			return ServeConfig{}, flag.ErrHelp
		}
		return ServeConfig{}, fmt.Errorf("%w (see alo serve -h)", err)
	}
	if fs.NArg() > 0 {
		return ServeConfig{}, fmt.Errorf("unexpected arguments %q (see alo serve -h)", fs.Args())
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	for _, o := range opts {
		if given[o.flag] {
			continue
		}
		if v := getenv(o.env); v != "" {
			*o.field(&cfg) = v
		}
	}
	return cfg, cfg.validate(opts)
}

// validate checks every value and joins one error per bad one.
func (c ServeConfig) validate(opts []serveOption) error {
	checks := map[string]func(string) error{
		"http-addr":      checkHostPort,
		"sip-addr":       checkHostPort,
		"trunk-uri":      checkTrunkURI,
		"trunk-user":     checkHeaderSafe,
		"trunk-password": checkHeaderSafe,
		"rtp-ports":      checkPortRange,
		"redis-url":      checkRedisURL,
		"database-url":   checkDatabaseURL,
		"data-dir":       checkNonEmpty,
		"node":           checkNodeName,
		"session-idle":   checkSessionIdle,
	}
	var errs []error
	for _, o := range opts {
		v := *o.field(&c)
		check := checks[o.flag]
		if check == nil {
			continue
		}
		if err := check(v); err != nil {
			errs = append(errs, badValue(o, v, err))
		}
	}
	if c.TrunkPassword != "" && c.TrunkUser == "" {
		errs = append(errs, errors.New("ALO_TRUNK_PASSWORD (--trunk-password) is set: want ALO_TRUNK_USER (--trunk-user) too"))
	}
	if (c.TrunkUser != "" || c.TrunkPassword != "") && c.TrunkURI == "" {
		errs = append(errs, errors.New("ALO_TRUNK_USER (--trunk-user) is set: want ALO_TRUNK_URI (--trunk-uri) too"))
	}
	if _, err := c.sipTLS(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// sipTLS loads the TLS configuration for TLS trunks; nil when none of its
// variables is set. Its errors name the variables.
func (c ServeConfig) sipTLS() (*tls.Config, error) {
	if c.SIPTLSCA == "" && c.SIPTLSCert == "" && c.SIPTLSKey == "" {
		return nil, nil
	}
	conf, err := sipua.LoadTLSConfig(c.SIPTLSCA, c.SIPTLSCert, c.SIPTLSKey)
	if err != nil {
		return nil, fmt.Errorf("ALO_SIP_TLS_CA / ALO_SIP_TLS_CERT / ALO_SIP_TLS_KEY (--sip-tls-ca, --sip-tls-cert, --sip-tls-key): %w", err)
	}
	return conf, nil
}

// badValue formats one bad value as `ENV (--flag) "value": reason`, with
// any password in the value or the reason replaced.
func badValue(o serveOption, v string, reason error) error {
	if o.secret {
		return fmt.Errorf("%s (--%s): %s", o.env, o.flag, reason)
	}
	msg := reason.Error()
	for _, s := range urlSecrets(v) {
		msg = strings.ReplaceAll(msg, s, redacted)
	}
	return fmt.Errorf("%s (--%s) %q: %s", o.env, o.flag, redactURL(v), msg)
}

func checkSessionIdle(v string) error {
	if v == "" {
		return nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < time.Second {
		return errors.New("want a duration of at least 1s, such as 30m or 1h")
	}
	return nil
}

func checkHostPort(v string) error {
	host, port, err := net.SplitHostPort(v)
	if err != nil {
		return errors.New("want host:port")
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return errors.New("want host:port with a port from 1 to 65535")
	}
	if strings.ContainsAny(host, " \t\r\n/@") {
		return errors.New("want host:port with a host name or IP address")
	}
	return nil
}

func checkTrunkURI(v string) error {
	if v == "" {
		return nil // no trunk: serve still runs the API and agent legs
	}
	if strings.ContainsAny(v, " \t\r\n") {
		return errors.New("want sip:host[:port] without spaces")
	}
	var u sip.Uri
	if err := sip.ParseUri(v, &u); err != nil {
		return fmt.Errorf("want sip:host[:port]: %w", err)
	}
	if u.Scheme != "sip" && u.Scheme != "sips" {
		return errors.New("want a sip: or sips: URI")
	}
	if u.Host == "" {
		return errors.New("want sip:host[:port]: the host is missing")
	}
	if u.Password != "" {
		// RFC 3261 §19.1.1 deprecates passwords in SIP URIs; they would also
		// be sent in every Request-URI.
		return errors.New("put the password in ALO_TRUNK_PASSWORD, not in the URI")
	}
	return nil
}

// checkHeaderSafe refuses control characters in values that go into SIP
// headers (digest user name), where CR/LF would inject headers.
func checkHeaderSafe(v string) error {
	for _, r := range v {
		if r < 0x20 || r == 0x7f {
			return errors.New("want no control characters")
		}
	}
	return nil
}

func checkPortRange(v string) error {
	a, b, ok := strings.Cut(v, "-")
	lo, err1 := strconv.Atoi(strings.TrimSpace(a))
	hi, err2 := strconv.Atoi(strings.TrimSpace(b))
	switch {
	case !ok || err1 != nil || err2 != nil:
		return errors.New("want MIN-MAX, e.g. 10000-20000")
	case lo < 1024 || hi > 65535 || lo > hi:
		return errors.New("want MIN <= MAX within 1024-65535")
	case lo%2 != 0:
		return errors.New("want an even MIN (RTP uses even ports, RTCP the odd one above)")
	case hi-lo+1 < 4:
		return errors.New("want at least 4 ports (two RTP/RTCP pairs)")
	}
	return nil
}

func checkRedisURL(v string) error {
	if v == "" {
		return nil
	}
	if _, err := redis.ParseURL(v); err != nil {
		return fmt.Errorf("want redis://[user:password@]host:port[/db], rediss://… or unix:///path: %w", err)
	}
	return nil
}

func checkDatabaseURL(v string) error {
	return sqldb.ValidateURL(v)
}

func checkNonEmpty(v string) error {
	if strings.TrimSpace(v) == "" {
		return errors.New("want a non-empty value")
	}
	return nil
}

// checkNodeName keeps node names to a plain token: they are written into
// Redis claim values and logs.
func checkNodeName(v string) error {
	if v == "" || len(v) > 64 {
		return errors.New("want 1 to 64 characters")
	}
	for _, r := range v {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.'
		if !ok {
			return errors.New("want only letters, digits, '-', '_' and '.'")
		}
	}
	return nil
}

// redacted replaces secrets wherever the configuration is shown.
const redacted = "xxxxx"

// urlPasswordParams are query parameters that carry passwords in database
// and Redis URLs (libpq's password and sslpassword, for instance).
var urlPasswordParams = []string{"password", "sslpassword", "pass", "passwd"}

// urlSecrets returns the passwords inside a URL, found without relying on
// the URL being well formed (a malformed one still must not leak them).
func urlSecrets(v string) []string {
	var out []string
	// scheme://user:password@host… and sip:user:password@host…
	if _, rest, ok := strings.Cut(v, ":"); ok {
		rest = strings.TrimPrefix(rest, "//")
		if at := strings.LastIndex(rest, "@"); at >= 0 {
			if _, pw, ok := strings.Cut(rest[:at], ":"); ok && pw != "" {
				out = append(out, pw)
			}
		}
	}
	if _, query, ok := strings.Cut(v, "?"); ok {
		for _, kv := range strings.Split(query, "&") {
			k, val, _ := strings.Cut(kv, "=")
			for _, p := range urlPasswordParams {
				if strings.EqualFold(k, p) && val != "" {
					out = append(out, val)
					if dec, err := url.QueryUnescape(val); err == nil && dec != val {
						out = append(out, dec)
					}
				}
			}
		}
	}
	return out
}

// redactURL returns v with every password in it replaced by xxxxx.
func redactURL(v string) string {
	for _, s := range urlSecrets(v) {
		v = strings.ReplaceAll(v, s, redacted)
	}
	return v
}

// LogValue shows the configuration in logs with the trunk password and the
// passwords inside URLs replaced, so `log.Info("config", "config", cfg)` is
// safe.
func (c ServeConfig) LogValue() slog.Value {
	pw := ""
	if c.TrunkPassword != "" {
		pw = redacted
	}
	return slog.GroupValue(
		slog.String("http_addr", c.HTTPAddr),
		slog.String("sip_addr", c.SIPAddr),
		slog.String("trunk_uri", redactURL(c.TrunkURI)),
		slog.String("trunk_user", c.TrunkUser),
		slog.String("trunk_password", pw),
		slog.String("rtp_ports", c.RTPPorts),
		slog.String("redis_url", redactURL(c.RedisURL)),
		slog.String("database_url", redactURL(c.DatabaseURL)),
		slog.String("data_dir", c.DataDir),
		slog.String("node", c.Node),
	)
}

// String keeps fmt's %v from printing the secrets, like LogValue.
func (c ServeConfig) String() string {
	return c.LogValue().String()
}
