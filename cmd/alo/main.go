// Command alo is the outbound campaign dialer: one binary that serves the
// API and the dialer (serve), runs a self-contained demonstration (demo) and
// manages users (user).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

const usage = `alo: proactive outbound campaign dialer

Usage:
  alo serve [flags]          run the API, the pacer and the dialer (flags: alo serve -h)
  alo demo [flags]           run alo with a simulated carrier and agent phones
  alo user add [flags]       create a user: a password from stdin, or an API token printed once
  alo simulate [flags]       compare pacing policies on a simulated campaign (flags: alo simulate -h)
  alo check [flags]          may this number be called at this time? exit 0 allowed, 3 not now, 4 never (flags: alo check -h)
  alo import [flags] FILE    load a contacts CSV into a campaign (flags: alo import -h)
  alo audit verify [flags]   verify the audit trail's hash chain against its anchor
  alo version                the module version, the commit it was built from and the Go version
  alo help                   show this text
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv))
}

// run dispatches a subcommand and returns the process exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "serve":
		err = runServe(ctx, args[1:], stderr, getenv)
	case "demo":
		err = runDemo(ctx, args[1:], stdout, stderr, getenv)
	case "user":
		err = runUser(ctx, args[1:], os.Stdin, stdout, stderr, getenv)
	case "simulate":
		err = runSimulate(ctx, args[1:], stdout, stderr)
	case "check":
		err = runCheck(ctx, args[1:], stdout, stderr, getenv)
	case "import":
		err = runImport(ctx, args[1:], stdout, stderr, getenv)
	case "audit":
		err = runAudit(ctx, args[1:], stdout, stderr, getenv)
	case "version", "--version":
		_, err = fmt.Fprintln(stdout, buildVersion())
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "alo: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	var status exitStatus
	if errors.As(err, &status) {
		return int(status)
	}
	if err != nil {
		fmt.Fprintf(stderr, "alo %s: %v\n", args[0], err)
		return 1
	}
	return 0
}

// newLogger writes structured text logs to w at the given level.
func newLogger(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
}
