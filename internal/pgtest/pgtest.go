// Package pgtest gives each test its own fresh, fully migrated PostgreSQL
// database.
//
// The server is the one named by LIANXI_TEST_DATABASE_URL (set by
// `go run ./cmd/withpg -- go test ./...`, or pointing at any server where we
// may create databases), or else a throwaway cluster started once per test
// process, so a plain `go test ./internal/...` works too.
//
// Migrations run once per server and migration set, into a template database
// named after a hash of the migration files; each test then gets a copy of
// it, which takes milliseconds where migrating would take much longer, and
// which is dropped when the test ends.
package pgtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"lianxi/internal/pgcluster"
	"lianxi/internal/postgres"
)

// tempPrefix names the homes of the clusters this package starts, so that
// later runs can find and remove those whose test process has exited.
const tempPrefix = "lianxi-pgtest-"

// templateLockKey serialises template creation across all test processes
// sharing a server (pg_advisory_lock's key space is per server).
const templateLockKey int64 = 0x6c69616e78690001 // "lianxi" + 1

// NewDatabase returns the URL of a fresh, fully migrated, empty database for
// one test, dropped at t.Cleanup.
func NewDatabase(t testing.TB) string {
	t.Helper()
	s, err := setup()
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	name := "t_" + randomHex(8)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := s.createFromTemplate(ctx, name); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		// FORCE ends sessions the test left open (an unclosed pool, say),
		// which would otherwise make DROP fail.
		if _, err := s.admin.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			t.Errorf("pgtest: dropping %s: %v", name, err)
		}
	})
	return s.urlFor(name)
}

// NewPool is NewDatabase plus a *pgxpool.Pool closed at cleanup.
func NewPool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	dbURL := NewDatabase(t)
	pool, err := pgxpool.New(context.Background(), dbURL)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	// Registered after NewDatabase's cleanup, so it runs before the drop.
	t.Cleanup(pool.Close)
	return pool
}

// server is the per-process state: where the server is and its template.
type server struct {
	maintURL string // URL or keyword/value string of the maintenance database
	admin    *pgxpool.Pool
	template string
	strategy string // clause added to CREATE DATABASE
}

var (
	once      sync.Once
	shared    *server
	sharedErr error
)

// setup finds or starts the server and makes sure the template exists, once
// per test process.
func setup() (*server, error) {
	once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		shared, sharedErr = newServer(ctx)
	})
	return shared, sharedErr
}

func newServer(ctx context.Context) (*server, error) {
	maintURL := os.Getenv(pgcluster.EnvTestURL)
	if maintURL == "" {
		var err error
		if maintURL, err = startCluster(ctx); err != nil {
			return nil, err
		}
	}
	cfg, err := pgxpool.ParseConfig(maintURL)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", pgcluster.EnvTestURL, err)
	}
	cfg.MaxConns = 4
	admin, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256([]byte(postgres.MigrationsHash()))
	s := &server{maintURL: maintURL, admin: admin, template: "lianxi_tpl_" + hex.EncodeToString(sum[:6])}
	var version int
	if err := admin.QueryRow(ctx, "SELECT current_setting('server_version_num')::int").Scan(&version); err != nil {
		admin.Close()
		return nil, err
	}
	if version >= 150000 {
		// PostgreSQL 15 copies through the WAL by default, which for a
		// small database is about three times slower than copying its
		// files (and a checkpoint is cheap on a test server).
		s.strategy = " STRATEGY FILE_COPY"
	}
	if err := s.ensureTemplate(ctx); err != nil {
		admin.Close()
		return nil, err
	}
	return s, nil
}

// startCluster starts a throwaway cluster for this test process. Nothing
// stops it explicitly: when the process exits, the server gets its
// parent-death signal and shuts down, and a later run removes the directory.
func startCluster(ctx context.Context) (string, error) {
	pgcluster.SweepTemp(tempPrefix)
	dir, err := os.MkdirTemp("", tempPrefix)
	if err != nil {
		return "", err
	}
	// Traversable, because as root the server runs as the postgres user.
	if err := os.Chmod(dir, 0o755); err != nil {
		return "", err
	}
	c, err := pgcluster.Start(ctx, pgcluster.Options{Dir: dir, Database: "postgres", Throwaway: true})
	if err != nil {
		os.RemoveAll(dir)
		return "", fmt.Errorf("%w (or set %s to a server where tests may create databases)", err, pgcluster.EnvTestURL)
	}
	return c.URLFor("postgres"), nil
}

// ensureTemplate creates and migrates the template database unless a
// complete one exists. Test binaries of several packages run at once against
// one server, so creation happens under an advisory lock; a template is
// marked complete (datistemplate, no connections allowed) only after its
// migrations succeed, so one left half-built by a killed process is rebuilt.
func (s *server) ensureTemplate(ctx context.Context) error {
	if done, err := s.templateDone(ctx, s.admin); err != nil || done {
		return err
	}
	conn, err := s.admin.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", templateLockKey); err != nil {
		return fmt.Errorf("locking for template creation: %w", err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", templateLockKey)

	// Someone else may have built it while we waited for the lock.
	if done, err := s.templateDone(ctx, conn); err != nil || done {
		return err
	}
	tpl := pgx.Identifier{s.template}.Sanitize()
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+tpl+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("dropping an incomplete template: %w", err)
	}
	// template0 rather than the default template1, so that whatever a
	// shared server added to template1 does not leak into the tests.
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+tpl+" TEMPLATE template0"); err != nil && !isCode(err, "42P04") {
		return fmt.Errorf("creating template %s: %w", s.template, err)
	}
	if err := postgres.Migrate(ctx, s.urlFor(s.template)); err != nil {
		return fmt.Errorf("migrating template %s: %w", s.template, err)
	}
	if _, err := conn.Exec(ctx, "ALTER DATABASE "+tpl+" WITH IS_TEMPLATE true ALLOW_CONNECTIONS false"); err != nil {
		return fmt.Errorf("marking template %s: %w", s.template, err)
	}
	return nil
}

type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func (s *server) templateDone(ctx context.Context, q querier) (bool, error) {
	var done bool
	err := q.QueryRow(ctx, "SELECT datistemplate AND NOT datallowconn FROM pg_database WHERE datname = $1", s.template).Scan(&done)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("looking for template %s: %w", s.template, err)
	}
	return done, nil
}

// createFromTemplate copies the template into a new database. Copying fails
// while anyone is connected to the template; nobody should be once it is
// marked, but a migration's connection may take a moment to go, so that
// error is retried briefly.
func (s *server) createFromTemplate(ctx context.Context, name string) error {
	sql := "CREATE DATABASE " + pgx.Identifier{name}.Sanitize() + " TEMPLATE " + pgx.Identifier{s.template}.Sanitize() + s.strategy
	for delay := 20 * time.Millisecond; ; delay *= 2 {
		_, err := s.admin.Exec(ctx, sql)
		if err == nil {
			return nil
		}
		if !isCode(err, "55006") || delay > 2*time.Second { // object_in_use
			return fmt.Errorf("creating test database: %w", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(delay):
		}
	}
}

// urlFor returns the maintenance connection string with the database
// replaced, in the same form (URL or keyword/value) it was given in.
func (s *server) urlFor(db string) string {
	if strings.HasPrefix(s.maintURL, "postgres://") || strings.HasPrefix(s.maintURL, "postgresql://") {
		if u, err := url.Parse(s.maintURL); err == nil {
			u.Path = "/" + db
			u.RawPath = ""
			return u.String()
		}
	}
	// In keyword/value form a later keyword overrides an earlier one.
	return s.maintURL + " dbname=" + db
}

func isCode(err error, code string) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == code
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
