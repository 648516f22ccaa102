// Package consultations runs public consultations on draft policies
// (征求意见): a drafting office publishes a draft with its sections,
// window and contact details; anyone comments on the whole or a section
// after verifying a contact by one-time code, written straight to
// PostgreSQL, which checks the window; the consulted departments comment
// through their tasks; the office answers every comment and publishes the
// adoption report (意见采纳情况). The consultation's Temporal workflow
// governs the phases, the departments' tasks and the reminders.
package consultations

import (
	"context"
	"crypto/sha256"
	"errors"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"lianxi/internal/auth"
	"lianxi/internal/calendar"
	"lianxi/internal/domain"
	"lianxi/internal/onetime"
	"lianxi/internal/postgres"
	"lianxi/internal/tasks"
	lxtemporal "lianxi/internal/temporal"
	"lianxi/workflows"
)

// Config holds the limits; zero fields take the defaults.
type Config struct {
	Codes              onetime.Limits
	TokenTTL           time.Duration // how long a verification lasts (30 days)
	CommentsPerAddress int           // comments a minute from one address (10, bursts of 6)
	CommentsPerContact int           // comments a minute by one contact (5, bursts of 5)
	VerifiesPerAddress int           // code checks a minute from one address (30, bursts of 16)
	MaxListed          int           // the most consultations a list shows (100)
}

func (c *Config) defaults() {
	set := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	if c.TokenTTL <= 0 {
		c.TokenTTL = 30 * 24 * time.Hour
	}
	set(&c.CommentsPerAddress, 10)
	set(&c.CommentsPerContact, 5)
	set(&c.VerifiesPerAddress, 30)
	set(&c.MaxListed, 100)
}

// Service is the consultation service.
type Service struct {
	store    *postgres.Store
	temporal client.Client
	tasks    *tasks.Service
	codes    *onetime.Issuer
	cfg      Config
	now      func() time.Time

	commentsByAddress, commentsByContact, verifiesByAddress *auth.AddressLimiter
}

// New builds the service.
func New(store *postgres.Store, c client.Client, ts *tasks.Service, codes onetime.Sender, cfg Config, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	cfg.defaults()
	return &Service{store: store, temporal: c, tasks: ts, cfg: cfg, now: now,
		codes:             onetime.NewIssuer(store, codes, cfg.Codes, now),
		commentsByAddress: auth.NewAddressLimiter(cfg.CommentsPerAddress, cfg.CommentsPerAddress/2+1),
		commentsByContact: auth.NewAddressLimiter(cfg.CommentsPerContact, cfg.CommentsPerContact),
		verifiesByAddress: auth.NewAddressLimiter(cfg.VerifiesPerAddress, cfg.VerifiesPerAddress/2+1)}
}

// office reports whether a user runs a consultation: its committee's
// office, or an administrator.
func office(u domain.User, c domain.Consultation) bool {
	return u.IsAdmin() || u.HasFor(domain.RoleOffice, c.Committee)
}

// overseer reports whether a user may read the whole of a consultation:
// its office, and its committee's conveners.
func overseer(u domain.User, c domain.Consultation) bool {
	return office(u, c) || u.HasFor(domain.RoleConvener, c.Committee)
}

// Start publishes a consultation, as the office of its committee; the
// same slug again is a conflict (409) and starts nothing.
func (s *Service) Start(ctx context.Context, actor domain.User, in domain.NewConsultation, meta auth.Meta) (domain.Consultation, error) {
	now := s.now()
	if in.Committee == "" {
		for _, g := range actor.Grants {
			if g.Role == domain.RoleOffice && g.Committee != "" {
				in.Committee = g.Committee
				break
			}
		}
	}
	if !actor.HasFor(domain.RoleOffice, in.Committee) || in.Committee == "" {
		return domain.Consultation{}, domain.Forbidden()
	}
	if err := domain.JoinInvalid(in.Validate(now), s.tasks.CheckDepartments(ctx, "departments", in.Departments)); err != nil {
		return domain.Consultation{}, err
	}
	c := in.Consultation(actor.Username, now)
	rec := meta.Record(actor.Username, "consultation.publish", "", domain.AuditOK)
	rec.Detail = map[string]string{"slug": c.Slug}
	err := s.store.StartConsultation(ctx, c, rec, func() error {
		return lxtemporal.StartOnce(ctx, s.temporal, client.StartWorkflowOptions{
			ID: c.ID, TaskQueue: workflows.TaskQueue,
			TypedSearchAttributes: temporal.NewSearchAttributes(
				temporal.NewSearchAttributeKeyKeyword(lxtemporal.SACommittee).ValueSet(c.Committee),
				temporal.NewSearchAttributeKeyKeyword(lxtemporal.SAKind).ValueSet("consultation"),
			),
		}, domain.Conflict("error.consultation_exists", map[string]any{"slug": c.Slug}), workflows.Consultation, workflows.ConsultationInput{Consultation: c})
	})
	return c, err
}

// live returns a consultation's state as its workflow holds it while it
// runs (with what it keeps only in memory, such as the next reminder),
// the recorded one otherwise, with the comment counts as stored now.
func (s *Service) live(ctx context.Context, slug string) (domain.Consultation, error) {
	stored, err := s.store.GetConsultation(ctx, slug)
	if err != nil {
		return stored, err
	}
	return s.withCounts(ctx, lxtemporal.Live(ctx, s.temporal, stored.ID, workflows.QueryConsultation, stored, stored.Phase.Ended(),
		func(c domain.Consultation) int { return c.Version }))
}

// withCounts gives a running consultation its comment counts as stored
// now, read after its state (an ended one keeps those it ended with).
func (s *Service) withCounts(ctx context.Context, c domain.Consultation) (domain.Consultation, error) {
	if c.Phase.Ended() {
		return c, nil
	}
	var err error
	c.Counts, err = s.store.CommentCounts(ctx, c.ID)
	return c, err
}

// Get returns a whole consultation, for its office and conveners.
func (s *Service) Get(ctx context.Context, actor domain.User, slug string) (domain.Consultation, error) {
	c, err := s.live(ctx, slug)
	if err != nil {
		return c, err
	}
	if !overseer(actor, c) {
		return domain.Consultation{}, domain.Forbidden()
	}
	return c, nil
}

// List returns the consultations an office or convener oversees (all of
// them for an administrator), the latest window first.
func (s *Service) List(ctx context.Context, actor domain.User) ([]domain.Consultation, error) {
	all, err := s.store.ListConsultations(ctx, s.cfg.MaxListed)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(all, func(c domain.Consultation) bool { return !overseer(actor, c) }), nil
}

// History returns a consultation's events, for its office and conveners.
func (s *Service) History(ctx context.Context, actor domain.User, slug string) ([]domain.CycleEvent, error) {
	c, err := s.Get(ctx, actor, slug)
	if err != nil {
		return nil, err
	}
	return s.store.ConsultationHistory(ctx, c.ID)
}

// PublicConsultation is what anyone may read of a consultation.
type PublicConsultation struct {
	Slug          string                     `json:"slug"`
	Title         string                     `json:"title"`
	Notice        string                     `json:"notice"`
	Phase         domain.ConsultationPhase   `json:"phase"`
	Sections      []domain.DraftSection      `json:"sections"`
	OpensAt       time.Time                  `json:"opens_at"`
	ClosesAt      time.Time                  `json:"closes_at"`
	FeedbackDueAt time.Time                  `json:"feedback_due_at"`
	Contact       domain.ConsultationContact `json:"contact"`
	Files         []domain.ConsultationFile  `json:"files"`
	Counts        domain.CommentCounts       `json:"counts"`
	// Accepting: comments are taken now; SecondsLeft until the window
	// closes (0 when it is not open).
	Accepting   bool      `json:"accepting"`
	Now         time.Time `json:"now"`
	SecondsLeft int64     `json:"seconds_left"`
	Reported    bool      `json:"reported"`
}

// publicOf is what anyone may read of a consultation at a time, with its
// files.
func publicOf(c domain.Consultation, files []domain.ConsultationFile, now time.Time) PublicConsultation {
	out := PublicConsultation{Slug: c.Slug, Title: c.Title, Notice: c.Notice, Phase: c.Phase, Sections: c.Sections, OpensAt: c.OpensAt,
		ClosesAt: c.ClosesAt, FeedbackDueAt: c.FeedbackDueAt, Contact: c.Contact, Files: files, Counts: c.Counts,
		Accepting: c.Accepting(now), Now: now, Reported: c.Report != nil}
	if out.Accepting {
		out.SecondsLeft = int64(c.ClosesAt.Sub(now) / time.Second)
	}
	return out
}

// readable returns a consultation anyone may read (a withdrawn one is
// gone) with its files.
func (s *Service) readable(ctx context.Context, slug string) (domain.Consultation, []domain.ConsultationFile, error) {
	c, err := s.live(ctx, slug)
	if err != nil {
		return c, nil, err
	}
	if c.Phase == domain.ConsultationCancelled {
		return c, nil, domain.NotFound("consultation", slug)
	}
	files, err := s.store.ConsultationFiles(ctx, c.ID)
	return c, files, err
}

// Public returns what anyone may read of a consultation.
func (s *Service) Public(ctx context.Context, slug string) (PublicConsultation, error) {
	c, files, err := s.readable(ctx, slug)
	if err != nil {
		return PublicConsultation{}, err
	}
	return publicOf(c, files, s.now()), nil
}

// PublicList lists the consultations anyone may read, the latest first:
// their titles and windows (no sections, no files).
func (s *Service) PublicList(ctx context.Context) ([]PublicConsultation, error) {
	all, err := s.store.ListConsultations(ctx, s.cfg.MaxListed)
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := []PublicConsultation{}
	for _, c := range all {
		if c.Phase == domain.ConsultationCancelled {
			continue
		}
		p := publicOf(c, nil, now)
		p.Notice, p.Sections, p.Contact, p.Counts, p.SecondsLeft = "", nil, domain.ConsultationContact{}, domain.CommentCounts{}, 0
		out = append(out, p)
	}
	return out, nil
}

// windowError is a comment (or a code for one) outside the window: 409
// naming the window's dates.
func windowError(c domain.Consultation) error {
	const layout = "2006-01-02 15:04"
	return domain.Conflict("error.consultation_window", map[string]any{
		"opens": c.OpensAt.In(calendar.Location).Format(layout), "closes": c.ClosesAt.In(calendar.Location).Format(layout)})
}

// accepting returns a consultation that takes comments now.
func (s *Service) accepting(ctx context.Context, slug string) (domain.Consultation, error) {
	c, err := s.store.GetConsultation(ctx, slug)
	if err != nil {
		return c, err
	}
	if !c.Accepting(s.now()) {
		return c, windowError(c)
	}
	return c, nil
}

// RequestCode sends a one-time code to a contact while the window is
// open, within the limits per contact and per address.
func (s *Service) RequestCode(ctx context.Context, slug, contact, ip string) (onetime.Sent, error) {
	if _, _, err := domain.NormaliseContact("contact", contact); err != nil {
		return onetime.Sent{}, err
	}
	c, err := s.accepting(ctx, slug)
	if err != nil {
		return onetime.Sent{}, err
	}
	return s.codes.Send(ctx, c.ID, "《"+strings.Trim(c.Title, "《》")+"》征求意见", contact, ip)
}

// Verified is a verified contact's token: sent back as the
// X-Commenter-Token header (or kept in a cookie by the pages) with each
// comment.
type Verified struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
	Contact   string    `json:"contact"`
}

// Verify checks a code and returns the contact's token.
func (s *Service) Verify(ctx context.Context, slug, contact, code, ip string) (Verified, error) {
	if _, _, err := domain.NormaliseContact("contact", contact); err != nil {
		return Verified{}, err
	}
	if err := s.verifiesByAddress.AllowKey(ip); err != nil {
		return Verified{}, err
	}
	c, err := s.accepting(ctx, slug)
	if err != nil {
		return Verified{}, err
	}
	claim, err := onetime.ReadClaim(c.ID, contact, code)
	if err != nil {
		return Verified{}, err
	}
	token, th, err := onetime.NewToken()
	if err != nil {
		return Verified{}, err
	}
	expires := s.now().Add(s.cfg.TokenTTL)
	if _, err := s.store.VerifyConsultationCode(ctx, c.ID, claim.Contact, claim.Hash, th, onetime.Addr(ip), expires); err != nil {
		return Verified{}, err
	}
	return Verified{Token: token, ExpiresAt: expires, Contact: domain.MaskContact(claim.Contact)}, nil
}

// commenter returns the commenter of a token on a consultation; any other
// token is unauthenticated.
func (s *Service) commenter(ctx context.Context, c domain.Consultation, token string) (postgres.Commenter, error) {
	if token == "" {
		return postgres.Commenter{}, domain.Unauthenticated()
	}
	m, err := s.store.CommenterByToken(ctx, onetime.Hash(token))
	if err == nil && m.ConsultationID != c.ID {
		return postgres.Commenter{}, domain.Unauthenticated()
	}
	return m, err
}

// Comment stores a verified contact's comment while the window is open.
func (s *Service) Comment(ctx context.Context, slug, token string, in domain.NewComment, ip string) (domain.ConsultationComment, error) {
	c, err := s.store.GetConsultation(ctx, slug)
	if err != nil {
		return domain.ConsultationComment{}, err
	}
	m, err := s.commenter(ctx, c, token)
	if err != nil {
		return domain.ConsultationComment{}, err
	}
	if err := in.Validate(c); err != nil {
		return domain.ConsultationComment{}, err
	}
	if err := s.commentsByAddress.AllowKey(ip); err != nil {
		return domain.ConsultationComment{}, err
	}
	if err := s.commentsByContact.AllowKey(m.Contact); err != nil {
		return domain.ConsultationComment{}, err
	}
	k, err := s.store.AddPublicComment(ctx, m, in, onetime.Addr(ip), s.now())
	if errors.Is(err, postgres.ErrWindowClosed) {
		return k, windowError(c)
	}
	return k.Public(), err
}

// MyComments are a verified contact's comments on a consultation, with the
// office's replies.
func (s *Service) MyComments(ctx context.Context, slug, token string) ([]domain.ConsultationComment, error) {
	c, err := s.store.GetConsultation(ctx, slug)
	if err != nil {
		return nil, err
	}
	m, err := s.commenter(ctx, c, token)
	if err != nil {
		return nil, err
	}
	return s.store.CommentsByCommenter(ctx, m)
}

// Comments lists a consultation's comments with their contacts, for its
// office and conveners.
func (s *Service) Comments(ctx context.Context, actor domain.User, slug string, f postgres.CommentFilter) ([]domain.ConsultationComment, error) {
	c, err := s.store.GetConsultation(ctx, slug)
	if err != nil {
		return nil, err
	}
	if !overseer(actor, c) {
		return nil, domain.Forbidden()
	}
	return s.store.ConsultationComments(ctx, c.ID, f)
}

// Reply records the office's answer to a comment (a later answer replaces
// it until the report is published).
func (s *Service) Reply(ctx context.Context, actor domain.User, slug string, id int64, in domain.CommentReply, meta auth.Meta) (domain.ConsultationComment, error) {
	c, err := s.store.GetConsultation(ctx, slug)
	if err != nil {
		return domain.ConsultationComment{}, err
	}
	if !office(actor, c) {
		return domain.ConsultationComment{}, domain.Forbidden()
	}
	if err := in.Validate(); err != nil {
		return domain.ConsultationComment{}, err
	}
	return s.store.ReplyComment(ctx, c.ID, id, in, actor.Username, s.now(), meta.Record(actor.Username, "consultation.reply", "", domain.AuditOK))
}

// Upload keeps a file of a consultation: an attachment of the draft, or
// (revised) the revised draft for the report.
func (s *Service) Upload(ctx context.Context, actor domain.User, slug, name string, data []byte, revised bool, meta auth.Meta) (domain.ConsultationFile, error) {
	c, err := s.store.GetConsultation(ctx, slug)
	if err != nil {
		return domain.ConsultationFile{}, err
	}
	if !office(actor, c) {
		return domain.ConsultationFile{}, domain.Forbidden()
	}
	name, contentType, err := tasks.CheckFile(name, data)
	if err != nil {
		return domain.ConsultationFile{}, err
	}
	sum := sha256.Sum256(data)
	return s.store.AddConsultationFile(ctx, c.ID, domain.ConsultationFile{Name: name, ContentType: contentType, Revised: revised}, sum[:], data,
		actor.Username, meta.Record(actor.Username, "consultation.upload", "", domain.AuditOK))
}

// File returns a consultation's file; they are public, as the draft is.
func (s *Service) File(ctx context.Context, slug string, id int64) (domain.ConsultationFile, []byte, error) {
	c, err := s.store.GetConsultation(ctx, slug)
	if err != nil {
		return domain.ConsultationFile{}, nil, err
	}
	return s.store.ConsultationFile(ctx, c.ID, id)
}

// Act carries an office action to the consultation's workflow.
func (s *Service) Act(ctx context.Context, actor domain.User, onBehalfOf, slug, update string, build func(workflows.Action) any) (domain.Consultation, error) {
	a, err := s.tasks.Authority(ctx, actor, onBehalfOf)
	if err != nil {
		return domain.Consultation{}, err
	}
	stored, err := s.store.GetConsultation(ctx, slug)
	if err != nil {
		return domain.Consultation{}, err
	}
	arg := build(a)
	if q, ok := arg.(workflows.PublishReportRequest); ok && q.RevisedDraft != 0 {
		f, _, err := s.store.ConsultationFile(ctx, stored.ID, q.RevisedDraft)
		var v domain.Validation
		v.Check(err == nil && f.Revised, "revised_draft", "validation.revised_draft", map[string]any{"value": q.RevisedDraft})
		if err := v.Err(); err != nil {
			return domain.Consultation{}, err
		}
	}
	phase := domain.Conflict("error.consultation_phase", map[string]any{"phase": string(stored.Phase)})
	if stored.Phase.Ended() {
		return domain.Consultation{}, phase
	}
	return lxtemporal.Update[domain.Consultation](ctx, s.temporal, stored.ID, update, arg, phase, workflows.UpdateError)
}

// Report is the adoption report (意见采纳情况): the comments without
// their contacts, the replies, the counts and the revised draft.
type Report struct {
	Consultation PublicConsultation           `json:"consultation"`
	Report       domain.ConsultationReport    `json:"report"`
	Comments     []domain.ConsultationComment `json:"comments"`
	Departments  []domain.ConsultedDepartment `json:"departments"`
}

// Report returns a consultation's published adoption report.
func (s *Service) Report(ctx context.Context, slug string) (Report, error) {
	c, files, err := s.readable(ctx, slug)
	if err != nil {
		return Report{}, err
	}
	if c.Report == nil {
		return Report{}, domain.Conflict("error.report_not_published", nil)
	}
	comments, err := s.store.ConsultationComments(ctx, c.ID, postgres.CommentFilter{})
	if err != nil {
		return Report{}, err
	}
	for i := range comments {
		comments[i] = comments[i].Public()
		comments[i].TaskID = 0
	}
	p := publicOf(c, files, s.now())
	p.Counts = c.Report.Counts
	depts := make([]domain.ConsultedDepartment, len(c.Departments))
	for i, d := range c.Departments {
		d.TaskID = 0
		depts[i] = d
	}
	return Report{Consultation: p, Report: *c.Report, Comments: comments, Departments: depts}, nil
}
