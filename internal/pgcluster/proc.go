package pgcluster

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// processAlive reports whether pid names a process that has not yet exited.
// A zombie counts as dead: it holds no files or sockets, and an orphaned
// postgres reparented to a pid 1 that never reaps stays a zombie for ever.
func processAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// The state follows the command name, which is in parentheses and may
	// itself contain spaces or parentheses.
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return false
	}
	fields := strings.Fields(string(data[i+1:]))
	return len(fields) > 0 && fields[0] != "Z" && fields[0] != "X"
}

// isPostgres reports whether pid is a live PostgreSQL server process (of any
// cluster). The kernel's comm name is used rather than the command line,
// because backends overwrite their command line with a status display.
func isPostgres(pid int) bool {
	if !processAlive(pid) {
		return false
	}
	comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	if err != nil {
		return false
	}
	name := strings.TrimSpace(string(comm))
	return name == "postgres" || name == "postmaster"
}

// postgresFor reports whether pid is a live postgres serving dataDir.
//
// A postmaster chdirs into its data directory, so its cwd identifies the
// cluster even when its pid has been reused. When the cwd cannot be read (a
// process of another user, as non-root) the command line is checked for the
// data directory; failing that the answer is "yes", because wrongly treating
// a live postmaster's postmaster.pid as stale could let two servers write
// the same data directory, while the other mistake only makes Start fail.
func postgresFor(pid int, dataDir string) bool {
	if !isPostgres(pid) {
		return false
	}
	want := realPath(dataDir)
	if cwd, err := os.Readlink(fmt.Sprintf("/proc/%d/cwd", pid)); err == nil {
		return cwd == want
	}
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return !errors.Is(err, fs.ErrNotExist)
	}
	args := strings.Split(string(cmdline), "\x00")
	for i, a := range args {
		if a == "-D" && i+1 < len(args) {
			return realPath(args[i+1]) == want
		}
	}
	return true
}

func realPath(p string) string {
	if r, err := filepath.EvalSymlinks(p); err == nil {
		return r
	}
	return filepath.Clean(p)
}

// readPidLine returns the pid on the first line of a PostgreSQL lock file
// (postmaster.pid or a socket's .lock file). ok is false when the file exists
// but holds no valid pid, as after a crash in the middle of writing it.
func readPidLine(path string) (pid int, ok bool, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, false, err
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	if !s.Scan() {
		return 0, false, s.Err()
	}
	pid, err = strconv.Atoi(strings.TrimSpace(s.Text()))
	if err != nil || pid == 0 {
		return 0, false, nil
	}
	// A negative pid marks a standalone backend (postgres --single).
	if pid < 0 {
		pid = -pid
	}
	return pid, true, nil
}

// clearStaleLocks makes the data and socket directories startable after the
// process that owned the cluster was killed. It runs while we hold the
// directory lock, so any postgres it finds serving dataDir is an orphan.
//
// PostgreSQL itself ignores a postmaster.pid whose pid is dead, but not one
// whose pid now belongs to an unrelated live process of the same user, and
// not its own still-running orphan: those are the cases handled here.
func clearStaleLocks(dataDir, socketDir string, log *slog.Logger) error {
	pidFile := filepath.Join(dataDir, "postmaster.pid")
	pid, ok, err := readPidLine(pidFile)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return fmt.Errorf("pgcluster: reading %s: %w", pidFile, err)
	case ok && postgresFor(pid, dataDir):
		// An orphan from a killed owner: usually one already shutting down
		// because of its parent-death signal. We stop it rather than attach
		// to it, so that the Cluster we return always owns its server and
		// runs with the options it was given.
		log.Warn("stopping orphaned postgres left by a previous owner", "pid", pid, "data", dataDir)
		if err := stopOrphan(pid); err != nil {
			return err
		}
		// A clean exit removes postmaster.pid; SIGKILL does not.
		if err := removeIfExists(pidFile); err != nil {
			return err
		}
	default:
		log.Info("removing stale postmaster.pid", "pid", pid, "data", dataDir)
		if err := removeIfExists(pidFile); err != nil {
			return err
		}
	}

	locks, _ := filepath.Glob(filepath.Join(socketDir, ".s.PGSQL.*.lock"))
	for _, lock := range locks {
		pid, ok, err := readPidLine(lock)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("pgcluster: reading %s: %w", lock, err)
		}
		// A live postgres of any cluster keeps its socket; postgres then
		// reports the clash itself.
		if ok && isPostgres(pid) {
			continue
		}
		log.Info("removing stale socket lock", "file", lock, "pid", pid)
		if err := removeIfExists(strings.TrimSuffix(lock, ".lock")); err != nil {
			return err
		}
		if err := removeIfExists(lock); err != nil {
			return err
		}
	}
	return nil
}

// stopOrphan shuts down a postgres that is not our child: a fast shutdown
// first, then an immediate one, then SIGKILL, each bounded.
func stopOrphan(pid int) error {
	steps := []struct {
		sig  syscall.Signal
		wait time.Duration
	}{
		{syscall.SIGINT, 30 * time.Second},
		{syscall.SIGQUIT, 5 * time.Second},
		{syscall.SIGKILL, 5 * time.Second},
	}
	for _, step := range steps {
		if err := syscall.Kill(pid, step.sig); err != nil {
			if errors.Is(err, syscall.ESRCH) {
				return nil
			}
			return fmt.Errorf("pgcluster: cannot stop orphaned postgres (pid %d) still running on this data directory: %w", pid, err)
		}
		if waitGone(pid, step.wait) {
			return nil
		}
	}
	return fmt.Errorf("pgcluster: orphaned postgres (pid %d) did not exit even after SIGKILL", pid)
}

// waitGone polls until pid is no longer a live postgres or d has passed.
func waitGone(pid int, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for {
		if !isPostgres(pid) {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func removeIfExists(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("pgcluster: %w", err)
	}
	return nil
}

// lockName is the file in the cluster home that its owning process holds an
// exclusive flock on. The kernel drops the lock when the owner dies however
// it dies, so a held lock means a live owner and a free one means that any
// postgres still running on the data directory is an orphan.
const lockName = "pgcluster.lock"

// lockProbeGrace is how long lockDir keeps trying a held lock: InUse (a
// sweeper deciding what it may delete) holds it for an instant, an owner
// holds it for as long as it runs.
const lockProbeGrace = 2 * time.Second

// lockDir takes the owner lock of the cluster home dir, waiting only out a
// sweeper's momentary probe.
func lockDir(dir string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, lockName), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("pgcluster: %w", err)
	}
	deadline := time.Now().Add(lockProbeGrace)
	err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	for errors.Is(err, syscall.EWOULDBLOCK) && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	}
	if err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("pgcluster: %w: %s (use Attach to share it)", ErrAlreadyRunning, dir)
		}
		return nil, fmt.Errorf("pgcluster: locking %s: %w", dir, err)
	}
	return f, nil
}

// InUse reports whether the cluster home dir is owned by a live process (one
// that called Start and has not stopped) or still has a postgres running on
// its data directory. Sweepers of leftover temporary clusters use it to
// decide what is safe to delete.
func InUse(dir string) bool {
	f, err := os.OpenFile(filepath.Join(dir, lockName), os.O_RDWR, 0)
	if err == nil {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		f.Close() // also releases the lock if we got it
		if err != nil {
			return true
		}
	}
	dataDir := filepath.Join(dir, "data")
	pid, ok, _ := readPidLine(filepath.Join(dataDir, "postmaster.pid"))
	return ok && postgresFor(pid, dataDir)
}

// SweepTemp removes the homes of temporary clusters, os.TempDir()/prefix*,
// that nobody uses any more: their owner exited without cleaning up (a test
// binary, which has no hook at exit, or a process killed with SIGKILL).
// Homes younger than a minute are spared, because their owner may have
// created them and not yet called Start.
func SweepTemp(prefix string) {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), prefix+"*"))
	for _, dir := range dirs {
		fi, err := os.Lstat(dir)
		if err != nil || !fi.IsDir() || time.Since(fi.ModTime()) < time.Minute || InUse(dir) {
			continue
		}
		// Only what looks like a cluster home, in case someone else uses
		// the same prefix.
		if _, err := os.Stat(filepath.Join(dir, lockName)); err != nil {
			continue
		}
		os.RemoveAll(dir)
		// A long home's socket directory lives apart; it is empty once its
		// server has gone.
		os.Remove(socketDirFor(dir))
	}
}
