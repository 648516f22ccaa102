package httpapi

import (
	"context"
	"net/http"

	"github.com/go-chi/chi/v5"

	"lianxi/internal/auth"
	"lianxi/internal/consultations"
	"lianxi/internal/domain"
	"lianxi/internal/onetime"
	"lianxi/internal/postgres"
	"lianxi/workflows"
)

// CommenterHeader carries a verified contact's token on the public
// consultation API; the pages keep it in the CommenterCookie instead.
const (
	CommenterHeader = "X-Commenter-Token"
	CommenterCookie = "lx_commenter"
)

// consultationRoutes are the routes of consultations on drafts: the
// drafting office's and the public's.
func (a *api) consultationRoutes(r chi.Router) {
	r.Get("/consultations", a.listConsultations)
	r.Post("/consultations", a.startConsultation)
	r.Get("/consultations/{slug}", a.signedInConsultation(func(r *http.Request, u domain.User, slug string) (any, error) {
		return a.Consultations.Get(r.Context(), u, slug)
	}))
	r.Get("/consultations/{slug}/history", a.signedInConsultation(func(r *http.Request, u domain.User, slug string) (any, error) {
		h, err := a.Consultations.History(r.Context(), u, slug)
		return map[string]any{"events": h}, err
	}))
	r.Get("/consultations/{slug}/comments", a.signedInConsultation(func(r *http.Request, u domain.User, slug string) (any, error) {
		q := r.URL.Query()
		f := postgres.CommentFilter{UnrepliedOnly: q.Get("unreplied") == "true"}
		if q.Has("section") {
			s := q.Get("section")
			f.Section = &s
		}
		cs, err := a.Consultations.Comments(r.Context(), u, slug, f)
		return map[string]any{"comments": cs}, err
	}))
	r.Post("/consultations/{slug}/comments/{comment}/reply", a.replyComment)
	r.Post("/consultations/{slug}/files", a.uploadConsultationFile)
	r.Post("/consultations/{slug}/report", consultationAction(a, workflows.UpdatePublishReport, func(q *workflows.PublishReportRequest, x workflows.Action) { q.Action = x }))
	r.Post("/consultations/{slug}/cancel", consultationAction(a, workflows.UpdateCancelConsultation, func(q *workflows.ReasonRequest, x workflows.Action) { q.Action = x }))

	r.Get("/public/consultations", a.publicConsultations)
	r.Get("/public/consultations/{slug}", a.publicConsultation)
	r.Get("/public/consultations/{slug}/report", a.consultationReport)
	r.Get("/public/consultations/{slug}/files/{file}", a.consultationFile)
	r.Post("/public/consultations/{slug}/codes", a.consultationCode)
	r.Post("/public/consultations/{slug}/verify", a.consultationVerify)
	r.Post("/public/consultations/{slug}/comments", a.postComment)
	r.Get("/public/consultations/{slug}/comments", a.myComments)
}

func consultationAction[T any](a *api, update string, stamp func(*T, workflows.Action)) http.HandlerFunc {
	return processAction(a, update, stamp, nil, func(ctx context.Context, u domain.User, onBehalfOf, slug string, build func(workflows.Action) any) (any, error) {
		return a.Consultations.Act(ctx, u, onBehalfOf, slug, update, build)
	})
}

// signedInConsultation answers a signed-in user's read of a consultation;
// the service decides what they may see.
func (a *api) signedInConsultation(read func(r *http.Request, u domain.User, slug string) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u, ok := a.user(w, r)
		if !ok {
			return
		}
		out, err := read(r, u, chi.URLParam(r, "slug"))
		a.answer(w, r, http.StatusOK, out, err)
	}
}

func (a *api) listConsultations(w http.ResponseWriter, r *http.Request) {
	u, ok := a.user(w, r)
	if !ok {
		return
	}
	cs, err := a.Consultations.List(r.Context(), u)
	a.answer(w, r, http.StatusOK, map[string]any{"consultations": cs}, err)
}

func (a *api) startConsultation(w http.ResponseWriter, r *http.Request) {
	u, ok := a.user(w, r)
	if !ok {
		return
	}
	var in domain.NewConsultation
	if err := decode(w, r, &in); err != nil {
		a.fail(w, r, err)
		return
	}
	c, err := a.Consultations.Start(r.Context(), u, in, auth.RequestMeta(r))
	if err == nil {
		w.Header().Set("Location", "/api/v1/consultations/"+c.Slug)
	}
	a.answer(w, r, http.StatusCreated, c, err)
}

func (a *api) replyComment(w http.ResponseWriter, r *http.Request) {
	u, ok := a.user(w, r)
	if !ok {
		return
	}
	var in domain.CommentReply
	id, err := int64Param(r, "comment", "comment")
	if err == nil {
		err = decode(w, r, &in)
	}
	var out domain.ConsultationComment
	if err == nil {
		out, err = a.Consultations.Reply(r.Context(), u, chi.URLParam(r, "slug"), id, in, auth.RequestMeta(r))
	}
	a.answer(w, r, http.StatusOK, out, err)
}

func (a *api) uploadConsultationFile(w http.ResponseWriter, r *http.Request) {
	u, ok := a.user(w, r)
	if !ok {
		return
	}
	name, data, err := readUpload(w, r, postgres.MaxAttachmentBytes+64<<10)
	var f domain.ConsultationFile
	if err == nil {
		f, err = a.Consultations.Upload(r.Context(), u, chi.URLParam(r, "slug"), name, data, r.FormValue("revised") == "true", auth.RequestMeta(r))
	}
	a.answer(w, r, http.StatusCreated, f, err)
}

func (a *api) publicConsultations(w http.ResponseWriter, r *http.Request) {
	cs, err := a.Consultations.PublicList(r.Context())
	a.answer(w, r, http.StatusOK, map[string]any{"consultations": cs}, err)
}

func (a *api) publicConsultation(w http.ResponseWriter, r *http.Request) {
	c, err := a.Consultations.Public(r.Context(), chi.URLParam(r, "slug"))
	a.answer(w, r, http.StatusOK, c, err)
}

func (a *api) consultationReport(w http.ResponseWriter, r *http.Request) {
	rep, err := a.Consultations.Report(r.Context(), chi.URLParam(r, "slug"))
	a.answer(w, r, http.StatusOK, rep, err)
}

func (a *api) consultationFile(w http.ResponseWriter, r *http.Request) {
	id, err := int64Param(r, "file", "file")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	f, data, err := a.Consultations.File(r.Context(), chi.URLParam(r, "slug"), id)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	serveDownload(w, domain.Attachment{ID: f.ID, Name: f.Name, ContentType: f.ContentType, Size: f.Size}, data)
}

func (a *api) consultationCode(w http.ResponseWriter, r *http.Request) {
	contactStep(a, http.StatusAccepted, func(r *http.Request, in contactRequest) (onetime.Sent, error) {
		return a.Consultations.RequestCode(r.Context(), chi.URLParam(r, "slug"), in.Contact, auth.ClientIP(r))
	})(w, r)
}

func (a *api) consultationVerify(w http.ResponseWriter, r *http.Request) {
	contactStep(a, http.StatusOK, func(r *http.Request, in contactRequest) (consultations.Verified, error) {
		return a.Consultations.Verify(r.Context(), chi.URLParam(r, "slug"), in.Contact, in.Code, auth.ClientIP(r))
	})(w, r)
}

// commenterToken is the request's commenter token: the header, or the
// pages' cookie.
func commenterToken(r *http.Request) string {
	if token := r.Header.Get(CommenterHeader); token != "" {
		return token
	}
	if c, err := r.Cookie(CommenterCookie); err == nil {
		return c.Value
	}
	return ""
}

func (a *api) postComment(w http.ResponseWriter, r *http.Request) {
	var in domain.NewComment
	if err := decode(w, r, &in); err != nil {
		a.fail(w, r, err)
		return
	}
	k, err := a.Consultations.Comment(r.Context(), chi.URLParam(r, "slug"), commenterToken(r), in, auth.ClientIP(r))
	a.answer(w, r, http.StatusCreated, k, err)
}

func (a *api) myComments(w http.ResponseWriter, r *http.Request) {
	cs, err := a.Consultations.MyComments(r.Context(), chi.URLParam(r, "slug"), commenterToken(r))
	a.answer(w, r, http.StatusOK, map[string]any{"comments": cs}, err)
}
