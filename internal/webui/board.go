package webui

import (
	"net/http"
	"slices"

	"lianxi/internal/domain"
	"lianxi/internal/i18n"
	"lianxi/internal/postgres"
)

// boardLimit is how many tasks a column of the board shows; a committee
// with more in one status has the ledger to page through them.
const boardLimit = 100

// boardColumn is one status of the board with its tasks.
type boardColumn struct {
	Status domain.TaskStatus
	Rows   []taskRow
	More   bool
}

// boardPage is a committee office's view of its tasks that are not done,
// grouped by status, each saying who is being waited on.
type boardPage struct {
	Committees []option
	Committee  string
	Name       string
	Columns    []boardColumn
	Overdue    int
}

// boardCommittees are the committees whose board a person may open: every
// committee for administrators, else those they are office or convener of.
func boardCommittees(u domain.User, cs []domain.Committee) []domain.Committee {
	var out []domain.Committee
	for _, c := range cs {
		if u.IsAdmin() || u.HasFor(domain.RoleOffice, c.Code) || u.HasFor(domain.RoleConvener, c.Code) {
			out = append(out, c)
		}
	}
	return out
}

// waitingOn says who a task waits for: the office, when the department has
// submitted or asked for more time; else the lead department (and the
// member it was handed to).
func waitingOn(lang i18n.Lang, n names, t domain.Task) string {
	switch {
	case t.Status == domain.TaskSubmitted:
		return i18n.T(lang, "board.waiting.review", nil)
	case t.Extension != nil:
		return i18n.T(lang, "board.waiting.extension", nil)
	case t.AssignedTo != "":
		return i18n.T(lang, "board.waiting.member", map[string]any{"department": n.org(t.Lead), "member": t.AssignedTo})
	}
	return n.org(t.Lead)
}

func (p *Pages) board(w http.ResponseWriter, r *http.Request) {
	u, ok := p.user(w, r)
	if !ok {
		return
	}
	if p.tasks == nil {
		p.renderError(w, r, http.StatusNotFound, nil)
		return
	}
	ctx := r.Context()
	v := p.newView(r, "page.board.title", "board")
	n, cs, _, err := p.taskNames(ctx, v.Lang)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	mine := boardCommittees(u, cs)
	if len(mine) == 0 {
		p.forbidden(w, r, u)
		return
	}
	code := r.URL.Query().Get("committee")
	if code == "" {
		code = mine[0].Code
	}
	if !slices.ContainsFunc(mine, func(c domain.Committee) bool { return c.Code == code }) {
		p.forbidden(w, r, u)
		return
	}
	cal, err := p.calendar(ctx)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	data := boardPage{Committee: code, Name: n.committee(code)}
	for _, c := range mine {
		data.Committees = append(data.Committees, option{Value: c.Code, Label: v.Name(c), Selected: c.Code == code})
	}
	for _, s := range []domain.TaskStatus{domain.TaskOpen, domain.TaskInProgress, domain.TaskSubmitted} {
		ts, more, err := p.listPage(ctx, u, postgres.TaskFilter{Committee: code, Status: s}, nil, postgres.TaskCursor{}, boardLimit)
		if err != nil {
			p.fail(w, r, err)
			return
		}
		col := boardColumn{Status: s, Rows: p.rows(v.Lang, n, cal, ts), More: more}
		for i := range col.Rows {
			col.Rows[i].WaitingOn = waitingOn(v.Lang, n, col.Rows[i].Task)
			if col.Rows[i].Overdue {
				data.Overdue++
			}
		}
		data.Columns = append(data.Columns, col)
	}
	v.Data = data
	p.render(w, r, http.StatusOK, "board", v)
}
