package webui

import (
	"cmp"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"lianxi/internal/auth"
	"lianxi/internal/calendar"
	"lianxi/internal/domain"
	"lianxi/internal/i18n"
)

// consultOfficePageNames are the drafting office's page templates.
var consultOfficePageNames = []string{"consultations_office", "consultation_new", "consultation_manage"}

func init() { pageNames = append(pageNames, consultOfficePageNames...) }

// consultationOfficeRoutes mounts the drafting office's pages of
// consultations: its list, the publication form, the manage page.
func (p *Pages) consultationOfficeRoutes(r chi.Router) {
	r.Get("/office/consultations", p.consultOfficeList)
	r.Get("/office/consultations/new", p.consultNewForm)
	r.Post("/office/consultations/new", p.consultPublish)
	r.Get("/consultations/{slug}/manage", p.consultManage)
	r.Get("/consultations/{slug}/manage/files/{file}", p.consultManageFile)
	r.Post("/consultations/{slug}/manage/comments/{id}/reply", p.consultReply)
	r.Post("/consultations/{slug}/manage/files", p.consultUpload)
	r.Post("/consultations/{slug}/manage/{action}", p.consultAction)
}

// consultOverseer reports whether a person oversees consultations at all:
// the office or a convener of a committee, or an administrator. The
// service decides which consultations each may read.
func consultOverseer(u domain.User) bool {
	return u.IsAdmin() || u.Has(domain.RoleOffice) || u.Has(domain.RoleConvener)
}

// consultDrafter reports whether a person may publish a consultation: the
// office of a committee (or an administrator).
func consultDrafter(u domain.User) bool {
	return u.IsAdmin() || slices.ContainsFunc(u.Grants, func(g domain.Grant) bool { return g.Role == domain.RoleOffice && g.Committee != "" })
}

// consultManageURL is the address of a consultation's manage page.
func consultManageURL(slug string) string { return "/consultations/" + slug + "/manage" }

// consultRow is a consultation as the office's list shows it.
type consultRow struct {
	Slug, Title, Committee string
	Phase                  domain.ConsultationPhase
	PhaseLabel             string
	OpensAt, ClosesAt      time.Time
	Counts                 domain.CommentCounts
	Unreplied              int
	Manage, Public, Report string
}

// consultListPage is the consultations a person oversees.
type consultListPage struct {
	Rows       []consultRow
	CanPublish bool
}

func (p *Pages) consultOfficeList(w http.ResponseWriter, r *http.Request) {
	u, ok := p.user(w, r)
	if !ok {
		return
	}
	if !consultOverseer(u) {
		p.forbidden(w, r, u)
		return
	}
	ctx := r.Context()
	cs, ok := readFor(p, w, r, u, func() ([]domain.Consultation, error) { return p.consult.List(ctx, u) })
	if !ok {
		return
	}
	v := p.newView(r, "consultation.office.list.title", "consultations")
	n, err := p.directoryNames(ctx, v.Lang)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	data := consultListPage{CanPublish: consultDrafter(u)}
	for _, c := range cs {
		if !c.Phase.Ended() {
			// The list keeps the state last recorded; a running
			// consultation's counts are read live.
			if live, err := p.consult.Get(ctx, u, c.Slug); err == nil {
				c = live
			}
		}
		row := consultRow{Slug: c.Slug, Title: c.Title, Committee: n.committee(c.Committee), Phase: c.Phase,
			PhaseLabel: v.T("consultation.phase." + string(c.Phase)), OpensAt: c.OpensAt, ClosesAt: c.ClosesAt, Counts: c.Counts,
			Unreplied: c.Counts.Unreplied(), Manage: consultManageURL(c.Slug)}
		if c.Phase != domain.ConsultationCancelled {
			row.Public = "/consultations/" + c.Slug
		}
		if c.Report != nil {
			row.Report = "/consultations/" + c.Slug + "/report"
		}
		data.Rows = append(data.Rows, row)
	}
	v.Data = data
	p.render(w, r, http.StatusOK, "consultations_office", v)
}

// deptGroup is a committee's member departments, as the publication form
// offers them.
type deptGroup struct {
	Committee string
	Name      string
	Depts     []option
}

// consultNewPage is the publication form.
type consultNewPage struct {
	Committees []option
	Groups     []deptGroup
	Forms      forms
}

// publishInputs are the inputs of the publication form; a field error of
// any other name goes to the top of the form.
var publishInputs = []string{"slug", "title", "notice", "committee", "sections", "opens_at", "closes_at", "feedback_due_at",
	"contact.office", "contact.phone", "contact.fax", "contact.email", "contact.address", "contact.postcode", "departments", "reply_days"}

func (p *Pages) consultNewForm(w http.ResponseWriter, r *http.Request) {
	u, ok := p.user(w, r)
	if !ok {
		return
	}
	p.showConsultNew(w, r, u, http.StatusOK, cycleForm{})
}

func (p *Pages) showConsultNew(w http.ResponseWriter, r *http.Request, u domain.User, status int, refused cycleForm) {
	if !consultDrafter(u) {
		p.forbidden(w, r, u)
		return
	}
	ctx := r.Context()
	cs, err := p.dir.ListCommittees(ctx)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	v := p.newView(r, "consultation.office.new.title", "consultations")
	data := consultNewPage{Forms: forms{Refused: refused}}
	for _, c := range cs {
		if !u.HasFor(domain.RoleOffice, c.Code) {
			continue
		}
		data.Committees = append(data.Committees, option{Value: c.Code, Label: c.Name(v.LangCode)})
		g := deptGroup{Committee: c.Code, Name: c.Name(v.LangCode)}
		for _, o := range c.Members {
			if o.Kind == domain.OrgDepartment && o.Active() {
				g.Depts = append(g.Depts, option{Value: o.Code, Label: o.Name(v.LangCode)})
			}
		}
		data.Groups = append(data.Groups, g)
	}
	if len(data.Committees) == 0 {
		p.forbidden(w, r, u)
		return
	}
	// The window starts at the next full hour and runs thirty days.
	opens := p.now().In(calendar.Location).Truncate(time.Hour).Add(time.Hour)
	fs := &data.Forms
	fs.set("publish", "committee", data.Committees[0].Value)
	fs.set("publish", "opens_at", opens.Format(localMinute))
	fs.set("publish", "closes_at", opens.AddDate(0, 0, 30).Format(localMinute))
	fs.set("publish", "reply_days", "10")
	v.Data = data
	p.render(w, r, status, "consultation_new", v)
}

// consultPublish publishes a consultation from the form; a refusal shows
// the form again as it was typed, each message beside its input.
func (p *Pages) consultPublish(w http.ResponseWriter, r *http.Request) {
	u, ok := p.user(w, r)
	if !ok {
		return
	}
	if !consultDrafter(u) {
		p.forbidden(w, r, u)
		return
	}
	lang := i18n.FromRequest(r)
	r.Body = http.MaxBytesReader(w, r.Body, maxConsultFormBytes)
	if err := r.ParseForm(); err != nil {
		p.showConsultNew(w, r, u, http.StatusRequestEntityTooLarge, cycleForm{Action: "publish", Error: i18n.T(lang, "error.body_too_large", nil)})
		return
	}
	f := r.PostForm
	in, err := readNewConsultation(f, p.now())
	if err == nil {
		_, err = p.consult.Start(r.Context(), u, in, auth.RequestMeta(r))
	}
	if err == nil {
		http.Redirect(w, r, consultManageURL(in.Slug)+"?done=publish", http.StatusSeeOther)
		return
	}
	p.cycleRefused(w, r, u, err, func() {
		p.showConsultNew(w, r, u, statusOf(err), publishRefused(lang, f, err))
	})
}

// maxConsultFormBytes bounds the publication form: a draft of many
// sections is long.
const maxConsultFormBytes = 2 << 20

// readNewConsultation reads the publication form. A time or number that
// does not parse is refused beside its input, together with whatever the
// domain's check finds in the rest.
func readNewConsultation(f url.Values, now time.Time) (domain.NewConsultation, error) {
	var v domain.Validation
	at := func(name string) time.Time {
		s := strings.TrimSpace(f.Get(name))
		if s == "" {
			return time.Time{}
		}
		t, err := time.ParseInLocation(localMinute, s, calendar.Location)
		if err != nil {
			// An input stepped by the second sends the seconds too.
			t, err = time.ParseInLocation(localMinute+":05", s, calendar.Location)
		}
		v.Check(err == nil, name, "cycle.error.datetime", nil)
		return t
	}
	in := domain.NewConsultation{Slug: f.Get("slug"), Title: f.Get("title"), Notice: strings.TrimSpace(f.Get("notice")),
		Committee: strings.TrimSpace(f.Get("committee")), Sections: parseSections(f.Get("sections")),
		OpensAt: at("opens_at"), ClosesAt: at("closes_at"), FeedbackDueAt: at("feedback_due_at"),
		Contact: domain.ConsultationContact{Office: f.Get("contact.office"), Phone: strings.TrimSpace(f.Get("contact.phone")),
			Fax: strings.TrimSpace(f.Get("contact.fax")), Email: strings.TrimSpace(f.Get("contact.email")),
			Address: strings.TrimSpace(f.Get("contact.address")), Postcode: strings.TrimSpace(f.Get("contact.postcode"))},
		Departments: f["departments"]}
	if s := strings.TrimSpace(f.Get("reply_days")); s != "" {
		n, err := strconv.Atoi(s)
		v.Check(err == nil, "reply_days", "validation.type_number", nil)
		in.ReplyDays = n
	}
	parsed := v.Err()
	if parsed == nil {
		return in, nil
	}
	// The rest checked as the service would, less the inputs that did not
	// parse (their zero values would only add "required").
	check := in
	de := domain.AsError(check.Validate(now))
	if de == nil {
		return in, parsed
	}
	var rest domain.Validation
	for _, fe := range de.Fields {
		if !v.Has(fe.Field) {
			rest.Add(fe.Field, fe.Key, fe.Params)
		}
	}
	return in, domain.JoinInvalid(parsed, rest.Err())
}

// parseSections reads the sections typed in one text: a block per
// section, blocks separated by a blank line, a block's first line its
// heading and the rest its body; keys are given in order, "1", "2", ….
func parseSections(raw string) []domain.DraftSection {
	var out []domain.DraftSection
	for _, block := range sectionBlocks(raw) {
		heading, body, _ := strings.Cut(block, "\n")
		out = append(out, domain.DraftSection{Key: strconv.Itoa(len(out) + 1), Heading: strings.TrimSpace(heading), Body: strings.TrimSpace(body)})
	}
	return out
}

// sectionBlocks splits the sections' text into its non-empty blocks, each
// line without trailing spaces.
func sectionBlocks(raw string) []string {
	out := paragraphs(raw)
	for i, block := range out {
		lines := strings.Split(block, "\n")
		for j, l := range lines {
			lines[j] = strings.TrimRight(l, " \t")
		}
		out[i] = strings.Join(lines, "\n")
	}
	return out
}

var sectionField = regexp.MustCompile(`^sections\[(\d+)\]\.(key|heading|body)$`)

// publishRefused turns a refusal of the publication form into the form
// shown again: a section's message on the sections' text with its block's
// number, a department's on the departments, the window's fields named by
// their labels.
func publishRefused(lang i18n.Lang, posted url.Values, err error) cycleForm {
	form := cycleForm{Action: "publish", Values: posted, Fields: map[string]string{}}
	title, fields := i18n.ErrorMessage(lang, err)
	form.Error = title
	labels := strings.NewReplacer("feedback_due_at", i18n.T(lang, "consultation.office.field.feedback_due_at", nil),
		"opens_at", i18n.T(lang, "consultation.office.field.opens_at", nil), "closes_at", i18n.T(lang, "consultation.office.field.closes_at", nil))
	type msg struct {
		to, text string
		block    int
	}
	var msgs []msg
	for k, text := range fields {
		m := msg{to: k, text: labels.Replace(text), block: -1}
		switch {
		case sectionField.MatchString(k):
			n, _ := strconv.Atoi(sectionField.FindStringSubmatch(k)[1])
			m.to, m.block = "sections", n
			m.text = i18n.T(lang, "consultation.office.section_error", map[string]any{"n": n + 1, "message": m.text})
		case strings.HasPrefix(k, "departments["):
			m.to = "departments"
		case !slices.Contains(publishInputs, k):
			m.to = ""
		}
		msgs = append(msgs, m)
	}
	slices.SortFunc(msgs, func(a, b msg) int {
		return cmp.Or(cmp.Compare(a.to, b.to), cmp.Compare(a.block, b.block), cmp.Compare(a.text, b.text))
	})
	for _, m := range msgs {
		switch {
		case m.to == "":
			form.Error += " " + m.text
		case form.Fields[m.to] != "" && !strings.Contains(form.Fields[m.to], m.text):
			form.Fields[m.to] += i18n.T(lang, "punct.list_sep", nil) + m.text
		case form.Fields[m.to] == "":
			form.Fields[m.to] = m.text
		}
	}
	return form
}
