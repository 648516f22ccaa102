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
	PurgeContests(ctx context.Context, before time.Time) (files, codes int64, err error)
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
	ContestFiles    int64 // uploaded for an idea never submitted
	ContestCodes    int64
}

// ContestLeftovers is how long an unclaimed upload or a spent code is kept.
const ContestLeftovers = 24 * time.Hour

// PurgeExpired deletes sessions past their lifetime, failed sign-ins past
// the throttling window, old idempotency keys, and the contests' unclaimed
// uploads and spent codes after a day. Deleting what is already gone changes nothing, so a
// retry is harmless.
func (a *Activities) PurgeExpired(ctx context.Context, _ PurgeInput) (PurgeResult, error) {
	s, f, err := a.Sessions.PurgeExpired(ctx)
	if err != nil {
		return PurgeResult{}, err
	}
	k, err := a.Keys.DeleteOldIdempotencyKeys(ctx, a.Now().Add(-IdempotencyKeyLifetime))
	if err != nil {
		return PurgeResult{}, err
	}
	files, codes, err := a.Keys.PurgeContests(ctx, a.Now().Add(-ContestLeftovers))
	return PurgeResult{Sessions: s, Failures: f, IdempotencyKeys: k, ContestFiles: files, ContestCodes: codes}, err
}
