package main

import (
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/alo-dialer/alo/campaigns"
	"github.com/alo-dialer/alo/dialer/agent"
	"github.com/alo-dialer/alo/live"
	"github.com/alo-dialer/alo/web"
	"github.com/alo-dialer/alo/web/console"
)

// newAgentFeed publishes the agent console's events from the registry's
// changes and the engine's bridged calls, and builds the stream's
// snapshots. It subscribes to the registry's changes now, so make it
// before the registry restores its agents.
func newAgentFeed(bus *live.Bus, agents *agent.Registry, store *campaigns.Store, log *slog.Logger) *web.AgentFeed {
	return web.NewAgentFeed(web.AgentFeedConfig{
		Bus: bus, Agents: agents, Store: store,
		// The script as written: the page fills its placeholders as text.
		Script: func(c campaigns.Campaign) string { return c.Script },
		Zone:   nodeZone(os.Getenv, os.Readlink, os.ReadFile),
		Clock:  clockNow,
		Log:    log,
	})
}

// handler is everything the node serves over HTTP: the API (with the live
// event stream, GET /api/v1/events) under /api/v1/, the probes and metrics
// (/livez, /readyz, /metrics), and the consoles at /.
func handler(api *web.Server, signIn *web.SignIn, dir *web.ConsoleDirectory, log *slog.Logger) (http.Handler, error) {
	con, err := console.New(console.Config{
		Auth:     web.NewConsoleAuth(signIn),
		TimeZone: nodeZone(os.Getenv, os.Readlink, os.ReadFile),
		// Sign-in counts attempts per address as the API does.
		ClientAddr: api.ClientAddr,
		Log:        log,
		Now:        clockNow,
		// The admin's users page and everyone's account page.
		Directory:         dir,
		MinPasswordLength: web.MinPasswordLength,
	})
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/api/v1/", api.Handler())
	for _, p := range []string{"/livez", "/readyz", "/metrics"} {
		mux.Handle(p, api.Handler())
	}
	mux.Handle("/", con.Handler())
	return mux, nil
}

// nodeZone is the node's own time zone by its IANA name, for people whose
// profile names none: TZ, else what /etc/localtime links to, else
// /etc/timezone, else UTC. time.Local will not do: its name is "Local",
// which browsers refuse as a zone.
func nodeZone(getenv func(string) string, readlink func(string) (string, error), readFile func(string) ([]byte, error)) *time.Location {
	var names []string
	if tz := strings.TrimPrefix(getenv("TZ"), ":"); tz != "" {
		names = append(names, tz)
	}
	if target, err := readlink("/etc/localtime"); err == nil {
		if _, name, ok := strings.Cut(target, "zoneinfo/"); ok {
			names = append(names, name)
		}
	}
	if b, err := readFile("/etc/timezone"); err == nil {
		names = append(names, strings.TrimSpace(string(b)))
	}
	for _, name := range names {
		if z, err := time.LoadLocation(name); err == nil && name != "" && name != "Local" {
			return z
		}
	}
	return time.UTC
}
