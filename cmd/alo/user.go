package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/alo-dialer/alo/sqldb"
	"github.com/alo-dialer/alo/web"
)

// runUser handles `alo user add`: it creates a user in the database that
// `alo serve` would use and prints the user's bearer token, once.
func runUser(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) == 0 || args[0] != "add" {
		return fmt.Errorf("want `alo user add --name NAME --role ROLE`")
	}
	fs := flag.NewFlagSet("alo user add", flag.ContinueOnError)
	fs.SetOutput(stderr)
	name := fs.String("name", "", "user name (required)")
	role := fs.String("role", "admin", "role: admin, marketer, supervisor, agent, compliance")
	dataDir := fs.String("data-dir", envOr(getenv, "ALO_DATA_DIR", "./data"), "data directory (ALO_DATA_DIR)")
	dbURL := fs.String("database-url", getenv("DATABASE_URL"), "database URL (DATABASE_URL); empty: SQLite in the data dir")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *name == "" {
		return fmt.Errorf("--name: required")
	}
	if err := sqldb.ValidateURL(*dbURL); err != nil {
		return fmt.Errorf("DATABASE_URL (--database-url): %w", err)
	}
	db, err := sqldb.Open(ctx, *dbURL, *dataDir)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := sqldb.Migrate(ctx, db, "web", web.Migrations); err != nil {
		return err
	}
	users := web.NewUsers(db, clockNow)
	u, token, err := users.Add(ctx, *name, web.Role(*role))
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "created user %q (id %d, role %s); the token is shown once:\n", u.Name, u.ID, u.Role)
	fmt.Fprintln(stdout, token)
	return nil
}

func envOr(getenv func(string) string, key, def string) string {
	if v := getenv(key); v != "" {
		return v
	}
	return def
}
