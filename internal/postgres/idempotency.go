package postgres

import (
	"bytes"
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"lianxi/internal/domain"
	"lianxi/internal/postgres/sqlcgen"
)

// ClaimDeadline is the longest a request holding a key may run: the HTTP
// layer gives such a request no more. A claim older than staleClaim was
// left by a process that died mid-request (a crash, a kill), and a retry
// takes it over; until then the retry is told when to come back.
const (
	ClaimDeadline = time.Minute
	staleClaim    = ClaimDeadline + 15*time.Second
)

// IdempotentRequest identifies a write sent with an Idempotency-Key.
type IdempotentRequest struct {
	UserID      int64
	Key         string
	Method      string
	Path        string
	RequestHash []byte
}

// StoredResponse is the first answer to an idempotent request.
type StoredResponse struct {
	Status      int
	ContentType string
	Body        []byte
}

// ClaimIdempotencyKey records that a request with this key is being handled.
// It returns claimed=true when this caller should handle it; otherwise the
// stored response of the first request. A key reused for a different request
// is a KindInvalid error on the header; a key whose first request is still
// being handled is a KindConflict.
func (s *Store) ClaimIdempotencyKey(ctx context.Context, r IdempotentRequest) (claimed bool, stored StoredResponse, err error) {
	n, err := s.q.ClaimIdempotencyKey(ctx, sqlcgen.ClaimIdempotencyKeyParams{UserID: r.UserID, Key: r.Key, Method: r.Method, Path: r.Path,
		RequestHash: r.RequestHash, CreatedAt: tstz(s.now())})
	if err != nil || n == 1 {
		return n == 1, StoredResponse{}, err
	}
	row, err := s.q.GetIdempotencyKey(ctx, sqlcgen.GetIdempotencyKeyParams{UserID: r.UserID, Key: r.Key})
	if errors.Is(err, pgx.ErrNoRows) {
		// Released between the two statements: the client may simply retry.
		return false, StoredResponse{}, domain.Conflict("error.idempotency_in_progress", nil)
	} else if err != nil {
		return false, StoredResponse{}, err
	}
	if row.Method != r.Method || row.Path != r.Path || !bytes.Equal(row.RequestHash, r.RequestHash) {
		var v domain.Validation
		v.Add("Idempotency-Key", "validation.idempotency_reused", nil)
		return false, StoredResponse{}, v.Err()
	}
	if row.Status == 0 {
		// A claim older than any request can take was left by a process
		// that died mid-request: take it over rather than block the key
		// for a day.
		n, err := s.q.TakeOverIdempotencyKey(ctx, sqlcgen.TakeOverIdempotencyKeyParams{UserID: r.UserID, Key: r.Key,
			CreatedAt: tstz(s.now()), StaleBefore: tstz(s.now().Add(-staleClaim))})
		if err != nil {
			return false, StoredResponse{}, err
		}
		if n == 1 {
			return true, StoredResponse{}, nil
		}
		wait := staleClaim - s.now().Sub(row.CreatedAt.Time)
		return false, StoredResponse{}, &domain.Error{Kind: domain.KindConflict, Key: "error.idempotency_in_progress",
			RetryAfterSeconds: max(1, int(wait.Seconds()+0.999))}
	}
	return false, StoredResponse{Status: int(row.Status), ContentType: row.ContentType, Body: row.Body}, nil
}

// CompleteIdempotencyKey stores the response of a claimed request.
func (s *Store) CompleteIdempotencyKey(ctx context.Context, userID int64, key string, resp StoredResponse) error {
	return s.q.CompleteIdempotencyKey(ctx, sqlcgen.CompleteIdempotencyKeyParams{UserID: userID, Key: key, Status: int32(resp.Status),
		ContentType: resp.ContentType, Body: resp.Body})
}

// ReleaseIdempotencyKey forgets a claimed request that failed on the
// server's side, so that a retry with the same key is handled afresh.
func (s *Store) ReleaseIdempotencyKey(ctx context.Context, userID int64, key string) error {
	return s.q.ReleaseIdempotencyKey(ctx, sqlcgen.ReleaseIdempotencyKeyParams{UserID: userID, Key: key})
}

// DeleteOldIdempotencyKeys forgets keys older than a time.
func (s *Store) DeleteOldIdempotencyKeys(ctx context.Context, before time.Time) (int64, error) {
	return s.q.DeleteOldIdempotencyKeys(ctx, tstz(before))
}
