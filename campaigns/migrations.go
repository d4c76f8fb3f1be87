package campaigns

import "embed"

// Migrations holds the campaigns tables' DDL (clients, campaigns, contacts,
// attempts), written once in SQLite's dialect; run them with
// sqldb.Migrate(ctx, db, "campaigns", campaigns.Migrations).
//
//go:embed migrations
var Migrations embed.FS
