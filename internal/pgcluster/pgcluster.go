// Package pgcluster runs a private PostgreSQL cluster from the machine's
// binaries, for `lianxi dev` and for tests.
//
// A cluster lives in one directory (its home): the data directory is
// home/data, the server log home/postgres.log, and the server listens only on
// a Unix socket (in home/run, or a short directory in the system temporary
// directory when that path would be too long for a socket). Authentication is
// "trust", so the socket directory is private to the server's user.
//
// The server is a direct child of the process that called Start. It is given
// a parent-death signal (SIGINT, a fast shutdown), so killing that process,
// even with SIGKILL, leaves no server behind for long, and the next Start in
// the same home recovers: it removes lock files the killed server left and
// stops any orphaned server still shutting down, then starts its own.
//
// When the process runs as root, initdb and postgres run as the "postgres"
// system user, since PostgreSQL refuses to run as root.
package pgcluster

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// ErrNotRunning is returned (wrapped) by Attach when no server is running
// for the cluster home.
var ErrNotRunning = errors.New("no running PostgreSQL cluster")

// ErrAlreadyRunning is returned (wrapped) by Start when another live
// process, or another Cluster in this one, already owns the cluster home.
var ErrAlreadyRunning = errors.New("cluster is already owned by a running process")

// EnvTestURL names the environment variable that points tests at the URL
// of a server's maintenance database, one where they may CREATE DATABASE.
// cmd/withpg sets it; internal/pgtest reads it.
const EnvTestURL = "LIANXI_TEST_DATABASE_URL"

// Timeouts. They are generous because the machine may be busy compiling.
const (
	readyTimeout    = 60 * time.Second // start until the first accepted connection
	shutdownTimeout = 30 * time.Second // fast shutdown before escalating
	pollInterval    = 50 * time.Millisecond
	port            = "5432" // fixed: only the socket directory tells clusters apart
)

// Options configure Start.
type Options struct {
	// Dir is the cluster home; the data directory is Dir/data. It is created
	// if missing.
	Dir string
	// BinDir holds initdb and postgres; FindBinaries is used when empty.
	BinDir string
	// Database is created if missing (default "lianxi").
	Database string
	// Throwaway trades durability for speed, for tests: fsync,
	// synchronous_commit and full_page_writes are off and initdb does not
	// sync. A crash may then corrupt the cluster; a clean Stop does not.
	Throwaway bool
	// Log receives progress and recovery messages; nil discards them.
	Log *slog.Logger
}

// Cluster is a running PostgreSQL server, either started by this process
// (Start) or found running (Attach).
type Cluster struct {
	dir       string
	dataDir   string
	socketDir string
	database  string
	log       *slog.Logger

	// Set only for a cluster we started.
	cmd     *exec.Cmd
	exited  chan struct{} // closed once the server process has been reaped
	waitErr error         // the server's exit status, valid after exited
	logFile *os.File
	lock    *os.File

	stopOnce sync.Once
	stopErr  error
}

// Start initialises the cluster when Dir/data has no PG_VERSION, removes
// stale lock files left by a killed process, starts postgres as a child
// process, waits until it accepts connections, and creates the database if
// missing. Cancelling ctx aborts the start; it does not stop a server that
// has started (use Stop).
//
// If a postgres from an earlier owner is still running on the data directory
// (an orphan), Start stops it and starts its own, so that the returned
// Cluster always owns its server. If a live process owns the cluster home,
// Start fails with ErrAlreadyRunning; use Attach to share that server.
func Start(ctx context.Context, opts Options) (_ *Cluster, err error) {
	if opts.Dir == "" {
		return nil, errors.New("pgcluster: Options.Dir is required")
	}
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("pgcluster: %w", err)
	}
	log := opts.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("cluster", dir)
	binDir := opts.BinDir
	if binDir == "" {
		if binDir, err = FindBinaries(); err != nil {
			return nil, err
		}
	} else if !hasBinaries(binDir) {
		return nil, fmt.Errorf("pgcluster: no initdb and postgres in BinDir %s: %w", binDir, ErrNoBinaries)
	}
	su, err := lookupServerUser()
	if err != nil {
		return nil, err
	}

	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("pgcluster: %w", err)
	}
	if su.switching() {
		if err := su.checkTraversable(dir); err != nil {
			return nil, err
		}
	}
	lock, err := lockDir(dir)
	if err != nil {
		return nil, err
	}
	c := &Cluster{
		dir:       dir,
		dataDir:   filepath.Join(dir, "data"),
		socketDir: socketDirFor(dir),
		database:  orDefault(opts.Database, "lianxi"),
		log:       log,
		lock:      lock,
	}
	defer func() {
		if err != nil {
			c.release()
		}
	}()

	if su.switching() {
		if err := su.checkTraversable(filepath.Dir(c.socketDir)); err != nil {
			return nil, err
		}
	}
	// 0700: with trust authentication, whoever can reach the socket is a
	// superuser.
	if err := su.ensureOwnedDir(c.socketDir, 0o700); err != nil {
		return nil, err
	}
	c.logFile, err = os.OpenFile(filepath.Join(dir, "postgres.log"), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		return nil, fmt.Errorf("pgcluster: %w", err)
	}
	if su.switching() {
		if err := c.logFile.Chown(int(su.uid), int(su.gid)); err != nil {
			return nil, fmt.Errorf("pgcluster: %w", err)
		}
	}

	if _, err := os.Stat(filepath.Join(c.dataDir, "PG_VERSION")); errors.Is(err, fs.ErrNotExist) {
		if err := c.initdb(ctx, binDir, su, opts.Throwaway); err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, fmt.Errorf("pgcluster: %w", err)
	}
	if err := clearStaleLocks(c.dataDir, c.socketDir, log); err != nil {
		return nil, err
	}
	if err := c.spawn(binDir, su, opts.Throwaway); err != nil {
		return nil, err
	}
	if err := c.waitReady(ctx); err != nil {
		c.Stop()
		return nil, err
	}
	if err := c.ensureDatabase(ctx, c.database); err != nil {
		c.Stop()
		return nil, err
	}
	log.Info("postgres ready", "url", c.URL())
	return c, nil
}

// initdb creates the data directory. It initialises into a sibling directory
// and renames it into place, so that Dir/data exists only once initdb has
// finished: a process killed during initdb leaves nothing that looks like a
// cluster (initdb writes PG_VERSION long before it is done).
func (c *Cluster) initdb(ctx context.Context, binDir string, su *serverUser, throwaway bool) error {
	switch entries, err := os.ReadDir(c.dataDir); {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return fmt.Errorf("pgcluster: %w", err)
	case len(entries) == 0:
		if err := os.Remove(c.dataDir); err != nil {
			return fmt.Errorf("pgcluster: %w", err)
		}
	default:
		return fmt.Errorf("pgcluster: %s exists but is not a PostgreSQL data directory (no PG_VERSION): remove it or choose another directory", c.dataDir)
	}

	tmp := c.dataDir + ".initdb"
	var err error
	// C.UTF-8 sorts like C but classifies non-ASCII letters; it is built
	// into glibc since 2.35, and plain C is the fallback where it is not.
	for _, locale := range []string{"C.UTF-8", "C"} {
		c.log.Info("initialising cluster", "data", c.dataDir, "locale", locale)
		if err = os.RemoveAll(tmp); err != nil {
			return fmt.Errorf("pgcluster: %w", err)
		}
		// Created by us (and chowned) because the server user may not be
		// allowed to create entries in Dir.
		if err = su.ensureOwnedDir(tmp, 0o700); err != nil {
			return err
		}
		args := []string{"-D", tmp, "-A", "trust", "-E", "UTF8", "--locale=" + locale, "-U", "postgres"}
		if throwaway {
			args = append(args, "--no-sync")
		}
		cmd := exec.CommandContext(ctx, filepath.Join(binDir, "initdb"), args...)
		c.prepare(cmd, su)
		if err = runTied(cmd); err == nil {
			break
		}
		if ctx.Err() != nil {
			break
		}
	}
	if err != nil {
		os.RemoveAll(tmp)
		return fmt.Errorf("pgcluster: initdb failed: %w\n%s", err, c.logTail())
	}
	if err := os.Rename(tmp, c.dataDir); err != nil {
		return fmt.Errorf("pgcluster: %w", err)
	}
	return nil
}

// prepare sets what initdb and postgres share: the user, a working directory
// the server user can enter, output appended to the log, and an environment
// without PG* variables (PGDATA, PGPORT, ...) that could point them elsewhere.
func (c *Cluster) prepare(cmd *exec.Cmd, su *serverUser) {
	cmd.Dir = c.dir
	cmd.Stdout = c.logFile
	cmd.Stderr = c.logFile
	cmd.SysProcAttr = su.sysProcAttr()
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PG") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
}

// runTied runs cmd to completion, killing it if we die first, so that a
// killed owner does not leave initdb writing into a directory that the next
// Start is about to remove. (The parent-death signal is tied to the thread
// that started the child: see spawn.)
func runTied(cmd *exec.Cmd) error {
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	return cmd.Run()
}

// spawn starts postgres and a goroutine that reaps it.
func (c *Cluster) spawn(binDir string, su *serverUser, throwaway bool) error {
	args := []string{
		"-D", c.dataDir,
		"-k", c.socketDir,
		"-p", port,
		"-c", "listen_addresses=", // Unix socket only: nothing on the network
	}
	if throwaway {
		args = append(args, "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	}
	cmd := exec.Command(filepath.Join(binDir, "postgres"), args...)
	c.prepare(cmd, su)
	// The parent-death signal asks for a fast shutdown if we die, even by
	// SIGKILL. A process group of its own keeps a terminal's Ctrl-C from
	// reaching the server directly: the owner decides when to Stop it.
	cmd.SysProcAttr.Pdeathsig = syscall.SIGINT
	cmd.SysProcAttr.Setpgid = true
	c.log.Info("starting postgres", "socket", c.socketDir, "throwaway", throwaway)

	c.exited = make(chan struct{})
	started := make(chan error, 1)
	go func() {
		// The kernel sends the parent-death signal when the *thread* that
		// forked the child exits, and the Go runtime may retire threads.
		// Keeping this goroutine locked to its thread until the server has
		// exited keeps that thread alive exactly as long as needed.
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		c.waitErr = cmd.Wait()
		close(c.exited)
	}()
	if err := <-started; err != nil {
		return fmt.Errorf("pgcluster: starting postgres: %w", err)
	}
	c.cmd = cmd
	return nil
}

// waitReady polls until the server accepts connections.
func (c *Cluster) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	var lastErr error
	for {
		cctx, ccancel := context.WithTimeout(ctx, time.Second)
		conn, err := pgx.Connect(cctx, c.URLFor("postgres"))
		ccancel()
		if err == nil {
			conn.Close(ctx)
			return nil
		}
		lastErr = err
		select {
		case <-c.exited:
			return fmt.Errorf("pgcluster: postgres exited during startup (%v):\n%s", c.waitErr, c.logTail())
		case <-ctx.Done():
			return fmt.Errorf("pgcluster: postgres did not accept connections within %s (last error: %v):\n%s", readyTimeout, lastErr, c.logTail())
		case <-tick.C:
		}
	}
}

// ensureDatabase creates db unless it exists.
func (c *Cluster) ensureDatabase(ctx context.Context, db string) error {
	conn, err := pgx.Connect(ctx, c.URLFor("postgres"))
	if err != nil {
		return fmt.Errorf("pgcluster: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", db).Scan(&exists); err != nil {
		return fmt.Errorf("pgcluster: %w", err)
	}
	if exists {
		return nil
	}
	_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{db}.Sanitize())
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "42P04" { // duplicate_database: created meanwhile
		err = nil
	}
	if err != nil {
		return fmt.Errorf("pgcluster: creating database %q: %w", db, err)
	}
	return nil
}

// Attach returns a handle to a cluster in dir that another process is already
// running (postmaster.pid alive and the socket answers); ErrNotRunning
// otherwise. Its Stop does nothing. database defaults to "lianxi".
func Attach(ctx context.Context, dir, database string) (*Cluster, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("pgcluster: %w", err)
	}
	c := &Cluster{
		dir:       dir,
		dataDir:   filepath.Join(dir, "data"),
		socketDir: socketDirFor(dir),
		database:  orDefault(database, "lianxi"),
		log:       slog.New(slog.DiscardHandler),
	}
	pid, ok, err := readPidLine(filepath.Join(c.dataDir, "postmaster.pid"))
	if err != nil || !ok || !postgresFor(pid, c.dataDir) {
		return nil, fmt.Errorf("pgcluster: %w in %s", ErrNotRunning, dir)
	}
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(cctx, c.URLFor("postgres"))
	if err != nil {
		return nil, fmt.Errorf("pgcluster: %w in %s: %v", ErrNotRunning, dir, err)
	}
	conn.Close(cctx)
	return c, nil
}

// URL returns the connection URL of the cluster's database.
func (c *Cluster) URL() string { return c.URLFor(c.database) }

// URLFor returns the connection URL of database db, as the superuser
// "postgres" over the Unix socket.
func (c *Cluster) URLFor(db string) string {
	return "postgres://postgres@/" + url.PathEscape(db) + "?host=" + url.QueryEscape(c.socketDir) + "&sslmode=disable"
}

// SocketDir returns the directory holding the server's Unix socket.
func (c *Cluster) SocketDir() string { return c.socketDir }

// Dir returns the cluster home.
func (c *Cluster) Dir() string { return c.dir }

// LogPath returns the server log file.
func (c *Cluster) LogPath() string { return filepath.Join(c.dir, "postgres.log") }

// Stop shuts the server down if we started it: a fast shutdown (SIGINT,
// which disconnects clients and checkpoints), then, if it has not exited in
// time, an immediate one (SIGQUIT), then SIGKILL. It is idempotent, and does
// nothing for an attached cluster.
func (c *Cluster) Stop() error {
	if c.cmd == nil {
		return nil
	}
	c.stopOnce.Do(func() {
		c.stopErr = c.shutdown()
		c.release()
	})
	return c.stopErr
}

func (c *Cluster) shutdown() error {
	select {
	case <-c.exited:
		return fmt.Errorf("pgcluster: postgres had already exited (%v):\n%s", c.waitErr, c.logTail())
	default:
	}
	c.log.Info("stopping postgres")
	steps := []struct {
		sig  syscall.Signal
		wait time.Duration
	}{
		{syscall.SIGINT, shutdownTimeout},
		{syscall.SIGQUIT, 5 * time.Second},
		{syscall.SIGKILL, 5 * time.Second},
	}
	for i, step := range steps {
		if err := c.cmd.Process.Signal(step.sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
			return fmt.Errorf("pgcluster: signalling postgres: %w", err)
		}
		select {
		case <-c.exited:
			if i > 0 {
				return fmt.Errorf("pgcluster: postgres ignored a fast shutdown for %s and needed %v", shutdownTimeout, step.sig)
			}
			return nil
		case <-time.After(step.wait):
		}
	}
	return errors.New("pgcluster: postgres did not exit even after SIGKILL")
}

// release closes the log file and gives up the owner lock.
func (c *Cluster) release() {
	// A socket directory outside the home (for a long home path) would
	// otherwise pile up in the temporary directory; the server removes its
	// socket files when it stops, and Remove leaves a non-empty directory.
	if !strings.HasPrefix(c.socketDir, c.dir+string(filepath.Separator)) {
		os.Remove(c.socketDir)
	}
	if c.logFile != nil {
		c.logFile.Close()
	}
	if c.lock != nil {
		c.lock.Close()
	}
}

// logTail returns the end of the server log, for error messages.
func (c *Cluster) logTail() string {
	f, err := os.Open(c.LogPath())
	if err != nil {
		return ""
	}
	defer f.Close()
	const max = 4096
	if fi, err := f.Stat(); err == nil && fi.Size() > max {
		f.Seek(fi.Size()-max, io.SeekStart)
	}
	data, _ := io.ReadAll(f)
	s := string(data)
	if len(data) == max {
		if i := strings.IndexByte(s, '\n'); i >= 0 {
			s = s[i+1:]
		}
	}
	return "--- " + c.LogPath() + " (tail) ---\n" + strings.TrimRight(s, "\n")
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
