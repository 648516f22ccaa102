// Package postgres stores Lianxi's state in PostgreSQL: the goose migrations
// (embedded), the sqlc queries and the Store that turns rows into domain
// types and database errors into domain errors. Generated code stays inside
// this package.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/sync/singleflight"

	"lianxi/internal/domain"
	"lianxi/internal/postgres/sqlcgen"
)

// Store is Lianxi's PostgreSQL storage.
type Store struct {
	pool *pgxpool.Pool
	q    *sqlcgen.Queries
	now  func() time.Time
	// statsFlight shares one computation of the ledger's statistics among
	// the readers asking for the same while it runs.
	statsFlight *singleflight.Group
}

// PoolOptions tune the connection pool.
type PoolOptions struct {
	MaxConns int32 // 0: pgx's default (the larger of 4 and the number of CPUs)
}

// Open connects to the database at url and checks that it answers.
func Open(ctx context.Context, url string, opt PoolOptions) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("database url: %w", err)
	}
	if opt.MaxConns > 0 {
		cfg.MaxConns = opt.MaxConns
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("database: %w", err)
	}
	return New(pool), nil
}

// New wraps an open pool.
func New(pool *pgxpool.Pool) *Store {
	return &Store{pool: pool, q: sqlcgen.New(pool), now: time.Now, statsFlight: &singleflight.Group{}}
}

// Pool returns the underlying pool, for health checks and benchmarks.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Close closes the pool.
func (s *Store) Close() { s.pool.Close() }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.pool.Ping(ctx) }

// inTx runs fn in a READ COMMITTED transaction (named, since the audit
// chain's lock-then-read relies on it whatever the server's default),
// committing when fn returns nil.
func (s *Store) inTx(ctx context.Context, fn func(q *sqlcgen.Queries) error) error {
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.ReadCommitted}, func(tx pgx.Tx) error { return fn(s.q.WithTx(tx)) })
	return classify(err)
}

// notFound maps pgx.ErrNoRows to a domain NotFound.
func notFound(err error, what, id string) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return domain.NotFound(what, id)
	}
	return err
}

// classify turns the PostgreSQL errors a request can cause into domain
// errors: text the database cannot store (bad encoding, NUL) is the caller's
// mistake; a deadlock or serialisation failure is a conflict worth retrying.
func classify(err error) error {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return err
	}
	switch pe.Code {
	case "22021", "22P05": // character_not_in_repertoire, untranslatable_character
		return &domain.Error{Kind: domain.KindInvalid, Key: "error.bad_text", Err: err}
	case "40P01", "40001": // deadlock_detected, serialization_failure
		return &domain.Error{Kind: domain.KindConflict, Key: "error.try_again", Err: err}
	}
	return err
}

func text(s string) pgtype.Text { return pgtype.Text{String: s, Valid: s != ""} }

func tstz(t time.Time) pgtype.Timestamptz { return pgtype.Timestamptz{Time: t, Valid: !t.IsZero()} }

func pgInt8(v int64) pgtype.Int8 { return pgtype.Int8{Int64: v, Valid: v != 0} }
