package postgres

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"sort"

	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

//go:embed migrations/*.sql
var migrations embed.FS

// provider opens the database at url with goose's migration provider. A
// PostgreSQL session lock makes replicas that start together migrate once.
func provider(url string) (*goose.Provider, func(), error) {
	db, err := sql.Open("pgx", url)
	if err != nil {
		return nil, nil, err
	}
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db, sub, goose.WithSessionLocker(locker))
	if err != nil {
		db.Close()
		return nil, nil, fmt.Errorf("migrations: %w", err)
	}
	return p, func() { db.Close() }, nil
}

// Migrate brings the database at url to the newest schema.
func Migrate(ctx context.Context, url string) error {
	p, done, err := provider(url)
	if err != nil {
		return err
	}
	defer done()
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// ErrSchemaBehind says the database needs `lianxi migrate` before this
// binary can use it.
var ErrSchemaBehind = errors.New("the database schema is older than this lianxi: run 'lianxi migrate' first")

// CheckSchema reports ErrSchemaBehind when migrations are pending, so that
// commands which only read or administer never change the schema as a side
// effect.
func CheckSchema(ctx context.Context, url string) error {
	p, done, err := provider(url)
	if err != nil {
		return err
	}
	defer done()
	current, target, err := p.GetVersions(ctx)
	if err != nil {
		return err
	}
	if current < target {
		return fmt.Errorf("%w (at version %d, needs %d)", ErrSchemaBehind, current, target)
	}
	return nil
}

// MigrationsHash identifies the set of migrations, so that test databases
// built from a template are rebuilt when a migration changes.
func MigrationsHash() string {
	names, _ := fs.Glob(migrations, "migrations/*.sql")
	sort.Strings(names)
	h := sha256.New()
	for _, n := range names {
		b, _ := migrations.ReadFile(n)
		h.Write([]byte(n))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

var _ = stdlib.GetDefaultDriver // registers the "pgx" database/sql driver
