package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/worker"

	"lianxi/activities"
	"lianxi/internal/auth"
	"lianxi/internal/domain"
	"lianxi/internal/temporal/devtest"
)

// roundOut is the part of a round the tests read.
type roundOut struct {
	ID         string                  `json:"id"`
	Phase      string                  `json:"phase"`
	Programme  domain.Programme        `json:"programme"`
	Calls      []domain.NominationTask `json:"calls"`
	Entries    []domain.Entry          `json:"entries"`
	Reviews    []domain.Review         `json:"reviews"`
	Ranking    []domain.Ranked         `json:"ranking"`
	Proposed   []int                   `json:"proposed"`
	Confirmed  []int                   `json:"confirmed"`
	Objections []domain.Objection      `json:"objections"`
	WaitingFor string                  `json:"waiting_for"`
}

// noticeDays is the public notice of the edited M1 definition; the test's
// worker makes a notice that long end a few seconds from now, so the round
// runs through its notice in real time.
const noticeDays = 3

func newSelectionEnv(t *testing.T) *env {
	return newEnvWith(t, devtest.Start(t), func(w worker.Worker) {
		w.RegisterActivityWithOptions(func(ctx context.Context, in activities.DeadlineInput) (time.Time, error) {
			if in.Days == noticeDays {
				return time.Now().Add(4 * time.Second), nil
			}
			return time.Now().AddDate(0, 0, in.Days+4), nil
		}, activity.RegisterOptions{Name: "Deadline", DisableAlreadyRegisteredCheck: true})
	})
}

func (e *env) roundJSON(c *http.Client, method, path, body string, want int) roundOut {
	e.t.Helper()
	resp := e.do(c, method, path, body)
	if resp.StatusCode != want {
		e.t.Fatalf("%s %s: %d, want %d: %s", method, path, resp.StatusCode, want, readBody(resp))
	}
	return decodeBody[roundOut](e.t, resp)
}

func readBody(resp *http.Response) string {
	var b strings.Builder
	buf := make([]byte, 4096)
	n, _ := resp.Body.Read(buf)
	b.Write(buf[:n])
	return b.String()
}

func (e *env) waitRound(c *http.Client, id, what string, ok func(roundOut) bool) roundOut {
	e.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		r := e.roundJSON(c, "GET", "/api/v1/rounds/"+id, "", http.StatusOK)
		if ok(r) {
			return r
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("round never %s: phase %s", what, r.Phase)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// trimmedMean is the test's own arithmetic: each expert's weighted total on
// a 0–100 scale, the highest and lowest dropped.
func trimmedMean(p domain.Programme, reviews []domain.Review) float64 {
	var totals []float64
	for _, r := range reviews {
		var sum, weights float64
		for _, c := range p.Criteria {
			sum += c.Weight * r.Scores[c.Code] / float64(c.Max) * 100
			weights += c.Weight
		}
		totals = append(totals, sum/weights)
	}
	sort.Float64s(totals)
	if len(totals) >= 3 {
		totals = totals[1 : len(totals)-1]
	}
	var s float64
	for _, t := range totals {
		s += t
	}
	return s / float64(len(totals))
}

func TestManagementCasesRoundThroughTheAPI(t *testing.T) {
	e := newSelectionEnv(t)
	ctx := context.Background()
	admin, office, convener, public := e.client("admin"), e.client("casesoffice"), e.client("casesconvener"), e.client("")
	depts := e.liaisons("management")

	// The M1 definition as seeded, with a shorter notice and revision window.
	m1 := e.roundJSONProgramme(admin)
	if m1.Quota != 10 || m1.Aggregation != domain.AggregateTrimmedMean || len(m1.Criteria) != 3 {
		t.Fatalf("M1 as seeded: %+v", m1)
	}
	m1.NoticeDays, m1.RevisionDays = noticeDays, 2
	body := mustJSON(t, m1)
	if resp := e.do(admin, "PUT", "/api/v1/programmes/management-cases", body); resp.StatusCode != http.StatusOK {
		t.Fatalf("edit M1: %d %s", resp.StatusCode, readBody(resp))
	}

	// Seven experts (expert1 of every test, six more), two of them from
	// nominating departments.
	affiliation := map[string]string{"expert-a": "finance", "expert-b": "education"}
	experts := []string{"expert1"}
	for i := 0; i < 6; i++ {
		name := fmt.Sprintf("expert-%c", 'a'+i)
		experts = append(experts, name)
		if _, err := e.auth.CreateUser(ctx, auth.System, domain.NewUser{Username: name, DisplayName: "专家 " + name, Password: password,
			Grants: []domain.Grant{{Role: domain.RoleExpert}}}, auth.Meta{}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.store.SetExpertProfile(ctx, domain.Expert{Username: name, Affiliation: affiliation[name], Fields: []string{"管理创新"}},
			domain.AuditRecord{Actor: "admin", Action: "expert.set", Result: domain.AuditOK}); err != nil {
			t.Fatal(err)
		}
	}

	// One start, one round.
	round := e.roundJSON(office, "POST", "/api/v1/programmes/management-cases/rounds", `{"year":2026}`, http.StatusCreated)
	problem(t, e.do(office, "POST", "/api/v1/programmes/management-cases/rounds", `{"year":2026}`), http.StatusConflict)
	problem(t, e.do(depts["finance"], "POST", "/api/v1/programmes/management-cases/rounds", `{"year":2027}`), http.StatusForbidden)
	id := round.ID
	path := "/api/v1/rounds/" + id
	if round.Programme.Version != 2 || round.Programme.NoticeDays != noticeDays {
		t.Fatalf("the round keeps the version it started with: %+v", round.Programme)
	}
	opened := e.waitRound(office, id, "open its calls", func(r roundOut) bool {
		return len(r.Calls) == 11 && !slices.ContainsFunc(r.Calls, func(c domain.NominationTask) bool { return c.TaskID == 0 })
	})
	// Finance uploads its supporting material to its call task, in its inbox.
	var financeCall int64
	for _, c := range opened.Calls {
		if c.Department == "finance" {
			financeCall = c.TaskID
		}
	}
	up := e.upload(depts["finance"], fmt.Sprintf("/api/v1/tasks/%d/attachments", financeCall), "材料.pdf", []byte("%PDF-1.4\n材料\n"))
	if up.StatusCode != http.StatusCreated {
		t.Fatalf("upload: %d %s", up.StatusCode, readBody(up))
	}
	file := decodeBody[domain.Attachment](t, up)
	problem(t, e.do(depts["finance"], "POST", path+"/nominations",
		`{"title":"x","unit":"finance","department":"finance","summary":"s","contact":"c","attachments":[999999]}`), http.StatusUnprocessableEntity)

	// Thirty nominations: three from each of ten departments.
	nominating := []string{"org-dept", "publicity-dept", "reform-office", "education", "sci-tech", "eit", "finance", "civil-affairs", "health", "sasac"}
	for i := 0; i < 30; i++ {
		dept := nominating[i%10]
		files := "[]"
		if dept == "finance" {
			files = fmt.Sprintf("[%d]", file.ID)
		}
		body := fmt.Sprintf(`{"title":"案例%02d","unit":"%s","department":"%s","summary":"做法与成效","contact":"张三 0731-0000%02d","attachments":%s}`, i+1, dept, dept, i, files)
		e.roundJSON(depts[dept], "POST", path+"/nominations", body, http.StatusOK)
	}
	// A department cannot nominate in another's name; bad fields are named.
	problem(t, e.do(depts["finance"], "POST", path+"/nominations", `{"title":"x","unit":"y","department":"tax","summary":"s","contact":"c"}`), http.StatusForbidden)
	if p := problem(t, e.do(depts["finance"], "POST", path+"/nominations", `{"department":"finance"}`), http.StatusUnprocessableEntity); len(p.Errors) < 3 {
		t.Fatalf("fields %+v", p.Errors)
	}
	// A department sees its own nominations, not the others'.
	if mine := e.roundJSON(depts["finance"], "GET", path, "", http.StatusOK); len(mine.Entries) != 3 || len(mine.Reviews) != 0 {
		t.Fatalf("finance sees %d entries", len(mine.Entries))
	}
	e.roundJSON(office, "POST", path+"/close-nominations", `{}`, http.StatusOK)

	// Screening: entry 30 rejected, entry 29 returned and revised, the rest accepted.
	for i := 1; i <= 28; i++ {
		e.roundJSON(office, "POST", fmt.Sprintf("%s/entries/%d/screening", path, i), `{"decision":"accept"}`, http.StatusOK)
	}
	problem(t, e.do(office, "POST", path+"/entries/30/screening", `{"decision":"reject"}`), http.StatusUnprocessableEntity)
	e.roundJSON(office, "POST", path+"/entries/30/screening", `{"decision":"reject","reason":"不属于管理创新范畴"}`, http.StatusOK)
	e.roundJSON(office, "POST", path+"/entries/29/screening", `{"decision":"return","reason":"请补充成效数据"}`, http.StatusOK)
	problem(t, e.do(office, "POST", path+"/close-screening", `{}`), http.StatusConflict)
	dept29 := nominating[28%10]
	e.roundJSON(depts[dept29], "POST", path+"/entries/29/revision",
		fmt.Sprintf(`{"title":"案例29（修改）","unit":"%s","department":"%s","summary":"补充了成效数据","contact":"张三"}`, dept29, dept29), http.StatusOK)
	e.roundJSON(office, "POST", path+"/entries/29/screening", `{"decision":"accept"}`, http.StatusOK)
	drawn := e.roundJSON(office, "POST", path+"/close-screening", `{}`, http.StatusOK)
	if drawn.Phase != "review" || len(drawn.Reviews) != 29*5 {
		t.Fatalf("drawn: %s, %d reviews", drawn.Phase, len(drawn.Reviews))
	}
	// Recusal: no expert reviews an entry of their own department.
	entryDept := map[int]string{}
	for _, en := range drawn.Entries {
		entryDept[en.ID] = en.Department
	}
	load := map[string]int{}
	for _, r := range drawn.Reviews {
		if a := affiliation[r.Expert]; a != "" && a == entryDept[r.Entry] {
			t.Fatalf("review %d: %s reviews an entry of %s", r.ID, r.Expert, a)
		}
		load[r.Expert]++
	}
	t.Logf("reviews per expert: %v", load)

	// Independent scoring: each expert sees only their own assignments,
	// nobody sees scores before scoring closes.
	exp := map[string]*http.Client{}
	assignments := map[string][]struct {
		ID     string        `json:"id"`
		Review domain.Review `json:"review"`
		Entry  domain.Entry  `json:"entry"`
	}{}
	for _, name := range experts {
		exp[name] = e.client(name)
		out := decodeBody[struct {
			Reviews []struct {
				ID     string        `json:"id"`
				Review domain.Review `json:"review"`
				Entry  domain.Entry  `json:"entry"`
			} `json:"reviews"`
		}](t, e.do(exp[name], "GET", "/api/v1/reviews", ""))
		if len(out.Reviews) != load[name] {
			t.Fatalf("%s has %d assignments, drawn %d", name, len(out.Reviews), load[name])
		}
		for _, a := range out.Reviews {
			assignments[name] = append(assignments[name], struct {
				ID     string        `json:"id"`
				Review domain.Review `json:"review"`
				Entry  domain.Entry  `json:"entry"`
			}{a.ID, a.Review, a.Entry})
		}
	}
	// Scores: entry i is worth 100 − 2i from every expert, but one of entry
	// 11's reviewers gives it full marks. Its plain mean (82.4) would beat
	// entry 10 (80); the trimmed mean drops that outlier (78).
	outlier := ""
	for _, name := range experts {
		if slices.ContainsFunc(assignments[name], func(a struct {
			ID     string        `json:"id"`
			Review domain.Review `json:"review"`
			Entry  domain.Entry  `json:"entry"`
		}) bool {
			return a.Entry.ID == 11
		}) {
			outlier = name
			break
		}
	}
	scoreOf := func(expert string, entry int) int {
		if expert == outlier && entry == 11 {
			return 100
		}
		return 100 - 2*entry
	}
	var otherReview string
	for i, name := range experts {
		for j, a := range assignments[name] {
			s := scoreOf(name, a.Entry.ID)
			body := fmt.Sprintf(`{"scores":{"innovativeness":%d,"effectiveness":%d,"operability":%d},"comment":"意见"}`, s, s, s)
			if i == 0 && j == 0 {
				problem(t, e.do(exp[name], "POST", "/api/v1/reviews/"+a.ID+"/scores", `{"scores":{"innovativeness":101}}`), http.StatusUnprocessableEntity)
				otherReview = assignments[experts[1]][0].ID
				problem(t, e.do(exp[name], "POST", "/api/v1/reviews/"+otherReview+"/scores", body), http.StatusForbidden)
			}
			if resp := e.do(exp[name], "POST", "/api/v1/reviews/"+a.ID+"/scores", body); resp.StatusCode != http.StatusOK {
				t.Fatalf("%s scores %s: %d %s", name, a.ID, resp.StatusCode, readBody(resp))
			}
			if i == 0 && j == 0 {
				mid := e.roundJSON(office, "GET", path, "", http.StatusOK)
				for _, r := range mid.Reviews {
					if r.Scores != nil {
						t.Fatalf("the office sees scores before scoring closes: %+v", r)
					}
				}
				theirs := e.roundJSON(exp[experts[1]], "GET", path, "", http.StatusOK)
				assigned := map[int]bool{}
				for _, r := range theirs.Reviews {
					if r.Expert != experts[1] {
						t.Fatalf("%s sees %s's review", experts[1], r.Expert)
					}
					assigned[r.Entry] = true
				}
				for _, en := range theirs.Entries {
					if !assigned[en.ID] {
						t.Fatalf("%s sees entry %d, not assigned to them", experts[1], en.ID)
					}
				}
			}
		}
	}
	ranked := e.waitRound(office, id, "rank", func(r roundOut) bool { return r.Phase == "confirmation" })

	// The top 10 by trimmed mean, by the test's own arithmetic.
	byEntry := map[int][]domain.Review{}
	for _, r := range ranked.Reviews {
		if !r.Replaced && r.Scores != nil {
			byEntry[r.Entry] = append(byEntry[r.Entry], r)
		}
	}
	type scored struct {
		entry int
		score float64
	}
	var want []scored
	for entry, rs := range byEntry {
		want = append(want, scored{entry, trimmedMean(ranked.Programme, rs)})
	}
	sort.Slice(want, func(i, j int) bool {
		return want[i].score > want[j].score || (want[i].score == want[j].score && want[i].entry < want[j].entry)
	})
	var top []int
	for _, w := range want[:10] {
		top = append(top, w.entry)
	}
	if !slices.Equal(ranked.Proposed, top) {
		t.Fatalf("proposed %v, want %v", ranked.Proposed, top)
	}
	if slices.Contains(top, 11) || top[9] != 10 {
		t.Fatalf("the outlier carried entry 11 into the top 10: %v", top)
	}

	// A department sees no scores and no ranking before the announcement.
	if d := e.roundJSON(depts["finance"], "GET", path, "", http.StatusOK); len(d.Reviews) != 0 || len(d.Ranking) != 0 {
		t.Fatalf("finance sees %d reviews and %d ranks", len(d.Reviews), len(d.Ranking))
	}

	// Confirmation: a change from the ranking needs a reason.
	problem(t, e.do(convener, "POST", path+"/confirm", fmt.Sprintf(`{"list":[%d]}`, top[1])), http.StatusUnprocessableEntity)
	problem(t, e.do(office, "POST", path+"/confirm", `{}`), http.StatusForbidden)
	e.roundJSON(convener, "POST", path+"/confirm", `{}`, http.StatusOK)

	// Public notice: the public reads the list without scores and objects.
	pub := e.roundJSON(public, "GET", "/api/v1/public/rounds/"+id, "", http.StatusOK)
	if pub.Phase != "notice" || len(pub.Entries) != 10 || len(pub.Reviews) != 0 || len(pub.Ranking) != 0 || pub.Entries[0].Contact != "" {
		t.Fatalf("public notice %+v", pub)
	}
	obj := fmt.Sprintf(`{"entry":%d,"name":"李四","contact":"13800000000","text":"该案例成效数据不实"}`, top[0])
	e.roundJSON(public, "POST", "/api/v1/public/rounds/"+id+"/objections", obj, http.StatusCreated)
	e.roundJSON(public, "POST", "/api/v1/public/rounds/"+id+"/objections",
		fmt.Sprintf(`{"entry":%d,"name":"王五","contact":"wang@example.org","text":"异议"}`, top[2]), http.StatusCreated)
	problem(t, e.do(public, "POST", "/api/v1/public/rounds/"+id+"/objections", `{"entry":30,"name":"x","contact":"y","text":"z"}`), http.StatusUnprocessableEntity)
	e.roundJSON(office, "POST", path+"/objections/1/ruling", `{"ruling":"upheld","reason":"经核实数据不实"}`, http.StatusOK)
	e.roundJSON(office, "POST", path+"/objections/2/ruling", `{"ruling":"dismissed","reason":"未提供依据"}`, http.StatusOK)
	problem(t, e.do(office, "POST", path+"/objections/2/ruling", `{"ruling":"upheld","reason":"x"}`), http.StatusConflict)

	// The notice runs out; the office announces with the publicity list.
	e.waitRound(office, id, "end its notice", func(r roundOut) bool { return r.Phase == "announcing" })
	final := e.roundJSON(office, "POST", path+"/announce", fmt.Sprintf(`{"publicity":{"%d":["湖南日报","人民日报"]}}`, top[1]), http.StatusOK)
	wantList := append(slices.Clone(top[1:]), want[10].entry)
	if final.Phase != "announced" || !slices.Equal(final.Confirmed, wantList) {
		t.Fatalf("announced %s %v, want %v (the 11th promoted)", final.Phase, final.Confirmed, wantList)
	}
	results := e.roundJSON(public, "GET", "/api/v1/public/rounds/"+id, "", http.StatusOK)
	if len(results.Entries) != 10 || len(results.Ranking) != 10 || slices.ContainsFunc(results.Entries, func(x domain.Entry) bool { return x.ID == top[0] }) {
		t.Fatalf("public results %+v", results)
	}
}

// roundJSONProgramme reads M1's definition.
func (e *env) roundJSONProgramme(c *http.Client) domain.Programme {
	e.t.Helper()
	resp := e.do(c, "GET", "/api/v1/programmes/management-cases", "")
	if resp.StatusCode != http.StatusOK {
		e.t.Fatalf("programme: %d", resp.StatusCode)
	}
	return decodeBody[domain.Programme](e.t, resp)
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestRecordSelectionHistory plays a small M1 round — three nominations,
// one returned and revised, four experts with one recused, two reviewers
// per entry, an upheld objection — and writes its history to
// workflows/testdata, where the replay test reads it.
//
//	LIANXI_RECORD_HISTORIES=1 go run ./cmd/withpg -- go test -count=1 -run TestRecordSelectionHistory ./internal/httpapi/
func TestRecordSelectionHistory(t *testing.T) {
	if os.Getenv("LIANXI_RECORD_HISTORIES") == "" {
		t.Skip("set LIANXI_RECORD_HISTORIES=1 to record the round's history in workflows/testdata")
	}
	e := newSelectionEnv(t)
	ctx := context.Background()
	admin, office, convener, public := e.client("admin"), e.client("casesoffice"), e.client("casesconvener"), e.client("")
	depts := e.liaisons("management")
	m1 := e.roundJSONProgramme(admin)
	m1.NoticeDays, m1.RevisionDays, m1.ReviewersPerEntry, m1.Quota = noticeDays, 2, 2, 2
	if resp := e.do(admin, "PUT", "/api/v1/programmes/management-cases", mustJSON(t, m1)); resp.StatusCode != http.StatusOK {
		t.Fatalf("edit M1: %d", resp.StatusCode)
	}
	experts := []string{"expert1"}
	for i, aff := range []string{"finance", "", ""} {
		name := fmt.Sprintf("expert-%c", 'a'+i)
		experts = append(experts, name)
		if _, err := e.auth.CreateUser(ctx, auth.System, domain.NewUser{Username: name, DisplayName: name, Password: password,
			Grants: []domain.Grant{{Role: domain.RoleExpert}}}, auth.Meta{}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.store.SetExpertProfile(ctx, domain.Expert{Username: name, Affiliation: aff}, domain.AuditRecord{Actor: "admin", Action: "expert.set", Result: domain.AuditOK}); err != nil {
			t.Fatal(err)
		}
	}
	round := e.roundJSON(office, "POST", "/api/v1/programmes/management-cases/rounds", `{"year":2026}`, http.StatusCreated)
	path := "/api/v1/rounds/" + round.ID
	e.waitRound(office, round.ID, "open its calls", func(r roundOut) bool {
		return !slices.ContainsFunc(r.Calls, func(c domain.NominationTask) bool { return c.TaskID == 0 })
	})
	for i, dept := range []string{"finance", "finance", "education"} {
		e.roundJSON(depts[dept], "POST", path+"/nominations",
			fmt.Sprintf(`{"title":"案例%d","unit":"%s","department":"%s","summary":"做法","contact":"张三"}`, i+1, dept, dept), http.StatusOK)
	}
	e.roundJSON(office, "POST", path+"/close-nominations", `{}`, http.StatusOK)
	e.roundJSON(office, "POST", path+"/entries/1/screening", `{"decision":"accept"}`, http.StatusOK)
	e.roundJSON(office, "POST", path+"/entries/2/screening", `{"decision":"accept"}`, http.StatusOK)
	e.roundJSON(office, "POST", path+"/entries/3/screening", `{"decision":"return","reason":"请补充"}`, http.StatusOK)
	e.roundJSON(depts["education"], "POST", path+"/entries/3/revision", `{"title":"案例3（修改）","unit":"education","department":"education","summary":"补充","contact":"张三"}`, http.StatusOK)
	e.roundJSON(office, "POST", path+"/entries/3/screening", `{"decision":"accept"}`, http.StatusOK)
	drawn := e.roundJSON(office, "POST", path+"/close-screening", `{}`, http.StatusOK)
	for _, r := range drawn.Reviews {
		s := 90 - 10*r.Entry
		body := fmt.Sprintf(`{"scores":{"innovativeness":%d,"effectiveness":%d,"operability":%d}}`, s, s, s)
		e.roundJSON(e.client(r.Expert), "POST", fmt.Sprintf("/api/v1/reviews/%s:%d/scores", round.ID, r.ID), body, http.StatusOK)
	}
	e.waitRound(office, round.ID, "rank", func(r roundOut) bool { return r.Phase == "confirmation" })
	e.roundJSON(convener, "POST", path+"/confirm", `{}`, http.StatusOK)
	e.roundJSON(public, "POST", "/api/v1/public/rounds/"+round.ID+"/objections", `{"entry":1,"name":"李四","contact":"138","text":"不实"}`, http.StatusCreated)
	e.roundJSON(office, "POST", path+"/objections/1/ruling", `{"ruling":"upheld","reason":"属实"}`, http.StatusOK)
	e.waitRound(office, round.ID, "end its notice", func(r roundOut) bool { return r.Phase == "announcing" })
	e.roundJSON(office, "POST", path+"/announce", `{"publicity":{"2":["湖南日报"]}}`, http.StatusOK)
	devtest.WriteHistory(ctx, t, e.tc, round.ID, filepath.Join("..", "..", "workflows", "testdata", "selection-round.json"))
}
