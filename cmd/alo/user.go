package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/alo-dialer/alo/sqldb"
	"github.com/alo-dialer/alo/web"
)

// userFlags names the flag that sets each field of a user, for errors.
var userFlags = map[string]string{
	"name": "--name", "role": "--role", "agent_id": "--agent", "password": "the password (stdin)",
	"language": "--language", "time_zone": "--time-zone",
}

// runUser handles `alo user add`: it creates a user in the database that
// `alo serve` would use. Without --password-stdin the user is a machine
// and its bearer token is printed, once; with it the password is read from
// the first line of stdin and no token is made unless --token asks.
func runUser(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) == 0 || args[0] != "add" {
		return fmt.Errorf("want `alo user add --name NAME --role ROLE [--password-stdin] [--agent ID] [--client ID ...] [--token]`")
	}
	fs := flag.NewFlagSet("alo user add", flag.ContinueOnError)
	fs.SetOutput(stderr)
	name := fs.String("name", "", "user name (required)")
	role := fs.String("role", "admin", "role: admin, marketer, supervisor, agent, compliance")
	passwordStdin := fs.Bool("password-stdin", false, "read the user's password from the first line of stdin (people sign in with it)")
	token := fs.Bool("token", false, "with --password-stdin, also make a bearer token and print it (without --password-stdin one is always made)")
	agent := fs.Int64("agent", 0, "the agent id a user of role agent is (required for that role)")
	var clients []int64
	fs.Func("client", "a client id the user is limited to (repeat for several; none: every client)", func(v string) error {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return fmt.Errorf("want a client id, got %q", v)
		}
		clients = append(clients, id)
		return nil
	})
	language := fs.String("language", "", "the consoles' language (en, ru, uz, …); empty: the browser's")
	timeZone := fs.String("time-zone", "", "the zone times are shown in (IANA, e.g. Asia/Tashkent); empty: the server's default")
	dataDir := fs.String("data-dir", envOr(getenv, "ALO_DATA_DIR", "./data"), "data directory (ALO_DATA_DIR)")
	dbURL := fs.String("database-url", getenv("DATABASE_URL"), "database URL (DATABASE_URL); empty: SQLite in the data dir")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *name == "" {
		return fmt.Errorf("--name: required")
	}
	if *token && !*passwordStdin {
		return fmt.Errorf("--token: only with --password-stdin (without it the user gets a token anyway)")
	}
	password := ""
	if *passwordStdin {
		var err error
		if password, err = readPasswordLine(stdin); err != nil {
			return err
		}
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
	u, tok, err := users.Create(ctx, web.NewUser{Name: *name, Role: web.Role(*role), Password: password,
		AgentID: *agent, ClientIDs: clients, Language: *language, TimeZone: *timeZone, Token: !*passwordStdin || *token})
	var bad *web.InvalidUserError
	if errors.As(err, &bad) {
		return flagErrors(bad)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "created user %q (id %d, role %s", u.Name, u.ID, u.Role)
	if u.AgentID != 0 {
		fmt.Fprintf(stderr, ", agent %d", u.AgentID)
	}
	if len(u.ClientIDs) > 0 {
		fmt.Fprintf(stderr, ", clients %v", u.ClientIDs)
	}
	if tok == "" {
		fmt.Fprintln(stderr, "); they sign in with the password")
		return nil
	}
	fmt.Fprintln(stderr, "); the token is shown once:")
	fmt.Fprintln(stdout, tok)
	return nil
}

// readPasswordLine reads one line (without its line ending) from r.
func readPasswordLine(r io.Reader) (string, error) {
	if r == nil {
		return "", fmt.Errorf("--password-stdin: no stdin")
	}
	line, err := bufio.NewReader(io.LimitReader(r, 4096)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("--password-stdin: %w", err)
	}
	line = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
	if line == "" {
		return "", fmt.Errorf("--password-stdin: stdin holds no password (one line, at least %d characters)", web.MinPasswordLength)
	}
	return line, nil
}

// flagErrors names the flags of a user's bad fields.
func flagErrors(bad *web.InvalidUserError) error {
	parts := make([]string, 0, len(bad.Fields))
	for _, f := range bad.Fields {
		flagName, ok := userFlags[f.Field]
		if strings.HasPrefix(f.Field, "client_ids") {
			flagName, ok = "--client", true
		}
		if !ok {
			flagName = f.Field
		}
		parts = append(parts, flagName+": "+f.Reason)
	}
	return errors.New(strings.Join(parts, "; "))
}

func envOr(getenv func(string) string, key, def string) string {
	if v := getenv(key); v != "" {
		return v
	}
	return def
}
