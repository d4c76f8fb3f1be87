package compliance

import "embed"

// Migrations holds the compliance tables' DDL, written once in SQLite's
// dialect; sqldb.Migrate adapts it for PostgreSQL.
//
//go:embed migrations
var Migrations embed.FS
