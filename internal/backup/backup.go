// Package backup writes and reads one archive of everything an
// installation needs to be rebuilt: the application database (every
// process's rows, the audit trail, the attachments, which live in it) as a
// pg_dump custom-format dump, and, for a single-machine installation, the
// embedded Temporal server's SQLite store, copied consistently while it
// runs (VACUUM INTO).
//
// Order matters for a running installation: the Temporal store is copied
// first, the database second. A workflow records its steps in the
// database by idempotent activities, so a database a little newer than the
// workflow histories only replays steps already recorded (their keys make
// them no-ops); the other order could lose steps the histories believe
// done.
package backup

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	_ "modernc.org/sqlite" // the embedded Temporal server's store
)

// Archive members.
const (
	manifestName = "manifest.json"
	dumpName     = "lianxi.dump"
	temporalName = "temporal.db"
)

// Manifest describes an archive.
type Manifest struct {
	Format    int       `json:"format"` // 1
	CreatedAt time.Time `json:"created_at"`
	Version   string    `json:"version"`  // the lianxi that wrote it
	Temporal  bool      `json:"temporal"` // the archive holds the embedded Temporal store
	DumpBytes int64     `json:"dump_bytes"`
}

// Source is what a backup reads: the database's URL, the directory of the
// PostgreSQL client programs (pg_dump), and the embedded Temporal store's
// file (empty for an installation with its own Temporal cluster, whose
// persistence is backed up with that cluster).
type Source struct {
	DatabaseURL  string
	BinDir       string
	TemporalFile string
	Version      string
}

// Create writes an archive of src to w.
func Create(ctx context.Context, w io.Writer, src Source) (Manifest, error) {
	tmp, err := os.MkdirTemp("", "lianxi-backup-")
	if err != nil {
		return Manifest{}, err
	}
	defer os.RemoveAll(tmp)
	m := Manifest{Format: 1, CreatedAt: time.Now().UTC(), Version: src.Version}
	var temporalCopy string
	if src.TemporalFile != "" {
		temporalCopy = filepath.Join(tmp, temporalName)
		if err := copySQLite(ctx, src.TemporalFile, temporalCopy); err != nil {
			return m, fmt.Errorf("copy the Temporal store: %w", err)
		}
		m.Temporal = true
	}
	dump := filepath.Join(tmp, dumpName)
	if err := run(ctx, filepath.Join(src.BinDir, "pg_dump"), "--format=custom", "--no-owner", "--no-privileges", "--file="+dump, "--dbname="+src.DatabaseURL); err != nil {
		return m, fmt.Errorf("pg_dump: %w", err)
	}
	st, err := os.Stat(dump)
	if err != nil {
		return m, err
	}
	m.DumpBytes = st.Size()

	gz := gzip.NewWriter(w)
	tw := tar.NewWriter(gz)
	manifest, _ := json.MarshalIndent(m, "", "  ")
	if err := addBytes(tw, manifestName, manifest); err != nil {
		return m, err
	}
	if err := addFile(tw, dumpName, dump); err != nil {
		return m, err
	}
	if temporalCopy != "" {
		if err := addFile(tw, temporalName, temporalCopy); err != nil {
			return m, err
		}
	}
	if err := tw.Close(); err != nil {
		return m, err
	}
	return m, gz.Close()
}

// copySQLite copies a live SQLite database consistently: VACUUM INTO reads
// one snapshot (the write-ahead log included) and writes a compact copy.
func copySQLite(ctx context.Context, from, to string) error {
	if _, err := os.Stat(from); err != nil {
		return err
	}
	db, err := sql.Open("sqlite", "file:"+from+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(ctx, "VACUUM INTO ?", to)
	return err
}

func addBytes(tw *tar.Writer, name string, b []byte) error {
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: int64(len(b)), ModTime: time.Now()}); err != nil {
		return err
	}
	_, err := tw.Write(b)
	return err
}

func addFile(tw *tar.Writer, name, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: st.Size(), ModTime: st.ModTime()}); err != nil {
		return err
	}
	_, err = io.Copy(tw, f)
	return err
}

// Target is where a restore writes: an empty database, the PostgreSQL
// client programs (pg_restore), and the file the embedded Temporal store
// is restored to (empty: the archive's Temporal store, if any, is left
// out).
type Target struct {
	DatabaseURL  string
	BinDir       string
	TemporalFile string
}

// ErrNotEmpty refuses a restore over data.
var ErrNotEmpty = errors.New("the target is not empty")

// Restore reads an archive from r into t. The database must be empty and
// the Temporal file must not exist: a restore never overwrites.
func Restore(ctx context.Context, r io.Reader, t Target, empty func(ctx context.Context) (bool, error)) (Manifest, error) {
	var m Manifest
	if ok, err := empty(ctx); err != nil {
		return m, err
	} else if !ok {
		return m, fmt.Errorf("%w: the database has tables", ErrNotEmpty)
	}
	if t.TemporalFile != "" {
		if _, err := os.Stat(t.TemporalFile); err == nil {
			return m, fmt.Errorf("%w: %s exists", ErrNotEmpty, t.TemporalFile)
		}
	}
	tmp, err := os.MkdirTemp("", "lianxi-restore-")
	if err != nil {
		return m, err
	}
	defer os.RemoveAll(tmp)
	gz, err := gzip.NewReader(r)
	if err != nil {
		return m, fmt.Errorf("not a lianxi backup: %w", err)
	}
	tr := tar.NewReader(gz)
	seen := map[string]bool{}
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return m, fmt.Errorf("reading the archive: %w", err)
		}
		switch h.Name {
		case manifestName:
			if err := json.NewDecoder(io.LimitReader(tr, 1<<20)).Decode(&m); err != nil {
				return m, fmt.Errorf("manifest: %w", err)
			}
		case dumpName, temporalName:
			f, err := os.Create(filepath.Join(tmp, h.Name))
			if err != nil {
				return m, err
			}
			_, err = io.Copy(f, tr)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return m, err
			}
		default:
			return m, fmt.Errorf("not a lianxi backup: unexpected member %q", h.Name)
		}
		seen[h.Name] = true
	}
	if !seen[manifestName] || !seen[dumpName] || m.Format != 1 {
		return m, errors.New("not a lianxi backup: the manifest or the database dump is missing")
	}
	if err := run(ctx, filepath.Join(t.BinDir, "pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
		"--dbname="+t.DatabaseURL, filepath.Join(tmp, dumpName)); err != nil {
		return m, fmt.Errorf("pg_restore: %w", err)
	}
	if t.TemporalFile != "" && seen[temporalName] {
		if err := os.MkdirAll(filepath.Dir(t.TemporalFile), 0o755); err != nil {
			return m, err
		}
		if err := moveFile(filepath.Join(tmp, temporalName), t.TemporalFile); err != nil {
			return m, err
		}
	}
	return m, nil
}

func moveFile(from, to string) error {
	if err := os.Rename(from, to); err == nil {
		return nil
	}
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func run(ctx context.Context, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, name, args...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%w: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}
