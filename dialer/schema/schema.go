// Package schema holds the SQL tables of the dialer's packages (agents,
// trunks, call legs, phones' SIP accounts) as one migration history, so that
// each package below the dialer can be tested on real tables without the
// ones above it, and existing databases keep the history they have.
package schema

import "embed"

// Migrations holds the dialer's tables, written once in SQLite's dialect;
// sqldb.Migrate adapts it for PostgreSQL. Its owner name is "dialer".
//
//go:embed migrations
var Migrations embed.FS
