package pgtest_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"lianxi/internal/pgtest"
)

// TestIsolation checks that two databases are separate, migrated, and gone
// after their test.
func TestIsolation(t *testing.T) {
	ctx := context.Background()
	var names [2]string
	t.Run("pair", func(t *testing.T) {
		a, b := pgtest.NewPool(t), pgtest.NewPool(t)
		for i, p := range []interface {
			QueryRow(context.Context, string, ...any) pgx.Row
		}{a, b} {
			if err := p.QueryRow(ctx, "SELECT current_database()").Scan(&names[i]); err != nil {
				t.Fatal(err)
			}
		}
		if names[0] == names[1] {
			t.Fatalf("both tests got database %s", names[0])
		}
		// The template carries the migrations.
		var migrated bool
		if err := a.QueryRow(ctx, "SELECT to_regclass('goose_db_version') IS NOT NULL").Scan(&migrated); err != nil {
			t.Fatal(err)
		}
		if !migrated {
			t.Error("test database has no goose_db_version table: not migrated")
		}

		if _, err := a.Exec(ctx, "CREATE TABLE only_in_a (x int); INSERT INTO only_in_a VALUES (1)"); err != nil {
			t.Fatal(err)
		}
		var inB bool
		if err := b.QueryRow(ctx, "SELECT to_regclass('only_in_a') IS NOT NULL").Scan(&inB); err != nil {
			t.Fatal(err)
		}
		if inB {
			t.Error("a table created in one test database shows in the other")
		}
	})

	// A third database, to look at the server after the pair was cleaned up.
	conn, err := pgx.Connect(ctx, pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, name := range names {
		var exists bool
		if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
			t.Fatal(err)
		}
		if exists {
			t.Errorf("database %s outlived its test", name)
		}
	}
	var hasA bool
	if err := conn.QueryRow(ctx, "SELECT to_regclass('only_in_a') IS NOT NULL").Scan(&hasA); err != nil {
		t.Fatal(err)
	}
	if hasA {
		t.Error("a test's table leaked into the template")
	}
}

// BenchmarkNewDatabase measures what a test pays for its database: copying
// the template (the drops run at the benchmark's cleanup, unmeasured).
func BenchmarkNewDatabase(b *testing.B) {
	pgtest.NewDatabase(b) // builds the template, which is not what is measured
	for b.Loop() {
		pgtest.NewDatabase(b)
	}
}
