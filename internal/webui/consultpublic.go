package webui

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"lianxi/internal/auth"
	"lianxi/internal/consultations"
	"lianxi/internal/domain"
	"lianxi/internal/httpapi"
	"lianxi/internal/i18n"
)

// consultationPublicPageNames are the public's pages of consultations,
// parsed with the rest.
var consultationPublicPageNames = []string{"consultation_list", "consultation", "consultation_report"}

func init() { pageNames = append(pageNames, consultationPublicPageNames...) }

// maxPublicCommentForm bounds the comment form: a comment of the most
// characters allowed, each of four bytes and sent percent-encoded, with
// room to spare, so that a comment too long comes back with its message
// beside it rather than as a body too large.
const maxPublicCommentForm = domain.MaxCommentChars*4*3 + 16<<10

// consultationPublicRoutes mounts the public's pages of consultations:
// the list, a draft with its comment form, the adoption report. None
// needs an account; a comment needs a contact verified by a one-time
// code, whose token the pages keep in a cookie.
func (p *Pages) consultationPublicRoutes(r chi.Router) {
	r.Get("/consultations", p.publicConsultations)
	r.Get("/consultations/{slug}", p.publicConsultation)
	r.Post("/consultations/{slug}/code", p.publicConsultationCode)
	r.Post("/consultations/{slug}/verify", p.publicConsultationVerify)
	r.Post("/consultations/{slug}/comments", p.publicConsultationComment)
	r.Get("/consultations/{slug}/report", p.publicConsultationReport)
	r.Get("/consultations/{slug}/files/{file}", p.publicConsultationFile)
}

// publicConsultationURL is the address of a consultation's draft page; its
// other pages hang below it.
func publicConsultationURL(slug string) string { return "/consultations/" + url.PathEscape(slug) }

// draftSectionAnchor is the element id of a section on the draft page.
func draftSectionAnchor(key string) string { return "section-" + key }

// pubConsultHead is what the pages of one consultation show on top.
type pubConsultHead struct {
	Slug       string
	Title      string
	Phase      domain.ConsultationPhase
	PhaseLabel string
	URL        string
	ReportURL  string // empty until the report is published
	Current    string // "draft" or "report"
}

func newPubConsultHead(v *view, c consultations.PublicConsultation, current string) pubConsultHead {
	h := pubConsultHead{Slug: c.Slug, Title: c.Title, Phase: c.Phase, PhaseLabel: v.T("consultation.phase." + string(c.Phase)),
		URL: publicConsultationURL(c.Slug), Current: current}
	if c.Reported {
		h.ReportURL = h.URL + "/report"
	}
	return h
}

// pubConsultRow is a consultation as the list shows it.
type pubConsultRow struct {
	consultations.PublicConsultation
	URL        string
	ReportURL  string
	PhaseLabel string
}

// pubConsultList is the list of consultations, the latest first.
type pubConsultList struct{ Rows []pubConsultRow }

func (p *Pages) publicConsultations(w http.ResponseWriter, r *http.Request) {
	cs, err := p.consult.PublicList(r.Context())
	if err != nil {
		p.fail(w, r, err)
		return
	}
	v := p.newView(r, "consultation.page.list.title", "public-consultations")
	var data pubConsultList
	for _, c := range cs {
		row := pubConsultRow{PublicConsultation: c, URL: publicConsultationURL(c.Slug), PhaseLabel: v.T("consultation.phase." + string(c.Phase))}
		if c.Reported {
			row.ReportURL = row.URL + "/report"
		}
		data.Rows = append(data.Rows, row)
	}
	v.Data = data
	p.render(w, r, http.StatusOK, "consultation_list", v)
}

// pubDraftSection is a section of the draft as its page shows it.
type pubDraftSection struct {
	domain.DraftSection
	N       int
	Anchor  string
	Comment string // the address that opens the comment form on it
}

// pubConsultFile is a file of a consultation, for download.
type pubConsultFile struct {
	URL, Name, Size string
	Revised         bool
}

func pubConsultFiles(v *view, c consultations.PublicConsultation) []pubConsultFile {
	var out []pubConsultFile
	for _, f := range c.Files {
		out = append(out, pubConsultFile{URL: publicConsultationURL(c.Slug) + "/files/" + strconv.FormatInt(f.ID, 10), Name: f.Name,
			Size: fileSize(v, f.Size), Revised: f.Revised})
	}
	return out
}

// pubComment is a comment as the pages show it: where it goes in the
// draft, who made it (never their contact), the office's reply.
type pubComment struct {
	domain.ConsultationComment
	SectionLabel string
	SectionURL   string
	Who          string
	ReplyLabel   string
}

// pubCommentRows puts comments into words against the draft's sections.
func pubCommentRows(v *view, c consultations.PublicConsultation, orgs *names, ks []domain.ConsultationComment) []pubComment {
	heads := map[string]string{}
	for _, s := range c.Sections {
		heads[s.Key] = s.Heading
	}
	out := make([]pubComment, 0, len(ks))
	for _, k := range ks {
		row := pubComment{ConsultationComment: k.Public(), SectionLabel: v.T("consultation.page.whole_draft")}
		row.Contact, row.TaskID = "", 0
		if k.Section != "" {
			row.SectionLabel = heads[k.Section]
			if row.SectionLabel == "" {
				row.SectionLabel = k.Section
			}
			row.SectionURL = publicConsultationURL(c.Slug) + "#" + draftSectionAnchor(k.Section)
		}
		switch {
		case k.Department != "" && orgs != nil:
			row.Who = orgs.org(k.Department)
		case k.Department != "":
			row.Who = k.Department
		case k.Name != "":
			row.Who = k.Name
		default:
			row.Who = v.T("consultation.page.public")
		}
		if k.Reply != "" {
			row.ReplyLabel = v.T("consultation.reply." + string(k.Reply))
		}
		out = append(out, row)
	}
	return out
}

// pubConsultPage is the draft's page: the draft, its window and
// contact, and while the window is open the comment form (the contact's
// verification first) and the commenter's own comments with the replies.
type pubConsultPage struct {
	C        consultations.PublicConsultation
	Head     pubConsultHead
	Sections []pubDraftSection
	Files    []pubConsultFile
	// State is "open" (taking comments), "scheduled" (not yet open) or
	// "closed".
	State string
	// ShowForm: the comment area is shown (the window is open, or a form
	// refused when it closed comes back with what was typed); Closed: its
	// controls are disabled, the window having closed.
	ShowForm bool
	Closed   bool
	Verified bool
	// JustVerified: the page comes right after the verification, which
	// its notice confirms.
	JustVerified bool
	Step2        bool   // a code went out: the code step
	Sent         string // the contact it went to, masked
	Forms        forms
	Options      []option // the comment form's sections
	Mine         []pubComment
	// Countdown is the time left at rendering, in words; the script
	// counts it down from SecondsLeft with Units.
	Countdown string
	Units     string
	BodyMax   int
	Done      string
	Orphan    string
}

// pubConsultSlug reads a consultation's slug from its address.
func pubConsultSlug(r *http.Request) string { return chi.URLParam(r, "slug") }

func (p *Pages) publicConsultation(w http.ResponseWriter, r *http.Request) {
	p.showPublicConsultation(w, r, http.StatusOK, publicState{})
}

// showPublicConsultation renders the draft's page, with a refused form come
// back (st) when there is one.
func (p *Pages) showPublicConsultation(w http.ResponseWriter, r *http.Request, status int, st publicState) {
	ctx := r.Context()
	c, err := p.consult.Public(ctx, pubConsultSlug(r))
	if err != nil {
		p.fail(w, r, err)
		return
	}
	v := p.newView(r, "consultation.page.title", "public-consultations")
	v.Title = c.Title
	data := pubConsultPage{C: c, Head: newPubConsultHead(v, c, "draft"), BodyMax: domain.MaxCommentChars,
		Forms: forms{Refused: st.Refused}, Sent: st.Sent}
	// The draft's own files; a revised draft belongs to the report, and
	// shows here once the report is out.
	for _, f := range pubConsultFiles(v, c) {
		if !f.Revised || c.Reported {
			data.Files = append(data.Files, f)
		}
	}
	base := publicConsultationURL(c.Slug)
	for i, s := range c.Sections {
		data.Sections = append(data.Sections, pubDraftSection{DraftSection: s, N: i + 1, Anchor: draftSectionAnchor(s.Key),
			Comment: base + "?" + url.Values{"section": {s.Key}}.Encode() + "#comment"})
	}
	switch {
	case c.Accepting:
		data.State = "open"
	case c.Now.Before(c.OpensAt) && !c.Phase.Ended():
		data.State = "scheduled"
	default:
		data.State = "closed"
	}
	a := st.Refused.Action
	refusedHere := a == "contact-code" || a == "contact-verify" || a == "comment"
	data.ShowForm = c.Accepting || refusedHere || st.Refused.Error != ""
	data.Closed = !c.Accepting
	if c.Accepting {
		data.Countdown = countdownText(v, c.SecondsLeft)
		data.Units = v.T("consultation.page.countdown.units")
	}
	data.Step2 = st.Sent != "" || a == "contact-verify"
	if st.Contact != "" {
		data.Forms.set("contact-verify", "contact", st.Contact)
	}
	if token := commenterCookie(r); token != "" {
		mine, err := p.consult.MyComments(ctx, c.Slug, token)
		switch {
		case err == nil:
			data.Verified = true
			data.Mine = pubCommentRows(v, c, nil, mine)
		case domain.KindOf(err) != domain.KindUnauthenticated:
			p.fail(w, r, err)
			return
		}
	}
	chosen := r.URL.Query().Get("section")
	data.Options = append(data.Options, option{Value: "", Label: v.T("consultation.page.whole_draft")})
	for _, s := range data.Sections {
		data.Options = append(data.Options, option{Value: s.Key, Label: v.T("consultation.page.section_option", "n", s.N, "heading", excerpt(s.Heading, 40))})
		if s.Key == chosen {
			data.Forms.set("comment", "section", s.Key)
		}
	}
	data.Done = pubConsultDone(v, r)
	data.JustVerified = data.Done != "" && r.URL.Query().Get("done") == "verified"
	// A refusal whose form the page does not show (a comment of a contact
	// not verified, a body too large) is said at the top of the comment
	// area.
	if shown := a == "contact-code" || a == "contact-verify" || a == "comment" && data.Verified; !shown {
		data.Orphan = st.Refused.Error
	}
	v.Data = data
	p.render(w, r, status, "consultation", v)
}

// pubConsultDone confirms the action the draft's page was redirected after.
func pubConsultDone(v *view, r *http.Request) string {
	done := r.URL.Query().Get("done")
	if key := "consultation.page.done." + done; done != "" && i18n.Has(v.Lang, key) {
		return v.T(key)
	}
	return ""
}

// countdownText says a time left in words: days, hours and minutes while
// a day or more is left, then hours, minutes and seconds (the script in
// web/static/countdown.js says it the same way).
func countdownText(v *view, secs int64) string {
	return formatCountdown(strings.Fields(v.T("consultation.page.countdown.units")), secs)
}

func formatCountdown(units []string, secs int64) string {
	if len(units) != 4 {
		units = []string{"d", "h", "min", "s"}
	}
	secs = max(secs, 0)
	d, h, m, s := secs/86400, secs%86400/3600, secs%3600/60, secs%60
	part := func(n int64, u string) string { return strconv.FormatInt(n, 10) + " " + u }
	switch {
	case d > 0:
		return part(d, units[0]) + " " + part(h, units[1]) + " " + part(m, units[2])
	case h > 0:
		return part(h, units[1]) + " " + part(m, units[2]) + " " + part(s, units[3])
	case m > 0:
		return part(m, units[2]) + " " + part(s, units[3])
	}
	return part(s, units[3])
}

// commenterCookie is the verified contact's token the pages keep.
func commenterCookie(r *http.Request) string {
	if c, err := r.Cookie(httpapi.CommenterCookie); err == nil {
		return c.Value
	}
	return ""
}

// setCommenterCookie keeps a verified contact's token in the browser, as
// setVoterCookie does a voter's: HttpOnly, SameSite=Lax, Secure whenever
// the session cookie is; the public API reads the same cookie.
func setCommenterCookie(w http.ResponseWriter, r *http.Request, v consultations.Verified) {
	http.SetCookie(w, &http.Cookie{Name: httpapi.CommenterCookie, Value: v.Token, Path: "/", Expires: v.ExpiresAt,
		HttpOnly: true, Secure: secureSession(r), SameSite: http.SameSiteLaxMode})
}

// pubConsultForm reads a public form of the draft's page, to a bound;
// false when the page is written again (a body too large).
func (p *Pages) pubConsultForm(w http.ResponseWriter, r *http.Request, limit int64) (url.Values, bool) {
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	if err := r.ParseForm(); err != nil {
		p.showPublicConsultation(w, r, http.StatusRequestEntityTooLarge,
			publicState{Refused: cycleForm{Error: i18n.T(i18n.FromRequest(r), "error.body_too_large", nil)}})
		return nil, false
	}
	return r.PostForm, true
}

// pubConsultRefusal answers a refused form of the draft's page with the
// page again: the messages beside the inputs, what was typed kept,
// Retry-After on a rate limit, a request to verify the contact when there
// is none. An error not of the person's making is the error page.
func (p *Pages) pubConsultRefusal(w http.ResponseWriter, r *http.Request, err error, form string, f url.Values, rename func(string) string) {
	lang := i18n.FromRequest(r)
	switch domain.KindOf(err) {
	case domain.KindUnauthenticated:
		p.showPublicConsultation(w, r, http.StatusUnauthorized, publicState{Refused: cycleForm{Error: i18n.T(lang, "consultation.page.verify_needed", nil)}})
	case domain.KindInvalid, domain.KindConflict, domain.KindRateLimited:
		if de := domain.AsError(err); de != nil && de.RetryAfterSeconds > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(de.RetryAfterSeconds))
		}
		p.showPublicConsultation(w, r, statusOf(err), publicState{Refused: refusedForm(lang, form, f, err, rename)})
	default:
		p.fail(w, r, err)
	}
}

// publicConsultationCode sends a one-time code to the contact typed, a few per
// address a minute (codes cost a message each), and shows the page again
// at the code step.
func (p *Pages) publicConsultationCode(w http.ResponseWriter, r *http.Request) {
	f, ok := p.pubConsultForm(w, r, maxFormBytes)
	if !ok {
		return
	}
	rename := keepFields("contact")
	if err := p.public.Allow(r); err != nil {
		p.pubConsultRefusal(w, r, err, "contact-code", f, rename)
		return
	}
	sent, err := p.consult.RequestCode(r.Context(), pubConsultSlug(r), f.Get("contact"), auth.ClientIP(r))
	if err != nil {
		p.pubConsultRefusal(w, r, err, "contact-code", f, rename)
		return
	}
	p.showPublicConsultation(w, r, http.StatusOK, publicState{Sent: sent.Contact, Contact: strings.TrimSpace(f.Get("contact"))})
}

// publicConsultationVerify checks the code; the contact's token goes into a
// cookie and the person back to the comment form.
func (p *Pages) publicConsultationVerify(w http.ResponseWriter, r *http.Request) {
	f, ok := p.pubConsultForm(w, r, maxFormBytes)
	if !ok {
		return
	}
	slug := pubConsultSlug(r)
	v, err := p.consult.Verify(r.Context(), slug, f.Get("contact"), f.Get("code"), auth.ClientIP(r))
	if err != nil {
		p.pubConsultRefusal(w, r, err, "contact-verify", f, keepFields("contact", "code"))
		return
	}
	setCommenterCookie(w, r, v)
	http.Redirect(w, r, publicConsultationURL(slug)+"?done=verified#comment", http.StatusSeeOther)
}

// publicConsultationComment stores a verified contact's comment and goes back
// to the draft's page, where it shows under "my comments". A refusal (a
// field, the window closed, too many at once) shows the form again with
// what was typed.
func (p *Pages) publicConsultationComment(w http.ResponseWriter, r *http.Request) {
	f, ok := p.pubConsultForm(w, r, maxPublicCommentForm)
	if !ok {
		return
	}
	slug := pubConsultSlug(r)
	in := domain.NewComment{Section: f.Get("section"), Body: f.Get("body"), Name: f.Get("name")}
	if _, err := p.consult.Comment(r.Context(), slug, commenterCookie(r), in, auth.ClientIP(r)); err != nil {
		p.pubConsultRefusal(w, r, err, "comment", f, keepFields("section", "body", "name"))
		return
	}
	http.Redirect(w, r, publicConsultationURL(slug)+"?done=commented#comment", http.StatusSeeOther)
}

// pubReportCount is one count of the report.
type pubReportCount struct {
	Key   string
	Label string
	N     int
}

// pubReportDept is a consulted department and how it answered.
type pubReportDept struct {
	Name        string
	Status      string
	StatusLabel string
	Comments    int
	At          time.Time
}

// pubReportPage is the adoption report (意见采纳情况): the counts, the
// summary, the revised draft, the departments and every comment with its
// reply; or, before it is published, a page saying so.
type pubReportPage struct {
	C           consultations.PublicConsultation
	Head        pubConsultHead
	Published   bool
	Report      domain.ConsultationReport
	Counts      []pubReportCount
	Revised     *pubConsultFile
	Departments []pubReportDept
	Comments    []pubComment
}

func (p *Pages) publicConsultationReport(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	slug := pubConsultSlug(r)
	c, err := p.consult.Public(ctx, slug)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	v := p.newView(r, "consultation.page.report.title", "public-consultations")
	v.Title = v.T("consultation.page.report.title_of", "title", c.Title)
	data := pubReportPage{C: c}
	rep, err := p.consult.Report(ctx, slug)
	switch {
	case domain.KindOf(err) == domain.KindConflict:
		// Not published yet: a page that says so, not an error.
		data.Head = newPubConsultHead(v, c, "report")
		v.Data = data
		p.render(w, r, http.StatusNotFound, "consultation_report", v)
		return
	case err != nil:
		p.fail(w, r, err)
		return
	}
	c = rep.Consultation
	orgs, err := p.directoryNames(ctx, v.Lang)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	data = pubReportPage{C: c, Head: newPubConsultHead(v, c, "report"), Published: true, Report: rep.Report,
		Comments: pubCommentRows(v, c, &orgs, rep.Comments)}
	data.Head.ReportURL = data.Head.URL + "/report"
	n := rep.Report.Counts
	for _, k := range []struct {
		key string
		n   int
	}{{"total", n.Total}, {"public", n.Public}, {"department", n.Department}, {"adopted", n.Adopted}, {"partly", n.Partly},
		{"not_adopted", n.NotAdopted}, {"out_of_scope", n.OutOfScope}} {
		data.Counts = append(data.Counts, pubReportCount{Key: k.key, Label: v.T("consultation.page.count." + k.key), N: k.n})
	}
	if id := rep.Report.RevisedDraft; id != 0 {
		for _, f := range pubConsultFiles(v, c) {
			if f.URL == publicConsultationURL(c.Slug)+"/files/"+strconv.FormatInt(id, 10) {
				data.Revised = &f
			}
		}
	}
	for _, d := range rep.Departments {
		data.Departments = append(data.Departments, pubReportDept{Name: orgs.org(d.Department), Status: d.Status,
			StatusLabel: v.T("consultation.page.dept_status." + d.Status), Comments: d.Comments, At: d.At})
	}
	v.Data = data
	p.render(w, r, http.StatusOK, "consultation_report", v)
}

// publicConsultationFile serves a file of a consultation as a download, never
// shown inline: its stored type, no sniffing, and a name the browser
// saves it under.
func (p *Pages) publicConsultationFile(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(chi.URLParam(r, "file"), 10, 64)
	if err != nil || id < 1 {
		p.renderError(w, r, http.StatusNotFound, nil)
		return
	}
	f, data, err := p.consult.File(r.Context(), pubConsultSlug(r), id)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	serveDownload(w, r, f.Name, f.ContentType, data)
}
