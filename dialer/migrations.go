package dialer

import "embed"

// Migrations holds the dialer's tables (agents, trunks, call legs, SIP
// accounts), written once in SQLite's dialect; sqldb.Migrate adapts it for
// PostgreSQL.
//
//go:embed migrations
var Migrations embed.FS
