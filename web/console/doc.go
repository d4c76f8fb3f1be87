// Package console serves the people's consoles (agent, marketer,
// supervisor, compliance, admin): server-rendered html/template pages on one
// shared layout, in the user's language and time zone, with embedded CSS and
// small hand-written ES modules that follow the live event stream.
//
// It knows nothing of SQL, sessions or the dialer: sign-in, the session
// cookie and the people's data come in through the interfaces in auth.go,
// and live data through GET /api/v1/events (shapes in view.go), so the
// package is tested against fakes and wired in cmd/alo.
package console
