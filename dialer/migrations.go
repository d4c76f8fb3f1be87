package dialer

import "github.com/alo-dialer/alo/dialer/schema"

// Migrations holds the dialer's tables (schema.Migrations).
var Migrations = schema.Migrations
