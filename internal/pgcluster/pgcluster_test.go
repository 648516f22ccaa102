package pgcluster_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"lianxi/internal/pgcluster"
)

// ownerEnv makes the test binary act as a cluster owner that the orphan test
// can SIGKILL: it starts a cluster in the named directory, reports, and waits.
const ownerEnv = "PGCLUSTER_TEST_OWNER_DIR"

func TestMain(m *testing.M) {
	if dir := os.Getenv(ownerEnv); dir != "" {
		c, err := pgcluster.Start(context.Background(), pgcluster.Options{Dir: dir, Throwaway: true})
		if err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		fmt.Println("ready", c.URL())
		select {}
	}
	code := m.Run()
	if seed.home != "" {
		os.RemoveAll(seed.home)
	}
	os.Exit(code)
}

// clusterHome returns a fresh directory for a cluster home, holding a copy
// of a data directory initialised once per test binary (initdb takes seconds
// on a busy machine; copying takes a fraction of one).
//
// It is not t.TempDir(): that lives in a 0700 directory which the postgres
// user cannot traverse when the tests run as root.
func clusterHome(t *testing.T) string {
	t.Helper()
	dir := mkdirTemp(t)
	seed := seedData(t)
	if out, err := exec.Command("cp", "-a", seed, filepath.Join(dir, "data")).CombinedOutput(); err != nil {
		t.Fatalf("copying the seed cluster: %v: %s", err, out)
	}
	return dir
}

func mkdirTemp(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "pgcluster-test-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

var seed struct {
	once sync.Once
	home string
	err  error
}

// seedData runs initdb through Start once, in a fresh home, and returns its
// stopped data directory.
func seedData(t *testing.T) string {
	t.Helper()
	if _, err := pgcluster.FindBinaries(); err != nil {
		t.Skip(err)
	}
	seed.once.Do(func() {
		seed.home, seed.err = os.MkdirTemp("", "pgcluster-seed-")
		if seed.err == nil {
			seed.err = os.Chmod(seed.home, 0o755)
		}
		if seed.err != nil {
			return
		}
		var c *pgcluster.Cluster
		c, seed.err = pgcluster.Start(context.Background(), pgcluster.Options{Dir: seed.home, Throwaway: true})
		if seed.err == nil {
			seed.err = c.Stop()
		}
	})
	if seed.err != nil {
		t.Fatalf("seed cluster: %v", seed.err)
	}
	return filepath.Join(seed.home, "data")
}

func start(t *testing.T, dir string) *pgcluster.Cluster {
	t.Helper()
	binDir, err := pgcluster.FindBinaries()
	if errors.Is(err, pgcluster.ErrNoBinaries) {
		t.Skip(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	log := slog.New(slog.NewTextHandler(t.Output(), nil))
	c, err := pgcluster.Start(ctx, pgcluster.Options{Dir: dir, BinDir: binDir, Throwaway: true, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Stop() })
	return c
}

func connect(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(ctx) })
	return conn
}

func TestFindBinaries(t *testing.T) {
	dir, err := pgcluster.FindBinaries()
	if err != nil {
		if _, statErr := os.Stat("/usr/lib/postgresql"); statErr == nil {
			t.Fatalf("FindBinaries: %v, but /usr/lib/postgresql exists", err)
		}
		if !errors.Is(err, pgcluster.ErrNoBinaries) || !strings.Contains(err.Error(), "apt-get install postgresql") {
			t.Fatalf("error %q should wrap ErrNoBinaries and say how to fix it", err)
		}
		t.Skip(err)
	}
	for _, name := range []string{"initdb", "postgres"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("FindBinaries = %s, which lacks %s", dir, name)
		}
	}
	if _, err := os.Stat("/usr/lib/postgresql/15/bin/postgres"); err == nil {
		if dir != "/usr/lib/postgresql/15/bin" {
			t.Errorf("FindBinaries = %s, want /usr/lib/postgresql/15/bin", dir)
		}
	}
}

// TestPersistence also runs the cluster from a home whose path is too long
// for a socket, so the socket moves to a short directory.
func TestPersistence(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(mkdirTemp(t), strings.Repeat("long-directory-name-", 5))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("cp", "-a", seedData(t), filepath.Join(dir, "data")).CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	c := start(t, dir)
	if got := filepath.Join(c.SocketDir(), ".s.PGSQL.5432"); len(got) > 100 {
		t.Errorf("socket path %s is %d bytes", got, len(got))
	}
	if strings.HasPrefix(c.SocketDir(), dir) {
		t.Errorf("socket dir %s should have moved out of the long home", c.SocketDir())
	}
	ctx := context.Background()
	conn := connect(t, c.URL())
	if _, err := conn.Exec(ctx, "CREATE TABLE notes (body text); INSERT INTO notes VALUES ('kept')"); err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx)
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := c.Stop(); err != nil {
		t.Fatalf("second Stop: %v", err)
	}

	c = start(t, dir)
	var body string
	if err := connect(t, c.URL()).QueryRow(ctx, "SELECT body FROM notes").Scan(&body); err != nil {
		t.Fatal(err)
	}
	if body != "kept" {
		t.Fatalf("body = %q", body)
	}
}

func TestAttach(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := clusterHome(t)
	c := start(t, dir)

	a, err := pgcluster.Attach(ctx, dir, "")
	if err != nil {
		t.Fatal(err)
	}
	if a.URL() != c.URL() {
		t.Errorf("Attach URL %s, Start URL %s", a.URL(), c.URL())
	}
	if err := a.Stop(); err != nil {
		t.Fatal(err)
	}
	// Stopping the attached handle must not have stopped the server.
	var one int
	if err := connect(t, a.URL()).QueryRow(ctx, "SELECT 1").Scan(&one); err != nil {
		t.Fatal(err)
	}

	if _, err := pgcluster.Start(ctx, pgcluster.Options{Dir: dir, Throwaway: true}); !errors.Is(err, pgcluster.ErrAlreadyRunning) {
		t.Fatalf("second Start on a running home: %v, want ErrAlreadyRunning", err)
	}

	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := pgcluster.Attach(ctx, dir, ""); !errors.Is(err, pgcluster.ErrNotRunning) {
		t.Fatalf("Attach after Stop: %v, want ErrNotRunning", err)
	}
	if pgcluster.InUse(dir) {
		t.Error("InUse after Stop")
	}
}

// TestStaleLockFiles leaves the lock files of a killed server behind: first
// with a dead pid, then with a pid reused by an unrelated live process of the
// server's user, which PostgreSQL alone would take for a running server.
func TestStaleLockFiles(t *testing.T) {
	t.Parallel()
	dir := clusterHome(t)
	c := start(t, dir)
	sock := c.SocketDir()
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}

	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	writeLocks(t, dir, sock, dead.Process.Pid)
	c = start(t, dir)
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}

	live := exec.Command("sleep", "60")
	if os.Geteuid() == 0 {
		// As another user the pid would be invisible to postgres's kill(pid, 0)
		// check and so harmless; the dangerous reuse is by its own user.
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatal(err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		live.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
	}
	if err := live.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { live.Process.Kill(); live.Wait() })
	writeLocks(t, dir, sock, live.Process.Pid)
	c = start(t, dir)
	var one int
	if err := connect(t, c.URL()).QueryRow(context.Background(), "SELECT 1").Scan(&one); err != nil {
		t.Fatal(err)
	}
}

// writeLocks writes a postmaster.pid and a socket lock file naming pid, as
// a server killed with SIGKILL leaves them.
func writeLocks(t *testing.T, dir, sockDir string, pid int) {
	t.Helper()
	data := filepath.Join(dir, "data")
	pidFile := fmt.Sprintf("%d\n%s\n%d\n5432\n%s\n\n  5432001  1\nready   \n", pid, data, time.Now().Unix(), sockDir)
	if err := os.WriteFile(filepath.Join(data, "postmaster.pid"), []byte(pidFile), 0o600); err != nil {
		t.Fatal(err)
	}
	sockLock := fmt.Sprintf("%d\n%s\n%d\n5432\n%s\n", pid, data, time.Now().Unix(), sockDir)
	if err := os.WriteFile(filepath.Join(sockDir, ".s.PGSQL.5432.lock"), []byte(sockLock), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestOwnerKilled SIGKILLs a process that owns a running cluster and starts
// the cluster again straight away, while the orphaned server may still be
// shutting down.
func TestOwnerKilled(t *testing.T) {
	t.Parallel()
	if _, err := pgcluster.FindBinaries(); err != nil {
		t.Skip(err)
	}
	ctx := context.Background()
	dir := clusterHome(t)
	owner := exec.Command(os.Args[0], "-test.run=^$")
	owner.Env = append(os.Environ(), ownerEnv+"="+dir)
	owner.Stderr = os.Stderr
	out, err := owner.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := owner.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { owner.Process.Kill(); owner.Wait() })
	line, _ := bufio.NewReader(out).ReadString('\n')
	if !strings.HasPrefix(line, "ready ") {
		t.Fatalf("owner said %q", line)
	}
	if !pgcluster.InUse(dir) {
		t.Error("InUse = false while the owner runs")
	}
	a, err := pgcluster.Attach(ctx, dir, "")
	if err != nil {
		t.Fatalf("Attach from another process: %v", err)
	}
	if a.URL() != strings.TrimSpace(strings.TrimPrefix(line, "ready ")) {
		t.Errorf("Attach URL %s, owner URL %s", a.URL(), line)
	}

	owner.Process.Kill()
	owner.Wait()
	c := start(t, dir)
	var one int
	if err := connect(t, c.URL()).QueryRow(ctx, "SELECT 1").Scan(&one); err != nil {
		t.Fatal(err)
	}
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	if pgcluster.InUse(dir) {
		t.Error("a postgres is still running after Stop")
	}
}

func TestUntraversableParent(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("only root switches to the postgres user")
	}
	if _, err := pgcluster.FindBinaries(); err != nil {
		t.Skip(err)
	}
	private := t.TempDir() // in a root-only 0700 directory
	_, err := pgcluster.Start(context.Background(), pgcluster.Options{Dir: filepath.Join(private, "c"), Throwaway: true})
	if err == nil || !strings.Contains(err.Error(), "cannot traverse") || !strings.Contains(err.Error(), "choose another directory") {
		t.Fatalf("Start under a private directory: %v", err)
	}
}
