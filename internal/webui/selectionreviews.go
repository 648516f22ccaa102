package webui

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"lianxi/internal/domain"
	"lianxi/internal/i18n"
	"lianxi/internal/selections"
	"lianxi/workflows"
)

// reviewURL is the address of an expert's review (its scoring form).
func reviewURL(id string) string { return "/reviews/" + id }

// assignmentRow is one of an expert's reviews, as their list shows it.
type assignmentRow struct {
	URL       string
	Programme string
	Year      int
	Ref       string
	Title     string
	Unit      string
	State     string // "pending", "done" or "closed"
	Label     string
}

// reviewsPage is an expert's reviews across the running rounds.
type reviewsPage struct {
	Rows    []assignmentRow
	Pending int
	Done    string
}

// reviews lists the signed-in expert's reviews in the running rounds; a
// person without the expert role gets the audited 403.
func (p *Pages) reviews(w http.ResponseWriter, r *http.Request) {
	u, ok := p.user(w, r)
	if !ok {
		return
	}
	if p.sel == nil {
		p.renderError(w, r, http.StatusNotFound, nil)
		return
	}
	ctx := r.Context()
	as, err := p.sel.Assignments(ctx, u)
	if domain.KindOf(err) == domain.KindForbidden {
		p.forbidden(w, r, u)
		return
	}
	if err != nil {
		p.fail(w, r, err)
		return
	}
	v := p.newView(r, "round.reviews.title", "reviews")
	data := reviewsPage{}
	if key := "round.done." + r.URL.Query().Get("done"); i18n.Has(v.Lang, key) {
		data.Done = v.T(key)
	}
	// Each round's reviews in the order of its entries.
	slices.SortStableFunc(as, func(a, b selections.Assignment) int {
		if c := strings.Compare(a.Round, b.Round); c != 0 {
			return c
		}
		return a.Entry.ID - b.Entry.ID
	})
	rounds := map[string]domain.Round{}
	for _, a := range as {
		x, seen := rounds[a.Round]
		if !seen {
			// The programme in the page's language and the year: the
			// round as this expert sees it.
			if x, err = p.sel.Get(ctx, u, a.Round); err != nil {
				p.fail(w, r, err)
				return
			}
			rounds[a.Round] = x
		}
		row := assignmentRow{URL: reviewURL(a.ID), Programme: x.Programme.Name(v.LangCode), Year: x.Year, Ref: ref(a.Entry.ID),
			Title: a.Entry.Title, Unit: a.Entry.Unit, State: "pending"}
		switch {
		case !a.Open:
			row.State = "closed"
		case a.Review.Done():
			row.State = "done"
		default:
			data.Pending++
		}
		row.Label = v.T("round.review." + row.State)
		data.Rows = append(data.Rows, row)
	}
	v.Data = data
	p.render(w, r, http.StatusOK, "reviews", v)
}

// scaleRow is one criterion of the scoring form: its name, weight and
// scale, and its input.
type scaleRow struct {
	Input string // "scores.innovativeness"
	Name  string
	Max   int
	Share string
	Score string // the expert's score once given, for reading
}

// reviewPage is one review: the entry to score, the form (each criterion
// with its scale, a comment) while scoring is open, and the declaration of
// a conflict.
type reviewPage struct {
	ID        string
	R         domain.Round
	Programme string
	Entry     domain.Entry
	Review    domain.Review
	Criteria  []scaleRow
	Open      bool
	Forms     forms
}

func (p *Pages) review(w http.ResponseWriter, r *http.Request) {
	u, ok := p.user(w, r)
	if !ok {
		return
	}
	p.showReview(w, r, u, http.StatusOK, cycleForm{})
}

// reviewOf finds the signed-in expert's review named in the address: a
// name that does not parse is 404, a review that is not theirs (another
// expert's, or handed over) the audited 403. It returns the round as the
// expert sees it (their own reviews only) and the review's number.
func (p *Pages) reviewOf(w http.ResponseWriter, r *http.Request, u domain.User) (domain.Round, domain.Review, bool) {
	id := chi.URLParam(r, "id")
	roundID, n, ok := selections.ParseReviewID(id)
	if !ok || p.sel == nil {
		p.renderError(w, r, http.StatusNotFound, nil)
		return domain.Round{}, domain.Review{}, false
	}
	x, ok := p.roundOf(w, r, u, roundID)
	if !ok {
		return x, domain.Review{}, false
	}
	rv := x.Review(n)
	if rv == nil || rv.Expert != u.Username || rv.Replaced || !u.Has(domain.RoleExpert) {
		p.forbidden(w, r, u)
		return x, domain.Review{}, false
	}
	return x, *rv, true
}

func (p *Pages) showReview(w http.ResponseWriter, r *http.Request, u domain.User, status int, refused cycleForm) {
	x, rv, ok := p.reviewOf(w, r, u)
	if !ok {
		return
	}
	v := p.newView(r, "round.review.title", "reviews")
	data := reviewPage{ID: chi.URLParam(r, "id"), R: x, Programme: x.Programme.Name(v.LangCode), Review: rv,
		Open: x.Phase == domain.RoundReview, Forms: forms{Refused: refused}}
	if e := x.Entry(rv.Entry); e != nil {
		data.Entry = *e
	}
	v.Title = v.T("round.review.title_of", "title", data.Entry.Title)
	for _, c := range criteriaViews(x.Programme.Criteria) {
		row := scaleRow{Input: "scores." + c.C.Code, Name: v.CriterionName(c.C), Max: c.C.Max, Share: c.Share}
		if s, ok := rv.Scores[c.C.Code]; ok {
			row.Score = number(s)
			data.Forms.set("score", row.Input, row.Score)
		}
		data.Criteria = append(data.Criteria, row)
	}
	data.Forms.set("score", "comment", rv.Comment)
	v.Data = data
	p.render(w, r, status, "round_review", v)
}

// readScores reads the scoring form: a number per criterion (an empty one
// left out, for the domain to name as missing) and the comment. A score
// that is no number is named here, with the domain's messages for the
// others, so that one answer lists every mistake.
func readScores(f url.Values, prog domain.Programme) (domain.ScoreInput, error) {
	in := domain.ScoreInput{Scores: map[string]float64{}, Comment: f.Get("comment")}
	var v domain.Validation
	for _, c := range prog.Criteria {
		s := strings.TrimSpace(f.Get("scores." + c.Code))
		if s == "" {
			continue
		}
		x, err := strconv.ParseFloat(s, 64)
		if err != nil {
			v.Add("scores."+c.Code, "validation.type_number", nil)
			continue
		}
		in.Scores[c.Code] = x
	}
	if v.Err() == nil {
		return in, nil
	}
	if err := in.Validate(prog); err != nil {
		for _, fe := range domain.AsError(err).Fields {
			if !v.Has(fe.Field) {
				v.Add(fe.Field, fe.Key, fe.Params)
			}
		}
	}
	return in, v.Err()
}

// score sends the expert's scores of a review; a refusal shows the form
// again with each message beside its criterion and nothing changed.
func (p *Pages) score(w http.ResponseWriter, r *http.Request) {
	p.reviewAction(w, r, "score", func(r *http.Request, u domain.User, x domain.Round, rv domain.Review) error {
		in, err := readScores(r.PostForm, x.Programme)
		if err == nil {
			_, err = p.sel.Score(r.Context(), u, chi.URLParam(r, "id"), in)
		}
		return err
	})
}

// declareConflict records the expert's conflict with a review's entry (回
// 避); the review goes to another expert and leaves their list.
func (p *Pages) declareConflict(w http.ResponseWriter, r *http.Request) {
	p.reviewAction(w, r, "conflict", func(r *http.Request, u domain.User, x domain.Round, rv domain.Review) error {
		reason := strings.TrimSpace(r.PostForm.Get("reason"))
		_, err := p.sel.Act(r.Context(), u, "", x.ID, workflows.UpdateDeclareConflict, func(a workflows.Action) any {
			return workflows.ConflictRequest{Action: a, Review: rv.ID, Reason: reason}
		})
		return err
	})
}

// reviewAction runs one of a review's forms for its expert: on success
// back to the list of reviews with a confirmation, on a refusal the
// review's page again with the form as typed.
func (p *Pages) reviewAction(w http.ResponseWriter, r *http.Request, form string,
	send func(r *http.Request, u domain.User, x domain.Round, rv domain.Review) error) {
	u, ok := p.user(w, r)
	if !ok {
		return
	}
	lang := i18n.FromRequest(r)
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		p.showReview(w, r, u, http.StatusRequestEntityTooLarge, cycleForm{Action: form, Error: i18n.T(lang, "error.body_too_large", nil)})
		return
	}
	x, rv, ok := p.reviewOf(w, r, u)
	if !ok {
		return
	}
	err := send(r, u, x, rv)
	if err == nil {
		http.Redirect(w, r, "/reviews?"+url.Values{"done": {form}}.Encode(), http.StatusSeeOther)
		return
	}
	p.cycleRefused(w, r, u, err, func() {
		p.showReview(w, r, u, statusOf(err), refusedForm(lang, form, r.PostForm, err, renames(map[string]string{"review": ""})))
	})
}
