package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lianxi/internal/auth"
	"lianxi/internal/domain"
	"lianxi/internal/temporal/devtest"
)

// TestRecordContestHistory plays a small contest through the API — four
// ideas (one screened out), three voters, three experts scoring the child
// review round two to an idea, the prize confirmed with one more idea
// adopted, one department's feasible reply accepted and its report done,
// the other's reply infeasible — and writes the contest's history and its
// review round's to workflows/testdata, where the replay test reads them.
// The dates close the submissions and open the vote (a few seconds apart,
// so the history holds the workflow's own timers); the office closes the
// vote.
//
//	LIANXI_RECORD_HISTORIES=1 go run ./cmd/withpg -- go test -count=1 -run TestRecordContestHistory ./internal/httpapi/
func TestRecordContestHistory(t *testing.T) {
	if os.Getenv("LIANXI_RECORD_HISTORIES") == "" {
		t.Skip("set LIANXI_RECORD_HISTORIES=1 to record the contest's history in workflows/testdata")
	}
	e := newEnvWith(t, devtest.Start(t), generous)
	ctx := context.Background()
	admin, office, public := e.client("admin"), e.client("casesoffice"), e.client("")
	depts := e.liaisons("management")

	// The review asks two experts an idea, of three.
	var m2 domain.Programme
	e.json(admin, "GET", "/api/v1/programmes/"+domain.ContestProgramme, "", http.StatusOK, &m2)
	m2.ReviewersPerEntry = 2
	e.json(admin, "PUT", "/api/v1/programmes/"+domain.ContestProgramme, mustJSON(t, m2), http.StatusOK, nil)
	experts := []string{"expert1"}
	for i := range 2 {
		name := fmt.Sprintf("lotus-expert-%d", i)
		experts = append(experts, name)
		if _, err := e.auth.CreateUser(ctx, auth.System, domain.NewUser{Username: name, DisplayName: name, Password: password,
			Grants: []domain.Grant{{Role: domain.RoleExpert}}}, auth.Meta{}); err != nil {
			t.Fatal(err)
		}
	}

	// Submissions are open from the start and close by their date; the
	// vote opens by its date a few seconds later.
	now := time.Now().UTC()
	year := now.Year()
	closes, opens := now.Add(10*time.Second), now.Add(18*time.Second)
	stamp := func(t time.Time) string { return t.Format(time.RFC3339Nano) }
	start := fmt.Sprintf(`{"year":%d,"theme":"服务发展,助推改革","rules":{"submission_opens":%q,"submission_closes":%q,"vote_opens":%q,"vote_closes":%q,
		"votes_per_voter":2,"shortlist":0,"prizes":[{"code":"first","name_zh":"一等奖","name_en":"First prize","count":1}],"co_organisers":["finance","education"]}}`,
		year, stamp(now.Add(-time.Minute)), stamp(closes), stamp(opens), stamp(now.Add(30*24*time.Hour)))
	var c contestOut
	e.json(office, "POST", "/api/v1/contests", start, http.StatusCreated, &c)
	if c.Phase != "submission" {
		t.Fatalf("started in %s", c.Phase)
	}
	base := fmt.Sprintf("/api/v1/contests/%d", year)
	pub := fmt.Sprintf("/api/v1/public/contests/%d", year)

	submitter := e.voterToken(public, year, "13800000001")
	titles := []string{"老旧小区加装电梯", "夜间经济街区", "社区养老食堂", "与大赛无关"}
	var ideas []int64
	for i, title := range titles {
		var idea domain.Idea
		body := fmt.Sprintf(`{"name":"市民%d","category":"livelihood","title":%q,"problem":"问题%d","idea":"办法%d","effect":"群众满意"}`, i, title, i, i)
		e.json(public, "POST", pub+"/ideas", body, http.StatusCreated, &idea, "X-Voter-Token", submitter)
		ideas = append(ideas, idea.ID)
	}
	if time.Now().After(closes) {
		t.Fatal("the ideas took longer than the submissions were open: record again")
	}
	e.waitContest(office, year, "closed its submissions", func(c contestOut) bool { return c.Phase == "screening" })
	for i, id := range ideas {
		body := `{"decision":"eligible"}`
		if i == 3 {
			body = `{"decision":"ineligible","reason":"不属于本届大赛主题"}`
		}
		e.json(office, "POST", fmt.Sprintf("%s/ideas/%d/screening", base, id), body, http.StatusOK, nil)
	}
	if time.Now().After(opens) {
		t.Fatal("screening took longer than the time before the vote: record again")
	}
	e.waitContest(office, year, "opened its vote", func(c contestOut) bool { return c.Phase == "voting" })

	// Three voters: idea 0 gets three votes, ideas 1 and 2 one each.
	for i, picks := range [][]int{{0, 1}, {0, 2}, {0}} {
		tok := e.voterToken(public, year, fmt.Sprintf("voter%d@example.cn", i))
		for _, k := range picks {
			e.json(public, "POST", pub+"/votes", fmt.Sprintf(`{"idea":%d}`, ideas[k]), http.StatusCreated, nil, "X-Voter-Token", tok)
		}
	}
	e.json(office, "POST", base+"/close-voting", `{"note":"投票结束"}`, http.StatusOK, &c)
	if c.Phase != "review" || c.Round == "" || len(c.Shortlist) != 3 {
		t.Fatalf("after the vote: %s round %q, %d shortlisted", c.Phase, c.Round, len(c.Shortlist))
	}
	round := c.Round

	// The child round draws its reviewers by itself; each expert scores
	// what they drew, entry 1 best.
	e.waitRound(office, round, "drawn", func(r roundOut) bool { return r.Phase == "review" })
	reviews := 0
	for _, name := range experts {
		ec := e.client(name)
		var as struct {
			Reviews []struct {
				ID    string       `json:"id"`
				Entry domain.Entry `json:"entry"`
			} `json:"reviews"`
		}
		e.json(ec, "GET", "/api/v1/reviews", "", http.StatusOK, &as)
		for _, r := range as.Reviews {
			s := 95 - 10*r.Entry.ID
			e.json(ec, "POST", "/api/v1/reviews/"+r.ID+"/scores", fmt.Sprintf(`{"scores":{"innovation":%d,"feasibility":%d,"benefit":%d},"comment":"评审意见"}`, s, s, s),
				http.StatusOK, nil)
			reviews++
		}
	}
	if reviews != 6 {
		t.Fatalf("%d reviews, want two for each of three ideas", reviews)
	}
	c = e.waitContest(office, year, "ranked", func(c contestOut) bool { return c.Phase == "confirmation" })
	if len(c.Results) != 3 || c.Results[0].Tier != "first" || c.Results[1].Tier != "" {
		t.Fatalf("results %+v", c.Results)
	}

	// The prize goes to finance; the second idea is adopted by education.
	awarded, adopted := c.Results[0].Idea, c.Results[1].Idea
	e.json(office, "POST", base+"/confirm", fmt.Sprintf(`{"routes":{"%d":"finance","%d":"education"},"reason":"经市改革办审定"}`, awarded, adopted),
		http.StatusOK, &c)
	if c.Phase != "adoption" || len(c.Adoptions) != 2 {
		t.Fatalf("confirmed: %s with %+v", c.Phase, c.Adoptions)
	}
	taskOf := func(c contestOut, idea int64) int64 {
		for _, a := range c.Adoptions {
			if a.Idea == idea {
				return a.TaskID
			}
		}
		return 0
	}
	c = e.waitContest(office, year, "opened the replies", func(c contestOut) bool { return taskOf(c, awarded) != 0 && taskOf(c, adopted) != 0 })
	reply, other := taskOf(c, awarded), taskOf(c, adopted)

	// Finance: feasible, accepted; then its report, done.
	e.json(depts["finance"], "POST", fmt.Sprintf("/api/v1/tasks/%d/submit", reply),
		`{"values":{"feasibility":"可行","reply":"我局已研究，拟于明年一季度试点。","plan":"一季度试点，三季度推广。"}}`, http.StatusOK, nil)
	e.json(office, "POST", fmt.Sprintf("/api/v1/tasks/%d/accept", reply), `{}`, http.StatusOK, nil)
	c = e.waitContest(office, year, "opened the report", func(c contestOut) bool { id := taskOf(c, awarded); return id != 0 && id != reply })
	e.json(depts["finance"], "POST", fmt.Sprintf("/api/v1/tasks/%d/submit", taskOf(c, awarded)), `{"values":{"progress":"已在雨湖区完成试点。","done":true}}`,
		http.StatusOK, nil)
	// Education: infeasible, accepted.
	e.json(depts["education"], "POST", fmt.Sprintf("/api/v1/tasks/%d/submit", other),
		`{"values":{"feasibility":"不可行","reply":"现行政策不允许，暂不采纳。"}}`, http.StatusOK, nil)
	e.json(office, "POST", fmt.Sprintf("/api/v1/tasks/%d/accept", other), `{}`, http.StatusOK, nil)
	c = e.waitContest(office, year, "closed", func(c contestOut) bool { return c.Phase == "closed" })
	for _, a := range c.Adoptions {
		if want := map[int64]string{awarded: domain.AdoptionDone, adopted: domain.AdoptionInfeasible}[a.Idea]; a.Status != want {
			t.Fatalf("adoption %+v, want %s", a, want)
		}
	}

	dir := filepath.Join("..", "..", "workflows", "testdata")
	devtest.WriteHistory(ctx, t, e.tc, c.ID, filepath.Join(dir, "contest.json"))
	devtest.WriteHistory(ctx, t, e.tc, round, filepath.Join(dir, "contest-review-round.json"))
	if !strings.HasPrefix(round, "selection:"+domain.ContestProgramme+":") {
		t.Fatalf("review round %q", round)
	}
}
