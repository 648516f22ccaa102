package webui

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"lianxi/internal/domain"
	"lianxi/internal/i18n"
)

// dashboardPage greets the person with their roles in words and the
// committees those roles concern.
type dashboardPage struct {
	Roles      []string
	Committees []domain.Committee
	Admin      bool
}

func (p *Pages) dashboard(w http.ResponseWriter, r *http.Request) {
	u, ok := p.user(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	cs, err := p.dir.ListCommittees(ctx)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	orgs, err := p.dir.ListOrganisations(ctx)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	v := p.newView(r, "page.dashboard.title", "home")
	names := newNames(v.Lang, cs, orgs)
	data := dashboardPage{Admin: u.IsAdmin()}
	for _, g := range u.Grants {
		data.Roles = append(data.Roles, names.grant(g))
	}
	for _, c := range cs {
		if concerns(u, c) {
			data.Committees = append(data.Committees, c)
		}
	}
	v.Data = data
	p.render(w, r, http.StatusOK, "dashboard", v)
}

// concerns reports whether a committee is one of the user's: an office or
// convener role on it, or a department role for a member or the office host.
// Administrators see every committee.
func concerns(u domain.User, c domain.Committee) bool {
	if u.IsAdmin() {
		return true
	}
	for _, g := range u.Grants {
		switch g.Role.Scope() {
		case domain.ScopeCommittee:
			if g.Committee == c.Code {
				return true
			}
		case domain.ScopeDepartment:
			if c.HasMember(g.Department) || (c.OfficeHost != nil && c.OfficeHost.Code == g.Department) {
				return true
			}
		}
	}
	return false
}

func (p *Pages) committees(w http.ResponseWriter, r *http.Request) {
	if _, ok := p.user(w, r); !ok {
		return
	}
	cs, err := p.dir.ListCommittees(r.Context())
	if err != nil {
		p.fail(w, r, err)
		return
	}
	v := p.newView(r, "page.committees.title", "committees")
	v.Data = cs
	p.render(w, r, http.StatusOK, "committees", v)
}

func (p *Pages) committee(w http.ResponseWriter, r *http.Request) {
	if _, ok := p.user(w, r); !ok {
		return
	}
	code := chi.URLParam(r, "code")
	if !domain.ValidCode(code) {
		// Not a code at all: no need to ask storage.
		p.renderError(w, r, http.StatusNotFound, nil)
		return
	}
	c, err := p.dir.GetCommittee(r.Context(), code)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	v := p.newView(r, "page.committee.title", "committees")
	// The committee's own name is the page's title.
	v.Title = c.Name(string(v.Lang))
	v.Data = c
	p.render(w, r, http.StatusOK, "committee", v)
}

// orgRow is one organisation with its status and history in words.
type orgRow struct {
	Org     domain.Organisation
	Status  string
	History []string
}

func (p *Pages) organisations(w http.ResponseWriter, r *http.Request) {
	if _, ok := p.user(w, r); !ok {
		return
	}
	orgs, err := p.dir.ListOrganisations(r.Context())
	if err != nil {
		p.fail(w, r, err)
		return
	}
	v := p.newView(r, "page.organisations.title", "organisations")
	names := newNames(v.Lang, nil, orgs)
	rows := make([]orgRow, 0, len(orgs))
	for _, o := range orgs {
		row := orgRow{Org: o, Status: i18n.T(v.Lang, "org.status.active", nil)}
		if !o.Active() {
			row.Status = i18n.T(v.Lang, "org.status.merged", map[string]any{"target": names.org(o.MergedInto)})
		}
		for _, e := range o.History {
			row.History = append(row.History, names.event(e))
		}
		rows = append(rows, row)
	}
	v.Data = rows
	p.render(w, r, http.StatusOK, "organisations", v)
}

// names resolves codes to names in a language, for text built in Go (roles
// in words, history lines). An unknown code shows as itself rather than as
// nothing.
type names struct {
	lang       i18n.Lang
	committees map[string]string
	orgs       map[string]string
}

func newNames(lang i18n.Lang, cs []domain.Committee, orgs []domain.Organisation) names {
	n := names{lang: lang, committees: map[string]string{}, orgs: map[string]string{}}
	for _, c := range cs {
		n.committees[c.Code] = c.Name(string(lang))
	}
	for _, o := range orgs {
		n.orgs[o.Code] = o.Name(string(lang))
	}
	return n
}

func (n names) org(code string) string {
	if s, ok := n.orgs[code]; ok {
		return s
	}
	return code
}

func (n names) committee(code string) string {
	if s, ok := n.committees[code]; ok {
		return s
	}
	return code
}

// grant says a role with its scope in words: "市科技创新工作联席会议 办公室",
// "市财政局 联络员", "管理员".
func (n names) grant(g domain.Grant) string {
	role := i18n.T(n.lang, "role."+string(g.Role), nil)
	switch {
	case g.Committee != "":
		return i18n.T(n.lang, "grant.committee", map[string]any{"role": role, "committee": n.committee(g.Committee)})
	case g.Department != "":
		return i18n.T(n.lang, "grant.department", map[string]any{"role": role, "department": n.org(g.Department)})
	}
	return role
}

// event says one history entry of an organisation in words.
func (n names) event(e domain.OrgEvent) string {
	date := ""
	if !e.At.IsZero() {
		date = e.At.Format("2006-01-02")
	}
	old, nw := e.OldNameZH, e.NewNameZH
	if n.lang == i18n.EN {
		old, nw = pickEN(e.OldNameEN, e.OldNameZH), pickEN(e.NewNameEN, e.NewNameZH)
	}
	params := map[string]any{"date": date, "old": old, "new": nw, "target": n.org(e.Target)}
	var s string
	switch e.Kind {
	case domain.OrgRenamed:
		s = i18n.T(n.lang, "org.event.renamed", params)
	case domain.OrgMerged:
		s = i18n.T(n.lang, "org.event.merged", params)
	default:
		s = i18n.T(n.lang, "org.event.created", params)
	}
	if e.Note != "" {
		s += i18n.T(n.lang, "org.event.note", map[string]any{"note": e.Note})
	}
	return s
}

func pickEN(en, zh string) string {
	if en != "" {
		return en
	}
	return zh
}
