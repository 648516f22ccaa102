package httpapi

import (
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"lianxi/internal/auth"
	"lianxi/internal/cadence"
	"lianxi/internal/domain"
)

type orgRef struct {
	Code       string `json:"code"`
	NameZH     string `json:"name_zh"`
	NameEN     string `json:"name_en"`
	Kind       string `json:"kind"`
	MergedInto string `json:"merged_into,omitempty"`
}

type orgEventJSON struct {
	Kind      string    `json:"kind"`
	At        time.Time `json:"at"`
	OldNameZH string    `json:"old_name_zh,omitempty"`
	OldNameEN string    `json:"old_name_en,omitempty"`
	NewNameZH string    `json:"new_name_zh,omitempty"`
	NewNameEN string    `json:"new_name_en,omitempty"`
	Target    string    `json:"target,omitempty"`
	Note      string    `json:"note,omitempty"`
}

type orgJSON struct {
	orgRef
	History []orgEventJSON `json:"history"`
}

type convenerJSON struct {
	Rank    string `json:"rank"`
	TitleZH string `json:"title_zh"`
	TitleEN string `json:"title_en"`
}

type officeJSON struct {
	Host       *orgRef `json:"host"`
	DirectorZH string  `json:"director_zh"`
	DirectorEN string  `json:"director_en"`
}

type committeeJSON struct {
	Code          string         `json:"code"`
	NameZH        string         `json:"name_zh"`
	NameEN        string         `json:"name_en"`
	PlanItem      string         `json:"plan_item"`
	Cadence       string         `json:"cadence"`
	MinPerYear    int            `json:"min_per_year"`
	CadenceNoteZH string         `json:"cadence_note_zh"`
	CadenceNoteEN string         `json:"cadence_note_en"`
	Office        officeJSON     `json:"office"`
	Conveners     []convenerJSON `json:"conveners"`
	MemberCount   int            `json:"member_count"`
	Members       []orgRef       `json:"members"`
	// The office's cadence settings (cadence.go), and on one committee's
	// view how its year stands against min_per_year.
	AgendaLeadDays int                  `json:"agenda_lead_days"`
	Settings       domain.CycleSettings `json:"settings"`
	CadenceWarning *bool                `json:"cadence_warning,omitempty"`
	CadenceYear    *cadence.YearStatus  `json:"cadence_year,omitempty"`
}

func refJSON(o domain.Organisation) orgRef {
	return orgRef{Code: o.Code, NameZH: o.NameZH, NameEN: o.NameEN, Kind: string(o.Kind), MergedInto: o.MergedInto}
}

func organisationJSON(o domain.Organisation) orgJSON {
	out := orgJSON{orgRef: refJSON(o), History: []orgEventJSON{}}
	for _, e := range o.History {
		out.History = append(out.History, orgEventJSON{Kind: string(e.Kind), At: e.At, OldNameZH: e.OldNameZH, OldNameEN: e.OldNameEN,
			NewNameZH: e.NewNameZH, NewNameEN: e.NewNameEN, Target: e.Target, Note: e.Note})
	}
	return out
}

func toCommitteeJSON(c domain.Committee) committeeJSON {
	out := committeeJSON{Code: c.Code, NameZH: c.NameZH, NameEN: c.NameEN, PlanItem: c.PlanItem, Cadence: string(c.Cadence),
		MinPerYear: c.MinPerYear, CadenceNoteZH: c.CadenceNoteZH, CadenceNoteEN: c.CadenceNoteEN,
		Office:    officeJSON{DirectorZH: c.OfficeDirectorZH, DirectorEN: c.OfficeDirectorEN},
		Conveners: []convenerJSON{}, Members: []orgRef{}, MemberCount: len(c.Members), AgendaLeadDays: c.AgendaLeadDays, Settings: c.Settings}
	if c.OfficeHost != nil {
		h := refJSON(*c.OfficeHost)
		out.Office.Host = &h
	}
	for _, v := range c.Conveners {
		out.Conveners = append(out.Conveners, convenerJSON{Rank: string(v.Rank), TitleZH: v.TitleZH, TitleEN: v.TitleEN})
	}
	for _, m := range c.Members {
		out.Members = append(out.Members, refJSON(m))
	}
	return out
}

func (a *api) listCommittees(w http.ResponseWriter, r *http.Request) {
	if _, ok := a.user(w, r); !ok {
		return
	}
	cs, err := a.Store.ListCommittees(r.Context())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out := make([]committeeJSON, len(cs))
	for i, c := range cs {
		out[i] = toCommitteeJSON(c)
	}
	writeJSON(w, http.StatusOK, map[string]any{"committees": out})
}

func (a *api) getCommittee(w http.ResponseWriter, r *http.Request) {
	if _, ok := a.user(w, r); !ok {
		return
	}
	c, err := a.Store.GetCommittee(r.Context(), chi.URLParam(r, "code"))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.writeCommittee(w, r, c)
}

func (a *api) listOrganisations(w http.ResponseWriter, r *http.Request) {
	if _, ok := a.user(w, r); !ok {
		return
	}
	os, err := a.Store.ListOrganisations(r.Context())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out := make([]orgJSON, len(os))
	for i, o := range os {
		out[i] = organisationJSON(o)
	}
	writeJSON(w, http.StatusOK, map[string]any{"organisations": out})
}

func (a *api) getOrganisation(w http.ResponseWriter, r *http.Request) {
	if _, ok := a.user(w, r); !ok {
		return
	}
	o, err := a.Store.GetOrganisation(r.Context(), chi.URLParam(r, "code"))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, organisationJSON(o))
}

type renameRequest struct {
	NameZH string `json:"name_zh"`
	NameEN string `json:"name_en"`
	Note   string `json:"note"`
}

func (a *api) renameOrganisation(w http.ResponseWriter, r *http.Request) {
	u, ok := a.admin(w, r)
	if !ok {
		return
	}
	var in renameRequest
	if err := decode(w, r, &in); err != nil {
		a.fail(w, r, err)
		return
	}
	code := chi.URLParam(r, "code")
	o, err := a.Store.RenameOrganisation(r.Context(), domain.Rename{Code: code, NameZH: in.NameZH, NameEN: in.NameEN, Note: in.Note},
		auditRecord(r, u, "organisation.rename", "organisation:"+code))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, organisationJSON(o))
}

type mergeRequest struct {
	Into string `json:"into"`
	Note string `json:"note"`
}

func (a *api) mergeOrganisation(w http.ResponseWriter, r *http.Request) {
	u, ok := a.admin(w, r)
	if !ok {
		return
	}
	var in mergeRequest
	if err := decode(w, r, &in); err != nil {
		a.fail(w, r, err)
		return
	}
	code := chi.URLParam(r, "code")
	o, err := a.Store.MergeOrganisation(r.Context(), domain.Merge{Code: code, Into: in.Into, Note: in.Note},
		auditRecord(r, u, "organisation.merge", "organisation:"+code))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, organisationJSON(o))
}

// auditRecord starts the audit record of a state change made by a request.
func auditRecord(r *http.Request, u domain.User, action, object string) domain.AuditRecord {
	m := auth.RequestMeta(r)
	return domain.AuditRecord{Actor: u.Username, Action: action, Object: object, Result: domain.AuditOK, RequestID: m.RequestID, IP: m.IP}
}
