// Package meetings runs the joint meetings' cycles: it starts a
// committee's cycle for a period (once, ever), reads cycles for the people
// allowed to see them and carries the office's and the convener's actions
// to the cycle's Temporal workflow, which decides and records each step.
// The API, the pages and the cadence all go through it.
package meetings

import (
	"context"
	"slices"
	"strconv"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"lianxi/internal/auth"
	"lianxi/internal/domain"
	"lianxi/internal/postgres"
	"lianxi/internal/tasks"
	lxtemporal "lianxi/internal/temporal"
	"lianxi/workflows"
)

// Service is the meeting-cycle service.
type Service struct {
	store    *postgres.Store
	temporal client.Client
	tasks    *tasks.Service
	now      func() time.Time
}

// New builds the service; tasks carries follow-up acceptances to the
// decisions' tasks.
func New(store *postgres.Store, c client.Client, ts *tasks.Service, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: store, temporal: c, tasks: ts, now: now}
}

// Start starts a committee's cycle for a period, as its office. The cycle's
// row and its workflow are created together; a second start of the same
// committee and period is a conflict (409) and starts nothing.
func (s *Service) Start(ctx context.Context, actor domain.User, committee domain.Code, in domain.NewCycle, meta auth.Meta) (domain.Cycle, error) {
	if !actor.HasFor(domain.RoleOffice, committee) {
		return domain.Cycle{}, domain.Forbidden()
	}
	return s.start(ctx, actor.Username, committee, in, meta.Record(actor.Username, "meeting.start", "", domain.AuditOK))
}

// StartByCadence starts a cycle the committee's cadence calls for. A cycle
// already started for the period is not an error: ok is false.
func (s *Service) StartByCadence(ctx context.Context, committee domain.Code, in domain.NewCycle) (ok bool, err error) {
	_, err = s.start(ctx, workflows.SystemActor, committee, in,
		domain.AuditRecord{Actor: workflows.SystemActor, Action: "meeting.start", Result: domain.AuditOK, Detail: map[string]string{"by": "cadence"}})
	if domain.KindOf(err) == domain.KindConflict {
		return false, nil
	}
	return err == nil, err
}

func (s *Service) start(ctx context.Context, by string, code domain.Code, in domain.NewCycle, rec domain.AuditRecord) (domain.Cycle, error) {
	if err := in.Validate(); err != nil {
		return domain.Cycle{}, err
	}
	committee, err := s.store.GetCommittee(ctx, code)
	if err != nil {
		return domain.Cycle{}, err
	}
	settings, err := s.store.CycleSettings(ctx, code)
	if err != nil {
		return domain.Cycle{}, err
	}
	if in.Settings != nil {
		settings = *in.Settings
	}
	id := domain.CycleID(code, in.Period)
	var carried []domain.AgendaItem
	prev, ok, err := s.store.PreviousCycle(ctx, code, id)
	if err != nil {
		return domain.Cycle{}, err
	}
	if ok {
		carried = prev.CarriedOver()
	}
	cal, err := s.store.Calendar(ctx)
	if err != nil {
		return domain.Cycle{}, err
	}
	now := s.now()
	in.Settings = nil
	c := domain.StartCycle(committee, in, settings, carried, by, now, cal.Deadline(now, settings.AgendaDays))
	rec.Detail = mergeDetail(rec.Detail, map[string]string{"committee": code, "period": string(in.Period)})
	err = s.store.StartCycle(ctx, c, rec, func() error {
		return lxtemporal.StartOnce(ctx, s.temporal, client.StartWorkflowOptions{
			ID:        c.ID,
			TaskQueue: workflows.TaskQueue,
			TypedSearchAttributes: temporal.NewSearchAttributes(
				temporal.NewSearchAttributeKeyKeyword(lxtemporal.SACommittee).ValueSet(code),
				temporal.NewSearchAttributeKeyKeyword(lxtemporal.SAKind).ValueSet("meeting"),
				temporal.NewSearchAttributeKeyKeywordList(lxtemporal.SADepartments).ValueSet(c.Members),
			),
		}, domain.Conflict("error.cycle_exists", map[string]any{"id": c.ID}), workflows.MeetingCycle, workflows.MeetingCycleInput{Cycle: c})
	})
	return c, err
}

func mergeDetail(a, b map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

// canSee reports whether a user may read a cycle: its committee's office
// and conveners, administrators and the member departments' people.
func canSee(u domain.User, c domain.Cycle) bool {
	if u.IsAdmin() || u.HasFor(domain.RoleOffice, c.Committee) || u.HasFor(domain.RoleConvener, c.Committee) {
		return true
	}
	for _, g := range u.Grants {
		if g.Role.Scope() == domain.ScopeDepartment && slices.Contains(c.Members, g.Department) {
			return true
		}
	}
	return false
}

// Get returns a cycle's live state (the workflow's, falling back to the
// last recorded one when the workflow has ended or cannot answer).
func (s *Service) Get(ctx context.Context, actor domain.User, id string) (domain.Cycle, error) {
	stored, err := s.store.GetCycle(ctx, id)
	if err != nil {
		return domain.Cycle{}, err
	}
	if !canSee(actor, stored) {
		return domain.Cycle{}, domain.Forbidden()
	}
	return lxtemporal.Live(ctx, s.temporal, id, workflows.QueryCycle, stored, stored.Phase.Ended(), func(c domain.Cycle) int { return c.Version }), nil
}

// List returns a committee's cycles, latest first, as recorded.
func (s *Service) List(ctx context.Context, actor domain.User, committee domain.Code) ([]domain.Cycle, error) {
	if _, err := s.store.GetCommittee(ctx, committee); err != nil {
		return nil, err
	}
	all, err := s.store.ListCycles(ctx, committee, 100)
	if err != nil {
		return nil, err
	}
	out := []domain.Cycle{}
	for _, c := range all {
		if canSee(actor, c) {
			out = append(out, c)
		}
	}
	return out, nil
}

// History returns a visible cycle's events.
func (s *Service) History(ctx context.Context, actor domain.User, id string) ([]domain.CycleEvent, error) {
	c, err := s.store.GetCycle(ctx, id)
	if err != nil {
		return nil, err
	}
	if !canSee(actor, c) {
		return nil, domain.Forbidden()
	}
	return s.store.CycleHistory(ctx, id)
}

// Act sends an office's or convener's action to the cycle's workflow as an
// Update and returns the cycle as it stands after. The workflow's validator
// decides who may act and whether the action applies; a refusal comes back
// as the domain error it was.
func (s *Service) Act(ctx context.Context, actor domain.User, onBehalfOf, id, update string, build func(workflows.Action) any) (domain.Cycle, error) {
	a, err := s.tasks.Authority(ctx, actor, onBehalfOf)
	if err != nil {
		return domain.Cycle{}, err
	}
	stored, err := s.store.GetCycle(ctx, id)
	if err != nil {
		return domain.Cycle{}, err
	}
	if !canSee(a.Actor, stored) {
		return domain.Cycle{}, domain.Forbidden()
	}
	if stored.Phase.Ended() {
		return domain.Cycle{}, domain.Conflict("error.cycle_closed", nil)
	}
	return lxtemporal.Update[domain.Cycle](ctx, s.temporal, id, update, build(a), domain.Conflict("error.cycle_closed", nil), workflows.UpdateError)
}

// FollowUp accepts or returns a decision's result, as the office: the
// decision's task takes the action, and tells the cycle.
func (s *Service) FollowUp(ctx context.Context, actor domain.User, onBehalfOf, id string, decision int, accept bool, note string) (domain.Task, error) {
	c, err := s.Get(ctx, actor, id)
	if err != nil {
		return domain.Task{}, err
	}
	d := c.Decision(decision)
	if d == nil || d.TaskID == 0 {
		return domain.Task{}, domain.NotFound("decision", strconv.Itoa(decision))
	}
	update := workflows.UpdateReturn
	if accept {
		update = workflows.UpdateAccept
	}
	return s.tasks.Act(ctx, actor, onBehalfOf, d.TaskID, update, func(a workflows.Action) any {
		return workflows.ReasonRequest{Action: a, Reason: note}
	})
}

// Meetings returns the meetings noticed from since on, that a committee
// holds or a department sits in (both empty: all).
func (s *Service) Meetings(ctx context.Context, since time.Time, committee, department domain.Code) ([]domain.Cycle, error) {
	all, err := s.store.MeetingsSince(ctx, since)
	if err != nil {
		return nil, err
	}
	out := []domain.Cycle{}
	for _, c := range all {
		if (committee == "" || c.Committee == committee) && (department == "" || slices.Contains(c.Members, department)) && c.Phase != domain.PhaseCancelled {
			out = append(out, c)
		}
	}
	return out, nil
}
