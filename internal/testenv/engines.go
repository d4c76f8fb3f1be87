package testenv

import (
	"testing"

	"github.com/alo-dialer/alo/sqldb"
)

// Engine is one SQL engine a store test runs on.
type Engine struct {
	Name string                     // subtest name: "sqlite" or "postgres"
	Open func(testing.TB) *sqldb.DB // a fresh, empty database for the test
}

// Engines returns every engine alo supports, so store tests range over
// them and the SQL is checked on both dialects.
func Engines() []Engine {
	return []Engine{
		{Name: "sqlite", Open: SQLite},
		{Name: "postgres", Open: Postgres},
	}
}
