package webui

import (
	"context"

	"lianxi/internal/auth"
	"lianxi/internal/consultations"
	"lianxi/internal/domain"
	"lianxi/internal/onetime"
	"lianxi/internal/postgres"
	"lianxi/workflows"
)

// Consultations is what the pages of consultations on drafts need of the
// consultation service (consultations.Service): the same calls the API
// makes, so that a page can do nothing the API refuses, and shows the
// public what the public API shows.
type Consultations interface {
	Start(ctx context.Context, actor domain.User, in domain.NewConsultation, meta auth.Meta) (domain.Consultation, error)
	Get(ctx context.Context, actor domain.User, slug string) (domain.Consultation, error)
	List(ctx context.Context, actor domain.User) ([]domain.Consultation, error)
	History(ctx context.Context, actor domain.User, slug string) ([]domain.CycleEvent, error)
	Public(ctx context.Context, slug string) (consultations.PublicConsultation, error)
	PublicList(ctx context.Context) ([]consultations.PublicConsultation, error)
	RequestCode(ctx context.Context, slug, contact, ip string) (onetime.Sent, error)
	Verify(ctx context.Context, slug, contact, code, ip string) (consultations.Verified, error)
	Comment(ctx context.Context, slug, token string, in domain.NewComment, ip string) (domain.ConsultationComment, error)
	MyComments(ctx context.Context, slug, token string) ([]domain.ConsultationComment, error)
	Comments(ctx context.Context, actor domain.User, slug string, f postgres.CommentFilter) ([]domain.ConsultationComment, error)
	Reply(ctx context.Context, actor domain.User, slug string, id int64, in domain.CommentReply, meta auth.Meta) (domain.ConsultationComment, error)
	Upload(ctx context.Context, actor domain.User, slug, name string, data []byte, revised bool, meta auth.Meta) (domain.ConsultationFile, error)
	File(ctx context.Context, slug string, id int64) (domain.ConsultationFile, []byte, error)
	Act(ctx context.Context, actor domain.User, onBehalfOf, slug, update string, build func(workflows.Action) any) (domain.Consultation, error)
	Report(ctx context.Context, slug string) (consultations.Report, error)
}
