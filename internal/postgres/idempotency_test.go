package postgres_test

import (
	"context"
	"testing"

	"lianxi/internal/domain"
	"lianxi/internal/postgres"
)

// A key held by a request still running is refused with the time to come
// back; the key of a request whose process died is taken over once that
// request could no longer be running.
func TestIdempotencyClaimOfADeadProcessIsTakenOver(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	if _, err := s.Pool().Exec(ctx, `INSERT INTO users (username, display_name, password_hash) VALUES ('uuu', 'U', 'x')`); err != nil {
		t.Fatal(err)
	}
	var uid int64
	if err := s.Pool().QueryRow(ctx, `SELECT id FROM users WHERE username = 'uuu'`).Scan(&uid); err != nil {
		t.Fatal(err)
	}
	req := postgres.IdempotentRequest{UserID: uid, Key: "k", Method: "POST", Path: "/api/v1/tasks/1/submit", RequestHash: []byte{1}}
	if claimed, _, err := s.ClaimIdempotencyKey(ctx, req); err != nil || !claimed {
		t.Fatalf("first claim: %v %v", claimed, err)
	}
	// The first is still being handled.
	_, _, err := s.ClaimIdempotencyKey(ctx, req)
	de := domain.AsError(err)
	if de == nil || de.Key != "error.idempotency_in_progress" || de.RetryAfterSeconds < 1 || de.RetryAfterSeconds > int((postgres.ClaimDeadline+15e9).Seconds()) {
		t.Fatalf("second claim while the first runs: %+v", de)
	}
	// Its process died a while ago: the claim is older than any request
	// may run.
	if _, err := s.Pool().Exec(ctx, `UPDATE idempotency_keys SET created_at = now() - interval '2 minutes'`); err != nil {
		t.Fatal(err)
	}
	if claimed, _, err := s.ClaimIdempotencyKey(ctx, req); err != nil || !claimed {
		t.Fatalf("retry after the claimant died: %v %v", claimed, err)
	}
	// Once answered, the answer is replayed.
	if err := s.CompleteIdempotencyKey(ctx, uid, "k", postgres.StoredResponse{Status: 200, ContentType: "application/json", Body: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	if claimed, stored, err := s.ClaimIdempotencyKey(ctx, req); err != nil || claimed || stored.Status != 200 {
		t.Fatalf("replay: %v %+v %v", claimed, stored, err)
	}
}
