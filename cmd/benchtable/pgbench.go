package main

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"

	"github.com/jackc/pgx/v5"

	"lianxi/internal/benchtab"
	"lianxi/internal/pgcluster"
)

var tpsLine = regexp.MustCompile(`tps = ([0-9.]+) \(without initial connection time\)`)

// pgbench measures the storage floor: pgbench's built-in simple-update
// script (one UPDATE, one SELECT, one INSERT per transaction) from 16
// clients on a database of its own in the same cluster.
func pgbench(ctx context.Context, maintenance string, short bool, tab *benchtab.Table, log io.Writer) error {
	bin, err := pgcommand("pgbench")
	if err != nil {
		return err
	}
	conn, err := pgx.Connect(ctx, maintenance)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, _ = conn.Exec(ctx, "DROP DATABASE IF EXISTS lianxi_pgbench")
	if _, err := conn.Exec(ctx, "CREATE DATABASE lianxi_pgbench"); err != nil {
		return err
	}
	defer conn.Exec(context.WithoutCancel(ctx), "DROP DATABASE IF EXISTS lianxi_pgbench")
	u, err := url.Parse(maintenance)
	if err != nil {
		return err
	}
	u.Path = "/lianxi_pgbench"
	db := u.String()

	secs := "20"
	if short {
		secs = "5"
	}
	for _, args := range [][]string{
		{"-i", "-q", "-s", "10", db},
		{"-b", "simple-update", "-c", "16", "-j", "2", "-T", secs, "-n", db},
	} {
		cmd := exec.CommandContext(ctx, bin, args...)
		out, err := cmd.CombinedOutput()
		fmt.Fprintf(log, "\n== pgbench %v\n%s", args[:len(args)-1], out)
		if err != nil {
			return fmt.Errorf("pgbench %v: %w", args[:len(args)-1], err)
		}
		if args[0] == "-b" {
			m := tpsLine.FindSubmatch(out)
			if m == nil {
				return fmt.Errorf("pgbench printed no tps")
			}
			tps, _ := strconv.ParseFloat(string(m[1]), 64)
			tab.Add(benchtab.Row{Section: benchtab.SectionStorage, Name: "pgbench simple-update, 16 clients", Value: tps, Unit: "tx/s",
				Note: "same PostgreSQL as the benchmarks, scale 10, " + secs + " s"})
		}
	}
	return nil
}

// pgcommand finds a PostgreSQL client program next to the server binaries
// the clusters are started from.
func pgcommand(name string) (string, error) {
	dir, err := pgcluster.FindBinaries()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, name), nil
}
