// Package sqldb opens alo's SQL database (embedded SQLite or PostgreSQL) and
// runs each domain package's embedded migrations. Domain packages own their
// tables; this package only knows how to connect and migrate.
package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing/fstest"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/database"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Dialect names the SQL engine behind a DB. Queries are written once with
// $1-style placeholders, which both engines accept; only DDL differs, so each
// package ships one migration folder per dialect.
type Dialect string

// The supported engines.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// ErrBadURL is returned when DATABASE_URL names no engine alo supports.
var ErrBadURL = errors.New("unsupported database URL")

// DB is an open database and the dialect its DDL and error codes follow.
type DB struct {
	*sql.DB
	Dialect Dialect
}

// Open connects to databaseURL, or, when it is empty, to an SQLite file
// alo.db in dataDir (created if missing). postgres:// and postgresql:// URLs
// select PostgreSQL; sqlite:PATH or file:PATH select SQLite.
func Open(ctx context.Context, databaseURL, dataDir string) (*DB, error) {
	switch {
	case databaseURL == "":
		if err := os.MkdirAll(dataDir, 0o700); err != nil {
			return nil, fmt.Errorf("create data dir %s: %w", dataDir, err)
		}
		return openSQLite(ctx, filepath.Join(dataDir, "alo.db"))
	case strings.HasPrefix(databaseURL, "postgres://"), strings.HasPrefix(databaseURL, "postgresql://"):
		cfg, err := pgx.ParseConfig(databaseURL)
		if err != nil {
			return nil, fmt.Errorf("DATABASE_URL: %w", err)
		}
		db := stdlib.OpenDB(*cfg)
		if err := db.PingContext(ctx); err != nil {
			db.Close()
			return nil, fmt.Errorf("connect to postgres: %w", err)
		}
		db.SetMaxOpenConns(20)
		return &DB{DB: db, Dialect: Postgres}, nil
	case strings.HasPrefix(databaseURL, "sqlite:"):
		return openSQLite(ctx, strings.TrimPrefix(databaseURL, "sqlite:"))
	case strings.HasPrefix(databaseURL, "file:"):
		return openSQLite(ctx, strings.TrimPrefix(databaseURL, "file:"))
	}
	return nil, fmt.Errorf("%w: want postgres://… or sqlite:PATH", ErrBadURL)
}

// ValidateURL reports whether databaseURL could be opened by Open, without
// connecting. An empty URL is valid (SQLite in the data dir).
func ValidateURL(databaseURL string) error {
	switch {
	case databaseURL == "":
		return nil
	case strings.HasPrefix(databaseURL, "postgres://"), strings.HasPrefix(databaseURL, "postgresql://"):
		if _, err := pgx.ParseConfig(databaseURL); err != nil {
			return fmt.Errorf("not a PostgreSQL URL: %w", err)
		}
		return nil
	case strings.HasPrefix(databaseURL, "sqlite:"), strings.HasPrefix(databaseURL, "file:"):
		return nil
	}
	return fmt.Errorf("%w: want postgres://… or sqlite:PATH", ErrBadURL)
}

func openSQLite(ctx context.Context, path string) (*DB, error) {
	// WAL lets readers (the API) run beside the single writer; busy_timeout
	// makes a second writer wait rather than fail at once.
	if err := restrictSQLite(path); err != nil {
		return nil, err
	}
	dsn := "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	// One writer at a time is SQLite's rule; a small pool keeps readers
	// concurrent while busy_timeout serialises writers.
	db.SetMaxOpenConns(4)
	return &DB{DB: db, Dialect: SQLite}, nil
}

// Migrate applies the migrations found in fsys under migrations/, recording
// them in a version table of the owner's own (goose_<owner>), so packages
// migrate independently.
//
// Migrations are written once, in SQLite's DDL; the only construct the two
// engines spell differently, an auto-assigned key ("INTEGER PRIMARY KEY",
// SQLite's rowid alias), is rewritten for PostgreSQL as an identity column.
func Migrate(ctx context.Context, db *DB, owner string, fsys fs.FS) error {
	sub, err := fs.Sub(fsys, "migrations")
	if err != nil {
		return fmt.Errorf("migrations of %s: %w", owner, err)
	}
	gd := database.DialectSQLite3
	if db.Dialect == Postgres {
		gd = database.DialectPostgres
		if sub, err = forPostgres(sub); err != nil {
			return fmt.Errorf("migrations of %s: %w", owner, err)
		}
	}
	store, err := database.NewStore(gd, "goose_"+owner)
	if err != nil {
		return fmt.Errorf("migrations of %s: %w", owner, err)
	}
	p, err := goose.NewProvider("", db.DB, sub, goose.WithStore(store))
	if err != nil {
		return fmt.Errorf("migrations of %s: %w", owner, err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate %s: %w", owner, err)
	}
	return nil
}

// sqlitePK and postgresPK are the one DDL difference between the engines.
const (
	sqlitePK   = "INTEGER PRIMARY KEY"
	postgresPK = "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"
)

// forPostgres returns the .sql files of fsys (one level) with SQLite's
// auto-assigned keys rewritten as PostgreSQL identity columns. fstest.MapFS
// is the standard library's in-memory fs.FS; it serves here as a plain map.
func forPostgres(fsys fs.FS) (fs.FS, error) {
	names, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return nil, err
	}
	out := fstest.MapFS{}
	for _, n := range names {
		b, err := fs.ReadFile(fsys, n)
		if err != nil {
			return nil, err
		}
		out[n] = &fstest.MapFile{Data: []byte(strings.ReplaceAll(string(b), sqlitePK, postgresPK)), Mode: 0o444}
	}
	return out, nil
}

// IsUniqueViolation reports whether err is a unique-constraint violation on
// either engine; the attempt state machine relies on it to refuse a second
// dial of the same attempt.
func IsUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	msg := err.Error()
	// SQLite: "UNIQUE constraint failed"; PostgreSQL: SQLSTATE 23505.
	return strings.Contains(msg, "UNIQUE constraint failed") || strings.Contains(msg, "23505")
}
