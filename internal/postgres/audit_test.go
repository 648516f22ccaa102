package postgres_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"lianxi/internal/domain"
)

func TestAuditChainHoldsUnderConcurrentWriters(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rec := domain.AuditRecord{Actor: fmt.Sprintf("user%d", i), Action: "login", Object: "user:x", Result: domain.AuditOK,
				Detail: map[string]string{"i": fmt.Sprint(i)}}
			if err := s.AppendAudit(ctx, rec); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	n, brk, err := s.VerifyAudit(ctx)
	if err != nil || brk != nil {
		t.Fatalf("verify: %v %v", brk, err)
	}
	if n != 21 { // the seed's record and twenty logins
		t.Fatalf("verified %d records, want 21", n)
	}
}

func TestAuditVerifyFindsTheFirstTamperedRow(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name string
		sql  []string
		seq  int64
	}{
		{"changed actor", []string{"UPDATE audit_log SET actor = 'mallory' WHERE seq = 7"}, 7},
		{"changed detail", []string{`UPDATE audit_log SET detail = '{"i":"99"}' WHERE seq = 5`}, 5},
		{"changed time", []string{"UPDATE audit_log SET at = at + interval '1 second' WHERE seq = 11"}, 11},
		{"deleted row", []string{"DELETE FROM audit_log WHERE seq = 9"}, 10},
		{"swapped rows", []string{
			"UPDATE audit_log SET seq = 1000 WHERE seq = 3",
			"UPDATE audit_log SET seq = 3 WHERE seq = 4",
			"UPDATE audit_log SET seq = 4 WHERE seq = 1000",
		}, 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newStore(t) // seq 1 is the seed's record
			for i := range 12 {
				if err := s.AppendAudit(ctx, domain.AuditRecord{Actor: "a", Action: "x", Result: domain.AuditOK, Detail: map[string]string{"i": fmt.Sprint(i)}}); err != nil {
					t.Fatal(err)
				}
			}
			if n, brk, err := s.VerifyAudit(ctx); err != nil || brk != nil || n != 13 {
				t.Fatalf("before tampering: n=%d brk=%v err=%v", n, brk, err)
			}
			// The table refuses changes; an attacker with DDL rights drops
			// the guard first, and the chain must still give them away.
			if _, err := s.Pool().Exec(ctx, "UPDATE audit_log SET actor = 'x' WHERE seq = 2"); err == nil {
				t.Fatal("audit_log accepted an UPDATE")
			}
			if _, err := s.Pool().Exec(ctx, "ALTER TABLE audit_log DISABLE TRIGGER USER"); err != nil {
				t.Fatal(err)
			}
			for _, q := range c.sql {
				if _, err := s.Pool().Exec(ctx, q); err != nil {
					t.Fatal(err)
				}
			}
			_, brk, err := s.VerifyAudit(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if brk == nil || brk.Seq != c.seq {
				t.Fatalf("break %+v, want at seq %d", brk, c.seq)
			}
		})
	}
}
