package httpapi

import (
	"math"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"lianxi/internal/auth"
	"lianxi/internal/domain"
	"lianxi/internal/postgres"
)

// programmeOut is one version of a programme's definition with the list of
// its versions (newest first, who stored each and when).
type programmeOut struct {
	domain.Programme
	Versions []postgres.ProgrammeVersionInfo `json:"versions"`
}

// listProgrammes lists the newest version of every selection programme;
// anyone signed in may read them.
func (a *api) listProgrammes(w http.ResponseWriter, r *http.Request) {
	if _, ok := a.user(w, r); !ok {
		return
	}
	ps, err := a.Store.ListProgrammes(r.Context())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"programmes": ps})
}

// getProgramme answers a programme's newest version, or with ?version=N
// the one a round started with.
func (a *api) getProgramme(w http.ResponseWriter, r *http.Request) {
	if _, ok := a.user(w, r); !ok {
		return
	}
	code := chi.URLParam(r, "code")
	var p domain.Programme
	var err error
	if s := r.URL.Query().Get("version"); s != "" {
		n, perr := strconv.Atoi(s)
		if perr != nil || n < 1 || n > math.MaxInt32 {
			var v domain.Validation
			v.Add("version", "validation.range", map[string]any{"min": 1, "max": math.MaxInt32})
			a.fail(w, r, v.Err())
			return
		}
		p, err = a.Store.ProgrammeVersion(r.Context(), code, n)
	} else {
		p, err = a.Store.Programme(r.Context(), code)
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.writeProgramme(w, r, http.StatusOK, p)
}

// putProgramme stores an edited definition as the programme's next version
// (a new programme's first); administrators only. The body is the
// definition; code and version may be left out. When given, code must be
// the path's, and version is the version the edit started from: if another
// has been stored since, the answer is 409 and nothing is stored.
func (a *api) putProgramme(w http.ResponseWriter, r *http.Request) {
	u, ok := a.admin(w, r)
	if !ok {
		return
	}
	code := chi.URLParam(r, "code")
	var in domain.Programme
	if err := decode(w, r, &in); err != nil {
		a.fail(w, r, err)
		return
	}
	if in.Code != "" && in.Code != code {
		var v domain.Validation
		v.Add("code", "validation.must_match", map[string]any{"value": code})
		a.fail(w, r, v.Err())
		return
	}
	in.Code = code
	rec := auth.RequestMeta(r).Record(u.Username, "programme.save", "programme:"+code, domain.AuditOK)
	version, err := a.Store.SaveProgramme(r.Context(), in, rec)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	p, err := a.Store.ProgrammeVersion(r.Context(), code, version)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	status := http.StatusOK
	if version == 1 {
		status = http.StatusCreated
	}
	a.writeProgramme(w, r, status, p)
}

func (a *api) writeProgramme(w http.ResponseWriter, r *http.Request, status int, p domain.Programme) {
	versions, err := a.Store.ProgrammeHistory(r.Context(), p.Code)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, status, programmeOut{Programme: p, Versions: versions})
}

// listExperts lists the expert pool: administrators and committee offices,
// who choose reviewers, may read it.
func (a *api) listExperts(w http.ResponseWriter, r *http.Request) {
	u, ok := a.user(w, r)
	if !ok {
		return
	}
	if !u.IsAdmin() && !u.Has(domain.RoleOffice) {
		a.forbid(w, r, u)
		return
	}
	experts, err := a.Store.Experts(r.Context())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"experts": experts})
}

// expertRequest is an expert's profile as an administrator sets it: the
// whole profile, so a field left out is cleared.
type expertRequest struct {
	Affiliation domain.Code `json:"affiliation"`
	Fields      []string    `json:"fields"`
}

// putExpert sets an expert's affiliation and fields; administrators only.
func (a *api) putExpert(w http.ResponseWriter, r *http.Request) {
	u, ok := a.admin(w, r)
	if !ok {
		return
	}
	username := chi.URLParam(r, "username")
	var in expertRequest
	if err := decode(w, r, &in); err != nil {
		a.fail(w, r, err)
		return
	}
	rec := auth.RequestMeta(r).Record(u.Username, "expert.set", "user:"+username, domain.AuditOK)
	e, err := a.Store.SetExpertProfile(r.Context(), domain.Expert{Username: username, Affiliation: in.Affiliation, Fields: in.Fields}, rec)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, e)
}
