package compliance

import "embed"

// Migrations holds the compliance tables' DDL, one folder per SQL dialect
// (migrations/sqlite, migrations/postgres).
//
//go:embed migrations
var Migrations embed.FS
