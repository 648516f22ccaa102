// Command lianxi runs the Lianxi workflow engine for a city's joint meetings.
//
//	lianxi dev       everything in one process: embedded Temporal, a private PostgreSQL, worker, web
//	lianxi serve     HTTP server and cron ticks, against external Temporal and PostgreSQL
//	lianxi worker    Temporal worker, against external Temporal and PostgreSQL
//	lianxi migrate   bring the database schema up to date
//	lianxi user      add | passwd | list | disable | enable
//	lianxi token     create an API token for a user
//	lianxi audit     verify the audit trail's hash chain
//	lianxi backup    write one archive of everything needed to rebuild the installation
//	lianxi restore   bring a backup back into an empty installation
//	lianxi probe     health check for containers
//	lianxi demo      play a whole science meeting cycle against a running lianxi dev, step by step
//	lianxi version   print the version
//
// Wiring lives here and only here: each subcommand builds a Config from
// flags and environment, then the components it needs.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

type command struct {
	name, summary string
	run           func(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) error
}

func commands() []command {
	return []command{
		{"dev", "run everything in one process (embedded Temporal, private PostgreSQL)", runDev},
		{"serve", "run the HTTP server and cron ticks against external Temporal and PostgreSQL", runServe},
		{"worker", "run the Temporal worker against external Temporal and PostgreSQL", runWorker},
		{"migrate", "bring the database schema up to date", runMigrate},
		{"user", "manage users: add | passwd | list | disable | enable", runUser},
		{"token", "manage API tokens: create", runToken},
		{"audit", "audit trail: verify", runAudit},
		{"backup", "write one archive of the database (and a dev data directory's Temporal store)", runBackup},
		{"restore", "bring a backup back into a new data directory or an empty database", runRestore},
		{"probe", "fetch a URL and succeed on 200 (container health checks)", runProbe},
		{"demo", "play a whole science meeting cycle against a running lianxi dev, step by step", runDemo},
		{"version", "print the version", runVersion},
	}
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: lianxi COMMAND [flags]")
	fmt.Fprintln(w)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'lianxi COMMAND -h' for a command's flags.")
}

// errUsage marks an error already explained by a usage message; errHelp a
// help request that was answered.
var (
	errUsage = errors.New("usage")
	errHelp  = errors.New("help")
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands() {
		if c.name == args[0] {
			err := c.run(ctx, args[1:], stdin, stdout)
			switch {
			case err == nil, errors.Is(err, errHelp):
				return 0
			case errors.Is(err, errUsage):
				return 2
			default:
				fmt.Fprintln(stderr, "lianxi "+c.name+":", err)
				return 1
			}
		}
	}
	fmt.Fprintf(stderr, "lianxi: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

func runVersion(_ context.Context, _ []string, _ io.Reader, stdout io.Writer) error {
	_, err := fmt.Fprintln(stdout, "lianxi", version)
	return err
}
