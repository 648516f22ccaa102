package postgres_test

import (
	"context"
	"testing"

	"lianxi/internal/domain"
	"lianxi/internal/pgtest"
	"lianxi/internal/postgres"
	"lianxi/internal/seed"
)

func newStore(t *testing.T) *postgres.Store {
	t.Helper()
	s := postgres.New(pgtest.NewPool(t))
	if _, err := s.LoadSeed(context.Background(), seed.Name, seed.Organisations(), seed.Committees()); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSeedLoadsOnceWithThePlansCounts(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	again, err := s.LoadSeed(ctx, seed.Name, seed.Organisations(), seed.Committees())
	if err != nil || again {
		t.Fatalf("second load: loaded=%v err=%v", again, err)
	}
	cs, err := s.ListCommittees(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"science": 29, "culture": 12, "management": 11, "product": 0}
	for _, c := range cs {
		if len(c.Members) != want[c.Code] {
			t.Errorf("%s: %d members, want %d", c.Code, len(c.Members), want[c.Code])
		}
		delete(want, c.Code)
	}
	if len(want) != 0 {
		t.Fatalf("missing committees %v", want)
	}
	sci, err := s.GetCommittee(ctx, "science")
	if err != nil {
		t.Fatal(err)
	}
	if sci.OfficeHost == nil || sci.OfficeHost.Code != "sci-tech" || sci.OfficeHost.NameZH != "市科技局" {
		t.Fatalf("science office host %+v", sci.OfficeHost)
	}
	if len(sci.Conveners) != 2 || sci.Conveners[0].Rank != domain.RankChief || sci.Conveners[0].TitleZH != "市委副书记、市长" {
		t.Fatalf("science conveners %+v", sci.Conveners)
	}
	if sci.Members[0].Code != "gov-office" || sci.Members[28].Code != "sci-assoc" {
		t.Fatalf("science members out of the plan's order: first %s last %s", sci.Members[0].Code, sci.Members[28].Code)
	}
	orgs, err := s.ListOrganisations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(orgs) != len(seed.Organisations()) {
		t.Fatalf("%d organisations, want %d", len(orgs), len(seed.Organisations()))
	}
	if _, err := s.GetCommittee(ctx, "nope"); domain.KindOf(err) != domain.KindNotFound {
		t.Fatalf("unknown committee: %v", err)
	}
}

func TestSeedDoesNotUndoAnEdit(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	rec := domain.AuditRecord{Actor: "admin", Action: "organisation.rename", Object: "organisation:environment", Result: domain.AuditOK}
	if _, err := s.RenameOrganisation(ctx, domain.Rename{Code: "environment", NameZH: "市生态环境局", NameEN: "Ecology and Environment Bureau"}, rec); err != nil {
		t.Fatal(err)
	}
	if _, err := s.LoadSeed(ctx, seed.Name, seed.Organisations(), seed.Committees()); err != nil {
		t.Fatal(err)
	}
	o, err := s.GetOrganisation(ctx, "environment")
	if err != nil {
		t.Fatal(err)
	}
	if o.NameZH != "市生态环境局" {
		t.Fatalf("rename undone by a reload: %s", o.NameZH)
	}
}

func TestRenameAndMergeKeepHistoryAndMembership(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	rec := func(action string) domain.AuditRecord {
		return domain.AuditRecord{Actor: "admin", Action: action, Object: "organisation:quality", Result: domain.AuditOK}
	}
	if _, err := s.RenameOrganisation(ctx, domain.Rename{Code: "land", NameZH: "市自然资源和规划局", NameEN: "Natural Resources and Planning Bureau", Note: "2019 reform"}, rec("organisation.rename")); err != nil {
		t.Fatal(err)
	}
	o, err := s.MergeOrganisation(ctx, domain.Merge{Code: "quality", Into: "commerce"}, rec("organisation.merge"))
	if err != nil {
		t.Fatal(err)
	}
	if o.MergedInto != "commerce" || o.Active() || len(o.History) != 1 || o.History[0].Kind != domain.OrgMerged {
		t.Fatalf("merged %+v", o)
	}
	land, err := s.GetOrganisation(ctx, "land")
	if err != nil {
		t.Fatal(err)
	}
	if len(land.History) != 1 || land.History[0].OldNameZH != "市国土资源局" || land.History[0].NewNameZH != "市自然资源和规划局" {
		t.Fatalf("land history %+v", land.History)
	}
	sci, err := s.GetCommittee(ctx, "science")
	if err != nil {
		t.Fatal(err)
	}
	if len(sci.Members) != 29 || !sci.HasMember("quality") {
		t.Fatal("a merge or rename lost a committee seat")
	}
	// A merged organisation cannot be renamed or merged again; a merge into
	// an unknown or merged organisation is refused with the field named.
	if _, err := s.RenameOrganisation(ctx, domain.Rename{Code: "quality", NameZH: "x", NameEN: "x"}, rec("organisation.rename")); domain.KindOf(err) != domain.KindConflict {
		t.Fatalf("rename of merged: %v", err)
	}
	_, err = s.MergeOrganisation(ctx, domain.Merge{Code: "tax", Into: "quality"}, rec("organisation.merge"))
	if de := domain.AsError(err); de == nil || de.Kind != domain.KindInvalid || de.Fields[0].Field != "into" {
		t.Fatalf("merge into merged: %v", err)
	}
	_, err = s.MergeOrganisation(ctx, domain.Merge{Code: "tax", Into: "no-such"}, rec("organisation.merge"))
	if domain.KindOf(err) != domain.KindInvalid {
		t.Fatalf("merge into unknown: %v", err)
	}
	if _, err := s.RenameOrganisation(ctx, domain.Rename{Code: "no-such", NameZH: "x", NameEN: "x"}, rec("organisation.rename")); domain.KindOf(err) != domain.KindNotFound {
		t.Fatalf("rename unknown: %v", err)
	}
}

func TestCreateUsersIsAllOrNothing(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	rec := domain.AuditRecord{Actor: "admin", Action: "user.import", Object: "users", Result: domain.AuditOK}
	good := domain.NewUser{Username: "li.wei", DisplayName: "李伟", Grants: []domain.Grant{{Role: domain.RoleLiaison, Department: "finance"}}}
	bad := domain.NewUser{Username: "zhao", DisplayName: "赵", Grants: []domain.Grant{{Role: domain.RoleOffice, Committee: "space"}}}
	_, err := s.CreateUsers(ctx, []domain.NewUser{good, bad}, []string{"h1", "h2"}, []domain.AuditRecord{rec, rec})
	de := domain.AsError(err)
	if de == nil || de.Kind != domain.KindInvalid || de.Fields[0].Field != "roles[0].committee" {
		t.Fatalf("unknown committee: %v", err)
	}
	users, err := s.ListUsers(ctx)
	if err != nil || len(users) != 0 {
		t.Fatalf("partial write: %d users, err %v", len(users), err)
	}
	u, err := s.CreateUsers(ctx, []domain.NewUser{good}, []string{"h1"}, []domain.AuditRecord{rec})
	if err != nil {
		t.Fatal(err)
	}
	if len(u.Grants) != 1 || u.Grants[0].Department != "finance" {
		t.Fatalf("grants %+v", u.Grants)
	}
	_, err = s.CreateUsers(ctx, []domain.NewUser{good}, []string{"h1"}, []domain.AuditRecord{rec})
	if domain.KindOf(err) != domain.KindConflict {
		t.Fatalf("duplicate username: %v", err)
	}
	// A department role on an organisation that is not a department is refused.
	other := domain.NewUser{Username: "museum", DisplayName: "x", Grants: []domain.Grant{{Role: domain.RoleMember, Department: "xiangtan-museum"}}}
	if _, err := s.CreateUsers(ctx, []domain.NewUser{other}, []string{"h"}, []domain.AuditRecord{rec}); domain.KindOf(err) != domain.KindInvalid {
		t.Fatalf("member of a non-department: %v", err)
	}
}
