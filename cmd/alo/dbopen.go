package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/alo-dialer/alo/sqldb"
)

// openExistingDB opens the database of a node for a command that reads
// it (import, audit verify, check --rules ID). Unlike sqldb.Open it never
// creates an SQLite file: a mistyped --data-dir would otherwise get an
// empty database, and the command would load contacts nobody serves or
// report on an empty trail.
func openExistingDB(ctx context.Context, dbURL, dataDir string) (*sqldb.DB, error) {
	if err := sqldb.ValidateURL(dbURL); err != nil {
		return nil, fmt.Errorf("DATABASE_URL (--database-url): %w", err)
	}
	if path, ok := sqlitePath(dbURL, dataDir); ok {
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			if dbURL == "" {
				return nil, fmt.Errorf("no alo database in data dir %s (no %s): check --data-dir or ALO_DATA_DIR; `alo serve` creates the database on its first start", dataDir, filepath.Base(path))
			}
			return nil, fmt.Errorf("no alo database at %s: check --database-url or DATABASE_URL", path)
		} else if err != nil {
			return nil, fmt.Errorf("database %s: %w", path, err)
		}
	}
	return sqldb.Open(ctx, dbURL, dataDir)
}

// sqlitePath is the file an SQLite database URL (or the data dir, for an
// empty URL) names; ok is false for PostgreSQL.
func sqlitePath(dbURL, dataDir string) (string, bool) {
	switch {
	case dbURL == "":
		return filepath.Join(dataDir, "alo.db"), true
	case strings.HasPrefix(dbURL, "sqlite:"):
		return strings.TrimPrefix(dbURL, "sqlite:"), true
	case strings.HasPrefix(dbURL, "file:"):
		return strings.TrimPrefix(dbURL, "file:"), true
	}
	return "", false
}
