package domain_test

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"lianxi/internal/domain"
)

// The masterpiece fixtures: a year of 2026 whose call opened on 2 March.
var mpNow = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func mpDay(d int) time.Time { return mpNow.AddDate(0, 0, d) }

// mpFields lists an error's field errors: field → message keys.
func mpFields(err error) map[string][]string {
	out := map[string][]string{}
	if de := domain.AsError(err); de != nil {
		for _, f := range de.Fields {
			out[f.Field] = append(out[f.Field], f.Key)
		}
	}
	return out
}

// mpInvalid fails unless err is a validation error with key on field.
func mpInvalid(t *testing.T, err error, field, key string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %s on %s", key, field)
	}
	if k := domain.KindOf(err); k != domain.KindInvalid {
		t.Fatalf("kind %v (%v), want invalid", k, err)
	}
	if !slices.Contains(mpFields(err)[field], key) {
		t.Fatalf("%v: want %s on %s", err, key, field)
	}
}

// mpConflict fails unless err is a conflict with that message key.
func mpConflict(t *testing.T, err error, key string) *domain.Error {
	t.Helper()
	de := domain.AsError(err)
	if de == nil || de.Kind != domain.KindConflict || de.Key != key {
		t.Fatalf("%v, want conflict %s", err, key)
	}
	return de
}

// mpNotFound fails unless err is a not-found of that kind of object.
func mpNotFound(t *testing.T, err error, what string) {
	t.Helper()
	de := domain.AsError(err)
	if de == nil || de.Kind != domain.KindNotFound || de.Params["what"] != what {
		t.Fatalf("%v, want %s not found", err, what)
	}
}

func goodApplication() domain.NewApplication {
	return domain.NewApplication{Unit: "mao-memorial", Sponsor: "culture-bureau", Title: "花鼓戏《齐白石》", Genre: "drama",
		Creators: []string{"编剧甲", "导演乙"}, Summary: "以湘潭红色文化为题材的原创作品。", Budget: 800000, Requested: 300000,
		Schedule: []domain.MilestonePlan{{Title: "剧本完成", Due: mpDay(60)}, {Title: "首演", Due: mpDay(200)}}, Contact: "张老师 0731-5555"}
}

func mpYear(phase domain.MasterpiecePhase) domain.Masterpieces {
	return domain.Masterpieces{ID: domain.MasterpieceID(2026), Year: 2026, Committee: domain.MasterpieceCommittee, Phase: phase,
		Applications: []domain.Application{}, Seminars: []domain.Seminar{}, Projects: []domain.Project{}}
}

// yearWith is a year in a phase with an application per status given, ids
// from 1.
func yearWith(t *testing.T, phase domain.MasterpiecePhase, statuses ...string) domain.Masterpieces {
	t.Helper()
	m := mpYear(domain.MasterpieceCall)
	for i, s := range statuses {
		in := goodApplication()
		in.Title = "作品 " + strconv.Itoa(i+1)
		a, err := m.Apply(in, "韶山毛泽东同志纪念馆", "l-culture-bureau", mpNow)
		if err != nil {
			t.Fatal(err)
		}
		a.Status = s
	}
	m.Phase = phase
	return m
}

func trancheSpecs(amounts ...float64) []domain.TrancheSpec {
	var out []domain.TrancheSpec
	for i, a := range amounts {
		out = append(out, domain.TrancheSpec{Milestone: "节点 " + strconv.Itoa(i+1), Due: mpDay(30 * (i + 1)), Amount: a})
	}
	return out
}

func det(app int, support float64, amounts ...float64) domain.Determination {
	return domain.Determination{Application: app, Support: support, Tranches: trancheSpecs(amounts...)}
}

func sitting(kind string, ds ...domain.Determination) domain.SeminarInput {
	return domain.SeminarInput{Kind: kind, At: mpNow, Place: "市委宣传部三楼会议室", Attendees: []string{"宣传部", "文体广新局", "财政局"},
		Minutes: "会议研究确定年度文艺精品重点项目。", Decisions: ds}
}

// determined is a year in the portfolio with applications 1–3 accepted, 4
// rejected, 5 submitted, and application 1 determined by a confirmed
// planning seminar: 200,000 in tranches of 120,000 and 80,000.
func determined(t *testing.T) domain.Masterpieces {
	t.Helper()
	m := yearWith(t, domain.MasterpieceSeminar, domain.AppAccepted, domain.AppAccepted, domain.AppAccepted, domain.AppRejected, domain.AppSubmitted)
	if _, err := m.RecordSeminar(sitting(domain.SeminarPlanning, det(1, 200000, 120000, 80000)), "cultureoffice"); err != nil {
		t.Fatal(err)
	}
	if _, err := m.ConfirmSeminar(1, "cultureconvener", mpDay(1)); err != nil {
		t.Fatal(err)
	}
	m.Phase = domain.MasterpiecePortfolio
	return m
}

func TestNewApplicationValidate(t *testing.T) {
	if err := goodApplication().Validate(); err != nil {
		t.Fatalf("a good application: %v", err)
	}
	// Everything missing: each field named once, and requested not
	// compared with a budget that is itself wrong.
	err := domain.NewApplication{}.Validate()
	for field, key := range map[string]string{"unit": "validation.required", "sponsor": "validation.required", "title": "validation.required",
		"genre": "validation.one_of", "creators": "validation.range", "summary": "validation.required", "budget": "validation.amount",
		"requested": "validation.amount", "schedule": "validation.range", "contact": "validation.required"} {
		mpInvalid(t, err, field, key)
	}
	if keys := mpFields(err)["requested"]; slices.Contains(keys, "validation.not_above") {
		t.Fatalf("requested compared with an invalid budget: %v", keys)
	}
	if n := len(mpFields(err)); n != 10 {
		t.Fatalf("%d fields in error, want 10: %v", n, mpFields(err))
	}

	long := strings.Repeat("字", 201)
	cases := []struct {
		name       string
		edit       func(*domain.NewApplication)
		field, key string // empty: valid
	}{
		{"genre unknown", func(n *domain.NewApplication) { n.Genre = "opera" }, "genre", "validation.one_of"},
		{"every genre", func(n *domain.NewApplication) { n.Genre = "folk_art" }, "", ""},
		{"title blank", func(n *domain.NewApplication) { n.Title = "   " }, "title", "validation.required"},
		{"title too long", func(n *domain.NewApplication) { n.Title = long }, "title", "validation.too_long"},
		{"title control", func(n *domain.NewApplication) { n.Title = "剧\n目" }, "title", "validation.control_chars"},
		{"no creators", func(n *domain.NewApplication) { n.Creators = nil }, "creators", "validation.range"},
		{"21 creators", func(n *domain.NewApplication) { n.Creators = slices.Repeat([]string{"某"}, 21) }, "creators", "validation.range"},
		{"20 creators", func(n *domain.NewApplication) { n.Creators = slices.Repeat([]string{"某"}, 20) }, "", ""},
		{"a blank creator", func(n *domain.NewApplication) { n.Creators = []string{"编剧甲", " "} }, "creators[1]", "validation.required"},
		{"a creator too long", func(n *domain.NewApplication) { n.Creators = []string{long} }, "creators[0]", "validation.too_long"},
		{"summary blank", func(n *domain.NewApplication) { n.Summary = " \n " }, "summary", "validation.required"},
		{"summary too long", func(n *domain.NewApplication) { n.Summary = strings.Repeat("字", 20001) }, "summary", "validation.too_long"},
		{"summary at the limit", func(n *domain.NewApplication) { n.Summary = strings.Repeat("字", 20000) }, "", ""},
		{"summary NUL", func(n *domain.NewApplication) { n.Summary = "a\x00b" }, "summary", "validation.control_chars"},
		{"requested above budget", func(n *domain.NewApplication) { n.Requested = 800000.01 }, "requested", "validation.not_above"},
		{"requested equal to budget", func(n *domain.NewApplication) { n.Requested = 800000 }, "", ""},
		{"budget zero", func(n *domain.NewApplication) { n.Budget = 0 }, "budget", "validation.amount"},
		{"budget negative", func(n *domain.NewApplication) { n.Budget = -800000 }, "budget", "validation.amount"},
		{"budget NaN", func(n *domain.NewApplication) { n.Budget = math.NaN() }, "budget", "validation.amount"},
		{"budget infinite", func(n *domain.NewApplication) { n.Budget = math.Inf(1) }, "budget", "validation.amount"},
		{"budget above the bound", func(n *domain.NewApplication) { n.Budget = domain.MaxSupport + 1 }, "budget", "validation.amount"},
		{"budget at the bound", func(n *domain.NewApplication) { n.Budget = domain.MaxSupport }, "", ""},
		{"requested zero", func(n *domain.NewApplication) { n.Requested = 0 }, "requested", "validation.amount"},
		{"requested negative", func(n *domain.NewApplication) { n.Requested = -1 }, "requested", "validation.amount"},
		{"requested NaN", func(n *domain.NewApplication) { n.Requested = math.NaN() }, "requested", "validation.amount"},
		{"requested three decimals", func(n *domain.NewApplication) { n.Requested = 300000.125 }, "requested", "validation.amount"},
		{"requested a tenth of a fen", func(n *domain.NewApplication) { n.Requested = 0.001 }, "requested", "validation.amount"},
		{"requested in fen", func(n *domain.NewApplication) { n.Requested = 300000.25 }, "", ""},
		{"no schedule", func(n *domain.NewApplication) { n.Schedule = nil }, "schedule", "validation.range"},
		{"13 milestones", func(n *domain.NewApplication) {
			n.Schedule = nil
			for i := range 13 {
				n.Schedule = append(n.Schedule, domain.MilestonePlan{Title: "节点", Due: mpDay(i + 1)})
			}
		}, "schedule", "validation.range"},
		{"schedule out of order", func(n *domain.NewApplication) { n.Schedule[1].Due = mpDay(30) }, "schedule[1].due", "validation.after"},
		{"two milestones the same day", func(n *domain.NewApplication) { n.Schedule[1].Due = n.Schedule[0].Due }, "schedule[1].due", "validation.after"},
		{"a milestone without a date", func(n *domain.NewApplication) { n.Schedule[0].Due = time.Time{} }, "schedule[0].due", "validation.required"},
		{"a milestone without a title", func(n *domain.NewApplication) { n.Schedule[1].Title = "" }, "schedule[1].title", "validation.required"},
		{"contact blank", func(n *domain.NewApplication) { n.Contact = "" }, "contact", "validation.required"},
		{"21 attachments", func(n *domain.NewApplication) { n.Attachments = make([]int64, 21) }, "attachments", "validation.too_many"},
		{"20 attachments", func(n *domain.NewApplication) { n.Attachments = make([]int64, 20) }, "", ""},
		{"unit missing", func(n *domain.NewApplication) { n.Unit = "" }, "unit", "validation.required"},
		{"sponsor missing", func(n *domain.NewApplication) { n.Sponsor = "" }, "sponsor", "validation.required"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := goodApplication()
			c.edit(&in)
			err := in.Validate()
			if c.field == "" {
				if err != nil {
					t.Fatalf("valid, got %v", err)
				}
				return
			}
			mpInvalid(t, err, c.field, c.key)
		})
	}

	// A wrong budget is reported once, not again as requested above it.
	in := goodApplication()
	in.Budget = math.NaN()
	if keys := mpFields(in.Validate())["requested"]; len(keys) != 0 {
		t.Fatalf("requested flagged against a NaN budget: %v", keys)
	}
}

// Any sum with at most two decimals is a valid amount, including the
// many that float64 cannot hold exactly (19.99 × 100 = 1998.9999999999998).
func TestNewApplicationAcceptsEveryAmountInFen(t *testing.T) {
	for _, x := range []float64{0.07, 0.29, 1.1, 1.15, 19.99, 300000.1} {
		in := goodApplication()
		in.Requested = x
		if err := in.Validate(); err != nil {
			// BUG: domain.money tests math.Round(x*100) == x*100, which is
			// false for most two-decimal amounts.
			t.Errorf("requested %v (two decimals) refused: %v", x, err)
		}
	}
	// 100,000 in three tranches: 33,333.33 + 33,333.33 + 33,333.34 =
	// 100,000.00; 33,333.34 × 100 = 3333333.9999999995.
	m := yearWith(t, domain.MasterpieceSeminar, domain.AppAccepted)
	if err := m.CheckSeminar(sitting(domain.SeminarPlanning, det(1, 100000, 33333.33, 33333.33, 33333.34))); err != nil {
		// BUG: the same check refuses the third tranche.
		t.Errorf("100,000 in thirds refused: %v", err)
	}
}

func TestMasterpiecesApply(t *testing.T) {
	m := mpYear(domain.MasterpieceCall)
	in := goodApplication()
	in.Title = "  花鼓戏《齐白石》 "
	a, err := m.Apply(in, "韶山毛泽东同志纪念馆", "l-culture-bureau", mpNow)
	if err != nil {
		t.Fatal(err)
	}
	if a.ID != 1 || a.Status != domain.AppSubmitted || a.Title != "花鼓戏《齐白石》" || a.UnitName != "韶山毛泽东同志纪念馆" ||
		a.SubmittedBy != "l-culture-bureau" || !a.At.Equal(mpNow) || a.Sponsor != "culture-bureau" || a.Requested != 300000 || len(a.Schedule) != 2 {
		t.Fatalf("applied: %+v", *a)
	}
	// Ids follow the highest so far, never reusing one.
	m.Applications[0].ID = 5
	if a, err = m.Apply(goodApplication(), "", "x", mpNow); err != nil || a.ID != 6 {
		t.Fatalf("next id: %v %v", a, err)
	}
	if len(m.Applications) != 2 {
		t.Fatalf("%d applications", len(m.Applications))
	}
	// An invalid application is not added.
	bad := goodApplication()
	bad.Genre = "opera"
	if _, err := m.Apply(bad, "", "x", mpNow); domain.KindOf(err) != domain.KindInvalid || len(m.Applications) != 2 {
		t.Fatalf("invalid applied: %v, %d applications", err, len(m.Applications))
	}
	// During the call and, for a supplement, while the portfolio runs.
	for _, p := range []domain.MasterpiecePhase{domain.MasterpieceScreening, domain.MasterpieceReview, domain.MasterpieceSeminar,
		domain.MasterpieceClosed, domain.MasterpieceCancelled} {
		m := mpYear(p)
		_, err := m.Apply(goodApplication(), "", "x", mpNow)
		if de := mpConflict(t, err, "error.masterpiece_phase"); de.Params["phase"] != string(p) {
			t.Fatalf("%s: params %v", p, de.Params)
		}
		if len(m.Applications) != 0 {
			t.Fatalf("%s: applied", p)
		}
	}
	// The phase is checked before the fields.
	closed := mpYear(domain.MasterpieceClosed)
	_, err = closed.Apply(domain.NewApplication{}, "", "x", mpNow)
	mpConflict(t, err, "error.masterpiece_phase")
	portfolio := mpYear(domain.MasterpiecePortfolio)
	if a, err := portfolio.Apply(goodApplication(), "", "x", mpNow); err != nil || a.ID != 1 {
		t.Fatalf("a supplement application: %v %v", a, err)
	}
}

func TestMasterpiecesScreen(t *testing.T) {
	m := yearWith(t, domain.MasterpieceScreening, domain.AppSubmitted, domain.AppSubmitted)
	if m.Unscreened() != 2 {
		t.Fatalf("unscreened %d", m.Unscreened())
	}
	if err := m.Screen(domain.ScreenApplication{Application: 1, Decision: domain.AppAccepted}); err != nil {
		t.Fatal(err)
	}
	// Rejecting needs a reason.
	err := m.Screen(domain.ScreenApplication{Application: 2, Decision: domain.AppRejected, Reason: "  "})
	mpInvalid(t, err, "reason", "validation.required")
	if m.Application(2).Status != domain.AppSubmitted {
		t.Fatalf("screened without a reason: %+v", *m.Application(2))
	}
	mpInvalid(t, m.Screen(domain.ScreenApplication{Application: 2, Decision: "returned"}), "decision", "validation.one_of")
	mpInvalid(t, m.Screen(domain.ScreenApplication{Application: 2, Decision: domain.AppRejected, Reason: strings.Repeat("字", 2001)}),
		"reason", "validation.too_long")
	if err := m.Screen(domain.ScreenApplication{Application: 2, Decision: domain.AppRejected, Reason: "题材与本年度重点不符"}); err != nil {
		t.Fatal(err)
	}
	if a := m.Application(2); a.Status != domain.AppRejected || a.Reason != "题材与本年度重点不符" {
		t.Fatalf("rejected: %+v", *a)
	}
	if m.Unscreened() != 0 || len(m.Accepted()) != 1 || m.Accepted()[0].ID != 1 {
		t.Fatalf("unscreened %d, accepted %v", m.Unscreened(), m.Accepted())
	}
	// A decision may change while screening goes on.
	if err := m.Screen(domain.ScreenApplication{Application: 2, Decision: domain.AppAccepted}); err != nil {
		t.Fatal(err)
	}
	if len(m.Accepted()) != 2 {
		t.Fatalf("re-screened: %v", m.Accepted())
	}
	mpNotFound(t, m.Screen(domain.ScreenApplication{Application: 9, Decision: domain.AppAccepted}), "application")

	for _, p := range []domain.MasterpiecePhase{domain.MasterpieceCall, domain.MasterpieceReview, domain.MasterpieceSeminar,
		domain.MasterpieceClosed, domain.MasterpieceCancelled} {
		m := yearWith(t, p, domain.AppSubmitted)
		mpConflict(t, m.Screen(domain.ScreenApplication{Application: 1, Decision: domain.AppAccepted}), "error.masterpiece_phase")
		if m.Applications[0].Status != domain.AppSubmitted {
			t.Fatalf("%s: screened", p)
		}
	}

	// While the portfolio runs: a supplement's application is screened; a
	// listed one cannot be screened again.
	d := determined(t)
	err = d.Screen(domain.ScreenApplication{Application: 1, Decision: domain.AppRejected, Reason: "撤销"})
	if de := mpConflict(t, err, "error.application_listed"); de.Params["application"] != 1 {
		t.Fatalf("params %v", de.Params)
	}
	if d.Application(1).Status != domain.AppAccepted {
		t.Fatalf("a listed application re-screened: %+v", *d.Application(1))
	}
	if err := d.Screen(domain.ScreenApplication{Application: 5, Decision: domain.AppAccepted}); err != nil {
		t.Fatalf("screening a supplement's application: %v", err)
	}
	// A project carried in from last year with the same application id
	// does not make this year's application listed.
	carried := mpYear(domain.MasterpiecePortfolio)
	carried.Applications = []domain.Application{{ID: 1, Status: domain.AppSubmitted}}
	carried.Projects = []domain.Project{{ID: "2025-1", Application: 1, Year: 2025, CarriedFrom: 2025, Stage: domain.StageInProgress}}
	if err := carried.Screen(domain.ScreenApplication{Application: 1, Decision: domain.AppAccepted}); err != nil {
		t.Fatalf("last year's project blocks this year's application: %v", err)
	}
}

func TestCheckSeminar(t *testing.T) {
	seminar := func() domain.Masterpieces {
		return yearWith(t, domain.MasterpieceSeminar, domain.AppAccepted, domain.AppAccepted, domain.AppAccepted, domain.AppRejected, domain.AppSubmitted)
	}
	m := seminar()
	// Hand-computed sums: 120,000 + 80,000 = 200,000; 33,333.5 × 3 =
	// 100,000.5; 0.25 + 0.5 + 0.25 = 1.
	good := sitting(domain.SeminarPlanning, det(1, 200000, 120000, 80000), det(2, 100000.5, 33333.5, 33333.5, 33333.5), det(3, 1, 0.25, 0.5, 0.25))
	if err := m.CheckSeminar(good); err != nil {
		t.Fatalf("a good sitting: %v", err)
	}
	cases := []struct {
		name       string
		in         domain.SeminarInput
		field, key string
	}{
		// 120,000 + 80,000 = 200,000 ≠ 210,000.
		{"tranches short of the support", sitting(domain.SeminarPlanning, det(1, 210000, 120000, 80000)), "decisions[0].tranches", "validation.tranches_sum"},
		// 120,000 + 90,000 = 210,000 ≠ 200,000.
		{"tranches above the support", sitting(domain.SeminarPlanning, det(1, 200000, 120000, 90000)), "decisions[0].tranches", "validation.tranches_sum"},
		// 100,000 + 100,000.01 = 200,000.01: a fen off.
		{"a fen off", sitting(domain.SeminarPlanning, det(1, 200000, 100000, 100000.01)), "decisions[0].tranches", "validation.tranches_sum"},
		{"the second decision's sum", sitting(domain.SeminarPlanning, det(1, 200000, 120000, 80000), det(2, 50000, 20000, 20000)),
			"decisions[1].tranches", "validation.tranches_sum"},
		{"no tranches", sitting(domain.SeminarPlanning, det(1, 200000)), "decisions[0].tranches", "validation.range"},
		{"13 tranches", sitting(domain.SeminarPlanning, det(1, 13, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1)), "decisions[0].tranches", "validation.range"},
		{"support zero", sitting(domain.SeminarPlanning, det(1, 0, 0)), "decisions[0].support", "validation.amount"},
		{"support NaN", sitting(domain.SeminarPlanning, det(1, math.NaN(), 1)), "decisions[0].support", "validation.amount"},
		{"a tranche negative", sitting(domain.SeminarPlanning, det(1, 100, 150, -50)), "decisions[0].tranches[1].amount", "validation.amount"},
		{"a tranche in thousandths", sitting(domain.SeminarPlanning, det(1, 100, 50.005, 49.995)), "decisions[0].tranches[0].amount", "validation.amount"},
		{"an application rejected", sitting(domain.SeminarPlanning, det(4, 2, 1, 1)), "decisions[0].application", "validation.unknown_application"},
		{"an application unscreened", sitting(domain.SeminarPlanning, det(5, 2, 1, 1)), "decisions[0].application", "validation.unknown_application"},
		{"an application unknown", sitting(domain.SeminarPlanning, det(42, 2, 1, 1)), "decisions[0].application", "validation.unknown_application"},
		{"an application twice", sitting(domain.SeminarPlanning, det(1, 2, 1, 1), det(1, 2, 1, 1)), "decisions[1].application", "validation.unknown_application"},
		{"no decisions", sitting(domain.SeminarPlanning), "decisions", "validation.range"},
		{"kind unknown", sitting("plenary", det(1, 2, 1, 1)), "kind", "validation.one_of"},
		{"no date", func() domain.SeminarInput {
			s := sitting(domain.SeminarPlanning, det(1, 2, 1, 1))
			s.At = time.Time{}
			return s
		}(), "at", "validation.required"},
		{"no place", func() domain.SeminarInput {
			s := sitting(domain.SeminarPlanning, det(1, 2, 1, 1))
			s.Place = " "
			return s
		}(), "place", "validation.required"},
		{"no minutes", func() domain.SeminarInput {
			s := sitting(domain.SeminarPlanning, det(1, 2, 1, 1))
			s.Minutes = ""
			return s
		}(), "minutes", "validation.required"},
		{"101 attendees", func() domain.SeminarInput {
			s := sitting(domain.SeminarPlanning, det(1, 2, 1, 1))
			s.Attendees = make([]string, 101)
			return s
		}(), "attendees", "validation.too_many"},
		{"agenda names a rejected application", func() domain.SeminarInput {
			s := sitting(domain.SeminarPlanning, det(1, 2, 1, 1))
			s.Agenda = []int{1, 4}
			return s
		}(), "agenda[1]", "validation.unknown_application"},
		{"due dates out of order", func() domain.SeminarInput {
			d := det(1, 200000, 120000, 80000)
			d.Tranches[1].Due = d.Tranches[0].Due.Add(-time.Hour)
			return sitting(domain.SeminarPlanning, d)
		}(), "decisions[0].tranches[1].due", "validation.after"},
		{"two due dates the same", func() domain.SeminarInput {
			d := det(1, 200000, 120000, 80000)
			d.Tranches[1].Due = d.Tranches[0].Due
			return sitting(domain.SeminarPlanning, d)
		}(), "decisions[0].tranches[1].due", "validation.after"},
		{"a due date missing", func() domain.SeminarInput {
			d := det(1, 200000, 120000, 80000)
			d.Tranches[0].Due = time.Time{}
			return sitting(domain.SeminarPlanning, d)
		}(), "decisions[0].tranches[0].due", "validation.required"},
		{"a milestone unnamed", func() domain.SeminarInput {
			d := det(1, 200000, 120000, 80000)
			d.Tranches[1].Milestone = ""
			return sitting(domain.SeminarPlanning, d)
		}(), "decisions[0].tranches[1].milestone", "validation.required"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := seminar()
			mpInvalid(t, m.CheckSeminar(c.in), c.field, c.key)
		})
	}
	// Sums that float addition does not make exact still add up: 0.1 +
	// 0.2 = 0.30000000000000004.
	if err := seminar().CheckSeminar(sitting(domain.SeminarPlanning, det(1, 0.3, 0.1, 0.2))); err != nil {
		t.Fatalf("0.1 + 0.2 does not add up to 0.3: %v", err)
	}

	// A planning seminar during the seminar phase only; a supplement while
	// the portfolio runs only.
	for _, p := range []domain.MasterpiecePhase{domain.MasterpieceCall, domain.MasterpieceScreening, domain.MasterpieceReview,
		domain.MasterpiecePortfolio, domain.MasterpieceClosed, domain.MasterpieceCancelled} {
		m := yearWith(t, p, domain.AppAccepted)
		mpConflict(t, m.CheckSeminar(sitting(domain.SeminarPlanning, det(1, 2, 1, 1))), "error.masterpiece_phase")
	}
	for _, p := range []domain.MasterpiecePhase{domain.MasterpieceCall, domain.MasterpieceScreening, domain.MasterpieceReview,
		domain.MasterpieceSeminar, domain.MasterpieceClosed, domain.MasterpieceCancelled} {
		m := yearWith(t, p, domain.AppAccepted)
		mpConflict(t, m.CheckSeminar(sitting(domain.SeminarSupplement, det(1, 2, 1, 1))), "error.masterpiece_phase")
	}

	// In the portfolio: a supplement for an accepted application not on
	// the list; one already listed is refused.
	d := determined(t)
	if err := d.CheckSeminar(sitting(domain.SeminarSupplement, det(2, 100000, 50000, 50000))); err != nil {
		t.Fatalf("a supplement: %v", err)
	}
	mpInvalid(t, d.CheckSeminar(sitting(domain.SeminarSupplement, det(1, 2, 1, 1))), "decisions[0].application", "validation.unknown_application")
}

func TestRecordAndConfirmSeminar(t *testing.T) {
	m := yearWith(t, domain.MasterpieceSeminar, domain.AppAccepted, domain.AppAccepted, domain.AppAccepted)
	s, err := m.RecordSeminar(sitting(domain.SeminarPlanning, det(2, 200000, 120000, 80000), det(1, 90000, 30000, 30000, 30000)), "cultureoffice")
	if err != nil {
		t.Fatal(err)
	}
	// The agenda defaults to the decisions, in their order.
	if s.Seq != 1 || s.RecordedBy != "cultureoffice" || s.ConfirmedBy != "" || !slices.Equal(s.Agenda, []int{2, 1}) {
		t.Fatalf("recorded: %+v", *s)
	}
	if len(m.Projects) != 0 {
		t.Fatalf("projects before the confirmation: %v", m.Projects)
	}
	// A second sitting waits for the first's confirmation.
	_, err = m.RecordSeminar(sitting(domain.SeminarPlanning, det(3, 2, 1, 1)), "cultureoffice")
	mpConflict(t, err, "error.seminar_unconfirmed")
	if len(m.Seminars) != 1 {
		t.Fatalf("%d seminars", len(m.Seminars))
	}
	// Only the last sitting is confirmed.
	_, err = m.ConfirmSeminar(2, "cultureconvener", mpDay(1))
	mpNotFound(t, err, "seminar")
	if m.Seminars[0].ConfirmedBy != "" {
		t.Fatal("confirmed by a wrong sequence number")
	}
	ps, err := m.ConfirmSeminar(1, "cultureconvener", mpDay(1))
	if err != nil {
		t.Fatal(err)
	}
	if s := m.Seminars[0]; s.ConfirmedBy != "cultureconvener" || !s.ConfirmedAt.Equal(mpDay(1)) {
		t.Fatalf("confirmation: %+v", s)
	}
	if len(ps) != 2 || len(m.Projects) != 2 || ps[0] != &m.Projects[0] {
		t.Fatalf("projects: %d returned, %d in the year", len(ps), len(m.Projects))
	}
	p := m.Projects[0]
	if p.ID != "2026-2" || p.Application != 2 || p.Year != 2026 || p.Title != "作品 2" || p.Unit != "mao-memorial" || p.UnitName != "韶山毛泽东同志纪念馆" ||
		p.Sponsor != "culture-bureau" || p.Genre != "drama" || p.Support != 200000 || p.Seminar != 1 || p.Stage != domain.StageInProgress {
		t.Fatalf("project: %+v", p)
	}
	if len(p.Tranches) != 2 || p.Released() != 0 || p.Finished() {
		t.Fatalf("tranches: %+v", p.Tranches)
	}
	for i, tr := range p.Tranches {
		if tr.Seq != i+1 || tr.Status != domain.TranchePending || tr.TaskID != 0 || !tr.Due.Equal(mpDay(30*(i+1))) {
			t.Fatalf("tranche %d: %+v", i, tr)
		}
	}
	if p.Tranches[0].Amount != 120000 || p.Tranches[1].Amount != 80000 || p.Tranches[0].Milestone != "节点 1" {
		t.Fatalf("amounts: %+v", p.Tranches)
	}
	if len(p.History) != 1 || p.History[0].What != "determined" || p.History[0].By != "cultureconvener" || !p.History[0].At.Equal(mpDay(1)) ||
		!strings.Contains(p.History[0].Note, "1") {
		t.Fatalf("history: %+v", p.History)
	}
	if q := m.Projects[1]; q.ID != "2026-1" || len(q.Tranches) != 3 || q.Support != 90000 {
		t.Fatalf("second project: %+v", q)
	}
	// Confirming twice is refused and adds nothing.
	_, err = m.ConfirmSeminar(1, "cultureconvener", mpDay(2))
	mpConflict(t, err, "error.seminar_confirmed")
	if len(m.Projects) != 2 || !m.Seminars[0].ConfirmedAt.Equal(mpDay(1)) {
		t.Fatalf("confirmed twice: %d projects", len(m.Projects))
	}
	// Nothing to confirm in a year without sittings.
	empty := mpYear(domain.MasterpieceSeminar)
	_, err = empty.ConfirmSeminar(1, "cultureconvener", mpDay(1))
	mpNotFound(t, err, "seminar")

	// A supplement in the portfolio: its projects are "supplemented", with
	// the sitting's number.
	m.Phase = domain.MasterpiecePortfolio
	s, err = m.RecordSeminar(sitting(domain.SeminarSupplement, det(3, 100000, 50000, 50000)), "cultureoffice")
	if err != nil || s.Seq != 2 {
		t.Fatalf("supplement: %v %v", s, err)
	}
	ps, err = m.ConfirmSeminar(2, "cultureconvener", mpDay(3))
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 1 || ps[0].ID != "2026-3" || ps[0].Seminar != 2 || ps[0].History[0].What != "supplemented" || len(m.Projects) != 3 {
		t.Fatalf("supplemented: %+v", ps)
	}
	// A listed application goes on no second list.
	_, err = m.RecordSeminar(sitting(domain.SeminarSupplement, det(3, 2, 1, 1)), "cultureoffice")
	mpInvalid(t, err, "decisions[0].application", "validation.unknown_application")
	if len(m.Seminars) != 2 {
		t.Fatalf("an invalid sitting recorded: %d", len(m.Seminars))
	}
}

func TestApproveAndReleaseTranche(t *testing.T) {
	m := determined(t)
	one := domain.TrancheAction{Project: "2026-1", Tranche: 1}
	// Neither before the milestone's report is accepted.
	err := m.ReleaseTranche(one, "l-finance", mpDay(2))
	if de := mpConflict(t, err, "error.tranche_not_approved"); de.Params["status"] != domain.TranchePending {
		t.Fatalf("params %v", de.Params)
	}
	err = m.ApproveTranche(one, "cultureoffice", mpDay(2))
	if de := mpConflict(t, err, "error.tranche_not_reported"); de.Params["status"] != domain.TranchePending {
		t.Fatalf("params %v", de.Params)
	}
	p := m.Project("2026-1")
	p.Tranche(1).Status = domain.TrancheReported
	// Reported: release still waits for the approval.
	mpConflict(t, m.ReleaseTranche(one, "l-finance", mpDay(3)), "error.tranche_not_approved")
	if err := m.ApproveTranche(one, "cultureoffice", mpDay(4)); err != nil {
		t.Fatal(err)
	}
	if tr := p.Tranche(1); tr.Status != domain.TrancheApproved || tr.ApprovedBy != "cultureoffice" || !tr.ApprovedAt.Equal(mpDay(4)) {
		t.Fatalf("approved: %+v", *tr)
	}
	mpConflict(t, m.ApproveTranche(one, "cultureoffice", mpDay(4)), "error.tranche_not_reported")
	if p.Released() != 0 {
		t.Fatalf("released %v before the release", p.Released())
	}
	if err := m.ReleaseTranche(one, "l-finance", mpDay(5)); err != nil {
		t.Fatal(err)
	}
	if tr := p.Tranche(1); tr.Status != domain.TrancheReleased || tr.ReleasedBy != "l-finance" || !tr.ReleasedAt.Equal(mpDay(5)) {
		t.Fatalf("released: %+v", *tr)
	}
	if p.Released() != 120000 {
		t.Fatalf("released %v, want 120000", p.Released())
	}
	mpConflict(t, m.ReleaseTranche(one, "l-finance", mpDay(5)), "error.tranche_not_approved")
	if p.Released() != 120000 {
		t.Fatalf("released twice: %v", p.Released())
	}
	whats := []string{}
	for _, e := range p.History {
		whats = append(whats, e.What)
	}
	if !slices.Equal(whats, []string{"determined", "tranche-approved", "tranche-released"}) || !strings.Contains(p.History[2].Note, "120000.00") {
		t.Fatalf("history: %+v", p.History)
	}
	// The second tranche adds 80,000: 200,000 in all.
	p.Tranche(2).Status = domain.TrancheReported
	if err := m.ApproveTranche(domain.TrancheAction{Project: "2026-1", Tranche: 2}, "cultureoffice", mpDay(6)); err != nil {
		t.Fatal(err)
	}
	if err := m.ReleaseTranche(domain.TrancheAction{Project: "2026-1", Tranche: 2}, "l-finance", mpDay(7)); err != nil {
		t.Fatal(err)
	}
	if p.Released() != 200000 {
		t.Fatalf("released %v, want 200000", p.Released())
	}

	mpNotFound(t, m.ApproveTranche(domain.TrancheAction{Project: "2026-9", Tranche: 1}, "x", mpNow), "project")
	mpNotFound(t, m.ApproveTranche(domain.TrancheAction{Project: "2026-1", Tranche: 3}, "x", mpNow), "tranche")
	// A carried project runs on in the next year, not in this one.
	p.Stage = domain.StageCarried
	mpNotFound(t, m.ReleaseTranche(one, "x", mpNow), "project")
	p.Stage = domain.StageInProgress
	// Carried projects run while the next year's call and review go on;
	// nothing happens once the year has ended.
	for _, ph := range []domain.MasterpiecePhase{domain.MasterpieceClosed, domain.MasterpieceCancelled} {
		m.Phase = ph
		mpConflict(t, m.ApproveTranche(domain.TrancheAction{Project: "2026-1", Tranche: 1}, "x", mpNow), "error.masterpiece_phase")
	}
	m.Phase = domain.MasterpieceCall
	mpConflict(t, m.ApproveTranche(domain.TrancheAction{Project: "2026-1", Tranche: 1}, "x", mpNow), "error.tranche_not_reported")
}

func goodExam(result string) domain.ExamineInput {
	in := domain.ExamineInput{Project: "2026-1", Panel: []string{"专家甲", "专家乙", "专家丙"}, Checklist: map[string]bool{}, Result: result, Comment: "第二幕唱腔需打磨"}
	for _, item := range domain.AcceptanceChecklist {
		in.Checklist[item] = true
	}
	if result == domain.ExamRectify {
		in.RectifyDays = 10
	}
	return in
}

func TestCheckExamination(t *testing.T) {
	m := determined(t)
	// Only in the acceptance stage.
	_, err := m.CheckExamination(goodExam(domain.ExamPass))
	if de := mpConflict(t, err, "error.project_not_ready"); de.Params["stage"] != domain.StageInProgress {
		t.Fatalf("params %v", de.Params)
	}
	for _, s := range []string{domain.StageRectifying, domain.StageAccepted, domain.StageFailed, domain.StageCarried} {
		m.Projects[0].Stage = s
		_, err := m.CheckExamination(goodExam(domain.ExamPass))
		mpConflict(t, err, "error.project_not_ready")
	}
	m.Projects[0].Stage = domain.StageAcceptance
	for _, r := range []string{domain.ExamPass, domain.ExamFail, domain.ExamRectify} {
		p, err := m.CheckExamination(goodExam(r))
		if err != nil || p != &m.Projects[0] {
			t.Fatalf("%s: %v", r, err)
		}
	}
	_, err = m.CheckExamination(domain.ExamineInput{Project: "2026-9"})
	mpNotFound(t, err, "project")

	cases := []struct {
		name       string
		edit       func(*domain.ExamineInput)
		field, key string
	}{
		{"a panel of two", func(in *domain.ExamineInput) { in.Panel = in.Panel[:2] }, "panel", "validation.range"},
		{"a panel of 16", func(in *domain.ExamineInput) { in.Panel = slices.Repeat([]string{"专家"}, 16) }, "panel", "validation.range"},
		{"an item unanswered", func(in *domain.ExamineInput) { delete(in.Checklist, "theme_orientation") }, "checklist.theme_orientation", "validation.required"},
		{"no checklist", func(in *domain.ExamineInput) { in.Checklist = nil }, "checklist.completed_as_planned", "validation.required"},
		{"an item not on the list", func(in *domain.ExamineInput) { in.Checklist["box_office"] = true }, "checklist", "validation.one_of"},
		{"a pass with an item unmet", func(in *domain.ExamineInput) { in.Checklist["artistic_quality"] = false }, "checklist.artistic_quality", "validation.pass_needs_all"},
		{"a result unknown", func(in *domain.ExamineInput) { in.Result = "postpone" }, "result", "validation.one_of"},
		{"a fail without a comment", func(in *domain.ExamineInput) { in.Result, in.Comment = domain.ExamFail, " " }, "comment", "validation.required"},
		{"a rectification without a comment", func(in *domain.ExamineInput) { in.Result, in.Comment, in.RectifyDays = domain.ExamRectify, "", 10 }, "comment", "validation.required"},
		{"a rectification without days", func(in *domain.ExamineInput) { in.Result, in.RectifyDays = domain.ExamRectify, 0 }, "rectify_days", "validation.range"},
		{"a rectification of 121 days", func(in *domain.ExamineInput) { in.Result, in.RectifyDays = domain.ExamRectify, 121 }, "rectify_days", "validation.range"},
		{"a comment too long", func(in *domain.ExamineInput) { in.Comment = strings.Repeat("字", 5001) }, "comment", "validation.too_long"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := goodExam(domain.ExamPass)
			c.edit(&in)
			_, err := m.CheckExamination(in)
			mpInvalid(t, err, c.field, c.key)
		})
	}
	valid := []struct {
		name string
		edit func(*domain.ExamineInput)
	}{
		{"a pass without a comment", func(in *domain.ExamineInput) { in.Comment = "" }},
		{"a fail with items unmet", func(in *domain.ExamineInput) {
			in.Result, in.Checklist["artistic_quality"], in.Checklist["public_presentation"] = domain.ExamFail, false, false
		}},
		{"a rectification with an item unmet", func(in *domain.ExamineInput) {
			in.Result, in.RectifyDays, in.Checklist["funds_used_as_approved"] = domain.ExamRectify, 120, false
		}},
		{"a panel of 15", func(in *domain.ExamineInput) { in.Panel = slices.Repeat([]string{"专家"}, 15) }},
		{"days ignored unless rectifying", func(in *domain.ExamineInput) { in.RectifyDays = 0 }},
	}
	for _, c := range valid {
		t.Run(c.name, func(t *testing.T) {
			in := goodExam(domain.ExamPass)
			c.edit(&in)
			if _, err := m.CheckExamination(in); err != nil {
				t.Fatalf("valid, got %v", err)
			}
		})
	}
	// Not once the year has ended.
	m.Phase = domain.MasterpieceClosed
	_, err = m.CheckExamination(goodExam(domain.ExamPass))
	mpConflict(t, err, "error.masterpiece_phase")
}

func TestProjectReportsAndStages(t *testing.T) {
	p := domain.Project{Tranches: []domain.Tranche{
		{Seq: 1, Amount: 100, Status: domain.TrancheReleased},
		{Seq: 2, Amount: 50.5, Status: domain.TrancheApproved},
		{Seq: 3, Amount: 30, Status: domain.TranchePending},
		{Seq: 4, Amount: 20, Status: domain.TranchePending},
	}}
	// The first pending tranche, not the first unreleased one.
	if n := p.NextReport(); n == nil || n.Seq != 3 || n != &p.Tranches[2] {
		t.Fatalf("next report: %+v", n)
	}
	p.NextReport().Status = domain.TrancheReported
	if n := p.NextReport(); n == nil || n.Seq != 4 {
		t.Fatalf("after reporting the third: %+v", n)
	}
	p.Tranches[3].Status = domain.TrancheReported
	if n := p.NextReport(); n != nil {
		t.Fatalf("every milestone reported, next %+v", *n)
	}
	if p.Released() != 100 {
		t.Fatalf("released %v, want 100 (approved is not released)", p.Released())
	}
	p.Tranches[1].Status = domain.TrancheReleased
	if p.Released() != 150.5 {
		t.Fatalf("released %v, want 150.5", p.Released())
	}
	if (domain.Project{}).Released() != 0 || (&domain.Project{}).NextReport() != nil {
		t.Fatal("an empty project")
	}
	if tr := p.Tranche(2); tr == nil || tr.Amount != 50.5 || p.Tranche(5) != nil || p.Tranche(0) != nil {
		t.Fatalf("tranche lookup: %+v", tr)
	}
	for stage, done := range map[string]bool{domain.StageInProgress: false, domain.StageAcceptance: false, domain.StageRectifying: false,
		domain.StageAccepted: true, domain.StageFailed: true, domain.StageCarried: true} {
		if (domain.Project{Stage: stage}).Finished() != done {
			t.Errorf("%s: finished %v, want %v", stage, !done, done)
		}
	}
}

func TestProjectByTask(t *testing.T) {
	m := mpYear(domain.MasterpiecePortfolio)
	m.Projects = []domain.Project{
		{ID: "2026-1", Tranches: []domain.Tranche{{Seq: 1, TaskID: 11}, {Seq: 2, TaskID: 12}}, ProgressTasks: []int64{31, 32}},
		{ID: "2026-2", Tranches: []domain.Tranche{{Seq: 1, TaskID: 21}, {Seq: 2}},
			Examinations: []domain.Examination{{Result: domain.ExamRectify, TaskID: 41}, {Result: domain.ExamPass}}},
	}
	p, tr := m.ProjectByTask(12)
	if p == nil || p != &m.Projects[0] || tr == nil || tr.Seq != 2 || tr != &m.Projects[0].Tranches[1] {
		t.Fatalf("milestone task: %v %v", p, tr)
	}
	if p, tr := m.ProjectByTask(21); p == nil || p.ID != "2026-2" || tr == nil || tr.Seq != 1 {
		t.Fatalf("second project's milestone: %v %v", p, tr)
	}
	if p, tr := m.ProjectByTask(32); p == nil || p.ID != "2026-1" || tr != nil {
		t.Fatalf("progress task: %v %v", p, tr)
	}
	if p, tr := m.ProjectByTask(41); p == nil || p.ID != "2026-2" || tr != nil {
		t.Fatalf("rectification task: %v %v", p, tr)
	}
	if p, tr := m.ProjectByTask(99); p != nil || tr != nil {
		t.Fatalf("another task: %v %v", p, tr)
	}
	// The pointer lets the workflow change the project in place.
	p, tr = m.ProjectByTask(11)
	tr.Status, p.Stage = domain.TrancheReported, domain.StageAcceptance
	if m.Projects[0].Tranches[0].Status != domain.TrancheReported || m.Projects[0].Stage != domain.StageAcceptance {
		t.Fatal("changed a copy")
	}
}

func TestMasterpiecePhaseAndIDs(t *testing.T) {
	if domain.MasterpieceID(2026) != "masterpiece:2026" {
		t.Fatal(domain.MasterpieceID(2026))
	}
	for _, p := range domain.MasterpiecePhases {
		if p.Ended() != (p == domain.MasterpieceClosed) {
			t.Errorf("%s ended %v", p, p.Ended())
		}
	}
	if !domain.MasterpieceCancelled.Ended() {
		t.Error("cancelled not ended")
	}
	m := mpYear(domain.MasterpieceCall)
	m.StepInto(domain.MasterpieceScreening, mpDay(1), "cultureoffice", "")
	if m.Phase != domain.MasterpieceScreening || len(m.Steps) != 1 || !m.ClosedAt.IsZero() || m.Steps[0].Phase != "screening" {
		t.Fatalf("stepped: %+v", m)
	}
	m.StepInto(domain.MasterpieceCancelled, mpDay(2), "cultureoffice", "取消")
	if !m.ClosedAt.Equal(mpDay(2)) || m.Steps[1].Note != "取消" {
		t.Fatalf("cancelled: %+v", m)
	}
	if err := m.InPhase(domain.MasterpieceCall, domain.MasterpieceCancelled); err != nil {
		t.Fatal(err)
	}
}

// A rejected application never becomes a key project: re-screening an
// application that a recorded but unconfirmed supplement sitting decides
// must either be refused or stop the confirmation from listing it.
func TestRejectedApplicationIsNeverListed(t *testing.T) {
	m := determined(t)
	if _, err := m.RecordSeminar(sitting(domain.SeminarSupplement, det(2, 100000, 50000, 50000)), "cultureoffice"); err != nil {
		t.Fatal(err)
	}
	screenErr := m.Screen(domain.ScreenApplication{Application: 2, Decision: domain.AppRejected, Reason: "撤销申报"})
	_, confirmErr := m.ConfirmSeminar(2, "cultureconvener", mpDay(2))
	if m.Application(2).Status == domain.AppRejected && m.Project("2026-2") != nil {
		// BUG: Screen only refuses applications already on the list, and
		// ConfirmSeminar does not check the decisions' applications again.
		t.Errorf("application 2 rejected (screen: %v) and yet listed as project 2026-2 (confirm: %v)", screenErr, confirmErr)
	}
}
