// Package sweep runs the cron ticks that start Lianxi's periodic workflows.
// Each tick starts a workflow whose ID is derived from the time slot, and
// Temporal refuses a second run with that ID, so any number of replicas, or a
// restart in the middle of a slot, start each sweep once.
package sweep

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/robfig/cron/v3"
	"go.temporal.io/sdk/client"

	"lianxi/internal/calendar"
	lxtemporal "lianxi/internal/temporal"
	"lianxi/workflows"
)

// DefaultReminderSchedule is weekdays at 09:00, Asia/Shanghai.
const DefaultReminderSchedule = "0 9 * * 1-5"

// DefaultCadenceSchedule is every day at 08:30, Asia/Shanghai: the cadence
// run decides by working days itself, and a daily tick catches up a day
// missed.
const DefaultCadenceSchedule = "30 8 * * *"

// Options configure the ticks.
type Options struct {
	// ReminderSchedule is a five-field cron expression in Asia/Shanghai
	// time for the reminder sweep; empty: DefaultReminderSchedule.
	ReminderSchedule string
	// CadenceSchedule is the cron expression of the daily cadence run;
	// empty: DefaultCadenceSchedule.
	CadenceSchedule string
}

// Scheduler owns the cron ticks.
type Scheduler struct {
	cron   *cron.Cron
	client client.Client
	log    *slog.Logger
	now    func() time.Time
}

// New builds a scheduler that starts workflows through c. A schedule that
// does not parse is an error naming it.
func New(c client.Client, log *slog.Logger, opt Options) (*Scheduler, error) {
	s := &Scheduler{client: c, log: log, now: time.Now, cron: cron.New(cron.WithLocation(calendar.Location))}
	spec := opt.ReminderSchedule
	if spec == "" {
		spec = DefaultReminderSchedule
	}
	if _, err := s.cron.AddFunc(spec, func() { s.Reminders(context.Background(), s.now()) }); err != nil {
		return nil, fmt.Errorf("reminder schedule %q: %w", spec, err)
	}
	cadence := opt.CadenceSchedule
	if cadence == "" {
		cadence = DefaultCadenceSchedule
	}
	if _, err := s.cron.AddFunc(cadence, func() { s.Cadence(context.Background(), s.now()) }); err != nil {
		return nil, fmt.Errorf("cadence schedule %q: %w", cadence, err)
	}
	// Every five minutes, following workflows.HousekeepingInterval.
	if _, err := s.cron.AddFunc("*/5 * * * *", func() { s.Housekeeping(context.Background(), s.now()) }); err != nil {
		return nil, err
	}
	return s, nil
}

// Start starts ticking.
func (s *Scheduler) Start() { s.cron.Start() }

// Stop stops ticking and waits for a running tick to finish.
func (s *Scheduler) Stop() { <-s.cron.Stop().Done() }

// Housekeeping starts the housekeeping run of the slot holding now, once.
func (s *Scheduler) Housekeeping(ctx context.Context, now time.Time) {
	s.start(ctx, workflows.HousekeepingID(now), workflows.Housekeeping,
		workflows.HousekeepingInput{Slot: workflows.Slot(now, workflows.HousekeepingInterval)})
}

// Reminders starts the reminder sweep of the tick at now, once.
func (s *Scheduler) Reminders(ctx context.Context, now time.Time) {
	tick := now.Truncate(time.Minute)
	s.start(ctx, workflows.RemindersID(tick), workflows.Reminders, workflows.RemindersInput{Tick: tick})
}

// Cadence starts the cadence run of the day holding now (Asia/Shanghai),
// once.
func (s *Scheduler) Cadence(ctx context.Context, now time.Time) {
	s.start(ctx, workflows.CadenceID(now), workflows.Cadence, workflows.CadenceInput{Day: now})
}

// start starts a workflow unless a run with its id exists: another replica,
// or this one before a restart, already started it.
func (s *Scheduler) start(ctx context.Context, id string, wf, input any) {
	err := lxtemporal.StartOnce(ctx, s.client, client.StartWorkflowOptions{
		ID:                       id,
		TaskQueue:                workflows.TaskQueue,
		WorkflowExecutionTimeout: 6 * time.Hour,
	}, errStartedBefore, wf, input)
	switch {
	case err == nil:
		s.log.Debug("sweep started", "id", id)
	case errors.Is(err, errStartedBefore):
	default:
		s.log.Error("sweep start failed", "id", id, "err", err)
	}
}

// errStartedBefore marks a slot another replica, or this one before a
// restart, has started already.
var errStartedBefore = errors.New("started before")
