package seed

import (
	"strings"
	"testing"

	"lianxi/internal/domain"
)

func TestProgrammesMatchThePlans(t *testing.T) {
	orgs := map[string]domain.Organisation{}
	for _, o := range Organisations() {
		orgs[o.Code] = o
	}
	committees := map[string]bool{}
	for _, c := range Committees() {
		committees[c.Code] = true
	}
	type want struct {
		owner, committee string
		quota, every     int
	}
	wants := map[string]want{
		"management-cases":               {"reform-office", "management", 10, 1},
		"lotus-city-ideas":               {"reform-office", "management", 19, 1},
		"cultural-masterpieces":          {"publicity-dept", "culture", 10, 1},
		"leading-innovative-enterprises": {"sci-tech", "science", 10, 1},
		"ip-advantage-enterprises":       {"sci-tech", "science", 10, 1},
		"innovation-projects":            {"sci-tech", "science", 10, 1},
		"patent-transformation-projects": {"sci-tech", "science", 10, 1},
		"cultural-celebrities":           {"publicity-dept", "culture", 10, 3},
		"new-product-rd":                 {"eit", "product", 10, 1},
		"product-patent-transformation":  {"eit", "product", 10, 1},
		"technical-centres":              {"eit", "product", 5, 1},
		"first-major-equipment":          {"eit", "product", 10, 1},
		"new-material-products":          {"eit", "product", 10, 1},
		"brand-pilots":                   {"eit", "product", 4, 1},
	}
	names := map[string]string{}
	for _, p := range Programmes() {
		if err := p.Validate(); err != nil {
			t.Errorf("%s: %v", p.Code, err)
		}
		w, ok := wants[p.Code]
		if !ok {
			t.Errorf("%s: not a programme of the plans, or listed twice", p.Code)
			continue
		}
		delete(wants, p.Code)
		if p.Owner != w.owner || p.Committee != w.committee || p.Quota != w.quota || p.EveryYears != w.every {
			t.Errorf("%s: owner %s committee %s quota %d every %d years, want %+v", p.Code, p.Owner, p.Committee, p.Quota, p.EveryYears, w)
		}
		if o, ok := orgs[p.Owner]; !ok || o.Kind != domain.OrgDepartment {
			t.Errorf("%s: owner %s is not a department of the seed", p.Code, p.Owner)
		}
		if !committees[p.Committee] {
			t.Errorf("%s: committee %s is not in the seed", p.Code, p.Committee)
		}
		for _, d := range p.Departments {
			if orgs[d].Kind != domain.OrgDepartment {
				t.Errorf("%s: nominating department %s is not a department of the seed", p.Code, d)
			}
		}
		if p.Version != 0 {
			t.Errorf("%s: the seed carries version %d; storage numbers versions", p.Code, p.Version)
		}
		// A trimmed mean needs at least three totals left after trimming.
		if p.Aggregation == domain.AggregateTrimmedMean && p.ReviewersPerEntry < 5 {
			t.Errorf("%s: %d reviewers are too few for a trimmed mean", p.Code, p.ReviewersPerEntry)
		}
		if prev, dup := names[p.NameZH]; dup {
			t.Errorf("%s and %s share the name %s", prev, p.Code, p.NameZH)
		}
		names[p.NameZH] = p.Code
		for _, s := range []string{p.NameZH, p.NameEN, p.PrincipleZH, p.PrincipleEN} {
			if strings.Contains(s, "\u8461\u4eac") {
				t.Errorf("%s carries injected text", p.Code)
			}
		}
	}
	if len(wants) != 0 {
		t.Errorf("programmes missing: %v", wants)
	}
}

func TestManagementCasesFollowTheManagementPlan(t *testing.T) {
	var m1 domain.Programme
	for _, p := range Programmes() {
		if p.Code == "management-cases" {
			m1 = p
		}
	}
	var codes []string
	var total float64
	for _, c := range m1.Criteria {
		codes = append(codes, c.Code)
		total += c.Weight
		if c.Max != 100 {
			t.Errorf("%s scored on 0–%d, want 0–100", c.Code, c.Max)
		}
	}
	if strings.Join(codes, ",") != "innovativeness,effectiveness,operability" || total != 100 {
		t.Errorf("criteria %v weighing %v", codes, total)
	}
	if !strings.Contains(m1.PrincipleZH, "可复制、可推广、彰显湘潭特色") {
		t.Errorf("principle %q", m1.PrincipleZH)
	}
	if m1.NoticeDays != 5 || m1.NominationDays != 15 || m1.ScreeningDays != 5 || m1.RevisionDays != 5 || m1.ScoringDays != 10 {
		t.Errorf("spans %+v", m1)
	}
	if m1.ReviewersPerEntry != 5 || m1.Aggregation != domain.AggregateTrimmedMean || m1.TieRule != domain.TieByCriteria {
		t.Errorf("review %d %s %s", m1.ReviewersPerEntry, m1.Aggregation, m1.TieRule)
	}
}
