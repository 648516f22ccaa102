package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"lianxi/internal/auth"
	"lianxi/internal/domain"
	"lianxi/internal/meetings"
	"lianxi/workflows"
)

// cycleJSON is a cycle with who it waits on, its agenda in order and the
// departments that did not answer the agenda call.
type cycleJSON struct {
	domain.Cycle
	WaitingFor string              `json:"waiting_for"`
	WaitingOn  []string            `json:"waiting_on"`
	Agenda     []domain.AgendaItem `json:"agenda"`
	Missing    []string            `json:"missing"`
}

func toCycleJSON(c domain.Cycle) cycleJSON {
	role, depts := c.Waiting()
	agenda := c.Agenda()
	if agenda == nil {
		agenda = []domain.AgendaItem{}
	}
	return cycleJSON{Cycle: c, WaitingFor: role, WaitingOn: depts, Agenda: agenda, Missing: c.Missing()}
}

func (a *api) startCycle(w http.ResponseWriter, r *http.Request) {
	u, ok := a.user(w, r)
	if !ok {
		return
	}
	var in domain.NewCycle
	if err := decode(w, r, &in); err != nil {
		a.fail(w, r, err)
		return
	}
	c, err := a.Meetings.Start(r.Context(), u, chi.URLParam(r, "code"), in, auth.RequestMeta(r))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/cycles/"+c.ID)
	writeJSON(w, http.StatusCreated, toCycleJSON(c))
}

func (a *api) listCycles(w http.ResponseWriter, r *http.Request) {
	u, ok := a.user(w, r)
	if !ok {
		return
	}
	cs, err := a.Meetings.List(r.Context(), u, chi.URLParam(r, "code"))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out := make([]cycleJSON, len(cs))
	for i, c := range cs {
		out[i] = toCycleJSON(c)
	}
	writeJSON(w, http.StatusOK, map[string]any{"cycles": out})
}

func (a *api) getCycle(w http.ResponseWriter, r *http.Request) {
	u, ok := a.user(w, r)
	if !ok {
		return
	}
	c, err := a.Meetings.Get(r.Context(), u, chi.URLParam(r, "id"))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toCycleJSON(c))
}

func (a *api) cycleHistory(w http.ResponseWriter, r *http.Request) {
	u, ok := a.user(w, r)
	if !ok {
		return
	}
	h, err := a.Meetings.History(r.Context(), u, chi.URLParam(r, "id"))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"events": h})
}

// cycleAction sends an office's or convener's action to the cycle's
// workflow (see processAction).
func cycleAction[T any](a *api, update string, stamp func(*T, workflows.Action), path func(*T, *http.Request) error) http.HandlerFunc {
	return processAction(a, update, stamp, path, func(ctx context.Context, u domain.User, onBehalfOf, id string, build func(workflows.Action) any) (any, error) {
		c, err := a.Meetings.Act(ctx, u, onBehalfOf, id, update, build)
		return toCycleJSON(c), err
	})
}

// processAction decodes an action on a process (a cycle, a round) into
// req, fills what the URL carries (path), stamps it with the signed-in
// user's authority — or a colleague's, with ?on_behalf_of= — and sends it
// through act, which answers with what the user may see of the process
// afterwards.
func processAction[T any](a *api, update string, stamp func(*T, workflows.Action), path func(*T, *http.Request) error,
	act func(ctx context.Context, u domain.User, onBehalfOf, id string, build func(workflows.Action) any) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u, ok := a.user(w, r)
		if !ok {
			return
		}
		var req T
		if err := decode(w, r, &req); err != nil {
			a.fail(w, r, err)
			return
		}
		if path != nil {
			if err := path(&req, r); err != nil {
				a.fail(w, r, err)
				return
			}
		}
		out, err := act(r.Context(), u, r.URL.Query().Get("on_behalf_of"), processID(r), func(x workflows.Action) any {
			stamp(&req, x)
			return req
		})
		if err != nil {
			a.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, out)
	}
}

// processID is the process a route names: a cycle's or round's {id}, a
// consultation's {slug}, a contest's {year}.
func processID(r *http.Request) string {
	if id := chi.URLParam(r, "id"); id != "" {
		return id
	}
	if slug := chi.URLParam(r, "slug"); slug != "" {
		return slug
	}
	return chi.URLParam(r, "year")
}

func decisionParam(r *http.Request) (int, error) {
	n, err := strconv.Atoi(chi.URLParam(r, "decision"))
	if err != nil || n < 1 {
		var v domain.Validation
		v.Add("decision", "validation.id", nil)
		return 0, v.Err()
	}
	return n, nil
}

func (a *api) followUp(accept bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u, ok := a.user(w, r)
		if !ok {
			return
		}
		n, err := decisionParam(r)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		var req workflows.ReasonRequest
		if err := decode(w, r, &req); err != nil {
			a.fail(w, r, err)
			return
		}
		t, err := a.Meetings.FollowUp(r.Context(), u, r.URL.Query().Get("on_behalf_of"), chi.URLParam(r, "id"), n, accept, req.Reason)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, toTaskJSON(t, time.Now()))
	}
}

// meetingsFeed serves an iCalendar feed of the meetings a committee holds
// or a department sits in, from 90 days back.
func (a *api) meetingsFeed(byDepartment bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if _, ok := a.user(w, r); !ok {
			return
		}
		code := chi.URLParam(r, "code")
		committee, dept := code, ""
		if byDepartment {
			committee, dept = "", code
			if _, err := a.Store.GetOrganisation(r.Context(), code); err != nil {
				a.fail(w, r, err)
				return
			}
		} else if _, err := a.Store.GetCommittee(r.Context(), code); err != nil {
			a.fail(w, r, err)
			return
		}
		cs, err := a.Meetings.Meetings(r.Context(), time.Now().AddDate(0, 0, -90), committee, dept)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
		w.Header().Set("Content-Disposition", `inline; filename="meetings-`+code+`.ics"`)
		_, _ = w.Write(meetings.ICS(cs, "lianxi-"+code, time.Now()))
	}
}
