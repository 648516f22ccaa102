package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"lianxi/internal/auth"
	"lianxi/internal/domain"
	"lianxi/internal/i18n"
	"lianxi/internal/postgres"
)

// adminFlags are the flags every administrative command shares: where the
// database is.
func adminFlags(name string, stdout io.Writer) *flagSet {
	fs := newFlags(name, stdout)
	fs.dataDir()
	fs.database()
	fs.logging()
	fs.cfg.LogLevel = "warn"
	return fs
}

// withStore opens the database of an installation (a running lianxi dev's
// cluster, or one started for the command) and runs fn.
func withStore(ctx context.Context, cfg *Config, fn func(*postgres.Store, *auth.Service) error) error {
	log := cfg.logger(os.Stderr)
	store, closeDB, err := database(ctx, cfg, log, shareCluster)
	if err != nil {
		return err
	}
	defer closeDB()
	a, err := newAuth(store, cfg, log)
	if err != nil {
		return err
	}
	return fn(store, a)
}

func runMigrate(ctx context.Context, args []string, _ io.Reader, stdout io.Writer) error {
	fs := adminFlags("migrate", stdout)
	cfg, err := fs.parse(args)
	if err != nil {
		return err
	}
	log := cfg.logger(os.Stderr)
	_, closeDB, err := database(ctx, cfg, log, migrateOnly)
	if err != nil {
		return err
	}
	closeDB()
	_, err = fmt.Fprintln(stdout, "database schema is up to date; seed loaded")
	return err
}

// userMessage renders a domain error for the terminal, in English, with the
// field messages.
func userMessage(err error) error {
	de := domain.AsError(err)
	if de == nil || de.Kind == domain.KindInternal {
		return err
	}
	title, fields := i18n.ErrorMessage(i18n.EN, err)
	var b strings.Builder
	b.WriteString(title)
	for _, f := range de.Fields {
		fmt.Fprintf(&b, "\n  %s: %s", f.Field, fields[f.Field])
	}
	return errors.New(b.String())
}

func readPassword(stdin io.Reader) (string, error) {
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		return "", errors.New("no password on standard input (e.g. echo \"$PASSWORD\" | lianxi user add ...)")
	}
	return pw, nil
}

func runUser(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) error {
	sub := ""
	if len(args) > 0 {
		sub, args = args[0], args[1:]
	}
	switch sub {
	case "add":
		return userAdd(ctx, args, stdin, stdout)
	case "passwd":
		return userOne(ctx, "passwd", args, stdout, func(ctx context.Context, a *auth.Service, name string) error {
			pw, err := readPassword(stdin)
			if err != nil {
				return err
			}
			return a.SetPassword(ctx, auth.System, name, pw, auth.Meta{})
		})
	case "disable", "enable":
		return userOne(ctx, sub, args, stdout, func(ctx context.Context, a *auth.Service, name string) error {
			return a.SetDisabled(ctx, auth.System, name, sub == "disable", auth.Meta{})
		})
	case "list":
		fs := adminFlags("user list", stdout)
		cfg, err := fs.parse(args)
		if err != nil {
			return err
		}
		return withStore(ctx, cfg, func(_ *postgres.Store, a *auth.Service) error {
			users, err := a.ListUsers(ctx, auth.System)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "USERNAME\tNAME\tROLES\tSTATUS")
			for _, u := range users {
				status := "active"
				if u.Disabled {
					status = "disabled"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", u.Username, u.DisplayName, auth.FormatGrants(u.Grants), status)
			}
			return tw.Flush()
		})
	}
	fmt.Fprintln(stdout, "usage: lianxi user add|passwd|list|disable|enable [flags] [USERNAME]")
	return errUsage
}

func userAdd(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) error {
	fs := adminFlags("user add", stdout)
	name := fs.String("name", "", "display name (default: the username)")
	role := fs.String("role", "", "role: admin, office, convener, liaison, member or expert")
	committee := fs.String("committee", "", "committee code, for office and convener")
	department := fs.String("department", "", "department code, for liaison and member")
	roles := fs.String("roles", "", `more roles, e.g. "office@science;liaison:finance"`)
	cfg, err := fs.parse(args)
	if err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stdout, "usage: lianxi user add [flags] USERNAME   (password on standard input)")
		return errUsage
	}
	username := fs.Arg(0)
	grants, err := auth.ParseGrants(*roles)
	if err != nil {
		return userMessage(err)
	}
	if *role != "" {
		grants = append(grants, domain.Grant{Role: domain.Role(*role), Committee: *committee, Department: *department})
	}
	if *name == "" {
		*name = username
	}
	pw, err := readPassword(stdin)
	if err != nil {
		return err
	}
	return withStore(ctx, cfg, func(_ *postgres.Store, a *auth.Service) error {
		u, err := a.CreateUser(ctx, auth.System, domain.NewUser{Username: username, Password: pw, DisplayName: *name, Grants: grants}, auth.Meta{})
		if err != nil {
			return userMessage(err)
		}
		_, err = fmt.Fprintf(stdout, "created user %s (%s)\n", u.Username, auth.FormatGrants(u.Grants))
		return err
	})
}

func userOne(ctx context.Context, sub string, args []string, stdout io.Writer, fn func(context.Context, *auth.Service, string) error) error {
	fs := adminFlags("user "+sub, stdout)
	cfg, err := fs.parse(args)
	if err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fmt.Fprintf(stdout, "usage: lianxi user %s [flags] USERNAME\n", sub)
		return errUsage
	}
	return withStore(ctx, cfg, func(_ *postgres.Store, a *auth.Service) error {
		if err := fn(ctx, a, fs.Arg(0)); err != nil {
			return userMessage(err)
		}
		_, err := fmt.Fprintf(stdout, "user %s: %s done\n", fs.Arg(0), sub)
		return err
	})
}

func runToken(ctx context.Context, args []string, _ io.Reader, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		fmt.Fprintln(stdout, "usage: lianxi token create --user NAME [--name LABEL]")
		return errUsage
	}
	fs := adminFlags("token create", stdout)
	user := fs.String("user", "", "the user the token acts as")
	label := fs.String("name", "", "a label to recognise the token by")
	cfg, err := fs.parse(args[1:])
	if err != nil {
		return err
	}
	if *user == "" {
		fmt.Fprintln(stdout, "usage: lianxi token create --user NAME [--name LABEL]")
		return errUsage
	}
	return withStore(ctx, cfg, func(_ *postgres.Store, a *auth.Service) error {
		tok, err := a.CreateToken(ctx, *user, *label, auth.Meta{})
		if err != nil {
			return userMessage(err)
		}
		_, err = fmt.Fprintln(stdout, tok)
		return err
	})
}

// errChainBroken makes `lianxi audit verify` exit non-zero.
var errChainBroken = errors.New("audit trail verification failed")

func runAudit(ctx context.Context, args []string, _ io.Reader, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "verify" {
		fmt.Fprintln(stdout, "usage: lianxi audit verify [--data-dir DIR | --database-url URL]")
		return errUsage
	}
	fs := adminFlags("audit verify", stdout)
	cfg, err := fs.parse(args[1:])
	if err != nil {
		return err
	}
	return withStore(ctx, cfg, func(s *postgres.Store, _ *auth.Service) error {
		n, brk, err := s.VerifyAudit(ctx)
		if err != nil {
			return err
		}
		if brk != nil {
			fmt.Fprintf(stdout, "BROKEN at seq %d: %s (%d records before it verified)\n", brk.Seq, brk.Reason, n)
			return errChainBroken
		}
		_, err = fmt.Fprintf(stdout, "ok: %d audit records verified\n", n)
		return err
	})
}
