package httpapi

import (
	"context"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"lianxi/internal/auth"
	"lianxi/internal/domain"
	"lianxi/internal/selections"
	"lianxi/workflows"
)

// roundJSON is a round as its reader may see it, with who it waits on.
type roundJSON struct {
	domain.Round
	WaitingFor string   `json:"waiting_for"`
	WaitingOn  []string `json:"waiting_on"`
}

func toRoundJSON(r domain.Round) roundJSON {
	role, who := r.Waiting()
	return roundJSON{Round: r, WaitingFor: role, WaitingOn: who}
}

func (a *api) startRound(w http.ResponseWriter, r *http.Request) {
	u, ok := a.user(w, r)
	if !ok {
		return
	}
	var in selections.NewRound
	if err := decode(w, r, &in); err != nil {
		a.fail(w, r, err)
		return
	}
	round, err := a.Selections.Start(r.Context(), u, chi.URLParam(r, "code"), in, auth.RequestMeta(r))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/rounds/"+round.ID)
	writeJSON(w, http.StatusCreated, toRoundJSON(round))
}

func (a *api) listRounds(w http.ResponseWriter, r *http.Request) {
	u, ok := a.user(w, r)
	if !ok {
		return
	}
	rounds, err := a.Selections.List(r.Context(), u, chi.URLParam(r, "code"))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out := make([]roundJSON, len(rounds))
	for i, x := range rounds {
		out[i] = toRoundJSON(x)
	}
	writeJSON(w, http.StatusOK, map[string]any{"rounds": out})
}

func (a *api) getRound(w http.ResponseWriter, r *http.Request) {
	u, ok := a.user(w, r)
	if !ok {
		return
	}
	round, err := a.Selections.Get(r.Context(), u, chi.URLParam(r, "id"))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toRoundJSON(round))
}

func (a *api) roundHistory(w http.ResponseWriter, r *http.Request) {
	u, ok := a.user(w, r)
	if !ok {
		return
	}
	h, err := a.Selections.History(r.Context(), u, chi.URLParam(r, "id"))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"events": h})
}

// pathInt reads a positive integer URL parameter into a request field.
func pathInt(r *http.Request, name string) (int, error) {
	n, err := strconv.Atoi(chi.URLParam(r, name))
	if err != nil || n < 1 {
		var v domain.Validation
		v.Add(name, "validation.id", nil)
		return 0, v.Err()
	}
	return n, nil
}

// roundAction sends an action to the round's workflow (see
// processAction).
func roundAction[T any](a *api, update string, stamp func(*T, workflows.Action), path func(*T, *http.Request) error) http.HandlerFunc {
	return processAction(a, update, stamp, path, func(ctx context.Context, u domain.User, onBehalfOf, id string, build func(workflows.Action) any) (any, error) {
		round, err := a.Selections.Act(ctx, u, onBehalfOf, id, update, build)
		return toRoundJSON(round), err
	})
}

func (a *api) listAssignments(w http.ResponseWriter, r *http.Request) {
	u, ok := a.user(w, r)
	if !ok {
		return
	}
	as, err := a.Selections.Assignments(r.Context(), u)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"reviews": as})
}

func (a *api) scoreReview(w http.ResponseWriter, r *http.Request) {
	u, ok := a.user(w, r)
	if !ok {
		return
	}
	var in domain.ScoreInput
	if err := decode(w, r, &in); err != nil {
		a.fail(w, r, err)
		return
	}
	round, err := a.Selections.Score(r.Context(), u, chi.URLParam(r, "id"), in)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toRoundJSON(round))
}

func (a *api) publicRound(w http.ResponseWriter, r *http.Request) {
	round, err := a.Selections.Public(r.Context(), chi.URLParam(r, "id"))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toRoundJSON(round))
}

// publicAction takes the public's nomination or objection: no account,
// at most a few per address per minute.
func publicAction[T any](a *api, update string, stamp func(*T, workflows.Action)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := a.publicLimit.Allow(r); err != nil {
			a.fail(w, r, err)
			return
		}
		var req T
		if err := decode(w, r, &req); err != nil {
			a.fail(w, r, err)
			return
		}
		round, err := a.Selections.PublicAct(r.Context(), chi.URLParam(r, "id"), update, func(x workflows.Action) any {
			stamp(&req, x)
			return req
		})
		if err != nil {
			a.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusCreated, toRoundJSON(round))
	}
}

// selectionRoutes are the routes of the selection rounds.
func (a *api) selectionRoutes(r chi.Router) {
	act := func(q *workflows.Action, x workflows.Action) { *q = x }
	r.Get("/programmes/{code}/rounds", a.listRounds)
	r.Post("/programmes/{code}/rounds", a.startRound)
	r.Get("/rounds/{id}", a.getRound)
	r.Get("/rounds/{id}/history", a.roundHistory)
	r.Get("/rounds/{id}/ranking.xlsx", a.rankingSheet)
	r.Get("/rounds/{id}/archive.json", a.roundArchive)
	r.Post("/rounds/{id}/nominations", roundAction(a, workflows.UpdateNominate, func(q *workflows.NominateRequest, x workflows.Action) { act(&q.Action, x) }, nil))
	r.Post("/rounds/{id}/close-nominations", roundAction(a, workflows.UpdateCloseNominations, func(q *workflows.NoteRequest, x workflows.Action) { act(&q.Action, x) }, nil))
	r.Post("/rounds/{id}/entries/{entry}/screening", roundAction(a, workflows.UpdateScreen,
		func(q *workflows.ScreenRequest, x workflows.Action) { act(&q.Action, x) },
		func(q *workflows.ScreenRequest, r *http.Request) (err error) {
			q.Entry, err = pathInt(r, "entry")
			return err
		}))
	r.Post("/rounds/{id}/entries/{entry}/revision", roundAction(a, workflows.UpdateRevise,
		func(q *workflows.ReviseRequest, x workflows.Action) { act(&q.Action, x) },
		func(q *workflows.ReviseRequest, r *http.Request) (err error) {
			q.Entry, err = pathInt(r, "entry")
			return err
		}))
	r.Post("/rounds/{id}/close-screening", roundAction(a, workflows.UpdateCloseScreening, func(q *workflows.NoteRequest, x workflows.Action) { act(&q.Action, x) }, nil))
	r.Post("/rounds/{id}/reviews/{review}/conflict", roundAction(a, workflows.UpdateDeclareConflict,
		func(q *workflows.ConflictRequest, x workflows.Action) { act(&q.Action, x) },
		func(q *workflows.ConflictRequest, r *http.Request) (err error) {
			q.Review, err = pathInt(r, "review")
			return err
		}))
	r.Post("/rounds/{id}/reviews/{review}/reassign", roundAction(a, workflows.UpdateReassign,
		func(q *workflows.ReassignRequest, x workflows.Action) { act(&q.Action, x) },
		func(q *workflows.ReassignRequest, r *http.Request) (err error) {
			q.Review, err = pathInt(r, "review")
			return err
		}))
	r.Post("/rounds/{id}/close-scoring", roundAction(a, workflows.UpdateCloseScoring, func(q *workflows.NoteRequest, x workflows.Action) { act(&q.Action, x) }, nil))
	r.Post("/rounds/{id}/confirm", roundAction(a, workflows.UpdateConfirm, func(q *workflows.ConfirmRequest, x workflows.Action) { act(&q.Action, x) }, nil))
	r.Post("/rounds/{id}/objections/{objection}/ruling", roundAction(a, workflows.UpdateRule,
		func(q *workflows.RuleRequest, x workflows.Action) { act(&q.Action, x) },
		func(q *workflows.RuleRequest, r *http.Request) (err error) {
			q.Objection, err = pathInt(r, "objection")
			return err
		}))
	r.Post("/rounds/{id}/announce", roundAction(a, workflows.UpdateAnnounce, func(q *workflows.AnnounceRequest, x workflows.Action) { act(&q.Action, x) }, nil))
	r.Post("/rounds/{id}/cancel", roundAction(a, workflows.UpdateCancelRound, func(q *workflows.ReasonRequest, x workflows.Action) { act(&q.Action, x) }, nil))
	r.Get("/reviews", a.listAssignments)
	r.Post("/reviews/{id}/scores", a.scoreReview)
	r.Get("/public/rounds/{id}", a.publicRound)
	r.Post("/public/rounds/{id}/nominations", publicAction(a, workflows.UpdateNominate, func(q *workflows.NominateRequest, x workflows.Action) { act(&q.Action, x) }))
	r.Post("/public/rounds/{id}/objections", publicAction(a, workflows.UpdateObject, func(q *workflows.ObjectRequest, x workflows.Action) { act(&q.Action, x) }))
}
