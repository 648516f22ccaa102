// Package selections runs the rounds of the selection programmes: it
// starts a programme's round of a year (once, ever), shows each person
// the part of a round they may see — experts their own assignments,
// departments their own nominations, nobody anyone's scores before scoring
// closes, the public the call, the notice and the results — and carries
// every action to the round's Temporal workflow.
package selections

import (
	"context"
	"slices"
	"strconv"
	"strings"
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

// Programmes reads the stored programme definitions.
type Programmes interface {
	Programme(ctx context.Context, code string) (domain.Programme, error)
}

// Service is the selection-round service.
type Service struct {
	store      *postgres.Store
	programmes Programmes
	temporal   client.Client
	tasks      *tasks.Service
	now        func() time.Time
}

// New builds the service.
func New(store *postgres.Store, programmes Programmes, c client.Client, ts *tasks.Service, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: store, programmes: programmes, temporal: c, tasks: ts, now: now}
}

// NewRound is what starts a round.
type NewRound struct {
	Year int `json:"year"`
}

// Start starts a programme's round of a year, as the programme's
// committee office. The round keeps the definition's current version; a
// second start of the same programme and year is a conflict (409).
func (s *Service) Start(ctx context.Context, actor domain.User, code string, in NewRound, meta auth.Meta) (domain.Round, error) {
	p, err := s.programmes.Programme(ctx, code)
	if err != nil {
		return domain.Round{}, err
	}
	if !actor.HasFor(domain.RoleOffice, p.Committee) {
		return domain.Round{}, domain.Forbidden()
	}
	if code == domain.ContestProgramme || code == domain.MasterpieceProgramme {
		return domain.Round{}, domain.Conflict("error.round_by_process", nil) // its process starts its own review
	}
	now := s.now()
	var v domain.Validation
	v.Check(in.Year >= now.Year()-1 && in.Year <= now.Year()+1, "year", "validation.range", map[string]any{"min": now.Year() - 1, "max": now.Year() + 1})
	if err := v.Err(); err != nil {
		return domain.Round{}, err
	}
	depts := p.Departments
	if len(depts) == 0 && slices.Contains(p.Nominators, domain.NominatorDepartments) {
		c, err := s.store.GetCommittee(ctx, p.Committee)
		if err != nil {
			return domain.Round{}, err
		}
		for _, m := range c.Members {
			depts = append(depts, m.Code)
		}
	}
	cal, err := s.store.Calendar(ctx)
	if err != nil {
		return domain.Round{}, err
	}
	r := domain.Round{ID: domain.RoundID(code, in.Year), Programme: p, Year: in.Year, StartedBy: actor.Username, StartedAt: now,
		NominationDue: cal.Deadline(now, p.NominationDays), Entries: []domain.Entry{}, Reviews: []domain.Review{}, Objections: []domain.Objection{}}
	for _, d := range depts {
		r.Calls = append(r.Calls, domain.NominationTask{Department: d})
	}
	r.StepInto(domain.RoundNomination, now, actor.Username, "")
	rec := meta.Record(actor.Username, "selection.start", "", domain.AuditOK)
	rec.Detail = map[string]string{"programme": code, "version": strconv.Itoa(p.Version), "year": strconv.Itoa(in.Year)}
	err = s.store.StartRound(ctx, r, rec, func() error {
		return lxtemporal.StartOnce(ctx, s.temporal, client.StartWorkflowOptions{
			ID: r.ID, TaskQueue: workflows.TaskQueue,
			TypedSearchAttributes: temporal.NewSearchAttributes(
				temporal.NewSearchAttributeKeyKeyword(lxtemporal.SACommittee).ValueSet(p.Committee),
				temporal.NewSearchAttributeKeyKeyword(lxtemporal.SAKind).ValueSet("selection:"+code),
			),
		}, domain.Conflict("error.round_exists", map[string]any{"id": r.ID}), workflows.Selection, workflows.SelectionInput{Round: r})
	})
	return r, err
}

// live returns a round's state: the workflow's while it runs, the
// recorded one once it has ended or when the workflow cannot answer.
func (s *Service) live(ctx context.Context, id string) (domain.Round, error) {
	stored, err := s.store.GetRound(ctx, id)
	if err != nil {
		return stored, err
	}
	return lxtemporal.Live(ctx, s.temporal, id, workflows.QueryRound, stored, stored.Phase.Ended(), func(r domain.Round) int { return r.Version }), nil
}

// Get returns the part of a round the actor may see.
func (s *Service) Get(ctx context.Context, actor domain.User, id string) (domain.Round, error) {
	r, err := s.live(ctx, id)
	if err != nil {
		return domain.Round{}, err
	}
	view, ok := View(actor, r)
	if !ok {
		return domain.Round{}, domain.Forbidden()
	}
	return view, nil
}

// Public returns what anyone may read of a round.
func (s *Service) Public(ctx context.Context, id string) (domain.Round, error) {
	r, err := s.live(ctx, id)
	if err != nil {
		return domain.Round{}, err
	}
	return PublicView(r), nil
}

// Full returns a whole round for its office and administrators (the
// ranking sheet, the archive); scores stay hidden while scoring is open.
func (s *Service) Full(ctx context.Context, actor domain.User, id string) (domain.Round, error) {
	r, err := s.live(ctx, id)
	if err != nil {
		return domain.Round{}, err
	}
	if !actor.IsAdmin() && !actor.HasFor(domain.RoleOffice, r.Programme.Committee) {
		return domain.Round{}, domain.Forbidden()
	}
	view, _ := View(actor, r)
	return view, nil
}

// List returns a programme's rounds the actor may see, latest first.
func (s *Service) List(ctx context.Context, actor domain.User, programme string) ([]domain.Round, error) {
	if _, err := s.programmes.Programme(ctx, programme); err != nil {
		return nil, err
	}
	all, err := s.store.ListRounds(ctx, programme, 50)
	if err != nil {
		return nil, err
	}
	out := []domain.Round{}
	for _, r := range all {
		if v, ok := View(actor, r); ok {
			out = append(out, v)
		}
	}
	return out, nil
}

// History returns a round's events, for its office, conveners and
// administrators.
func (s *Service) History(ctx context.Context, actor domain.User, id string) ([]domain.CycleEvent, error) {
	r, err := s.store.GetRound(ctx, id)
	if err != nil {
		return nil, err
	}
	c := r.Programme.Committee
	if !actor.IsAdmin() && !actor.HasFor(domain.RoleOffice, c) && !actor.HasFor(domain.RoleConvener, c) {
		return nil, domain.Forbidden()
	}
	return s.store.RoundHistory(ctx, id)
}

// Act sends an action to the round's workflow as an Update and returns
// the part of the round the actor may see afterwards. The workflow's
// validator decides who may act and whether the action applies.
func (s *Service) Act(ctx context.Context, actor domain.User, onBehalfOf, id, update string, build func(workflows.Action) any) (domain.Round, error) {
	a, err := s.tasks.Authority(ctx, actor, onBehalfOf)
	if err != nil {
		return domain.Round{}, err
	}
	arg := build(a)
	if err := s.checkAttachments(ctx, id, arg); err != nil {
		return domain.Round{}, err
	}
	r, err := s.update(ctx, id, update, arg)
	if err != nil {
		return domain.Round{}, err
	}
	view, _ := View(a.Actor, r)
	return view, nil
}

// checkAttachments refuses a nomination naming files that are not
// attached to its department's call task (where the department uploads its
// supporting material).
func (s *Service) checkAttachments(ctx context.Context, id string, arg any) error {
	var in domain.NewEntry
	entry := 0
	switch q := arg.(type) {
	case workflows.NominateRequest:
		in = q.NewEntry
	case workflows.ReviseRequest:
		in, entry = q.NewEntry, q.Entry
	default:
		return nil
	}
	if len(in.Attachments) == 0 {
		return nil
	}
	r, err := s.store.GetRound(ctx, id)
	if err != nil {
		return err
	}
	dept := in.Department
	if e := r.Entry(entry); e != nil {
		dept = e.Department
	}
	var files []domain.Attachment
	for _, c := range r.Calls {
		if c.Department == dept && c.TaskID != 0 {
			if files, err = s.store.Attachments(ctx, c.TaskID); err != nil {
				return err
			}
		}
	}
	var v domain.Validation
	for i, a := range in.Attachments {
		v.Check(slices.ContainsFunc(files, func(f domain.Attachment) bool { return f.ID == a }), "attachments["+strconv.Itoa(i)+"]", "validation.attachment", nil)
	}
	return v.Err()
}

// PublicAct sends the public's action (a nomination, an objection) to the
// round's workflow and returns the public view.
func (s *Service) PublicAct(ctx context.Context, id, update string, build func(workflows.Action) any) (domain.Round, error) {
	arg := build(workflows.Action{Actor: domain.User{Username: workflows.PublicActor}})
	if q, ok := arg.(workflows.NominateRequest); ok && len(q.Attachments) > 0 {
		var v domain.Validation
		v.Add("attachments", "validation.attachment", nil) // the public has no task to upload to
		return domain.Round{}, v.Err()
	}
	r, err := s.update(ctx, id, update, arg)
	if err != nil {
		return domain.Round{}, err
	}
	return PublicView(r), nil
}

func (s *Service) update(ctx context.Context, id, update string, arg any) (domain.Round, error) {
	stored, err := s.store.GetRound(ctx, id)
	if err != nil {
		return domain.Round{}, err
	}
	if stored.Phase.Ended() {
		return domain.Round{}, domain.Conflict("error.round_closed", nil)
	}
	return lxtemporal.Update[domain.Round](ctx, s.temporal, id, update, arg, domain.Conflict("error.round_closed", nil), workflows.UpdateError)
}

// Assignment is one of an expert's reviews with its entry, across rounds.
type Assignment struct {
	ID        string             `json:"id"` // "<round id>:<review id>"
	Round     string             `json:"round"`
	Programme string             `json:"programme"`
	Criteria  []domain.Criterion `json:"criteria"`
	Review    domain.Review      `json:"review"`
	Entry     domain.Entry       `json:"entry"`
	Open      bool               `json:"open"` // scoring is open
}

// ReviewID names a review across rounds.
func ReviewID(round string, review int) string { return round + ":" + strconv.Itoa(review) }

// ParseReviewID splits a review's name into its round and number.
func ParseReviewID(s string) (round string, review int, ok bool) {
	i := strings.LastIndexByte(s, ':')
	if i <= 0 {
		return "", 0, false
	}
	n, err := strconv.Atoi(s[i+1:])
	return s[:i], n, err == nil && n > 0
}

// Assignments lists an expert's reviews in the running rounds.
func (s *Service) Assignments(ctx context.Context, actor domain.User) ([]Assignment, error) {
	if !actor.Has(domain.RoleExpert) {
		return nil, domain.Forbidden()
	}
	rounds, err := s.store.OpenRounds(ctx)
	if err != nil {
		return nil, err
	}
	out := []Assignment{}
	for _, stored := range rounds {
		if !slices.ContainsFunc(stored.Reviews, func(v domain.Review) bool { return v.Expert == actor.Username }) {
			continue
		}
		r, err := s.live(ctx, stored.ID)
		if err != nil {
			return nil, err
		}
		for _, v := range r.Reviews {
			if v.Expert != actor.Username || v.Replaced {
				continue
			}
			a := Assignment{ID: ReviewID(r.ID, v.ID), Round: r.ID, Programme: r.Programme.Name("zh"), Criteria: r.Programme.Criteria, Review: v,
				Open: r.Phase == domain.RoundReview}
			if e := r.Entry(v.Entry); e != nil {
				a.Entry = *e
			}
			out = append(out, a)
		}
	}
	return out, nil
}

// Score sends an expert's scores for one of their reviews.
func (s *Service) Score(ctx context.Context, actor domain.User, reviewID string, in domain.ScoreInput) (domain.Round, error) {
	round, n, ok := ParseReviewID(reviewID)
	if !ok {
		return domain.Round{}, domain.NotFound("review", reviewID)
	}
	return s.Act(ctx, actor, "", round, workflows.UpdateScore, func(a workflows.Action) any {
		return workflows.ScoreRequest{Action: a, Review: n, ScoreInput: in}
	})
}
