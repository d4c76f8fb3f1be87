package web

import "embed"

// Migrations holds the web package's tables (users), one folder per SQL
// dialect (migrations/sqlite, migrations/postgres).
//
//go:embed migrations
var Migrations embed.FS
