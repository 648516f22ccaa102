package temporal

import (
	"context"
	"errors"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"lianxi/internal/domain"
)

// StartOnce starts a workflow whose id names its process for good (a
// committee's cycle of a period, a programme's round of a year): a second
// start of the id, while the first runs or after it ended, is refused with
// the conflict given; a server that does not answer is KindUnavailable.
func StartOnce(ctx context.Context, c client.Client, opts client.StartWorkflowOptions, conflict error, workflow any, args ...any) error {
	opts.WorkflowIDReusePolicy = enums.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE
	opts.WorkflowIDConflictPolicy = enums.WORKFLOW_ID_CONFLICT_POLICY_FAIL
	_, err := c.ExecuteWorkflow(ctx, opts, workflow, args...)
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	switch {
	case errors.As(err, &started):
		return conflict
	case err != nil:
		return &domain.Error{Kind: domain.KindUnavailable, Key: "error.unavailable", Err: err}
	}
	return nil
}

// Live returns a process's state as its running workflow answers query,
// or stored (the state last recorded) when the process has ended, the
// workflow cannot answer, or its answer is older than stored.
func Live[T any](ctx context.Context, c client.Client, id, query string, stored T, ended bool, version func(T) int) T {
	if ended {
		return stored
	}
	v, err := c.QueryWorkflow(ctx, id, "", query)
	if err != nil {
		return stored
	}
	var live T
	if err := v.Get(&live); err != nil || version(live) < version(stored) {
		return stored
	}
	return live
}

// Update sends a person's action to a running workflow and waits for its
// answer. A workflow that has ended answers closed; the workflow's own
// refusals go through refusal (which turns them back into domain errors).
func Update[T any](ctx context.Context, c client.Client, id, name string, arg any, closed error, refusal func(error) error) (T, error) {
	var out T
	opts := client.UpdateWorkflowOptions{WorkflowID: id, UpdateName: name, Args: []any{arg}, WaitForStage: client.WorkflowUpdateStageCompleted}
	// A request sent again under its retry key sends the same update,
	// which Temporal runs once and whose recorded steps (keyed by the
	// update id) are stored once.
	if k := domain.RetryKey(ctx); k != "" {
		opts.UpdateID = name + ":" + k
	}
	h, err := c.UpdateWorkflow(ctx, opts)
	if err == nil {
		err = h.Get(ctx, &out)
	}
	if err != nil {
		var notFound *serviceerror.NotFound
		if errors.As(err, &notFound) {
			return out, closed
		}
		return out, refusal(err)
	}
	return out, nil
}
