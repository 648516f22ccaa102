// Package masterpieces runs the cultural masterpiece projects (文艺精品创作
// 生产): the publicity department's office starts a year (once), which
// carries over the unfinished projects of the year before; units apply;
// every action goes to the year's Temporal workflow; each person sees the
// part of a year that is theirs.
package masterpieces

import (
	"context"
	"slices"
	"strconv"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"lianxi/internal/auth"
	"lianxi/internal/calendar"
	"lianxi/internal/domain"
	"lianxi/internal/postgres"
	"lianxi/internal/tasks"
	lxtemporal "lianxi/internal/temporal"
	"lianxi/workflows"
)

// callDays is the call for applications, in working days.
const callDays = 20

// Service is the masterpiece-projects service.
type Service struct {
	store    *postgres.Store
	temporal client.Client
	tasks    *tasks.Service
	now      func() time.Time
}

// New builds the service.
func New(store *postgres.Store, c client.Client, ts *tasks.Service, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: store, temporal: c, tasks: ts, now: now}
}

// NewYear is what starts a project year.
type NewYear struct {
	Year int `json:"year"`
}

// office may run the year.
func office(u domain.User) bool { return u.HasFor(domain.RoleOffice, domain.MasterpieceCommittee) }

// Start starts a project year, as the publicity department's office; the
// same year again is a conflict (409). The previous year's projects that
// were carried over continue in it with their history and the tranches
// not yet released.
func (s *Service) Start(ctx context.Context, actor domain.User, in NewYear, meta auth.Meta) (domain.Masterpieces, error) {
	if !office(actor) {
		return domain.Masterpieces{}, domain.Forbidden()
	}
	now := s.now()
	var v domain.Validation
	v.Check(in.Year >= now.Year()-1 && in.Year <= now.Year()+1, "year", "validation.range", map[string]any{"min": now.Year() - 1, "max": now.Year() + 1})
	if err := v.Err(); err != nil {
		return domain.Masterpieces{}, err
	}
	p, err := s.store.Programme(ctx, domain.MasterpieceProgramme)
	if err != nil {
		return domain.Masterpieces{}, err
	}
	cal, err := s.store.Calendar(ctx)
	if err != nil {
		return domain.Masterpieces{}, err
	}
	yearEnd := time.Date(in.Year+1, 1, 1, 0, 0, 0, 0, calendar.Location)
	m := domain.Masterpieces{ID: domain.MasterpieceID(in.Year), Year: in.Year, Committee: domain.MasterpieceCommittee, Programme: p,
		StartedBy: actor.Username, StartedAt: now, CallDue: cal.Deadline(now, callDays), YearEnd: yearEnd, NextQuarter: nextQuarter(now, yearEnd),
		Applications: []domain.Application{}, Seminars: []domain.Seminar{}, Projects: []domain.Project{}, Steps: []domain.Step{}}
	carried, err := s.carried(ctx, in.Year-1, now, actor.Username)
	if err != nil {
		return domain.Masterpieces{}, err
	}
	m.Projects = append(m.Projects, carried...)
	m.StepInto(domain.MasterpieceCall, now, actor.Username, "")
	rec := meta.Record(actor.Username, "masterpiece.start", "", domain.AuditOK)
	rec.Detail = map[string]string{"year": strconv.Itoa(in.Year), "carried": strconv.Itoa(len(carried))}
	err = s.store.StartMasterpieces(ctx, m, rec, func() error {
		return lxtemporal.StartOnce(ctx, s.temporal, client.StartWorkflowOptions{
			ID: m.ID, TaskQueue: workflows.TaskQueue,
			TypedSearchAttributes: temporal.NewSearchAttributes(
				temporal.NewSearchAttributeKeyKeyword(lxtemporal.SACommittee).ValueSet(m.Committee),
				temporal.NewSearchAttributeKeyKeyword(lxtemporal.SAKind).ValueSet("masterpiece"),
			),
		}, domain.Conflict("error.masterpiece_exists", map[string]any{"year": in.Year}), workflows.Masterpieces, workflows.MasterpiecesInput{Year: m})
	})
	return m, err
}

// nextQuarter is the first day of the quarter after now (Asia/Shanghai),
// or zero when the year ends first.
func nextQuarter(now, yearEnd time.Time) time.Time {
	l := now.In(calendar.Location)
	q := time.Date(l.Year(), time.Month((int(l.Month())-1)/3*3+1), 1, 0, 0, 0, 0, calendar.Location).AddDate(0, 3, 0)
	if !q.Before(yearEnd) {
		return time.Time{}
	}
	return q
}

// carried are the projects a closed previous year carried over, ready to
// run on: their history and released tranches kept, their open tasks to
// be asked again.
func (s *Service) carried(ctx context.Context, prevYear int, now time.Time, by string) ([]domain.Project, error) {
	prev, err := s.store.GetMasterpieces(ctx, prevYear)
	if domain.KindOf(err) == domain.KindNotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if prev.Phase != domain.MasterpieceClosed {
		return nil, nil
	}
	var out []domain.Project
	for _, p := range prev.Projects {
		if p.Stage != domain.StageCarried {
			continue
		}
		p.CarriedFrom, p.ProgressTasks = prevYear, nil
		p.Tranches = slices.Clone(p.Tranches)
		for i := range p.Tranches {
			if p.Tranches[i].Status == domain.TranchePending {
				p.Tranches[i].TaskID = 0
			}
		}
		p.Examinations = slices.Clone(p.Examinations)
		for i := range p.Examinations {
			p.Examinations[i].TaskID = 0
		}
		p.Stage = domain.StageInProgress
		if (&p).NextReport() == nil {
			p.Stage = domain.StageAcceptance
		}
		p.History = slices.Clone(p.History)
		p.Log(now, by, "carried-in", strconv.Itoa(prevYear))
		out = append(out, p)
	}
	return out, nil
}

// live returns a year's state: the workflow's while it runs, the recorded
// one otherwise.
func (s *Service) live(ctx context.Context, year int) (domain.Masterpieces, error) {
	stored, err := s.store.GetMasterpieces(ctx, year)
	if err != nil {
		return stored, err
	}
	return lxtemporal.Live(ctx, s.temporal, stored.ID, workflows.QueryMasterpieces, stored, stored.Phase.Ended(),
		func(m domain.Masterpieces) int { return m.Version }), nil
}

// Whole reports whether a user sees the whole of every year: the office,
// the convener, the finance bureau and administrators.
func Whole(u domain.User) bool {
	c := domain.MasterpieceCommittee
	return u.IsAdmin() || u.HasFor(domain.RoleOffice, c) || u.HasFor(domain.RoleConvener, c) || domain.CanHandle(u, "finance")
}

// View returns the part of a year a user may see: all of it for the
// office, the convener, the finance bureau and administrators; a unit its
// own applications and projects.
func View(u domain.User, m domain.Masterpieces) (domain.Masterpieces, bool) {
	if Whole(u) {
		return m, true
	}
	out := m
	out.Applications, out.Projects, out.Ranking, out.Seminars = nil, nil, nil, nil
	for _, a := range m.Applications {
		if domain.CanHandle(u, a.Sponsor) {
			out.Applications = append(out.Applications, a)
		}
	}
	for _, p := range m.Projects {
		if domain.CanHandle(u, p.Sponsor) {
			out.Projects = append(out.Projects, p)
		}
	}
	return out, len(out.Applications) > 0 || len(out.Projects) > 0 || m.Phase == domain.MasterpieceCall
}

// who is the actor with the departments merged into theirs.
func (s *Service) who(ctx context.Context, actor domain.User) (domain.User, error) {
	a, err := s.tasks.Authority(ctx, actor, "")
	return a.Actor, err
}

// Get returns the part of a year the actor may see.
func (s *Service) Get(ctx context.Context, actor domain.User, year int) (domain.Masterpieces, error) {
	actor, err := s.who(ctx, actor)
	if err != nil {
		return domain.Masterpieces{}, err
	}
	m, err := s.live(ctx, year)
	if err != nil {
		return domain.Masterpieces{}, err
	}
	view, ok := View(actor, m)
	if !ok {
		return domain.Masterpieces{}, domain.Forbidden()
	}
	return view, nil
}

// List returns the years the actor may see, the latest first.
func (s *Service) List(ctx context.Context, actor domain.User) ([]domain.Masterpieces, error) {
	actor, err := s.who(ctx, actor)
	if err != nil {
		return nil, err
	}
	all, err := s.store.ListMasterpieces(ctx, 20)
	if err != nil {
		return nil, err
	}
	var out []domain.Masterpieces
	for _, m := range all {
		if view, ok := View(actor, m); ok {
			out = append(out, view)
		}
	}
	return out, nil
}

// History returns a year's events, for those who see all of it.
func (s *Service) History(ctx context.Context, actor domain.User, year int) ([]domain.CycleEvent, error) {
	actor, err := s.who(ctx, actor)
	if err != nil {
		return nil, err
	}
	if !Whole(actor) {
		return nil, domain.Forbidden()
	}
	m, err := s.store.GetMasterpieces(ctx, year)
	if err != nil {
		return nil, err
	}
	return s.store.MasterpieceHistory(ctx, m.ID)
}

// Act carries an action to the year's workflow; an application names an
// organisation of the directory, whose name it keeps.
func (s *Service) Act(ctx context.Context, actor domain.User, onBehalfOf string, year int, update string, build func(workflows.Action) any) (domain.Masterpieces, error) {
	a, err := s.tasks.Authority(ctx, actor, onBehalfOf)
	if err != nil {
		return domain.Masterpieces{}, err
	}
	arg := build(a)
	if q, ok := arg.(workflows.ApplyRequest); ok {
		if q, err = s.units(ctx, q); err != nil {
			return domain.Masterpieces{}, err
		}
		arg = q
	}
	stored, err := s.store.GetMasterpieces(ctx, year)
	if err != nil {
		return domain.Masterpieces{}, err
	}
	if stored.Phase.Ended() {
		return domain.Masterpieces{}, domain.Conflict("error.masterpiece_phase", map[string]any{"phase": string(stored.Phase)})
	}
	out, err := lxtemporal.Update[domain.Masterpieces](ctx, s.temporal, stored.ID, update, arg,
		domain.Conflict("error.masterpiece_phase", map[string]any{"phase": string(stored.Phase)}), workflows.UpdateError)
	if err != nil {
		return domain.Masterpieces{}, err
	}
	view, _ := View(a.Actor, out)
	return view, nil
}

// units checks an application's unit and sponsor against the directory:
// a department answers for itself; any other body names the department
// that answers for it.
func (s *Service) units(ctx context.Context, q workflows.ApplyRequest) (workflows.ApplyRequest, error) {
	var v domain.Validation
	lookup := func(field string, code domain.Code) (domain.Organisation, bool, error) {
		if code == "" {
			return domain.Organisation{}, false, nil
		}
		o, err := s.store.GetOrganisation(ctx, code)
		if err != nil && domain.AsError(err) == nil {
			return o, false, err
		}
		v.Check(err == nil, field, "validation.unknown_department", map[string]any{"value": code})
		return o, err == nil, nil
	}
	unit, ok, err := lookup("unit", q.Unit)
	if err != nil {
		return q, err
	}
	if ok {
		q.UnitName = unit.NameZH
		if unit.Kind == domain.OrgDepartment && q.Sponsor == "" {
			q.Sponsor = q.Unit
		}
	}
	v.Check(q.Sponsor != "", "sponsor", "validation.required", nil)
	sponsor, ok, err := lookup("sponsor", q.Sponsor)
	if err != nil {
		return q, err
	}
	if ok {
		v.Check(sponsor.Kind == domain.OrgDepartment, "sponsor", "validation.sponsor_department", map[string]any{"value": q.Sponsor})
	}
	return q, v.Err()
}
