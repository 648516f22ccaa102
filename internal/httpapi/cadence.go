package httpapi

import (
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"lianxi/internal/auth"
	"lianxi/internal/cadence"
	"lianxi/internal/calendar"
	"lianxi/internal/domain"
)

// cadenceRequest is a committee's cadence as its office sets it. Every
// field but settings is required, so that a forgotten one is named rather
// than silently zeroed; settings left out mean the default spans.
type cadenceRequest struct {
	Cadence        *domain.Cadence       `json:"cadence"`
	MinPerYear     *int                  `json:"min_per_year"`
	AgendaLeadDays *int                  `json:"agenda_lead_days"`
	Settings       *domain.CycleSettings `json:"settings"`
}

// settings checks the request, one message per wrong field.
func (in cadenceRequest) settings() (cadence.Settings, error) {
	var v domain.Validation
	v.Check(in.Cadence != nil, "cadence", "validation.required", nil)
	v.Check(in.MinPerYear != nil, "min_per_year", "validation.required", nil)
	v.Check(in.AgendaLeadDays != nil, "agenda_lead_days", "validation.required", nil)
	out := cadence.Settings{Cycle: in.Settings}
	if in.Cadence != nil {
		out.Cadence = *in.Cadence
	}
	if in.MinPerYear != nil {
		out.MinPerYear = *in.MinPerYear
	}
	if in.AgendaLeadDays != nil {
		out.AgendaLeadDays = *in.AgendaLeadDays
	}
	if err := out.Validate(); err != nil {
		for _, f := range domain.AsError(err).Fields {
			if !v.Has(f.Field) {
				v.Add(f.Field, f.Key, f.Params)
			}
		}
	}
	return out, v.Err()
}

// setCadence changes a committee's cadence, yearly minimum, agenda lead and
// cycle spans; its office and administrators may. The change and its
// audit record are stored together; the answer is the committee as
// GET shows it.
func (a *api) setCadence(w http.ResponseWriter, r *http.Request) {
	u, ok := a.user(w, r)
	if !ok {
		return
	}
	code := chi.URLParam(r, "code")
	if !u.HasFor(domain.RoleOffice, code) {
		a.forbid(w, r, u)
		return
	}
	var in cadenceRequest
	if err := decode(w, r, &in); err != nil {
		a.fail(w, r, err)
		return
	}
	set, err := in.settings()
	if err != nil {
		a.fail(w, r, err)
		return
	}
	rec := auth.RequestMeta(r).Record(u.Username, "cadence.set", "committee:"+code, domain.AuditOK)
	if err := a.Store.SetCadence(r.Context(), code, set, rec); err != nil {
		a.fail(w, r, err)
		return
	}
	c, err := a.Store.GetCommittee(r.Context(), code)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.writeCommittee(w, r, c)
}

// writeCommittee writes one committee with how its calendar year stands
// against its minimum of sittings: cadence_warning is the daily cadence
// run's rule (short of min_per_year, and the warning span has begun).
func (a *api) writeCommittee(w http.ResponseWriter, r *http.Request, c domain.Committee) {
	cal, err := a.Store.Calendar(r.Context())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	today := calendar.DateOf(time.Now())
	cycles, err := a.Store.CadenceCycles(r.Context(), c.Code, today.Year)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	st := cadence.Status(cal, cadence.DefaultRules, today,
		cadence.Committee{Code: c.Code, Cadence: c.Cadence, MinPerYear: c.MinPerYear, AgendaLeadDays: c.AgendaLeadDays}, cycles)
	out := toCommitteeJSON(c)
	out.CadenceWarning, out.CadenceYear = &st.Warning, &st
	writeJSON(w, http.StatusOK, out)
}
