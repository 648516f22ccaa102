package httpapi

import (
	"context"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"lianxi/internal/auth"
	"lianxi/internal/domain"
	"lianxi/internal/masterpieces"
	"lianxi/internal/portfolio"
	"lianxi/workflows"
)

// masterpieceRoutes are the routes of the cultural masterpiece projects.
func (a *api) masterpieceRoutes(r chi.Router) {
	r.Get("/masterpiece-rounds", a.listMasterpieces)
	r.Post("/masterpiece-rounds", a.startMasterpieces)
	r.Get("/masterpiece-rounds/{year}", a.getMasterpieces)
	r.Get("/masterpiece-rounds/{year}/history", a.masterpieceHistory)
	r.Get("/masterpiece-rounds/{year}/portfolio.xlsx", a.masterpieceExport("portfolio", portfolio.WritePortfolio))
	r.Get("/masterpiece-rounds/{year}/funding.xlsx", a.masterpieceExport("funding", portfolio.WriteFunding))
	r.Post("/masterpiece-rounds/{year}/applications", masterpieceAction(a, workflows.UpdateApply, func(q *workflows.ApplyRequest, x workflows.Action) { q.Action = x }, nil))
	r.Post("/masterpiece-rounds/{year}/applications/{application}/screening", masterpieceAction(a, workflows.UpdateScreenApp,
		func(q *workflows.ScreenApplicationRequest, x workflows.Action) { q.Action = x },
		func(q *workflows.ScreenApplicationRequest, r *http.Request) (err error) {
			q.Application, err = pathInt(r, "application")
			return err
		}))
	r.Post("/masterpiece-rounds/{year}/close-call", masterpieceAction(a, workflows.UpdateCloseCall, func(q *workflows.NoteRequest, x workflows.Action) { q.Action = x }, nil))
	r.Post("/masterpiece-rounds/{year}/close-screening", masterpieceAction(a, workflows.UpdateCloseAppScreen, func(q *workflows.NoteRequest, x workflows.Action) { q.Action = x }, nil))
	r.Post("/masterpiece-rounds/{year}/seminars", masterpieceAction(a, workflows.UpdateRecordSeminar, func(q *workflows.SeminarRequest, x workflows.Action) { q.Action = x }, nil))
	r.Post("/masterpiece-rounds/{year}/seminars/{seminar}/confirm", masterpieceAction(a, workflows.UpdateConfirmSeminar,
		func(q *workflows.ConfirmSeminarRequest, x workflows.Action) { q.Action = x },
		func(q *workflows.ConfirmSeminarRequest, r *http.Request) (err error) {
			q.Seminar, err = pathInt(r, "seminar")
			return err
		}))
	tranche := func(q *workflows.TrancheRequest, r *http.Request) (err error) {
		q.Project = chi.URLParam(r, "project")
		q.Tranche, err = pathInt(r, "tranche")
		return err
	}
	r.Post("/masterpiece-rounds/{year}/projects/{project}/tranches/{tranche}/approve", masterpieceAction(a, workflows.UpdateApproveTranche,
		func(q *workflows.TrancheRequest, x workflows.Action) { q.Action = x }, tranche))
	r.Post("/masterpiece-rounds/{year}/projects/{project}/tranches/{tranche}/release", masterpieceAction(a, workflows.UpdateReleaseTranche,
		func(q *workflows.TrancheRequest, x workflows.Action) { q.Action = x }, tranche))
	r.Post("/masterpiece-rounds/{year}/projects/{project}/examinations", masterpieceAction(a, workflows.UpdateExamine,
		func(q *workflows.ExamineRequest, x workflows.Action) { q.Action = x },
		func(q *workflows.ExamineRequest, r *http.Request) error {
			q.Project = chi.URLParam(r, "project")
			return nil
		}))
	r.Post("/masterpiece-rounds/{year}/close-year", masterpieceAction(a, workflows.UpdateCloseYear, func(q *workflows.NoteRequest, x workflows.Action) { q.Action = x }, nil))
	r.Post("/masterpiece-rounds/{year}/cancel", masterpieceAction(a, workflows.UpdateCancelYear, func(q *workflows.ReasonRequest, x workflows.Action) { q.Action = x }, nil))
}

func masterpieceAction[T any](a *api, update string, stamp func(*T, workflows.Action), path func(*T, *http.Request) error) http.HandlerFunc {
	return yearAction(a, update, stamp, path, func(ctx context.Context, u domain.User, onBehalfOf string, year int, build func(workflows.Action) any) (any, error) {
		return a.Masterpieces.Act(ctx, u, onBehalfOf, year, update, build)
	})
}

func (a *api) startMasterpieces(w http.ResponseWriter, r *http.Request) {
	u, ok := a.user(w, r)
	if !ok {
		return
	}
	var in masterpieces.NewYear
	if err := decode(w, r, &in); err != nil {
		a.fail(w, r, err)
		return
	}
	m, err := a.Masterpieces.Start(r.Context(), u, in, auth.RequestMeta(r))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/masterpiece-rounds/"+strconv.Itoa(m.Year))
	writeJSON(w, http.StatusCreated, m)
}

func (a *api) listMasterpieces(w http.ResponseWriter, r *http.Request) {
	u, ok := a.user(w, r)
	if !ok {
		return
	}
	ms, err := a.Masterpieces.List(r.Context(), u)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"years": ms})
}

func (a *api) getMasterpieces(w http.ResponseWriter, r *http.Request) {
	signedInRead(a, func(r *http.Request, u domain.User, year int) (domain.Masterpieces, error) {
		return a.Masterpieces.Get(r.Context(), u, year)
	})(w, r)
}

func (a *api) masterpieceHistory(w http.ResponseWriter, r *http.Request) {
	signedInRead(a, func(r *http.Request, u domain.User, year int) (map[string]any, error) {
		h, err := a.Masterpieces.History(r.Context(), u, year)
		return map[string]any{"events": h}, err
	})(w, r)
}
