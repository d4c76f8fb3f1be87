package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

// envOf returns a getenv reading from m.
func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestParseServeConfigDefaults(t *testing.T) {
	cfg, err := parseServeConfig(nil, envOf(nil))
	if err != nil {
		t.Fatalf("defaults: %v", err)
	}
	want := ServeConfig{HTTPAddr: "127.0.0.1:8080", SIPAddr: "0.0.0.0:5060", RTPPorts: "10000-20000", DataDir: "./data", Node: cfg.Node}
	if cfg != want {
		t.Errorf("defaults = %+v, want %+v", cfg, want)
	}
	if cfg.Node == "" {
		t.Error("node defaults to the host name, got empty")
	}
}

func TestParseServeConfigSources(t *testing.T) {
	env := map[string]string{
		"ALO_HTTP_ADDR":      "127.0.0.1:9000",
		"ALO_SIP_ADDR":       "127.0.0.1:5070",
		"ALO_TRUNK_URI":      "sip:carrier.example.com:5060",
		"ALO_TRUNK_USER":     "acme",
		"ALO_TRUNK_PASSWORD": "s3cret",
		"ALO_RTP_PORTS":      "30000-30099",
		"REDIS_URL":          "redis://:rpw@127.0.0.1:6379/2",
		"DATABASE_URL":       "postgres://alo:dbpw@db.example.com/alo",
		"ALO_DATA_DIR":       "/var/lib/alo",
		"ALO_NODE":           "node-a",
	}
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want ServeConfig
	}{
		{"env only", nil, env, ServeConfig{
			HTTPAddr: "127.0.0.1:9000", SIPAddr: "127.0.0.1:5070", TrunkURI: "sip:carrier.example.com:5060",
			TrunkUser: "acme", TrunkPassword: "s3cret", RTPPorts: "30000-30099", RedisURL: "redis://:rpw@127.0.0.1:6379/2",
			DatabaseURL: "postgres://alo:dbpw@db.example.com/alo", DataDir: "/var/lib/alo", Node: "node-a",
		}},
		{"flags beat env", []string{"--http-addr", "0.0.0.0:80", "-sip-addr=10.0.0.1:5060", "--node", "b", "--trunk-uri", "sips:t.example.com"}, env, ServeConfig{
			HTTPAddr: "0.0.0.0:80", SIPAddr: "10.0.0.1:5060", TrunkURI: "sips:t.example.com",
			TrunkUser: "acme", TrunkPassword: "s3cret", RTPPorts: "30000-30099", RedisURL: "redis://:rpw@127.0.0.1:6379/2",
			DatabaseURL: "postgres://alo:dbpw@db.example.com/alo", DataDir: "/var/lib/alo", Node: "b",
		}},
		{"flag without env", []string{"--data-dir", "d", "--node", "n", "--redis-url", "unix:///tmp/r.sock", "--database-url", "sqlite:/tmp/a.db"}, nil, ServeConfig{
			HTTPAddr: "127.0.0.1:8080", SIPAddr: "0.0.0.0:5060", RTPPorts: "10000-20000",
			RedisURL: "unix:///tmp/r.sock", DatabaseURL: "sqlite:/tmp/a.db", DataDir: "d", Node: "n",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseServeConfig(tt.args, envOf(tt.env))
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if got != tt.want {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestParseServeConfigBadValues(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		// want is the start of the one error line expected.
		want string
		// secret must not appear anywhere in the error.
		secret string
	}{
		{"http addr without port", map[string]string{"ALO_HTTP_ADDR": "localhost"}, `ALO_HTTP_ADDR (--http-addr) "localhost": want host:port`, ""},
		{"http addr port zero", map[string]string{"ALO_HTTP_ADDR": "127.0.0.1:0"}, `ALO_HTTP_ADDR (--http-addr) "127.0.0.1:0": want host:port`, ""},
		{"sip addr garbage", map[string]string{"ALO_SIP_ADDR": "abc"}, `ALO_SIP_ADDR (--sip-addr) "abc": want host:port`, ""},
		{"sip addr port too big", map[string]string{"ALO_SIP_ADDR": "0.0.0.0:70000"}, `ALO_SIP_ADDR (--sip-addr) "0.0.0.0:70000": want host:port`, ""},
		{"trunk not sip", map[string]string{"ALO_TRUNK_URI": "http://carrier.example.com"}, `ALO_TRUNK_URI (--trunk-uri) "http://carrier.example.com": want a sip: or sips: URI`, ""},
		{"trunk no scheme", map[string]string{"ALO_TRUNK_URI": "carrier.example.com"}, `ALO_TRUNK_URI (--trunk-uri) "carrier.example.com": want sip:host[:port]`, ""},
		{"trunk no host", map[string]string{"ALO_TRUNK_URI": "sip:"}, `ALO_TRUNK_URI (--trunk-uri) "sip:": want sip:host[:port]`, ""},
		{"trunk password in uri", map[string]string{"ALO_TRUNK_URI": "sip:acme:hunter22@carrier.example.com"}, `ALO_TRUNK_URI (--trunk-uri) "sip:acme:xxxxx@carrier.example.com": put the password in ALO_TRUNK_PASSWORD`, "hunter22"},
		{"trunk user with CRLF", map[string]string{"ALO_TRUNK_URI": "sip:c.example.com", "ALO_TRUNK_USER": "a\r\nX-Evil: 1"}, `ALO_TRUNK_USER (--trunk-user) "a\r\nX-Evil: 1": want no control characters`, ""},
		{"trunk password with LF", map[string]string{"ALO_TRUNK_URI": "sip:c.example.com", "ALO_TRUNK_USER": "a", "ALO_TRUNK_PASSWORD": "pw\nsecret99"}, `ALO_TRUNK_PASSWORD (--trunk-password): want no control characters`, "secret99"},
		{"trunk password without user", map[string]string{"ALO_TRUNK_URI": "sip:c.example.com", "ALO_TRUNK_PASSWORD": "topsecret"}, `ALO_TRUNK_PASSWORD (--trunk-password) is set: want ALO_TRUNK_USER (--trunk-user) too`, "topsecret"},
		{"trunk user without uri", map[string]string{"ALO_TRUNK_USER": "acme"}, `ALO_TRUNK_USER (--trunk-user) is set: want ALO_TRUNK_URI (--trunk-uri) too`, ""},
		{"rtp not a range", map[string]string{"ALO_RTP_PORTS": "10000"}, `ALO_RTP_PORTS (--rtp-ports) "10000": want MIN-MAX`, ""},
		{"rtp odd min", map[string]string{"ALO_RTP_PORTS": "10001-20000"}, `ALO_RTP_PORTS (--rtp-ports) "10001-20000": want an even MIN`, ""},
		{"rtp below 1024", map[string]string{"ALO_RTP_PORTS": "1000-2000"}, `ALO_RTP_PORTS (--rtp-ports) "1000-2000": want MIN <= MAX within 1024-65535`, ""},
		{"rtp above 65535", map[string]string{"ALO_RTP_PORTS": "60000-70000"}, `ALO_RTP_PORTS (--rtp-ports) "60000-70000": want MIN <= MAX within 1024-65535`, ""},
		{"rtp reversed", map[string]string{"ALO_RTP_PORTS": "20000-10000"}, `ALO_RTP_PORTS (--rtp-ports) "20000-10000": want MIN <= MAX`, ""},
		{"rtp too few", map[string]string{"ALO_RTP_PORTS": "10000-10002"}, `ALO_RTP_PORTS (--rtp-ports) "10000-10002": want at least 4 ports`, ""},
		{"redis bad scheme", map[string]string{"REDIS_URL": "http://:redispw1@h:6379"}, `REDIS_URL (--redis-url) "http://:xxxxx@h:6379": want redis://`, "redispw1"},
		{"redis bad port", map[string]string{"REDIS_URL": "redis://u:redispw2@h:port"}, `REDIS_URL (--redis-url) "redis://u:xxxxx@h:port": want redis://`, "redispw2"},
		{"redis bad db", map[string]string{"REDIS_URL": "redis://h:6379/x"}, `REDIS_URL (--redis-url) "redis://h:6379/x": want redis://`, ""},
		{"database bad scheme", map[string]string{"DATABASE_URL": "mysql://u:dbpw3@h/db"}, `DATABASE_URL (--database-url) "mysql://u:xxxxx@h/db": unsupported database URL`, "dbpw3"},
		{"database bad postgres", map[string]string{"DATABASE_URL": "postgres://u:dbpw4@h:notaport/db"}, `DATABASE_URL (--database-url) "postgres://u:xxxxx@h:notaport/db": `, "dbpw4"},
		{"database password in query", map[string]string{"DATABASE_URL": "postgres://u@h:notaport/db?password=dbpw5"}, `DATABASE_URL (--database-url) "postgres://u@h:notaport/db?password=xxxxx": `, "dbpw5"},
		{"session idle not a duration", map[string]string{"ALO_SESSION_IDLE": "30"}, `ALO_SESSION_IDLE (--session-idle) "30": want a duration of at least 1s`, ""},
		{"session idle too short", map[string]string{"ALO_SESSION_IDLE": "500ms"}, `ALO_SESSION_IDLE (--session-idle) "500ms": want a duration of at least 1s`, ""},
		{"empty data dir", map[string]string{}, `ALO_DATA_DIR (--data-dir) "": want a non-empty value`, ""},
		{"node with spaces", map[string]string{"ALO_NODE": "node a"}, `ALO_NODE (--node) "node a": want only letters`, ""},
		{"tls ca missing", map[string]string{"ALO_SIP_TLS_CA": "/nonexistent/carriers.pem"}, `ALO_SIP_TLS_CA / ALO_SIP_TLS_CERT / ALO_SIP_TLS_KEY (--sip-tls-ca, --sip-tls-cert, --sip-tls-key): sip tls: CA file: open /nonexistent/carriers.pem`, ""},
		{"tls cert without key", map[string]string{"ALO_SIP_TLS_CERT": "/etc/alo/alo.pem"}, `ALO_SIP_TLS_CA / ALO_SIP_TLS_CERT / ALO_SIP_TLS_KEY (--sip-tls-ca, --sip-tls-cert, --sip-tls-key): sip tls: certificate /etc/alo/alo.pem given without its key file`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := []string{}
			if tt.name == "empty data dir" {
				args = []string{"--data-dir", ""}
			}
			_, err := parseServeConfig(args, envOf(tt.env))
			if err == nil {
				t.Fatalf("want an error starting %q, got none", tt.want)
			}
			lines := strings.Split(err.Error(), "\n")
			if len(lines) != 1 {
				t.Errorf("want one error line, got %d:\n%v", len(lines), err)
			}
			if !strings.HasPrefix(lines[0], tt.want) {
				t.Errorf("error\n %q\nwant prefix\n %q", lines[0], tt.want)
			}
			if tt.secret != "" && strings.Contains(err.Error(), tt.secret) {
				t.Errorf("error leaks the secret %q: %v", tt.secret, err)
			}
		})
	}
}

func TestParseServeConfigReportsEveryBadValue(t *testing.T) {
	env := map[string]string{
		"ALO_SIP_ADDR":  "abc",
		"ALO_RTP_PORTS": "7-9",
		"REDIS_URL":     "redis://:pw@h:x",
	}
	_, err := parseServeConfig([]string{"--http-addr", "nope"}, envOf(env))
	if err == nil {
		t.Fatal("want errors, got none")
	}
	lines := strings.Split(err.Error(), "\n")
	wantPrefixes := []string{"ALO_HTTP_ADDR (--http-addr)", "ALO_SIP_ADDR (--sip-addr)", "ALO_RTP_PORTS (--rtp-ports)", "REDIS_URL (--redis-url)"}
	if len(lines) != len(wantPrefixes) {
		t.Fatalf("want %d lines, got %d:\n%v", len(wantPrefixes), len(lines), err)
	}
	for i, p := range wantPrefixes {
		if !strings.HasPrefix(lines[i], p) {
			t.Errorf("line %d = %q, want prefix %q", i, lines[i], p)
		}
	}
}

func TestParseServeConfigCommandLine(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr string
		help    bool
	}{
		{"help", []string{"-h"}, "", true},
		{"unknown flag", []string{"--bogus"}, "flag provided but not defined: -bogus", false},
		{"stray argument", []string{"extra"}, `unexpected arguments ["extra"]`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseServeConfig(tt.args, envOf(nil))
			if tt.help {
				if !errors.Is(err, flag.ErrHelp) {
					t.Fatalf("want flag.ErrHelp, got %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}

func TestServeConfigHidesSecrets(t *testing.T) {
	cfg := ServeConfig{
		HTTPAddr: "127.0.0.1:8080", TrunkURI: "sip:carrier.example.com", TrunkUser: "acme",
		TrunkPassword: "trunkpw", RedisURL: "redis://user:redispw@h:6379",
		DatabaseURL: "postgres://alo:dbpw@db/alo?sslpassword=keypw", DataDir: "d", Node: "n",
	}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("config", "config", cfg)
	slog.New(slog.NewTextHandler(&buf, nil)).Info("config", "config", cfg)
	fmt.Fprintf(&buf, "%v %+v %s", cfg, cfg, cfg)
	out := buf.String()
	for _, s := range []string{"trunkpw", "redispw", "dbpw", "keypw"} {
		if strings.Contains(out, s) {
			t.Errorf("secret %q shown:\n%s", s, out)
		}
	}
	for _, s := range []string{"acme", "redis://user:xxxxx@h:6379", "postgres://alo:xxxxx@db/alo", "carrier.example.com"} {
		if !strings.Contains(out, s) {
			t.Errorf("%q missing from:\n%s", s, out)
		}
	}
}
