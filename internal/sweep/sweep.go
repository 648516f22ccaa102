// Package sweep runs the cron ticks that start Lianxi's periodic workflows.
// Each tick starts a workflow whose ID is derived from the time slot, and
// Temporal refuses a second run with that ID, so any number of replicas, or a
// restart in the middle of a slot, start each sweep once.
package sweep

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/robfig/cron/v3"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"lianxi/workflows"
)

// Scheduler owns the cron ticks.
type Scheduler struct {
	cron   *cron.Cron
	client client.Client
	log    *slog.Logger
	now    func() time.Time
}

// New builds a scheduler that starts workflows through c.
func New(c client.Client, log *slog.Logger) *Scheduler {
	s := &Scheduler{client: c, log: log, now: time.Now, cron: cron.New(cron.WithLocation(time.UTC))}
	// The spec follows workflows.HousekeepingInterval.
	s.cron.AddFunc("*/5 * * * *", func() { s.Housekeeping(context.Background()) })
	return s
}

// Start starts ticking.
func (s *Scheduler) Start() { s.cron.Start() }

// Stop stops ticking and waits for a running tick to finish.
func (s *Scheduler) Stop() { <-s.cron.Stop().Done() }

// Housekeeping starts the housekeeping run of the current slot, once.
func (s *Scheduler) Housekeeping(ctx context.Context) {
	now := s.now()
	id := workflows.HousekeepingID(now)
	_, err := s.client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       id,
		TaskQueue:                workflows.TaskQueue,
		WorkflowIDReusePolicy:    enums.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowIDConflictPolicy: enums.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		WorkflowExecutionTimeout: 30 * time.Minute,
	}, workflows.Housekeeping, workflows.HousekeepingInput{Slot: workflows.Slot(now, workflows.HousekeepingInterval)})
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	switch {
	case err == nil:
		s.log.Debug("housekeeping started", "id", id)
	case errors.As(err, &started):
		// Another replica, or this one before a restart, started it.
	default:
		s.log.Error("housekeeping start failed", "id", id, "err", err)
	}
}
