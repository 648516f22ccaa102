package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"lianxi/internal/auth"
	"lianxi/internal/domain"
	"lianxi/internal/temporal/devtest"
)

func (e *env) waitMasterpieces(c *http.Client, year int, what string, ok func(domain.Masterpieces) bool) domain.Masterpieces {
	e.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		var m domain.Masterpieces
		e.json(c, "GET", fmt.Sprintf("/api/v1/masterpiece-rounds/%d", year), "", http.StatusOK, &m)
		if ok(m) {
			return m
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("masterpiece year never %s: phase %s", what, m.Phase)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func projectOf(m domain.Masterpieces, id string) domain.Project {
	for _, p := range m.Projects {
		if p.ID == id {
			return p
		}
	}
	return domain.Project{}
}

// A year of the cultural masterpiece projects through the API: twelve
// applications, the expert review, six key projects determined by the
// planning seminar and one added by a supplement, tranches released only
// after their milestone is accepted and approved, an acceptance sent back
// for rectification and then passed, and the unfinished projects carried
// into the next year.
func TestMasterpieceYearEndToEnd(t *testing.T) {
	e := newEnvWith(t, devtest.Start(t))
	ctx := context.Background()
	office, convener := e.client("cultureoffice"), e.client("cultureconvener")
	depts := e.liaisons("culture")
	bureau, soe, finance := depts["culture-bureau"], depts["culture-soe"], depts["finance"]
	for i := range 5 {
		name := fmt.Sprintf("art-expert-%d", i)
		if _, err := e.auth.CreateUser(ctx, auth.System, domain.NewUser{Username: name, DisplayName: name, Password: password,
			Grants: []domain.Grant{{Role: domain.RoleExpert}}}, auth.Meta{}); err != nil {
			t.Fatal(err)
		}
	}
	experts := []string{"expert1", "art-expert-0", "art-expert-1", "art-expert-2", "art-expert-3", "art-expert-4"}

	// One start per year; only the publicity department's office starts it.
	e.json(convener, "POST", "/api/v1/masterpiece-rounds", `{"year":2026}`, http.StatusForbidden, nil)
	var m domain.Masterpieces
	e.json(office, "POST", "/api/v1/masterpiece-rounds", `{"year":2026}`, http.StatusCreated, &m)
	if m.Phase != domain.MasterpieceCall || m.CallDue.IsZero() || m.YearEnd.Year() != 2027 {
		t.Fatalf("started: %+v", m)
	}
	e.json(office, "POST", "/api/v1/masterpiece-rounds", `{"year":2026}`, http.StatusConflict, nil)
	e.json(office, "GET", "/api/v1/masterpiece-rounds/2025/history", "", http.StatusNotFound, nil)
	e.json(soe, "GET", "/api/v1/masterpiece-rounds/2026/history", "", http.StatusForbidden, nil)

	// Applications: field errors change nothing; a department applies for
	// itself and for the bodies it answers for, never for another's.
	due := func(days int) string { return time.Now().AddDate(0, 0, days).UTC().Format(time.RFC3339) }
	app := func(unit, sponsor, title string) string {
		return fmt.Sprintf(`{"unit":%q,"sponsor":%q,"title":%q,"genre":"drama","creators":["编剧甲","导演乙"],"summary":"以湘潭红色文化为题材的原创作品。",
			"budget":800000,"requested":300000,"schedule":[{"title":"剧本完成","due":%q},{"title":"首演","due":%q}],"contact":"张老师 0731-5555"}`,
			unit, sponsor, title, due(60), due(200))
	}
	resp := e.do(bureau, "POST", "/api/v1/masterpiece-rounds/2026/applications",
		`{"unit":"culture-bureau","sponsor":"culture-bureau","title":"","genre":"opera","creators":[],"summary":"","budget":100,"requested":200,"schedule":[],"contact":""}`)
	body := readBody(resp)
	for _, f := range []string{`"title"`, `"genre"`, `"creators"`, `"summary"`, `"requested"`, `"schedule"`, `"contact"`} {
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, f) {
			t.Fatalf("bad application (%s): %d %s", f, resp.StatusCode, body)
		}
	}
	e.json(soe, "POST", "/api/v1/masterpiece-rounds/2026/applications", app("mao-memorial", "culture-bureau", "借名申报"), http.StatusForbidden, nil)
	resp = e.do(bureau, "POST", "/api/v1/masterpiece-rounds/2026/applications", app("mao-memorial", "", "无主管部门"))
	if body := readBody(resp); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `"sponsor"`) {
		t.Fatalf("a body without its department: %d %s", resp.StatusCode, body)
	}
	titles := []string{"花鼓戏《齐白石》", "电影《彭德怀在湘潭》", "交响组曲《湘江》", "长篇小说《窑湾》", "舞剧《莲城》", "纪录片《韶山》",
		"国画长卷《湘潭八景》", "歌曲《莲乡》", "话剧《东山书院》", "湘剧《盘龙》", "音乐剧《湘潭大学》", "皮影戏《昭山》"}
	for i, title := range titles {
		c, unit, sponsor := bureau, "culture-bureau", "culture-bureau"
		switch {
		case i >= 9:
			c, unit, sponsor = office, "xiangtan-radio-tv", "publicity-dept"
		case i >= 6:
			c, unit, sponsor = soe, "culture-soe", "culture-soe"
		case i >= 3:
			unit = []string{"mao-memorial", "qi-baishi-memorial", "peng-dehuai-memorial"}[i-3]
		}
		e.json(c, "POST", "/api/v1/masterpiece-rounds/2026/applications", app(unit, sponsor, title), http.StatusOK, &m)
	}
	if len(m.Applications) != 12 || m.Applications[3].UnitName != "韶山毛泽东同志纪念馆" || m.Applications[3].Sponsor != "culture-bureau" {
		t.Fatalf("applications: %d, fourth %+v", len(m.Applications), m.Applications[3])
	}
	// A unit sees its own applications only.
	var mine domain.Masterpieces
	e.json(soe, "GET", "/api/v1/masterpiece-rounds/2026", "", http.StatusOK, &mine)
	if len(mine.Applications) != 3 {
		t.Fatalf("culture-soe sees %d applications", len(mine.Applications))
	}

	// Screening and the expert review: eleven accepted, the last rejected.
	e.json(office, "POST", "/api/v1/masterpiece-rounds/2026/close-call", `{}`, http.StatusOK, nil)
	for id := 1; id <= 12; id++ {
		body := `{"decision":"accepted"}`
		if id == 12 {
			body = `{"decision":"rejected","reason":"题材与本年度重点不符"}`
		}
		e.json(office, "POST", fmt.Sprintf("/api/v1/masterpiece-rounds/2026/applications/%d/screening", id), body, http.StatusOK, nil)
	}
	e.json(office, "POST", "/api/v1/masterpiece-rounds/2026/close-screening", `{}`, http.StatusOK, &m)
	if m.Phase != domain.MasterpieceReview || m.Round == "" {
		t.Fatalf("after screening: %s %q", m.Phase, m.Round)
	}
	e.waitRound(office, m.Round, "drawn", func(r roundOut) bool { return r.Phase == "review" })
	e.scoreAll(experts, 11*5, func(_ string, entry domain.Entry) string {
		s := 95 - 2*entry.ID // application 1 is the best
		return fmt.Sprintf(`{"scores":{"artistic_merit":%d,"theme":%d,"feasibility":%d,"local_character":%d}}`, s, s, s, s)
	})
	m = e.waitMasterpieces(office, 2026, "ranked", func(m domain.Masterpieces) bool { return m.Phase == domain.MasterpieceSeminar })
	if len(m.Ranking) != 11 || m.Ranking[0].Entry != 1 || m.Ranking[10].Entry != 11 {
		t.Fatalf("ranking: %+v", m.Ranking)
	}

	// The planning seminar: the top six with their support in two tranches.
	decision := func(app int, first, second int) string {
		return fmt.Sprintf(`{"application":%d,"support":%d,"tranches":[{"milestone":"剧本完成","due":%q,"amount":%d},{"milestone":"首演","due":%q,"amount":%d}]}`,
			app, first+second, due(60), first, due(200), second)
	}
	var ds []string
	for app := 1; app <= 6; app++ {
		ds = append(ds, decision(app, 120000, 80000))
	}
	seminar := func(kind string, ds []string) string {
		return fmt.Sprintf(`{"kind":%q,"at":%q,"place":"市委宣传部三楼会议室","attendees":["宣传部","文体广新局","财政局"],"minutes":"会议研究确定年度文艺精品重点项目。","decisions":[%s]}`,
			kind, due(-1), strings.Join(ds, ","))
	}
	bad := strings.Replace(decision(1, 120000, 80000), `"support":200000`, `"support":210000`, 1)
	resp = e.do(office, "POST", "/api/v1/masterpiece-rounds/2026/seminars", seminar("planning", []string{bad}))
	if body := readBody(resp); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `"decisions[0].tranches"`) {
		t.Fatalf("tranches not adding up: %d %s", resp.StatusCode, body)
	}
	e.json(office, "POST", "/api/v1/masterpiece-rounds/2026/seminars", seminar("planning", []string{decision(12, 1, 1)}), http.StatusUnprocessableEntity, nil)
	e.json(office, "POST", "/api/v1/masterpiece-rounds/2026/seminars", seminar("planning", ds), http.StatusOK, nil)
	e.json(office, "POST", "/api/v1/masterpiece-rounds/2026/seminars/1/confirm", `{}`, http.StatusForbidden, nil)
	e.json(convener, "POST", "/api/v1/masterpiece-rounds/2026/seminars/1/confirm", `{}`, http.StatusOK, &m)
	if m.Phase != domain.MasterpiecePortfolio || len(m.Projects) != 6 {
		t.Fatalf("after the seminar: %s, %d projects", m.Phase, len(m.Projects))
	}

	// Each project's sponsor is asked for its first milestone report.
	m = e.waitMasterpieces(office, 2026, "asking for reports", func(m domain.Masterpieces) bool {
		for _, p := range m.Projects {
			if p.Tranches[0].TaskID == 0 {
				return false
			}
		}
		return true
	})
	p1 := projectOf(m, "2026-1")
	tranche := func(p string, seq int, action string) string {
		return fmt.Sprintf("/api/v1/masterpiece-rounds/2026/projects/%s/tranches/%d/%s", p, seq, action)
	}
	// No release before the milestone's report is accepted and approved.
	e.json(finance, "POST", tranche("2026-1", 1, "release"), `{}`, http.StatusConflict, nil)
	e.json(office, "POST", tranche("2026-1", 1, "approve"), `{}`, http.StatusConflict, nil)
	e.json(bureau, "POST", fmt.Sprintf("/api/v1/tasks/%d/submit", p1.Tranches[0].TaskID), `{"values":{"report":"剧本已定稿并通过专家论证。"}}`, http.StatusOK, nil)
	e.json(finance, "POST", tranche("2026-1", 1, "release"), `{}`, http.StatusConflict, nil)
	e.json(office, "POST", fmt.Sprintf("/api/v1/tasks/%d/accept", p1.Tranches[0].TaskID), `{}`, http.StatusOK, nil)
	e.waitMasterpieces(office, 2026, "reported", func(m domain.Masterpieces) bool {
		return projectOf(m, "2026-1").Tranches[0].Status == domain.TrancheReported
	})
	e.json(finance, "POST", tranche("2026-1", 1, "release"), `{}`, http.StatusConflict, nil)
	e.json(finance, "POST", tranche("2026-1", 1, "approve"), `{}`, http.StatusForbidden, nil)
	e.json(office, "POST", tranche("2026-1", 1, "approve"), `{}`, http.StatusOK, nil)
	e.json(office, "POST", tranche("2026-1", 1, "release"), `{}`, http.StatusForbidden, nil)
	e.json(finance, "POST", tranche("2026-1", 1, "release"), `{}`, http.StatusOK, &m)
	if p := projectOf(m, "2026-1"); p.Released() != 120000 || p.Tranches[0].ReleasedBy != "l-finance" {
		t.Fatalf("released: %+v", p.Tranches[0])
	}

	// The second milestone, then acceptance: rectify, then pass.
	m = e.waitMasterpieces(office, 2026, "second report asked", func(m domain.Masterpieces) bool { return projectOf(m, "2026-1").Tranches[1].TaskID != 0 })
	second := projectOf(m, "2026-1").Tranches[1].TaskID
	e.json(bureau, "POST", fmt.Sprintf("/api/v1/tasks/%d/submit", second), `{"values":{"report":"已在湘潭大剧院首演三场。"}}`, http.StatusOK, nil)
	e.json(office, "POST", fmt.Sprintf("/api/v1/tasks/%d/accept", second), `{}`, http.StatusOK, nil)
	e.waitMasterpieces(office, 2026, "ready for acceptance", func(m domain.Masterpieces) bool { return projectOf(m, "2026-1").Stage == domain.StageAcceptance })
	e.json(office, "POST", tranche("2026-1", 2, "approve"), `{}`, http.StatusOK, nil)
	e.json(finance, "POST", tranche("2026-1", 2, "release"), `{}`, http.StatusOK, nil)
	exam := func(result string, allMet bool, extra string) string {
		return fmt.Sprintf(`{"panel":["专家甲","专家乙","专家丙"],"checklist":{"completed_as_planned":true,"artistic_quality":%t,"theme_orientation":true,
			"funds_used_as_approved":true,"public_presentation":true},"result":%q,"comment":"第二幕唱腔需打磨"%s}`, allMet, result, extra)
	}
	examine := "/api/v1/masterpiece-rounds/2026/projects/2026-1/examinations"
	resp = e.do(office, "POST", examine, exam("pass", false, ""))
	if body := readBody(resp); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "checklist.artistic_quality") {
		t.Fatalf("a pass with an item unmet: %d %s", resp.StatusCode, body)
	}
	e.json(office, "POST", examine, exam("rectify", false, `,"rectify_days":10`), http.StatusOK, nil)
	m = e.waitMasterpieces(office, 2026, "asking for rectification", func(m domain.Masterpieces) bool {
		p := projectOf(m, "2026-1")
		return p.Stage == domain.StageRectifying && len(p.Examinations) == 1 && p.Examinations[0].TaskID != 0
	})
	rectify := projectOf(m, "2026-1").Examinations[0].TaskID
	e.json(bureau, "POST", fmt.Sprintf("/api/v1/tasks/%d/submit", rectify), `{"values":{"report":"已重新编排第二幕唱腔。"}}`, http.StatusOK, nil)
	e.json(office, "POST", fmt.Sprintf("/api/v1/tasks/%d/accept", rectify), `{}`, http.StatusOK, nil)
	e.waitMasterpieces(office, 2026, "back to the panel", func(m domain.Masterpieces) bool { return projectOf(m, "2026-1").Stage == domain.StageAcceptance })
	e.json(office, "POST", examine, exam("pass", true, ""), http.StatusOK, &m)
	if p := projectOf(m, "2026-1"); p.Stage != domain.StageAccepted || p.Released() != 200000 || len(p.Examinations) != 2 {
		t.Fatalf("accepted: %+v", p)
	}

	// A supplement sitting adds the seventh.
	e.json(office, "POST", "/api/v1/masterpiece-rounds/2026/seminars", seminar("supplement", []string{decision(3, 1, 1)}), http.StatusUnprocessableEntity, nil)
	e.json(office, "POST", "/api/v1/masterpiece-rounds/2026/seminars", seminar("supplement", []string{decision(7, 50000, 50000)}), http.StatusOK, nil)
	e.json(convener, "POST", "/api/v1/masterpiece-rounds/2026/seminars/2/confirm", `{}`, http.StatusOK, &m)
	if len(m.Projects) != 7 || projectOf(m, "2026-7").Seminar != 2 {
		t.Fatalf("after the supplement: %d projects", len(m.Projects))
	}
	// Project 2 reports its first milestone; it is released in the next year.
	m = e.waitMasterpieces(office, 2026, "asking the supplement's report", func(m domain.Masterpieces) bool { return projectOf(m, "2026-7").Tranches[0].TaskID != 0 })
	p2task := projectOf(m, "2026-2").Tranches[0].TaskID
	e.json(bureau, "POST", fmt.Sprintf("/api/v1/tasks/%d/submit", p2task), `{"values":{"report":"剧本完成。"}}`, http.StatusOK, nil)
	e.json(office, "POST", fmt.Sprintf("/api/v1/tasks/%d/accept", p2task), `{}`, http.StatusOK, nil)
	e.waitMasterpieces(office, 2026, "p2 reported", func(m domain.Masterpieces) bool {
		return projectOf(m, "2026-2").Tranches[0].Status == domain.TrancheReported
	})

	// The year closes: six unfinished projects carry over; their open
	// report tasks are withdrawn.
	e.json(office, "POST", "/api/v1/masterpiece-rounds/2026/close-year", `{"note":"年度结转"}`, http.StatusOK, &m)
	carried := 0
	for _, p := range m.Projects {
		if p.Stage == domain.StageCarried {
			carried++
		}
	}
	if m.Phase != domain.MasterpieceClosed || carried != 6 {
		t.Fatalf("closed: %s, %d carried", m.Phase, carried)
	}
	var task struct {
		Status string `json:"status"`
	}
	deadline := time.Now().Add(30 * time.Second)
	for task.Status != "cancelled" && time.Now().Before(deadline) {
		e.json(office, "GET", fmt.Sprintf("/api/v1/tasks/%d", projectOf(m, "2026-3").Tranches[0].TaskID), "", http.StatusOK, &task)
		time.Sleep(100 * time.Millisecond)
	}
	if task.Status != "cancelled" {
		t.Fatalf("a carried project's report task is %s", task.Status)
	}

	// The next year takes them on, with their history and tranches.
	var next domain.Masterpieces
	e.json(office, "POST", "/api/v1/masterpiece-rounds", `{"year":2027}`, http.StatusCreated, &next)
	if len(next.Projects) != 6 || projectOf(next, "2026-2").CarriedFrom != 2026 || projectOf(next, "2026-2").Tranches[0].Status != domain.TrancheReported {
		t.Fatalf("carried into 2027: %+v", next.Projects)
	}
	e.json(office, "POST", "/api/v1/masterpiece-rounds/2027/projects/2026-2/tranches/1/approve", `{}`, http.StatusOK, nil)
	e.json(finance, "POST", "/api/v1/masterpiece-rounds/2027/projects/2026-2/tranches/1/release", `{}`, http.StatusOK, &next)
	if p := projectOf(next, "2026-2"); p.Released() != 120000 || len(p.History) < 3 {
		t.Fatalf("released in 2027: %+v", p)
	}
	next = e.waitMasterpieces(office, 2027, "asking again", func(m domain.Masterpieces) bool {
		return projectOf(m, "2026-3").Tranches[0].TaskID != 0 && projectOf(m, "2026-2").Tranches[1].TaskID != 0
	})
	var again struct {
		Source domain.TaskSource `json:"source"`
		Status string            `json:"status"`
	}
	e.json(bureau, "GET", fmt.Sprintf("/api/v1/tasks/%d", projectOf(next, "2026-3").Tranches[0].TaskID), "", http.StatusOK, &again)
	if again.Source.ID != "masterpiece:2027" || again.Status != "open" {
		t.Fatalf("report asked again: %+v", again)
	}
}
