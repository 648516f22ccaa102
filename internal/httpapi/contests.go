package httpapi

import (
	"context"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"lianxi/internal/auth"
	"lianxi/internal/contests"
	"lianxi/internal/domain"
	"lianxi/internal/onetime"
	"lianxi/internal/postgres"
	"lianxi/workflows"
)

// VoterHeader carries a verified contact's token on the public contest
// API; the pages keep it in the VoterCookie instead.
const (
	VoterHeader = "X-Voter-Token"
	VoterCookie = "lx_voter"
)

// contestRoutes are the routes of the idea contests: the office's and the
// public's.
func (a *api) contestRoutes(r chi.Router) {
	r.Get("/contests", a.listContests)
	r.Post("/contests", a.startContest)
	r.Get("/contests/{year}", a.getContest)
	r.Get("/contests/{year}/history", a.contestHistory)
	r.Get("/contests/{year}/ideas", a.officeIdeas)
	r.Post("/contests/{year}/ideas/{idea}/screening", a.screenIdea)
	r.Get("/contests/{year}/anomalies", a.voteAnomalies)
	r.Post("/contests/{year}/close-submissions", contestAction(a, workflows.UpdateCloseSubmissions, func(q *workflows.NoteRequest, x workflows.Action) { q.Action = x }))
	r.Post("/contests/{year}/open-voting", contestAction(a, workflows.UpdateOpenVoting, func(q *workflows.NoteRequest, x workflows.Action) { q.Action = x }))
	r.Post("/contests/{year}/close-voting", contestAction(a, workflows.UpdateCloseVoting, func(q *workflows.NoteRequest, x workflows.Action) { q.Action = x }))
	r.Post("/contests/{year}/confirm", contestAction(a, workflows.UpdateConfirmPrizes, func(q *workflows.ContestConfirmRequest, x workflows.Action) { q.Action = x }))
	r.Post("/contests/{year}/cancel", contestAction(a, workflows.UpdateCancelContest, func(q *workflows.ReasonRequest, x workflows.Action) { q.Action = x }))

	r.Get("/public/contests/{year}", a.publicContest)
	r.Post("/public/contests/{year}/codes", a.requestCode)
	r.Post("/public/contests/{year}/verify", a.verifyContact)
	r.Post("/public/contests/{year}/files", a.uploadIdeaFile)
	r.Post("/public/contests/{year}/ideas", a.submitIdea)
	r.Get("/public/contests/{year}/ideas", a.publicIdeas)
	r.Get("/public/contests/{year}/ideas/{idea}", a.publicIdea)
	r.Get("/public/contests/{year}/ideas/{idea}/files/{file}", a.ideaFile)
	r.Post("/public/contests/{year}/votes", a.castVote)
	r.Get("/public/contests/{year}/votes", a.myVotes)
	r.Get("/public/ideas/{tracking}", a.trackIdea)
}

func contestAction[T any](a *api, update string, stamp func(*T, workflows.Action)) http.HandlerFunc {
	return yearAction(a, update, stamp, nil, func(ctx context.Context, u domain.User, onBehalfOf string, year int, build func(workflows.Action) any) (any, error) {
		return a.Contests.Act(ctx, u, onBehalfOf, year, update, build)
	})
}

// yearAction sends an action to a yearly process (a contest, a masterpiece
// year) named by its {year} (see processAction).
func yearAction[T any](a *api, update string, stamp func(*T, workflows.Action), path func(*T, *http.Request) error,
	act func(ctx context.Context, u domain.User, onBehalfOf string, year int, build func(workflows.Action) any) (any, error)) http.HandlerFunc {
	return processAction(a, update, stamp, path, func(ctx context.Context, u domain.User, onBehalfOf, id string, build func(workflows.Action) any) (any, error) {
		year, err := strconv.Atoi(id)
		if err != nil {
			return nil, domain.NotFound("year", id)
		}
		return act(ctx, u, onBehalfOf, year, build)
	})
}

func yearParam(r *http.Request) (int, error) {
	n, err := strconv.Atoi(chi.URLParam(r, "year"))
	if err != nil || n < 1900 || n > 2199 {
		return 0, domain.NotFound("contest", chi.URLParam(r, "year"))
	}
	return n, nil
}

func int64Param(r *http.Request, name, what string) (int64, error) {
	n, err := strconv.ParseInt(chi.URLParam(r, name), 10, 64)
	if err != nil || n < 1 {
		return 0, domain.NotFound(what, chi.URLParam(r, name))
	}
	return n, nil
}

func (a *api) startContest(w http.ResponseWriter, r *http.Request) {
	u, ok := a.user(w, r)
	if !ok {
		return
	}
	in, err := a.Contests.Defaults(r.Context())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if err := decode(w, r, &in); err != nil {
		a.fail(w, r, err)
		return
	}
	c, err := a.Contests.Start(r.Context(), u, in, auth.RequestMeta(r))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/contests/"+strconv.Itoa(c.Year))
	writeJSON(w, http.StatusCreated, c)
}

func (a *api) listContests(w http.ResponseWriter, r *http.Request) {
	u, ok := a.user(w, r)
	if !ok {
		return
	}
	cs, err := a.Contests.List(r.Context(), u)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"contests": cs})
}

// signedInRead answers a signed-in user's read of a yearly process (a
// contest, a masterpiece year); the service decides what they may see.
func signedInRead[T any](a *api, read func(r *http.Request, u domain.User, year int) (T, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u, ok := a.user(w, r)
		if !ok {
			return
		}
		year, err := yearParam(r)
		if err == nil {
			var out T
			if out, err = read(r, u, year); err == nil {
				writeJSON(w, http.StatusOK, out)
				return
			}
		}
		a.fail(w, r, err)
	}
}

func (a *api) getContest(w http.ResponseWriter, r *http.Request) {
	signedInRead(a, func(r *http.Request, u domain.User, year int) (domain.Contest, error) {
		return a.Contests.Get(r.Context(), u, year)
	})(w, r)
}

func (a *api) contestHistory(w http.ResponseWriter, r *http.Request) {
	signedInRead(a, func(r *http.Request, u domain.User, year int) (map[string]any, error) {
		h, err := a.Contests.History(r.Context(), u, year)
		return map[string]any{"events": h}, err
	})(w, r)
}

func (a *api) officeIdeas(w http.ResponseWriter, r *http.Request) {
	signedInRead(a, func(r *http.Request, u domain.User, year int) (map[string]any, error) {
		q := r.URL.Query()
		offset, _ := strconv.Atoi(q.Get("offset"))
		ideas, err := a.Contests.Ideas(r.Context(), u, year, postgres.IdeaFilter{Status: q.Get("status"), Category: q.Get("category"),
			Text: q.Get("q"), Limit: 1000, Offset: max(0, offset)})
		return map[string]any{"ideas": ideas}, err
	})(w, r)
}

func (a *api) voteAnomalies(w http.ResponseWriter, r *http.Request) {
	signedInRead(a, func(r *http.Request, u domain.User, year int) (domain.VoteAnomalies, error) {
		return a.Contests.Anomalies(r.Context(), u, year)
	})(w, r)
}

func (a *api) screenIdea(w http.ResponseWriter, r *http.Request) {
	u, ok := a.user(w, r)
	if !ok {
		return
	}
	var in domain.ScreenIdea
	year, err := yearParam(r)
	var id int64
	if err == nil {
		id, err = int64Param(r, "idea", "idea")
	}
	if err == nil {
		err = decode(w, r, &in)
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	idea, err := a.Contests.Screen(r.Context(), u, year, id, in, auth.RequestMeta(r))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, idea)
}

// publicRead answers a public read of a year's contest.
func publicRead[T any](a *api, read func(r *http.Request, year int) (T, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		year, err := yearParam(r)
		if err == nil {
			var out T
			if out, err = read(r, year); err == nil {
				writeJSON(w, http.StatusOK, out)
				return
			}
		}
		a.fail(w, r, err)
	}
}

func (a *api) publicContest(w http.ResponseWriter, r *http.Request) {
	publicRead(a, func(r *http.Request, year int) (contests.PublicContest, error) {
		return a.Contests.Public(r.Context(), year)
	})(w, r)
}

func (a *api) publicIdeas(w http.ResponseWriter, r *http.Request) {
	publicRead(a, func(r *http.Request, year int) (map[string]any, error) {
		q := r.URL.Query()
		offset, _ := strconv.Atoi(q.Get("offset"))
		ideas, err := a.Contests.PublicIdeas(r.Context(), year, q.Get("category"), q.Get("q"), offset)
		return map[string]any{"ideas": ideas}, err
	})(w, r)
}

func (a *api) publicIdea(w http.ResponseWriter, r *http.Request) {
	publicRead(a, func(r *http.Request, year int) (contests.Tracked, error) {
		id, err := int64Param(r, "idea", "idea")
		if err != nil {
			return contests.Tracked{}, err
		}
		return a.Contests.PublicIdea(r.Context(), year, id)
	})(w, r)
}

func (a *api) ideaFile(w http.ResponseWriter, r *http.Request) {
	year, err := yearParam(r)
	var idea, id int64
	if err == nil {
		idea, err = int64Param(r, "idea", "idea")
	}
	if err == nil {
		id, err = int64Param(r, "file", "file")
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	att, data, err := a.Contests.File(r.Context(), year, idea, id)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	serveDownload(w, att, data)
}

func (a *api) trackIdea(w http.ResponseWriter, r *http.Request) {
	t, err := a.Contests.Track(r.Context(), chi.URLParam(r, "tracking"))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, t)
}

// contactRequest names a contact, and for verification its code.
type contactRequest struct {
	Contact string `json:"contact"`
	Code    string `json:"code"`
}

// contactStep answers a public verification step (a code requested, a
// code checked): the contact, and the code, read from the body, then act.
func contactStep[T any](a *api, status int, act func(r *http.Request, in contactRequest) (T, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var in contactRequest
		if err := decode(w, r, &in); err != nil {
			a.fail(w, r, err)
			return
		}
		out, err := act(r, in)
		a.answer(w, r, status, out, err)
	}
}

func (a *api) requestCode(w http.ResponseWriter, r *http.Request) {
	contactStep(a, http.StatusAccepted, func(r *http.Request, in contactRequest) (onetime.Sent, error) {
		year, err := yearParam(r)
		if err != nil {
			return onetime.Sent{}, err
		}
		return a.Contests.RequestCode(r.Context(), year, in.Contact, auth.ClientIP(r))
	})(w, r)
}

func (a *api) verifyContact(w http.ResponseWriter, r *http.Request) {
	contactStep(a, http.StatusOK, func(r *http.Request, in contactRequest) (contests.Verified, error) {
		year, err := yearParam(r)
		if err != nil {
			return contests.Verified{}, err
		}
		return a.Contests.Verify(r.Context(), year, in.Contact, in.Code, auth.ClientIP(r))
	})(w, r)
}

// voterToken is the request's voter token: the header, or the pages'
// cookie.
func voterToken(r *http.Request) string {
	if token := r.Header.Get(VoterHeader); token != "" {
		return token
	}
	if c, err := r.Cookie(VoterCookie); err == nil {
		return c.Value
	}
	return ""
}

// voter returns the verified contact of the request's token, or answers
// 401.
func (a *api) voter(w http.ResponseWriter, r *http.Request) (domain.Voter, bool) {
	year, err := yearParam(r)
	if err != nil {
		a.fail(w, r, err)
		return domain.Voter{}, false
	}
	v, err := a.Contests.Voter(r.Context(), year, voterToken(r))
	if err != nil {
		a.fail(w, r, err)
		return domain.Voter{}, false
	}
	return v, true
}

func (a *api) uploadIdeaFile(w http.ResponseWriter, r *http.Request) {
	v, ok := a.voter(w, r)
	if !ok {
		return
	}
	name, data, err := readUpload(w, r, domain.IdeaFileMax+64<<10)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	id, err := a.Contests.Upload(r.Context(), v, name, data, auth.ClientIP(r))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"id": id, "name": name, "size": len(data)})
}

func (a *api) submitIdea(w http.ResponseWriter, r *http.Request) {
	v, ok := a.voter(w, r)
	if !ok {
		return
	}
	var in domain.NewIdea
	if err := decode(w, r, &in); err != nil {
		a.fail(w, r, err)
		return
	}
	idea, err := a.Contests.Submit(r.Context(), v, in, auth.ClientIP(r))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	idea.Contact = domain.MaskContact(idea.Contact)
	w.Header().Set("Location", "/api/v1/public/ideas/"+idea.TrackingCode)
	writeJSON(w, http.StatusCreated, idea)
}

// voteRequest names the idea voted for.
type voteRequest struct {
	Idea int64 `json:"idea"`
}

func (a *api) castVote(w http.ResponseWriter, r *http.Request) {
	var in voteRequest
	year, err := yearParam(r)
	if err == nil {
		err = decode(w, r, &in)
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	res, err := a.Contests.Vote(r.Context(), year, voterToken(r), in.Idea, auth.ClientIP(r))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, res)
}

func (a *api) myVotes(w http.ResponseWriter, r *http.Request) {
	v, ok := a.voter(w, r)
	if !ok {
		return
	}
	out, err := a.Contests.Votes(r.Context(), v)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}
