package webui

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"lianxi/internal/auth"
	"lianxi/internal/calendar"
	"lianxi/internal/domain"
	"lianxi/internal/i18n"
)

// maxNote is the longest note of an override; it names a holiday or a
// reason ("市级防汛放假"), not an essay.
const maxNote = 200

// overrideForm is the add-an-override form as typed.
type overrideForm struct {
	Date    string
	Working string // "working" or "off"
	Note    string
	Error   string
	Fields  map[string]string
}

// overrideRow is one override as the page lists it.
type overrideRow struct {
	Date    string
	Weekday string
	Working bool
	Note    string
}

// yearRow says whether the calendar knows a year's statutory holidays (and
// make-up working days) and whether administrators have added overrides.
type yearRow struct {
	Year      int
	Known     bool
	Overrides int
	Current   bool // the year chosen on the page
}

// calendarPage is the administrators' page of working-day overrides.
type calendarPage struct {
	Year      int
	Years     []yearRow
	Overrides []overrideRow
	All       int // overrides in every year
	Form      overrideForm
	Done      string
	Known     string // the first and last years with holiday data ("2002–2027")
}

// calendarYear is the year the page shows: ?year=, else this year. Years
// far from now are refused as a mistake rather than listed.
func (p *Pages) calendarYear(r *http.Request) int {
	now := calendar.DateOf(p.now()).Year
	if y, err := strconv.Atoi(r.URL.Query().Get("year")); err == nil && y >= 1990 && y <= now+50 {
		return y
	}
	return now
}

func (p *Pages) calendarPage(w http.ResponseWriter, r *http.Request) {
	u, ok := p.admin(w, r)
	if !ok {
		return
	}
	data := calendarPage{Year: p.calendarYear(r)}
	switch r.URL.Query().Get("done") {
	case "set":
		data.Done = "calendar.done.set"
	case "deleted":
		data.Done = "calendar.done.deleted"
	}
	p.renderCalendar(w, r, u, http.StatusOK, data)
}

func (p *Pages) renderCalendar(w http.ResponseWriter, r *http.Request, _ domain.User, status int, data calendarPage) {
	if p.cal == nil {
		p.renderError(w, r, http.StatusNotFound, nil)
		return
	}
	ctx := r.Context()
	cal, err := p.cal.Calendar(ctx)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	overrides, err := p.cal.CalendarOverrides(ctx)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	v := p.newView(r, "page.calendar.title", "calendar")
	if data.Done != "" {
		data.Done = v.T(data.Done)
	}
	if data.Form.Working == "" {
		data.Form.Working = "off"
	}
	data.All = len(overrides)
	perYear := map[int]int{}
	for _, o := range overrides {
		perYear[o.Date.Year]++
		if o.Date.Year == data.Year {
			data.Overrides = append(data.Overrides, overrideRow{Date: o.Date.String(), Weekday: v.T("weekday." + strconv.Itoa(int(o.Date.Weekday()))),
				Working: o.Working, Note: o.Note})
		}
	}
	// This year, the next two (deadlines reach into them) and the chosen
	// one: the years an administrator needs to check.
	this := calendar.DateOf(p.now()).Year
	years := []int{this - 1, this, this + 1, this + 2}
	if data.Year < this-1 || data.Year > this+2 {
		years = append(years, data.Year)
	}
	for _, y := range years {
		data.Years = append(data.Years, yearRow{Year: y, Known: cal.HasHolidayData(y), Overrides: perYear[y], Current: y == data.Year})
	}
	if k := cal.KnownYears(); len(k) > 0 {
		data.Known = strconv.Itoa(k[0]) + "–" + strconv.Itoa(k[len(k)-1])
	}
	v.Data = data
	p.render(w, r, status, "calendar", v)
}

// setOverride adds an override or changes the one of its date.
func (p *Pages) setOverride(w http.ResponseWriter, r *http.Request) {
	u, ok := p.admin(w, r)
	if !ok {
		return
	}
	if p.cal == nil {
		p.renderError(w, r, http.StatusNotFound, nil)
		return
	}
	lang := i18n.FromRequest(r)
	year := p.calendarYear(r)
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		p.renderCalendar(w, r, u, http.StatusRequestEntityTooLarge, calendarPage{Year: year, Form: overrideForm{Error: i18n.T(lang, "error.body_too_large", nil)}})
		return
	}
	form := overrideForm{Date: strings.TrimSpace(r.PostForm.Get("date")), Working: r.PostForm.Get("working"), Note: strings.TrimSpace(r.PostForm.Get("note"))}
	var v domain.Validation
	d, derr := calendar.ParseDate(form.Date)
	switch {
	case form.Date == "":
		v.Add("date", "validation.required", nil)
	case derr != nil:
		v.Add("date", "validation.type_date", nil)
	}
	v.Check(form.Working == "working" || form.Working == "off", "working", "validation.one_of", map[string]any{"values": i18n.T(lang, "calendar.working", nil) + ", " + i18n.T(lang, "calendar.off", nil)})
	v.Check(utf8.RuneCountInString(form.Note) <= maxNote, "note", "validation.too_long", map[string]any{"max": maxNote})
	v.Check(utf8.ValidString(form.Note) && !strings.ContainsFunc(form.Note, func(c rune) bool { return c < 0x20 }), "note", "validation.control_chars", nil)
	err := v.Err()
	if err == nil {
		rec := auth.RequestMeta(r).Record(u.Username, "calendar_override.set", "calendar:"+d.String(), domain.AuditOK)
		rec.Detail = map[string]string{"working": strconv.FormatBool(form.Working == "working"), "note": form.Note}
		err = p.cal.SetCalendarOverride(r.Context(), calendar.Override{Date: d, Working: form.Working == "working", Note: form.Note}, rec)
	}
	if err == nil {
		http.Redirect(w, r, "/admin/calendar?"+url.Values{"year": {strconv.Itoa(d.Year)}, "done": {"set"}}.Encode(), http.StatusSeeOther)
		return
	}
	if k := domain.KindOf(err); k != domain.KindInvalid {
		p.fail(w, r, err)
		return
	}
	form.Error, form.Fields = i18n.ErrorMessage(lang, err)
	if derr == nil {
		year = d.Year
	}
	p.renderCalendar(w, r, u, statusOf(err), calendarPage{Year: year, Form: form})
}

// deleteOverride returns a date to the library's and the weekend's rule.
func (p *Pages) deleteOverride(w http.ResponseWriter, r *http.Request) {
	u, ok := p.admin(w, r)
	if !ok {
		return
	}
	if p.cal == nil {
		p.renderError(w, r, http.StatusNotFound, nil)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		p.renderError(w, r, http.StatusRequestEntityTooLarge, err)
		return
	}
	d, err := calendar.ParseDate(r.PostForm.Get("date"))
	if err != nil {
		p.renderError(w, r, http.StatusNotFound, nil)
		return
	}
	rec := auth.RequestMeta(r).Record(u.Username, "calendar_override.delete", "calendar:"+d.String(), domain.AuditOK)
	if err := p.cal.DeleteCalendarOverride(r.Context(), d, rec); err != nil {
		p.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/calendar?"+url.Values{"year": {strconv.Itoa(d.Year)}, "done": {"deleted"}}.Encode(), http.StatusSeeOther)
}
