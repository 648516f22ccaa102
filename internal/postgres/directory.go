package postgres

import (
	"context"

	"lianxi/internal/domain"
	"lianxi/internal/postgres/sqlcgen"
)

func orgFromRow(r sqlcgen.Organisation) domain.Organisation {
	return domain.Organisation{Code: r.Code, NameZH: r.NameZh, NameEN: r.NameEn, Kind: domain.OrgKind(r.Kind), MergedInto: r.MergedInto.String}
}

func eventFromRow(r sqlcgen.OrganisationEvent) domain.OrgEvent {
	return domain.OrgEvent{Kind: domain.OrgEventKind(r.Kind), At: r.At.Time, OldNameZH: r.OldNameZh, OldNameEN: r.OldNameEn,
		NewNameZH: r.NewNameZh, NewNameEN: r.NewNameEn, Target: r.TargetCode.String, Note: r.Note}
}

// ListOrganisations returns every organisation with its history.
func (s *Store) ListOrganisations(ctx context.Context) ([]domain.Organisation, error) {
	rows, err := s.q.ListOrganisations(ctx)
	if err != nil {
		return nil, err
	}
	events, err := s.q.ListOrganisationEvents(ctx)
	if err != nil {
		return nil, err
	}
	byCode := map[string][]domain.OrgEvent{}
	for _, e := range events {
		byCode[e.OrgCode] = append(byCode[e.OrgCode], eventFromRow(e))
	}
	out := make([]domain.Organisation, len(rows))
	for i, r := range rows {
		out[i] = orgFromRow(r)
		out[i].History = byCode[r.Code]
	}
	return out, nil
}

// GetOrganisation returns one organisation with its history.
func (s *Store) GetOrganisation(ctx context.Context, code string) (domain.Organisation, error) {
	return getOrganisation(ctx, s.q, code)
}

func getOrganisation(ctx context.Context, q *sqlcgen.Queries, code string) (domain.Organisation, error) {
	r, err := q.GetOrganisation(ctx, code)
	if err != nil {
		return domain.Organisation{}, notFound(err, "organisation", code)
	}
	o := orgFromRow(r)
	events, err := q.ListOrganisationEventsFor(ctx, code)
	if err != nil {
		return domain.Organisation{}, err
	}
	for _, e := range events {
		o.History = append(o.History, eventFromRow(e))
	}
	return o, nil
}

// RenameOrganisation gives an organisation a new name, keeping the old one in
// its history; its code, and so every record filed under it, stays.
func (s *Store) RenameOrganisation(ctx context.Context, in domain.Rename, rec domain.AuditRecord) (domain.Organisation, error) {
	if err := in.Validate(); err != nil {
		return domain.Organisation{}, err
	}
	var out domain.Organisation
	err := s.inTx(ctx, func(q *sqlcgen.Queries) error {
		cur, err := q.LockOrganisation(ctx, in.Code)
		if err != nil {
			return notFound(err, "organisation", in.Code)
		}
		if cur.MergedInto.Valid {
			return domain.Conflict("error.organisation_merged", map[string]any{"code": in.Code, "into": cur.MergedInto.String})
		}
		if err := q.RenameOrganisation(ctx, sqlcgen.RenameOrganisationParams{Code: in.Code, NameZh: in.NameZH, NameEn: in.NameEN}); err != nil {
			return err
		}
		if err := q.InsertOrganisationEvent(ctx, sqlcgen.InsertOrganisationEventParams{
			OrgCode: in.Code, Kind: string(domain.OrgRenamed), At: tstz(s.now()),
			OldNameZh: cur.NameZh, OldNameEn: cur.NameEn, NewNameZh: in.NameZH, NewNameEn: in.NameEN, Note: in.Note,
		}); err != nil {
			return err
		}
		rec.Detail = map[string]string{"old_name_zh": cur.NameZh, "new_name_zh": in.NameZH}
		if err := s.appendAudit(ctx, q, rec); err != nil {
			return err
		}
		out, err = getOrganisation(ctx, q, in.Code)
		return err
	})
	return out, err
}

// MergeOrganisation folds one organisation into another. The merged one keeps
// its code and records and points at the organisation that absorbed it.
func (s *Store) MergeOrganisation(ctx context.Context, in domain.Merge, rec domain.AuditRecord) (domain.Organisation, error) {
	if err := in.Validate(); err != nil {
		return domain.Organisation{}, err
	}
	var out domain.Organisation
	err := s.inTx(ctx, func(q *sqlcgen.Queries) error {
		rows, err := q.LockOrganisations(ctx, []string{in.Code, in.Into})
		if err != nil {
			return err
		}
		var cur, target sqlcgen.Organisation
		var haveCur, haveTarget bool
		for _, r := range rows {
			switch r.Code {
			case in.Code:
				cur, haveCur = r, true
			case in.Into:
				target, haveTarget = r, true
			}
		}
		if !haveCur {
			return domain.NotFound("organisation", in.Code)
		}
		if cur.MergedInto.Valid {
			return domain.Conflict("error.organisation_merged", map[string]any{"code": in.Code, "into": cur.MergedInto.String})
		}
		if !haveTarget {
			var v domain.Validation
			v.Add("into", "validation.unknown_organisation", map[string]any{"value": in.Into})
			return v.Err()
		}
		if target.MergedInto.Valid {
			var v domain.Validation
			v.Add("into", "validation.merged_target", map[string]any{"value": in.Into})
			return v.Err()
		}
		if err := q.MergeOrganisation(ctx, sqlcgen.MergeOrganisationParams{Code: in.Code, MergedInto: text(in.Into)}); err != nil {
			return err
		}
		if err := q.InsertOrganisationEvent(ctx, sqlcgen.InsertOrganisationEventParams{
			OrgCode: in.Code, Kind: string(domain.OrgMerged), At: tstz(s.now()),
			OldNameZh: cur.NameZh, OldNameEn: cur.NameEn, TargetCode: text(in.Into), Note: in.Note,
		}); err != nil {
			return err
		}
		rec.Detail = map[string]string{"into": in.Into}
		if err := s.appendAudit(ctx, q, rec); err != nil {
			return err
		}
		out, err = getOrganisation(ctx, q, in.Code)
		return err
	})
	return out, err
}

// ListCommittees returns every committee with its conveners, office host and
// members.
func (s *Store) ListCommittees(ctx context.Context) ([]domain.Committee, error) {
	rows, err := s.q.ListCommittees(ctx)
	if err != nil {
		return nil, err
	}
	return s.assembleCommittees(ctx, rows)
}

// GetCommittee returns one committee.
func (s *Store) GetCommittee(ctx context.Context, code string) (domain.Committee, error) {
	row, err := s.q.GetCommittee(ctx, code)
	if err != nil {
		return domain.Committee{}, notFound(err, "committee", code)
	}
	cs, err := s.assembleCommittees(ctx, []sqlcgen.Committee{row})
	if err != nil {
		return domain.Committee{}, err
	}
	return cs[0], nil
}

// assembleCommittees joins conveners, members and office hosts onto
// committee rows with three queries, whatever the number of committees.
func (s *Store) assembleCommittees(ctx context.Context, rows []sqlcgen.Committee) ([]domain.Committee, error) {
	conveners, err := s.q.ListConveners(ctx)
	if err != nil {
		return nil, err
	}
	members, err := s.q.ListMembers(ctx)
	if err != nil {
		return nil, err
	}
	orgs, err := s.q.ListOrganisations(ctx)
	if err != nil {
		return nil, err
	}
	orgByCode := make(map[string]domain.Organisation, len(orgs))
	for _, o := range orgs {
		orgByCode[o.Code] = orgFromRow(o)
	}
	out := make([]domain.Committee, len(rows))
	index := make(map[string]int, len(rows))
	for i, r := range rows {
		index[r.Code] = i
		c := domain.Committee{Code: r.Code, NameZH: r.NameZh, NameEN: r.NameEn, PlanItem: r.PlanItem,
			OfficeDirectorZH: r.OfficeDirectorZh, OfficeDirectorEN: r.OfficeDirectorEn,
			Cadence: domain.Cadence(r.Cadence), MinPerYear: int(r.MinPerYear), CadenceNoteZH: r.CadenceNoteZh, CadenceNoteEN: r.CadenceNoteEn,
			AgendaLeadDays: int(r.AgendaLeadDays)}
		if c.Settings, err = settingsFrom(r.CycleSettings); err != nil {
			return nil, err
		}
		if r.OfficeHost.Valid {
			h := orgByCode[r.OfficeHost.String]
			c.OfficeHost = &h
		}
		out[i] = c
	}
	for _, v := range conveners {
		if i, ok := index[v.CommitteeCode]; ok {
			out[i].Conveners = append(out[i].Conveners, domain.Convener{Rank: domain.ConvenerRank(v.Rank), TitleZH: v.TitleZh, TitleEN: v.TitleEn})
		}
	}
	for _, m := range members {
		if i, ok := index[m.CommitteeCode]; ok {
			out[i].Members = append(out[i].Members, domain.Organisation{Code: m.Code, NameZH: m.NameZh, NameEN: m.NameEn,
				Kind: domain.OrgKind(m.Kind), MergedInto: m.MergedInto.String})
		}
	}
	return out, nil
}

// LoadSeed loads a named set of organisations and committees once. It
// reports whether it loaded them now; a set already loaded is left alone, so
// a restart never duplicates rows or undoes an administrator's edits.
func (s *Store) LoadSeed(ctx context.Context, name string, orgs []domain.Organisation, committees []domain.Committee) (bool, error) {
	loaded := false
	err := s.inTx(ctx, func(q *sqlcgen.Queries) error {
		n, err := q.MarkSeedApplied(ctx, name)
		if err != nil || n == 0 {
			return err
		}
		loaded = true
		for i, o := range orgs {
			if err := o.Validate(); err != nil {
				return err
			}
			if _, err := q.InsertOrganisation(ctx, sqlcgen.InsertOrganisationParams{Code: o.Code, NameZh: o.NameZH, NameEn: o.NameEN, Kind: string(o.Kind), Position: int32(i)}); err != nil {
				return err
			}
		}
		for i, c := range committees {
			if err := c.Validate(); err != nil {
				return err
			}
			host := ""
			if c.OfficeHost != nil {
				host = c.OfficeHost.Code
			}
			if err := q.InsertCommittee(ctx, sqlcgen.InsertCommitteeParams{Code: c.Code, NameZh: c.NameZH, NameEn: c.NameEN, PlanItem: c.PlanItem,
				OfficeHost: text(host), OfficeDirectorZh: c.OfficeDirectorZH, OfficeDirectorEn: c.OfficeDirectorEN, Cadence: string(c.Cadence),
				MinPerYear: int32(c.MinPerYear), CadenceNoteZh: c.CadenceNoteZH, CadenceNoteEn: c.CadenceNoteEN, Position: int32(i)}); err != nil {
				return err
			}
			for j, v := range c.Conveners {
				if err := q.InsertConvener(ctx, sqlcgen.InsertConvenerParams{CommitteeCode: c.Code, Position: int32(j), Rank: string(v.Rank), TitleZh: v.TitleZH, TitleEn: v.TitleEN}); err != nil {
					return err
				}
			}
			for j, m := range c.Members {
				if err := q.InsertMember(ctx, sqlcgen.InsertMemberParams{CommitteeCode: c.Code, OrgCode: m.Code, Position: int32(j)}); err != nil {
					return err
				}
			}
		}
		return s.appendAudit(ctx, q, domain.AuditRecord{Actor: "system", Action: "seed.load", Object: "seed:" + name, Result: domain.AuditOK,
			Detail: map[string]string{"organisations": itoa(len(orgs)), "committees": itoa(len(committees))}})
	})
	return loaded, err
}

// Mergers maps each organisation to those merged into it directly.
func (s *Store) Mergers(ctx context.Context) (map[domain.Code][]domain.Code, error) {
	rows, err := s.q.ListMergers(ctx)
	if err != nil {
		return nil, err
	}
	into := map[domain.Code][]domain.Code{}
	for _, r := range rows {
		into[r.MergedInto] = append(into[r.MergedInto], r.Code)
	}
	return into, nil
}
