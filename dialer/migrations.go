package dialer

import "embed"

// Migrations holds the dialer's tables (agents), one folder per SQL dialect.
//
//go:embed migrations
var Migrations embed.FS
