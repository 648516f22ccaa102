package postgres_test

import (
	"context"
	"testing"
	"time"
)

// Housekeeping forgets what the public left behind a day ago — uploads no
// idea took, spent codes — and keeps everything else.
func TestPurgeContestsLeavesTheRest(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	now := time.Now()
	old, recent := now.Add(-48*time.Hour), now.Add(-time.Hour)
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO contests (id, year, committee_code, phase, votes_per_voter, started_at, state) VALUES ('contest:2026', 2026, 'management', 'submission', 10, now(), '{}')`, nil},
		{`INSERT INTO contest_voters (id, year, contact, token_hash, expires_at, verified_at) VALUES (1, 2026, 'a@example.cn', '\x01', now() + interval '1 day', now())`, nil},
		{`INSERT INTO contest_ideas (id, year, tracking_code, voter_id, name, contact, category, title, problem, proposal, effect)
		  VALUES (1, 2026, 'LC2026-AAAAAAAA', 1, '张三', 'a@example.cn', 'economy', 't', 'p', 'i', 'e')`, nil},
		{`INSERT INTO contest_files (year, voter_id, idea_id, name, content_type, size, sha256, data, at) VALUES
		  (2026, 1, NULL, 'left.pdf', 'application/pdf', 1, '\x00', '\x01', $1),
		  (2026, 1, 1, 'taken.pdf', 'application/pdf', 1, '\x00', '\x01', $1),
		  (2026, 1, NULL, 'fresh.pdf', 'application/pdf', 1, '\x00', '\x01', $2)`, []any{old, recent}},
		{`INSERT INTO contact_codes (scope, contact, code_hash, expires_at) VALUES ('contest:2026', 'a@example.cn', '\x00', $1), ('consultation:x', 'a@example.cn', '\x00', $2)`,
			[]any{old, now.Add(5 * time.Minute)}},
	} {
		if _, err := s.Pool().Exec(ctx, q.sql, q.args...); err != nil {
			t.Fatal(err)
		}
	}
	files, codes, err := s.PurgeContests(ctx, now.Add(-24*time.Hour))
	if err != nil || files != 1 || codes != 1 {
		t.Fatalf("purged %d files and %d codes (%v), want 1 and 1", files, codes, err)
	}
	var names []string
	rows, _ := s.Pool().Query(ctx, `SELECT name FROM contest_files ORDER BY name`)
	for rows.Next() {
		var n string
		_ = rows.Scan(&n)
		names = append(names, n)
	}
	if len(names) != 2 || names[0] != "fresh.pdf" || names[1] != "taken.pdf" {
		t.Fatalf("files left: %v", names)
	}
	again, _, err := s.PurgeContests(ctx, now.Add(-24*time.Hour))
	if err != nil || again != 0 {
		t.Fatalf("a second purge removed %d (%v)", again, err)
	}
}
