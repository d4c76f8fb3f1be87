package web

import "embed"

// Migrations holds the web package's tables (users), written once in
// SQLite's dialect; sqldb.Migrate adapts it for PostgreSQL.
//
//go:embed migrations
var Migrations embed.FS
