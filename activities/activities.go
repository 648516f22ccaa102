// Package activities holds the side effects of Lianxi's workflows, as
// methods on one struct that carries the injected dependencies. Every
// activity is idempotent: Temporal may run it again after a crash.
package activities

import (
	"context"
	"time"

	"lianxi/internal/domain"
)

// SessionPurger removes ended sessions and stale failed sign-ins.
type SessionPurger interface {
	PurgeExpired(ctx context.Context) (sessions, failures int64, err error)
}

// KeyPurger forgets idempotency keys older than a time.
type KeyPurger interface {
	DeleteOldIdempotencyKeys(ctx context.Context, before time.Time) (int64, error)
}

// IdempotencyKeyLifetime is how long a write's Idempotency-Key is honoured.
const IdempotencyKeyLifetime = 24 * time.Hour

// TaskRecorder records a task's transitions.
type TaskRecorder interface {
	RecordTaskChange(ctx context.Context, c domain.TaskChange) error
}

// Activities is registered with the worker; its fields are its dependencies.
type Activities struct {
	Sessions SessionPurger
	Keys     KeyPurger
	Tasks    TaskRecorder
	Now      func() time.Time
}

// RecordTaskChange stores a transition a Task workflow decided: the task's
// row, its history event and audit record, in one transaction keyed by the
// update, so a retry records nothing twice.
func (a *Activities) RecordTaskChange(ctx context.Context, c domain.TaskChange) error {
	return a.Tasks.RecordTaskChange(ctx, c)
}

// PurgeInput is the input of PurgeExpired.
type PurgeInput struct{}

// PurgeResult counts what PurgeExpired removed.
type PurgeResult struct {
	Sessions        int64
	Failures        int64
	IdempotencyKeys int64
}

// PurgeExpired deletes sessions past their lifetime and failed sign-ins past
// the throttling window. Deleting what is already gone changes nothing, so a
// retry is harmless.
func (a *Activities) PurgeExpired(ctx context.Context, _ PurgeInput) (PurgeResult, error) {
	s, f, err := a.Sessions.PurgeExpired(ctx)
	if err != nil {
		return PurgeResult{}, err
	}
	k, err := a.Keys.DeleteOldIdempotencyKeys(ctx, a.Now().Add(-IdempotencyKeyLifetime))
	return PurgeResult{Sessions: s, Failures: f, IdempotencyKeys: k}, err
}
