package webui

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"lianxi/internal/auth"
	"lianxi/internal/domain"
	"lianxi/internal/i18n"
	"lianxi/internal/postgres"
)

// Programmes is what the programme pages need of storage (postgres.Store):
// the selection programmes' definitions, every version readable, and the
// administrators' edit, stored as the next version.
type Programmes interface {
	ListProgrammes(ctx context.Context) ([]domain.Programme, error)
	Programme(ctx context.Context, code string) (domain.Programme, error)
	ProgrammeVersion(ctx context.Context, code string, version int) (domain.Programme, error)
	ProgrammeHistory(ctx context.Context, code string) ([]postgres.ProgrammeVersionInfo, error)
	SaveProgramme(ctx context.Context, p domain.Programme, rec domain.AuditRecord) (int, error)
}

// maxCriteria is the most criteria a definition holds (Programme.Validate);
// the form offers two empty rows beyond the filled ones, up to it.
const maxCriteria = 20

// programmesPage lists the programmes, newest versions.
type programmesPage struct{ Rows []programmeRow }

type programmeRow struct {
	P         domain.Programme
	Committee string
	Owner     string
	Criteria  []criterionView
}

// criterionView is a criterion with its share of the total in percent.
type criterionView struct {
	C     domain.Criterion
	Share string
}

// programmePage is one version of a programme, its versions and, for
// administrators viewing the newest, the edit form.
type programmePage struct {
	P           domain.Programme
	Latest      int
	Committee   string
	Owner       string
	Departments []string // names; none: the committee's members
	Criteria    []criterionView
	Versions    []postgres.ProgrammeVersionInfo
	Saved       int
	CanEdit     bool
	Form        programmeForm
}

// programmeForm is the edit form as typed, every value a string so that a
// wrong one comes back as it was.
type programmeForm struct {
	Base        string // the version the edit started from
	NameZH      string
	NameEN      string
	PlanItem    string
	Owner       string
	Committee   string
	EveryYears  string
	Quota       string
	PrincipleZH string
	PrincipleEN string
	Nominators  []string
	Departments string
	Spans       []formNumber
	Aggregation string
	TieRule     string
	Criteria    []criterionForm
	Error       string
	Fields      map[string]string
	// Choices of the selects.
	Owners           []option
	Committees       []option
	Aggregations     []option
	TieRules         []option
	NominatorChoices []string
}

// Nominates reports whether the form has a kind of nominator ticked.
func (f programmeForm) Nominates(kind string) bool { return slices.Contains(f.Nominators, kind) }

type criterionForm struct{ Code, NameZH, NameEN, Weight, Max string }

// criterionCell is one input of a criterion's row, named as the
// criterion's field.
type criterionCell struct {
	Col, Value string
	Numeric    bool
}

// Cells lists a row's inputs in the order of the columns.
func (c criterionForm) Cells() []criterionCell {
	return []criterionCell{{Col: "code", Value: c.Code}, {Col: "name_zh", Value: c.NameZH}, {Col: "name_en", Value: c.NameEN},
		{Col: "weight", Value: c.Weight, Numeric: true}, {Col: "max", Value: c.Max, Numeric: true}}
}

// formNumber is one whole-number input, named as the definition's field.
type formNumber struct{ Name, Value string }

// spanFields are the working-day spans and the panel size, in the order of
// a round.
var spanFields = []string{"nomination_days", "screening_days", "revision_days", "scoring_days", "notice_days", "reviewers_per_entry"}

func spanValues(p domain.Programme) []int {
	return []int{p.NominationDays, p.ScreeningDays, p.RevisionDays, p.ScoringDays, p.NoticeDays, p.ReviewersPerEntry}
}

func criteriaViews(cs []domain.Criterion) []criterionView {
	var total float64
	for _, c := range cs {
		total += c.Weight
	}
	out := make([]criterionView, len(cs))
	for i, c := range cs {
		out[i] = criterionView{C: c}
		if total > 0 {
			out[i].Share = strconv.FormatFloat(c.Weight/total*100, 'f', 1, 64) + "%"
		}
	}
	return out
}

func number(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// CriterionName names a criterion in the page's language.
func (v *view) CriterionName(c domain.Criterion) string {
	if v.Lang == i18n.EN && c.NameEN != "" {
		return c.NameEN
	}
	return c.NameZH
}

// Principle is a programme's principle in the page's language.
func (v *view) Principle(p domain.Programme) string {
	if v.Lang == i18n.EN && p.PrincipleEN != "" {
		return p.PrincipleEN
	}
	return p.PrincipleZH
}

// EveryYears says a programme's cadence in words.
func (v *view) EveryYears(n int) string {
	if n == 1 {
		return v.T("programme.every_year")
	}
	return v.T("programme.every_years", "n", n)
}

func (p *Pages) programmes(w http.ResponseWriter, r *http.Request) {
	if _, ok := p.user(w, r); !ok {
		return
	}
	if p.progs == nil {
		p.renderError(w, r, http.StatusNotFound, nil)
		return
	}
	ctx := r.Context()
	ps, err := p.progs.ListProgrammes(ctx)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	names, err := p.directoryNames(ctx, i18n.FromRequest(r))
	if err != nil {
		p.fail(w, r, err)
		return
	}
	var data programmesPage
	for _, x := range ps {
		data.Rows = append(data.Rows, programmeRow{P: x, Committee: names.committee(x.Committee), Owner: names.org(x.Owner), Criteria: criteriaViews(x.Criteria)})
	}
	v := p.newView(r, "page.programmes.title", "programmes")
	v.Data = data
	p.render(w, r, http.StatusOK, "programmes", v)
}

// directoryNames reads the committees' and organisations' names.
func (p *Pages) directoryNames(ctx context.Context, lang i18n.Lang) (names, error) {
	cs, err := p.dir.ListCommittees(ctx)
	if err != nil {
		return names{}, err
	}
	orgs, err := p.dir.ListOrganisations(ctx)
	if err != nil {
		return names{}, err
	}
	return newNames(lang, cs, orgs), nil
}

func (p *Pages) programme(w http.ResponseWriter, r *http.Request) {
	u, ok := p.user(w, r)
	if !ok {
		return
	}
	if p.progs == nil {
		p.renderError(w, r, http.StatusNotFound, nil)
		return
	}
	code := chi.URLParam(r, "code")
	q := r.URL.Query()
	version := 0
	if s := q.Get("version"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			p.renderError(w, r, http.StatusNotFound, nil)
			return
		}
		version = n
	}
	saved, _ := strconv.Atoi(q.Get("saved"))
	p.renderProgramme(w, r, u, http.StatusOK, code, version, saved, nil)
}

// renderProgramme shows a version of a programme (0: the newest). form,
// when not nil, is an edit that came back with errors.
func (p *Pages) renderProgramme(w http.ResponseWriter, r *http.Request, u domain.User, status int, code string, version, saved int, form *programmeForm) {
	ctx := r.Context()
	latest, err := p.progs.Programme(ctx, code)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	shown := latest
	if version != 0 && version != latest.Version {
		if shown, err = p.progs.ProgrammeVersion(ctx, code, version); err != nil {
			p.fail(w, r, err)
			return
		}
	}
	versions, err := p.progs.ProgrammeHistory(ctx, code)
	if err != nil {
		p.fail(w, r, err)
		return
	}
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
	v := p.newView(r, "page.programme.title", "programmes")
	v.Title = shown.Name(v.LangCode)
	names := newNames(v.Lang, cs, orgs)
	data := programmePage{P: shown, Latest: latest.Version, Committee: names.committee(shown.Committee), Owner: names.org(shown.Owner),
		Criteria: criteriaViews(shown.Criteria), Versions: versions, CanEdit: u.IsAdmin() && shown.Version == latest.Version}
	for _, d := range shown.Departments {
		data.Departments = append(data.Departments, names.org(d))
	}
	// The confirmation comes from a query parameter anyone can type; it is
	// only shown for a version that exists.
	if slices.ContainsFunc(versions, func(x postgres.ProgrammeVersionInfo) bool { return x.Version == saved }) {
		data.Saved = saved
	}
	if data.CanEdit {
		if form == nil {
			f := formOf(latest)
			form = &f
		}
		form.choices(v, cs, orgs)
		data.Form = *form
	}
	v.Data = data
	p.render(w, r, status, "programme", v)
}

// formOf fills the edit form from a definition.
func formOf(p domain.Programme) programmeForm {
	f := programmeForm{Base: strconv.Itoa(p.Version), NameZH: p.NameZH, NameEN: p.NameEN, PlanItem: p.PlanItem, Owner: p.Owner,
		Committee: p.Committee, EveryYears: strconv.Itoa(p.EveryYears), Quota: strconv.Itoa(p.Quota),
		PrincipleZH: p.PrincipleZH, PrincipleEN: p.PrincipleEN, Nominators: p.Nominators, Departments: strings.Join(p.Departments, ", "),
		Aggregation: p.Aggregation, TieRule: p.TieRule}
	for i, n := range spanValues(p) {
		f.Spans = append(f.Spans, formNumber{Name: spanFields[i], Value: strconv.Itoa(n)})
	}
	for _, c := range p.Criteria {
		f.Criteria = append(f.Criteria, criterionForm{Code: c.Code, NameZH: c.NameZH, NameEN: c.NameEN, Weight: number(c.Weight), Max: strconv.Itoa(c.Max)})
	}
	return f
}

// choices fills the selects and pads the criteria with empty rows.
func (f *programmeForm) choices(v *view, cs []domain.Committee, orgs []domain.Organisation) {
	for _, o := range orgs {
		if o.Kind == domain.OrgDepartment && (o.Active() || o.Code == f.Owner) {
			f.Owners = append(f.Owners, option{Value: o.Code, Label: v.Name(o), Selected: o.Code == f.Owner})
		}
	}
	if !slices.ContainsFunc(f.Owners, func(o option) bool { return o.Selected }) && f.Owner != "" {
		// An owner that is no department (or no longer exists) stays
		// visible, so that saving does not silently change it.
		f.Owners = append([]option{{Value: f.Owner, Label: f.Owner, Selected: true}}, f.Owners...)
	}
	for _, c := range cs {
		f.Committees = append(f.Committees, option{Value: c.Code, Label: v.Name(c), Selected: c.Code == f.Committee})
	}
	for _, a := range []string{domain.AggregateTrimmedMean, domain.AggregateMean} {
		f.Aggregations = append(f.Aggregations, option{Value: a, Label: v.T("programme.aggregation." + a), Selected: a == f.Aggregation})
	}
	for _, t := range []string{domain.TieByCriteria, domain.TieByNomination} {
		f.TieRules = append(f.TieRules, option{Value: t, Label: v.T("programme.tie." + t), Selected: t == f.TieRule})
	}
	f.NominatorChoices = []string{domain.NominatorDepartments, domain.NominatorUnits, domain.NominatorPublic}
	for n := min(len(f.Criteria)+2, maxCriteria); len(f.Criteria) < n; {
		f.Criteria = append(f.Criteria, criterionForm{})
	}
}

// saveProgramme stores the edit form as the programme's next version.
func (p *Pages) saveProgramme(w http.ResponseWriter, r *http.Request) {
	u, ok := p.admin(w, r)
	if !ok {
		return
	}
	if p.progs == nil {
		p.renderError(w, r, http.StatusNotFound, nil)
		return
	}
	code := chi.URLParam(r, "code")
	lang := i18n.FromRequest(r)
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		p.renderError(w, r, http.StatusRequestEntityTooLarge, err)
		return
	}
	form, in, err := readProgrammeForm(r.PostForm)
	in.Code = code
	if err == nil {
		rec := auth.RequestMeta(r).Record(u.Username, "programme.save", "programme:"+code, domain.AuditOK)
		var version int
		if version, err = p.progs.SaveProgramme(r.Context(), in, rec); err == nil {
			http.Redirect(w, r, "/programmes/"+url.PathEscape(code)+"?"+url.Values{"saved": {strconv.Itoa(version)}}.Encode(), http.StatusSeeOther)
			return
		}
	}
	switch domain.KindOf(err) {
	case domain.KindInvalid:
	case domain.KindConflict:
		// Another edit was stored since this form was opened: show the
		// newest version with this edit kept, based on it now, so that
		// saving again is a choice made knowing.
		if latest, lerr := p.progs.Programme(r.Context(), code); lerr == nil {
			form.Base = strconv.Itoa(latest.Version)
		}
	default:
		p.fail(w, r, err)
		return
	}
	title, fields := i18n.ErrorMessage(lang, err)
	form.Error, form.Fields = title, foldIndexed(lang, fields)
	p.renderProgramme(w, r, u, statusOf(err), code, 0, 0, &form)
}

// readProgrammeForm reads the edit form into a definition. Numbers that
// do not read as numbers are reported here, by field; the definition's own
// rules are the store's to check (it also knows which codes exist), and
// their errors are joined to these, one message per field.
func readProgrammeForm(f url.Values) (programmeForm, domain.Programme, error) {
	get := func(k string) string { return strings.TrimSpace(f.Get(k)) }
	form := programmeForm{Base: get("base_version"), NameZH: get("name_zh"), NameEN: get("name_en"), PlanItem: get("plan_item"),
		Owner: get("owner"), Committee: get("committee"), EveryYears: get("every_years"), Quota: get("quota"),
		PrincipleZH: strings.TrimSpace(f.Get("principle_zh")), PrincipleEN: strings.TrimSpace(f.Get("principle_en")),
		Nominators: f["nominators"], Departments: get("departments"), Aggregation: get("aggregation"), TieRule: get("tie_rule")}
	in := domain.Programme{NameZH: form.NameZH, NameEN: form.NameEN, PlanItem: form.PlanItem, Owner: form.Owner, Committee: form.Committee,
		PrincipleZH: form.PrincipleZH, PrincipleEN: form.PrincipleEN, Nominators: form.Nominators, Aggregation: form.Aggregation, TieRule: form.TieRule}
	var v domain.Validation
	whole := func(field, s string) int {
		if s == "" {
			v.Add(field, "validation.required", nil)
			return 0
		}
		n, err := strconv.Atoi(s)
		if err != nil {
			v.Add(field, "validation.type_number", nil)
		}
		return n
	}
	in.Version, _ = strconv.Atoi(form.Base)
	in.EveryYears = whole("every_years", form.EveryYears)
	in.Quota = whole("quota", form.Quota)
	spans := []*int{&in.NominationDays, &in.ScreeningDays, &in.RevisionDays, &in.ScoringDays, &in.NoticeDays, &in.ReviewersPerEntry}
	for i, name := range spanFields {
		s := get(name)
		form.Spans = append(form.Spans, formNumber{Name: name, Value: s})
		*spans[i] = whole(name, s)
	}
	in.Departments = splitCodes(form.Departments)

	// Criteria come as parallel lists, one value per row; rows left empty
	// are dropped, so the numbering of errors is that of the rows kept.
	col := func(k string, i int) string {
		if vs := f["criteria_"+k]; i < len(vs) {
			return strings.TrimSpace(vs[i])
		}
		return ""
	}
	rows := 0
	for _, k := range []string{"code", "name_zh", "name_en", "weight", "max"} {
		rows = max(rows, len(f["criteria_"+k]))
	}
	for i := range min(rows, 100) {
		c := criterionForm{Code: col("code", i), NameZH: col("name_zh", i), NameEN: col("name_en", i), Weight: col("weight", i), Max: col("max", i)}
		if c == (criterionForm{}) {
			continue
		}
		field := "criteria[" + strconv.Itoa(len(form.Criteria)) + "]."
		form.Criteria = append(form.Criteria, c)
		dc := domain.Criterion{Code: c.Code, NameZH: c.NameZH, NameEN: c.NameEN}
		if c.Weight == "" {
			v.Add(field+"weight", "validation.required", nil)
		} else if w, err := strconv.ParseFloat(c.Weight, 64); err != nil {
			v.Add(field+"weight", "validation.type_number", nil)
		} else {
			dc.Weight = w
		}
		dc.Max = whole(field+"max", c.Max)
		in.Criteria = append(in.Criteria, dc)
	}
	// The store validates the whole definition; here only the fields that
	// could not be read are known, and they win over the store's message.
	read := v.Err()
	if read == nil {
		return form, in, nil
	}
	if err := in.Validate(); err != nil {
		for _, fe := range domain.AsError(err).Fields {
			if !v.Has(fe.Field) {
				v.Add(fe.Field, fe.Key, fe.Params)
			}
		}
	}
	return form, in, v.Err()
}

// codeSep splits a list of codes typed by hand.
var codeSep = regexp.MustCompile(`[\s,，、;；]+`)

func splitCodes(s string) []string {
	var out []string
	for _, c := range codeSep.Split(strings.TrimSpace(s), -1) {
		if c != "" {
			out = append(out, strings.ToLower(c))
		}
	}
	return out
}

// listField matches the fields of list items the form shows as one input
// ("departments[2]", "nominators[0]").
var listField = regexp.MustCompile(`^(departments|nominators)\[\d+\]$`)

// foldIndexed puts the messages of list items on the one input the form
// has for the list; criteria keep their per-row fields.
func foldIndexed(lang i18n.Lang, fields map[string]string) map[string]string {
	if len(fields) == 0 {
		return nil
	}
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := map[string]string{}
	for _, k := range keys {
		field, msg := k, fields[k]
		if m := listField.FindStringSubmatch(k); m != nil {
			field = m[1]
		}
		if prev, ok := out[field]; ok && prev != msg {
			msg = prev + i18n.T(lang, "punct.list_sep", nil) + msg
		}
		out[field] = msg
	}
	return out
}
