package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"lianxi/internal/domain"
	"lianxi/internal/postgres/sqlcgen"
)

// ProgrammeVersionInfo says who stored one version of a programme, and when.
type ProgrammeVersionInfo struct {
	Version   int       `json:"version"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
}

// programmeFromRow reads a stored definition; the row's code and version
// are the authority over the copies inside the JSON.
func programmeFromRow(r sqlcgen.Programme) (domain.Programme, error) {
	var p domain.Programme
	if err := json.Unmarshal(r.Definition, &p); err != nil {
		return p, err
	}
	p.Code, p.Version = r.Code, int(r.Version)
	return p, nil
}

// ListProgrammes returns the newest version of every programme, by
// committee and code.
func (s *Store) ListProgrammes(ctx context.Context) ([]domain.Programme, error) {
	rows, err := s.q.ListLatestProgrammes(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]domain.Programme, len(rows))
	for i, r := range rows {
		if out[i], err = programmeFromRow(r); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Programme returns the newest version of a programme.
func (s *Store) Programme(ctx context.Context, code string) (domain.Programme, error) {
	r, err := s.q.GetLatestProgramme(ctx, code)
	if err != nil {
		return domain.Programme{}, notFound(err, "programme", code)
	}
	return programmeFromRow(r)
}

// ProgrammeVersion returns one version of a programme, as a round that
// started with it still reads it.
func (s *Store) ProgrammeVersion(ctx context.Context, code string, version int) (domain.Programme, error) {
	r, err := s.q.GetProgrammeVersion(ctx, sqlcgen.GetProgrammeVersionParams{Code: code, Version: int32(version)})
	if err != nil {
		return domain.Programme{}, notFound(err, "programme", code+" v"+itoa(version))
	}
	return programmeFromRow(r)
}

// ProgrammeHistory lists a programme's versions, newest first; none for an
// unknown programme is NotFound.
func (s *Store) ProgrammeHistory(ctx context.Context, code string) ([]ProgrammeVersionInfo, error) {
	rows, err := s.q.ListProgrammeVersions(ctx, code)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, domain.NotFound("programme", code)
	}
	out := make([]ProgrammeVersionInfo, len(rows))
	for i, r := range rows {
		out[i] = ProgrammeVersionInfo{Version: int(r.Version), CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt.Time}
	}
	return out, nil
}

// SaveProgramme stores a definition as the programme's next version (1 for
// a new programme) with its audit record, in one transaction, and returns
// that version. Nothing stored is ever changed, so a round keeps reading
// the version it started with. p.Version, when not 0, is the version the
// edit was based on: if another has been stored since, the save is a
// KindConflict rather than silently undoing it. Besides the definition's
// own checks, the owner must be an organisation (not merged away), the
// committee a committee and every listed department a department; each
// problem names its field.
func (s *Store) SaveProgramme(ctx context.Context, p domain.Programme, rec domain.AuditRecord) (int, error) {
	var version int
	err := s.inTx(ctx, func(q *sqlcgen.Queries) error {
		if err := domain.JoinInvalid(p.Validate(), checkProgrammeRefs(ctx, q, p)); err != nil {
			return err
		}
		if err := q.LockProgramme(ctx, p.Code); err != nil {
			return err
		}
		cur, err := q.LatestProgrammeVersion(ctx, p.Code)
		if err != nil {
			return err
		}
		if p.Version != 0 && p.Version != int(cur) {
			return domain.Conflict("error.programme_changed", map[string]any{"code": p.Code, "version": p.Version, "latest": int(cur)})
		}
		version = int(cur) + 1
		p.Version = version
		if err := insertProgramme(ctx, q, p, rec.Actor, s.now()); err != nil {
			return err
		}
		if rec.Detail == nil {
			rec.Detail = map[string]string{}
		}
		rec.Detail["version"] = itoa(version)
		return s.appendAudit(ctx, q, rec)
	})
	return version, err
}

func insertProgramme(ctx context.Context, q *sqlcgen.Queries, p domain.Programme, by string, at time.Time) error {
	raw, err := json.Marshal(p)
	if err != nil {
		return err
	}
	_, err = q.InsertProgramme(ctx, sqlcgen.InsertProgrammeParams{Code: p.Code, Version: int32(p.Version), CommitteeCode: p.Committee,
		OwnerCode: p.Owner, Definition: raw, CreatedBy: by, CreatedAt: tstz(at)})
	return err
}

// checkProgrammeRefs checks what only storage knows: that the codes a
// definition names exist.
func checkProgrammeRefs(ctx context.Context, q *sqlcgen.Queries, p domain.Programme) error {
	var v domain.Validation
	if p.Owner != "" {
		o, err := q.OrganisationState(ctx, p.Owner)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			v.Add("owner", "validation.unknown_organisation", map[string]any{"value": p.Owner})
		case err != nil:
			return err
		case o.MergedInto.Valid:
			v.Add("owner", "validation.merged_target", map[string]any{"value": p.Owner})
		}
	}
	if p.Committee != "" {
		ok, err := q.CommitteeExists(ctx, p.Committee)
		if err != nil {
			return err
		}
		v.Check(ok, "committee", "validation.unknown_committee", map[string]any{"value": p.Committee})
	}
	for i, d := range p.Departments {
		field := "departments[" + itoa(i) + "]"
		v.Check(!slices.Contains(p.Departments[:i], d), field, "validation.duplicate", map[string]any{"value": d})
		ok, err := q.DepartmentExists(ctx, d)
		if err != nil {
			return err
		}
		v.Check(ok, field, "validation.unknown_department", map[string]any{"value": d})
	}
	return v.Err()
}

// LoadProgrammes stores version 1 of each programme that has none yet and
// reports how many it stored. A programme already there — as seeded, or as
// an administrator has edited it since — is left alone, so the step is
// safe at every start, and programmes added to the seed later arrive.
// Organisations and committees must be loaded first.
func (s *Store) LoadProgrammes(ctx context.Context, ps []domain.Programme) (int, error) {
	loaded := 0
	err := s.inTx(ctx, func(q *sqlcgen.Queries) error {
		loaded = 0 // a retried transaction counts afresh
		var codes []string
		for _, p := range ps {
			if err := domain.JoinInvalid(p.Validate(), checkProgrammeRefs(ctx, q, p)); err != nil {
				return err
			}
			if err := q.LockProgramme(ctx, p.Code); err != nil {
				return err
			}
			p.Version = 1
			raw, err := json.Marshal(p)
			if err != nil {
				return err
			}
			n, err := q.InsertProgramme(ctx, sqlcgen.InsertProgrammeParams{Code: p.Code, Version: 1, CommitteeCode: p.Committee,
				OwnerCode: p.Owner, Definition: raw, CreatedBy: "system", CreatedAt: tstz(s.now())})
			if err != nil {
				return err
			}
			if n > 0 {
				loaded++
				codes = append(codes, p.Code)
			}
		}
		if loaded == 0 {
			return nil
		}
		return s.appendAudit(ctx, q, domain.AuditRecord{Actor: "system", Action: "seed.programmes", Object: "seed:programmes", Result: domain.AuditOK,
			Detail: map[string]string{"programmes": strings.Join(codes, ",")}})
	})
	return loaded, err
}

// Experts returns the expert pool: enabled users holding the expert role,
// with their affiliation and fields (empty until set).
func (s *Store) Experts(ctx context.Context) ([]domain.Expert, error) {
	rows, err := s.q.ListExperts(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]domain.Expert, len(rows))
	for i, r := range rows {
		out[i] = domain.Expert{Username: r.Username, Name: r.DisplayName, Affiliation: r.Affiliation.String, Fields: r.Fields}
	}
	return out, nil
}

// Limits of an expert's fields.
const (
	maxExpertFields   = 20
	maxExpertFieldLen = 50
)

// SetExpertProfile stores an expert's affiliation (an organisation code, or
// "" for none) and fields, with its audit record, and returns the expert.
// An unknown user is NotFound; a user without the expert role, an unknown
// affiliation or a bad field is KindInvalid.
func (s *Store) SetExpertProfile(ctx context.Context, e domain.Expert, rec domain.AuditRecord) (domain.Expert, error) {
	fields := make([]string, 0, len(e.Fields))
	var v domain.Validation
	v.Check(len(e.Fields) <= maxExpertFields, "fields", "validation.too_many", map[string]any{"max": maxExpertFields})
	for i, f := range e.Fields {
		f = strings.TrimSpace(f)
		name := "fields[" + itoa(i) + "]"
		switch {
		case f == "":
			v.Add(name, "validation.required", nil)
		case utf8.RuneCountInString(f) > maxExpertFieldLen:
			v.Add(name, "validation.too_long", map[string]any{"max": maxExpertFieldLen})
		case !domain.PlainText(f):
			v.Add(name, "validation.control_chars", nil)
		case slices.Contains(fields, f):
			v.Add(name, "validation.duplicate", map[string]any{"value": f})
		}
		fields = append(fields, f)
	}
	var out domain.Expert
	err := s.inTx(ctx, func(q *sqlcgen.Queries) error {
		u, err := q.GetUserByUsername(ctx, e.Username)
		if err != nil {
			return notFound(err, "user", e.Username)
		}
		expert, err := q.IsExpert(ctx, u.ID)
		if err != nil {
			return err
		}
		if !expert {
			return &domain.Error{Kind: domain.KindInvalid, Key: "error.not_expert", Params: map[string]any{"username": e.Username}}
		}
		if e.Affiliation != "" {
			o, err := q.OrganisationState(ctx, e.Affiliation)
			switch {
			case errors.Is(err, pgx.ErrNoRows):
				v.Add("affiliation", "validation.unknown_organisation", map[string]any{"value": e.Affiliation})
			case err != nil:
				return err
			case o.MergedInto.Valid:
				v.Add("affiliation", "validation.merged_target", map[string]any{"value": e.Affiliation})
			}
		}
		if err := v.Err(); err != nil {
			return err
		}
		if err := q.UpsertExpertProfile(ctx, sqlcgen.UpsertExpertProfileParams{Username: e.Username, Affiliation: text(e.Affiliation),
			Fields: fields, UpdatedAt: tstz(s.now())}); err != nil {
			return err
		}
		rec.Detail = map[string]string{"affiliation": e.Affiliation, "fields": strings.Join(fields, "、")}
		if err := s.appendAudit(ctx, q, rec); err != nil {
			return err
		}
		r, err := q.GetExpertProfile(ctx, e.Username)
		if err != nil {
			return err
		}
		out = domain.Expert{Username: r.Username, Name: r.DisplayName, Affiliation: r.Affiliation.String, Fields: r.Fields}
		return nil
	})
	return out, err
}
