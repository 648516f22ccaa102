package postgres_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"lianxi/internal/auth"
	"lianxi/internal/domain"
	"lianxi/internal/postgres"
	"lianxi/internal/seed"
)

func newProgrammeStore(t *testing.T) *postgres.Store {
	t.Helper()
	s := newStore(t)
	n, err := s.LoadProgrammes(context.Background(), seed.Programmes())
	if err != nil || n != len(seed.Programmes()) {
		t.Fatalf("load programmes: %d, %v", n, err)
	}
	return s
}

func fieldsOf(err error) []string {
	var out []string
	if de := domain.AsError(err); de != nil {
		for _, f := range de.Fields {
			out = append(out, f.Field)
		}
	}
	return out
}

func TestProgrammesLoadOnceAndEditsMakeVersions(t *testing.T) {
	ctx := context.Background()
	s := newProgrammeStore(t)
	ps, err := s.ListProgrammes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != len(seed.Programmes()) {
		t.Fatalf("%d programmes, want %d", len(ps), len(seed.Programmes()))
	}
	// By committee in the directory's order: science first, management last.
	if ps[0].Committee != "science" || ps[len(ps)-1].Committee != "management" || ps[4].Code != "new-product-rd" {
		t.Errorf("order: first %s, last %s", ps[0].Code, ps[len(ps)-1].Code)
	}
	m1, err := s.Programme(ctx, "management-cases")
	if err != nil {
		t.Fatal(err)
	}
	if m1.Version != 1 || m1.Quota != 10 || len(m1.Criteria) != 3 || m1.Criteria[0].Weight != 40 {
		t.Fatalf("management-cases %+v", m1)
	}

	edit := m1
	edit.Quota = 12
	edit.Criteria = append(slices.Clone(m1.Criteria), domain.Criterion{Code: "influence", NameZH: "影响力", NameEN: "Influence", Weight: 10, Max: 100})
	rec := domain.AuditRecord{Actor: "admin", Action: "programme.save", Object: "programme:management-cases", Result: domain.AuditOK}
	v, err := s.SaveProgramme(ctx, edit, rec)
	if err != nil || v != 2 {
		t.Fatalf("save: version %d, %v", v, err)
	}
	// An edit based on version 1 after version 2 exists would undo it.
	if _, err := s.SaveProgramme(ctx, edit, rec); domain.KindOf(err) != domain.KindConflict {
		t.Fatalf("stale edit: %v", err)
	}
	edit.Version = 0 // no base version: no check
	if v, err := s.SaveProgramme(ctx, edit, rec); err != nil || v != 3 {
		t.Fatalf("unchecked save: %d, %v", v, err)
	}
	latest, err := s.Programme(ctx, "management-cases")
	if err != nil || latest.Version != 3 || latest.Quota != 12 || len(latest.Criteria) != 4 {
		t.Fatalf("latest %+v, %v", latest, err)
	}
	old, err := s.ProgrammeVersion(ctx, "management-cases", 1)
	if err != nil || old.Version != 1 || old.Quota != 10 || len(old.Criteria) != 3 {
		t.Fatalf("version 1 %+v, %v", old, err)
	}
	if _, err := s.ProgrammeVersion(ctx, "management-cases", 9); domain.KindOf(err) != domain.KindNotFound {
		t.Fatalf("version 9: %v", err)
	}
	if _, err := s.Programme(ctx, "nope"); domain.KindOf(err) != domain.KindNotFound {
		t.Fatalf("unknown programme: %v", err)
	}
	h, err := s.ProgrammeHistory(ctx, "management-cases")
	if err != nil || len(h) != 3 || h[0].Version != 3 || h[0].CreatedBy != "admin" || h[2].CreatedBy != "system" {
		t.Fatalf("history %+v, %v", h, err)
	}

	// Loading the seed again stores nothing and undoes nothing.
	if n, err := s.LoadProgrammes(ctx, seed.Programmes()); err != nil || n != 0 {
		t.Fatalf("second load: %d, %v", n, err)
	}
	if p, _ := s.Programme(ctx, "management-cases"); p.Version != 3 || p.Quota != 12 {
		t.Fatalf("the seed undid an edit: %+v", p)
	}
	// A new programme is version 1.
	np := m1
	np.Code, np.Version, np.NameZH, np.NameEN = "research-projects", 0, "管理创新课题研究", "Management Innovation Research Projects"
	if v, err := s.SaveProgramme(ctx, np, rec); err != nil || v != 1 {
		t.Fatalf("new programme: %d, %v", v, err)
	}

	// Each change has its audit record, and the chain holds.
	recs, err := s.RecentAudit(ctx, 20)
	if err != nil {
		t.Fatal(err)
	}
	saves := 0
	for _, r := range recs {
		if r.Action == "programme.save" {
			saves++
		}
	}
	if saves != 3 {
		t.Errorf("%d save records, want 3", saves)
	}
	if _, brk, err := s.VerifyAudit(ctx); err != nil || brk != nil {
		t.Fatalf("audit chain: %v %v", brk, err)
	}
}

func TestSaveProgrammeNamesTheWrongFields(t *testing.T) {
	ctx := context.Background()
	s := newProgrammeStore(t)
	p, err := s.Programme(ctx, "new-product-rd")
	if err != nil {
		t.Fatal(err)
	}
	rec := domain.AuditRecord{Actor: "admin", Action: "programme.save", Result: domain.AuditOK}
	bad := p
	bad.Owner, bad.Committee, bad.Departments = "atlantis", "space", []string{"finance", "xiangtan-daily", "finance"}
	bad.Quota = 0
	_, err = s.SaveProgramme(ctx, bad, rec)
	got := fieldsOf(err)
	for _, f := range []string{"owner", "committee", "departments[1]", "departments[2]", "quota"} {
		if !slices.Contains(got, f) {
			t.Errorf("no error for %s in %v", f, got)
		}
	}
	// A merged organisation cannot own a programme.
	if _, err := s.MergeOrganisation(ctx, domain.Merge{Code: "quality", Into: "commerce"}, rec); err != nil {
		t.Fatal(err)
	}
	bad = p
	bad.Owner = "quality"
	if _, err := s.SaveProgramme(ctx, bad, rec); !slices.Equal(fieldsOf(err), []string{"owner"}) {
		t.Errorf("merged owner: %v", err)
	}
	if latest, _ := s.Programme(ctx, "new-product-rd"); latest.Version != 1 {
		t.Errorf("a refused save stored version %d", latest.Version)
	}
}

func TestExpertPool(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	svc, err := auth.New(s, auth.Options{Sleep: func(context.Context, time.Duration) {}})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []domain.NewUser{
		{Username: "expert.wang", DisplayName: "王教授", Grants: []domain.Grant{{Role: domain.RoleExpert}}},
		{Username: "expert.li", DisplayName: "李研究员", Grants: []domain.Grant{{Role: domain.RoleExpert}, {Role: domain.RoleMember, Department: "finance"}}},
		{Username: "expert.gone", DisplayName: "离任专家", Grants: []domain.Grant{{Role: domain.RoleExpert}}},
		{Username: "clerk", DisplayName: "办事员", Grants: []domain.Grant{{Role: domain.RoleMember, Department: "finance"}}},
	} {
		u.Password = "Lotus-city-2026"
		if _, err := svc.CreateUser(ctx, auth.System, u, auth.Meta{}); err != nil {
			t.Fatal(err)
		}
	}
	rec := domain.AuditRecord{Actor: "admin", Action: "expert.set", Result: domain.AuditOK}
	if err := s.SetDisabled(ctx, "expert.gone", true, rec); err != nil {
		t.Fatal(err)
	}
	e, err := s.SetExpertProfile(ctx, domain.Expert{Username: "expert.li", Affiliation: "finance", Fields: []string{" 财政管理 ", "公共政策"}}, rec)
	if err != nil {
		t.Fatal(err)
	}
	if e.Name != "李研究员" || e.Affiliation != "finance" || strings.Join(e.Fields, "|") != "财政管理|公共政策" {
		t.Fatalf("profile %+v", e)
	}
	experts, err := s.Experts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(experts) != 2 || experts[0].Username != "expert.li" || experts[0].Affiliation != "finance" ||
		experts[1].Username != "expert.wang" || experts[1].Affiliation != "" || len(experts[1].Fields) != 0 {
		t.Fatalf("experts %+v", experts)
	}
	// Clearing the affiliation.
	if e, err := s.SetExpertProfile(ctx, domain.Expert{Username: "expert.li", Fields: []string{"财政管理"}}, rec); err != nil || e.Affiliation != "" {
		t.Fatalf("cleared: %+v, %v", e, err)
	}

	if _, err := s.SetExpertProfile(ctx, domain.Expert{Username: "nobody"}, rec); domain.KindOf(err) != domain.KindNotFound {
		t.Errorf("unknown user: %v", err)
	}
	if _, err := s.SetExpertProfile(ctx, domain.Expert{Username: "clerk"}, rec); domain.KindOf(err) != domain.KindInvalid {
		t.Errorf("not an expert: %v", err)
	}
	_, err = s.SetExpertProfile(ctx, domain.Expert{Username: "expert.wang", Affiliation: "atlantis", Fields: []string{"a", "", "a", strings.Repeat("长", 51)}}, rec)
	if got := fieldsOf(err); !slices.Equal(got, []string{"fields[1]", "fields[2]", "fields[3]", "affiliation"}) {
		t.Errorf("fields %v", got)
	}
}
