package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5"

	"lianxi/internal/backup"
	"lianxi/internal/pgcluster"
)

// temporalFile is where lianxi dev keeps the embedded Temporal store.
func temporalFile(dataDir string) string { return filepath.Join(dataDir, "temporal", "temporal.db") }

// runBackup writes one archive of an installation: its database and, for
// a lianxi dev data directory, the embedded Temporal store. It works while
// the installation runs.
func runBackup(ctx context.Context, args []string, _ io.Reader, stdout io.Writer) error {
	fs := adminFlags("backup", stdout)
	out := fs.String("out", "", "archive to write; default lianxi-backup-<time>.tar.gz here, - for standard output")
	cfg, err := fs.parse(args)
	if err != nil {
		return err
	}
	bin, err := pgcluster.FindBinaries()
	if err != nil {
		return err
	}
	log := cfg.logger(os.Stderr)
	url, release, err := databaseURL(ctx, cfg, log, shareCluster)
	if err != nil {
		return err
	}
	defer release()
	src := backup.Source{DatabaseURL: url, BinDir: bin, Version: version}
	if cfg.DatabaseURL == "" {
		src.TemporalFile = temporalFile(cfg.DataDir)
	}
	if *out == "-" {
		_, err := backup.Create(ctx, stdout, src)
		return err
	}
	name := *out
	if name == "" {
		name = "lianxi-backup-" + time.Now().Format("20060102-150405") + ".tar.gz"
	}
	f, err := os.OpenFile(name, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	m, err := backup.Create(ctx, f, src)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(name)
		return err
	}
	_, err = fmt.Fprintf(stdout, "backup written to %s (database dump %d bytes, Temporal store included: %v)\n", name, m.DumpBytes, m.Temporal)
	return err
}

// runRestore brings an archive back into an empty installation: a data
// directory with no database yet (its cluster is created), or an empty
// database given by URL.
func runRestore(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) error {
	fs := adminFlags("restore", stdout)
	cfg, err := fs.parse(args)
	if err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stdout, "usage: lianxi restore [--data-dir DIR | --database-url URL] ARCHIVE (- for standard input)")
		return errUsage
	}
	var in io.Reader = stdin
	if fs.Arg(0) != "-" {
		f, err := os.Open(fs.Arg(0))
		if err != nil {
			return err
		}
		defer f.Close()
		in = f
	}
	bin, err := pgcluster.FindBinaries()
	if err != nil {
		return err
	}
	t := backup.Target{DatabaseURL: cfg.DatabaseURL, BinDir: bin}
	if cfg.DatabaseURL == "" {
		if cfg.DataDir, err = filepath.Abs(cfg.DataDir); err != nil {
			return err
		}
		if _, err := os.Stat(filepath.Join(clusterDir(cfg.DataDir), "data", "PG_VERSION")); err == nil {
			return fmt.Errorf("%w: %s already holds a database; restore into a new data directory", backup.ErrNotEmpty, cfg.DataDir)
		}
		if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
			return err
		}
		cl, err := pgcluster.Start(ctx, pgcluster.Options{Dir: clusterDir(cfg.DataDir), Log: cfg.logger(os.Stderr)})
		if err != nil {
			return err
		}
		defer cl.Stop()
		t.DatabaseURL, t.TemporalFile = cl.URL(), temporalFile(cfg.DataDir)
	}
	m, err := backup.Restore(ctx, in, t, func(ctx context.Context) (bool, error) { return emptyDatabase(ctx, t.DatabaseURL) })
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "restored the backup of %s (Temporal store: %v)\n", m.CreatedAt.Format(time.RFC3339), m.Temporal && t.TemporalFile != "")
	return err
}

// emptyDatabase reports whether a database has no tables of its own.
func emptyDatabase(ctx context.Context, url string) (bool, error) {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return false, err
	}
	defer conn.Close(ctx)
	var n int
	err = conn.QueryRow(ctx, `SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')`).Scan(&n)
	return n == 0, err
}
