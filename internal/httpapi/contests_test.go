package httpapi_test

import (
	"bytes"
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"mime/multipart"
	"mime/quotedprintable"
	"net/http"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"lianxi/internal/auth"
	"lianxi/internal/contests"
	"lianxi/internal/domain"
	"lianxi/internal/notify/email"
	"lianxi/internal/notify/smtptest"
	"lianxi/internal/onetime"
	"lianxi/internal/postgres"
	"lianxi/internal/temporal/devtest"
)

// generous are limits a test from one address does not reach.
var generous = contests.Config{CodesPerContact: 100, CodesPerAddress: 1 << 20, VotesPerAddress: 1 << 20, VotesPerVoter: 1 << 20,
	IdeasPerAddress: 1 << 20, IdeasPerContact: 1 << 20, VerifiesPerAddress: 1 << 20}

// contestOut is the part of a contest the tests read.
type contestOut struct {
	ID        string              `json:"id"`
	Year      int                 `json:"year"`
	Phase     string              `json:"phase"`
	Round     string              `json:"round"`
	Rules     domain.ContestRules `json:"rules"`
	Shortlist []domain.Candidate  `json:"shortlist"`
	Results   []domain.Award      `json:"results"`
	Adoptions []domain.Adoption   `json:"adoptions"`
}

func (e *env) json(c *http.Client, method, path, body string, want int, out any, headers ...string) {
	e.t.Helper()
	resp := e.do(c, method, path, body, headers...)
	if resp.StatusCode != want {
		e.t.Fatalf("%s %s: %d, want %d: %s", method, path, resp.StatusCode, want, readBody(resp))
	}
	if out != nil {
		if err := jsonDecode(resp.Body, out); err != nil {
			e.t.Fatalf("%s %s: %v", method, path, err)
		}
	}
}

// voterToken verifies a contact through the public API and returns its
// token.
func (e *env) voterToken(c *http.Client, year int, contact string) string {
	e.t.Helper()
	body := `{"contact":"` + contact + `"}`
	e.json(c, "POST", fmt.Sprintf("/api/v1/public/contests/%d/codes", year), body, http.StatusAccepted, nil)
	norm, _, err := domain.NormaliseContact("contact", contact)
	if err != nil {
		e.t.Fatal(err)
	}
	var v contests.Verified
	e.json(c, "POST", fmt.Sprintf("/api/v1/public/contests/%d/verify", year), `{"contact":"`+contact+`","code":"`+e.codes.code(norm)+`"}`, http.StatusOK, &v)
	return v.Token
}

func (e *env) waitContest(c *http.Client, year int, what string, ok func(contestOut) bool) contestOut {
	e.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		var out contestOut
		e.json(c, "GET", fmt.Sprintf("/api/v1/contests/%d", year), "", http.StatusOK, &out)
		if ok(out) {
			return out
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("contest never %s: phase %s", what, out.Phase)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// parallel runs n jobs on a few workers and fails the test on the first
// error.
func parallel(t *testing.T, n, workers int, job func(i int) error) {
	t.Helper()
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				if err := job(i); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// publicDo is a request from an goroutine: errors come back instead of
// failing the test.
func (e *env) publicDo(c *http.Client, method, path, body, token string) (int, []byte, error) {
	req, err := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("X-Voter-Token", token)
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// The whole contest through the HTTP API: 200 ideas from the public, the
// office's screening with duplicates flagged and merged, 2,000 verified
// voters casting 5,000 votes under the limits, the expert review of the
// shortlist, the combined score, the prizes confirmed and routed, and a
// department's reply shown on the idea's public page.
func TestLotusCityContestEndToEnd(t *testing.T) {
	const (
		year        = 2026
		ideas       = 200
		voters      = 2000
		votes       = 5000
		perVoter    = 3
		shortlist   = 20
		duplicates  = 5
		ineligibles = 5
	)
	e := newEnvWith(t, devtest.Start(t), generous)
	ctx := context.Background()
	office, public, convener := e.client("casesoffice"), e.client(""), e.client("casesconvener")
	depts := e.liaisons("management")

	// Six experts for the review (expert1 of every test and five more; the
	// programme asks five per idea).
	experts := []string{"expert1"}
	for i := range 5 {
		name := fmt.Sprintf("lotus-expert-%d", i)
		experts = append(experts, name)
		if _, err := e.auth.CreateUser(ctx, auth.System, domain.NewUser{Username: name, DisplayName: name, Password: password,
			Grants: []domain.Grant{{Role: domain.RoleExpert}}}, auth.Meta{}); err != nil {
			t.Fatal(err)
		}
	}

	// Start: the defaults fill in the rules the office leaves out; the same
	// year again is a conflict; nobody but the office starts one.
	start := fmt.Sprintf(`{"year":%d,"theme":"服务发展,助推改革","rules":{"votes_per_voter":%d,"shortlist":%d,
		"prizes":[{"code":"first","name_zh":"一等奖","name_en":"First","count":1},{"code":"second","name_zh":"二等奖","name_en":"Second","count":2},
		{"code":"third","name_zh":"三等奖","name_en":"Third","count":3},{"code":"excellence","name_zh":"优秀奖","name_en":"Excellence","count":4}]}}`,
		year, perVoter, shortlist)
	e.json(convener, "POST", "/api/v1/contests", start, http.StatusForbidden, nil)
	bad := `{"year":2026,"theme":"","rules":{"public_weight":50}}`
	resp := e.do(office, "POST", "/api/v1/contests", bad)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(readBody(resp), "expert_weight") {
		t.Fatalf("bad start: %d", resp.StatusCode)
	}
	var c contestOut
	e.json(office, "POST", "/api/v1/contests", start, http.StatusCreated, &c)
	if c.Phase != "submission" || c.Rules.VotesPerVoter != perVoter || c.Rules.PublicWeight != 30 || c.Rules.ExpertWeight != 70 ||
		len(c.Rules.Categories) == 0 || len(c.Rules.CoOrganisers) == 0 {
		t.Fatalf("started: %+v", c)
	}
	e.json(office, "POST", "/api/v1/contests", start, http.StatusConflict, nil)
	var pc contests.PublicContest
	e.json(public, "GET", "/api/v1/public/contests/2026", "", http.StatusOK, &pc)
	if pc.Theme != "服务发展,助推改革" || pc.Phase != domain.ContestSubmission || len(pc.Categories) != 6 {
		t.Fatalf("public contest: %+v", pc)
	}

	// Submissions: a submitter verifies a contact first; bad input gets
	// field errors and stores nothing.
	resp = e.do(public, "POST", "/api/v1/public/contests/2026/ideas", `{"name":"张三"}`)
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("idea without a verified contact: %d", resp.StatusCode)
	}
	submitter := e.voterToken(public, year, "13800000001")
	resp = e.do(public, "POST", "/api/v1/public/contests/2026/ideas", `{"name":"张三","category":"space","title":"","problem":"x","idea":"","effect":"y"}`,
		"X-Voter-Token", submitter)
	body := readBody(resp)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `"category"`) || !strings.Contains(body, `"title"`) ||
		!strings.Contains(body, `"idea"`) {
		t.Fatalf("bad idea: %d %s", resp.StatusCode, body)
	}
	// A file uploaded for an idea is the uploader's: another contact cannot
	// attach it, and the refused idea leaves nothing behind.
	file := e.uploadIdeaFile(public, submitter, "方案.pdf", []byte("%PDF-1.4 lotus city idea attachment"))
	other := e.voterToken(public, year, "other@example.cn")
	resp = e.do(public, "POST", "/api/v1/public/contests/2026/ideas",
		fmt.Sprintf(`{"name":"王五","category":"economy","title":"借用附件","problem":"p","idea":"i","effect":"e","attachments":[%d]}`, file), "X-Voter-Token", other)
	if body := readBody(resp); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "validation.idea_attachment") {
		t.Fatalf("someone else's file: %d %s", resp.StatusCode, body)
	}
	if n, err := e.store.CountIdeas(ctx, year); err != nil || n.Total != 0 {
		t.Fatalf("a refused idea was stored: %+v %v", n, err)
	}
	cats := []string{"economy", "reform", "livelihood", "governance", "culture", "ecology"}
	// Ten themes, each worded its own way; ideas of one theme differ in
	// their figures only.
	themes := []struct{ name, problem, proposal string }{
		{"老旧小区加装电梯", "老旧小区多为六层无电梯住宅，老人上下楼困难，居民意见难统一", "由街道牵头协调业主，财政按户补贴，引入社会资本代建代管"},
		{"夜间经济街区", "城区夜间消费场所少，外地游客晚上无处可去，商圈九点后冷清", "在窑湾和步步高片区打造夜市，延长公交运营，放宽外摆管理"},
		{"社区养老食堂", "独居老人吃饭难，社区缺少助餐点，送餐服务覆盖不足", "利用闲置社区用房开办长者食堂，政府补贴运营，志愿者送餐上门"},
		{"河道生态修复", "城区支流河道淤积，雨季黑臭，沿岸缺少亲水空间", "实施清淤截污，建设生态护岸和滨水步道，推行河长巡河积分"},
		{"中小企业融资", "小微企业贷款门槛高、抵押物不足，续贷周期长", "设立政府性融资担保基金，推广知识产权质押和应收账款融资"},
		{"湘江文旅线路", "红色景点分散，游客停留时间短，缺少串联的精品线路", "串联韶山、乌石和齐白石纪念馆，推出一票通和研学套餐"},
		{"智慧停车", "医院学校周边停车位紧张，违停严重，泊位信息不透明", "建设全市停车信息平台，错时共享机关单位车位，动态调价"},
		{"政务一网通办", "办事需要多头跑，材料重复提交，线上线下标准不一", "推行一件事一次办，数据共享免提交，企业开办一日办结"},
		{"垃圾分类积分", "居民分类意识弱，混投现象普遍，分类后混运打击积极性", "推行积分兑换，定时定点投放，公开清运流向接受监督"},
		{"高校人才留潭", "本地高校毕业生留潭比例低，青年人才住房和就业吸引力不足", "发放青年人才安居券，建设实习基地，举办校地双选会"},
	}
	text := func(i int) (title, problem, proposal string) {
		th := themes[i%len(themes)]
		return fmt.Sprintf("%s建议（第%d号）", th.name, i),
			fmt.Sprintf("%s，约%d户受影响。", th.problem, i*3+17),
			fmt.Sprintf("%s，先在%d个点位试点。", th.proposal, i%9+2)
	}
	ids := make([]int64, ideas)
	tracking := make([]string, ideas)
	parallel(t, ideas, 8, func(i int) error {
		title, problem, proposal := text(i)
		if i >= ideas-duplicates { // near-duplicates of the first ideas, one word changed
			title, problem, proposal = text(i - (ideas - duplicates))
			proposal = strings.Replace(proposal, "先在", "首批在", 1)
		}
		files := ""
		if i == 0 {
			files = fmt.Sprintf(`,"attachments":[%d]`, file)
		}
		body := fmt.Sprintf(`{"name":"市民%d","category":%q,"title":%q,"problem":%q,"idea":%q,"effect":"群众满意度提升"%s}`, i, cats[i%len(cats)], title, problem, proposal, files)
		code, b, err := e.publicDo(public, "POST", "/api/v1/public/contests/2026/ideas", body, submitter)
		if err != nil || code != http.StatusCreated {
			return fmt.Errorf("idea %d: %d %s %v", i, code, b, err)
		}
		var idea domain.Idea
		if err := jsonDecode(strings.NewReader(string(b)), &idea); err != nil {
			return err
		}
		ids[i], tracking[i] = idea.ID, idea.TrackingCode
		return nil
	})
	var tracked contests.Tracked
	e.json(public, "GET", "/api/v1/public/ideas/"+tracking[7], "", http.StatusOK, &tracked)
	if tracked.ID != ids[7] || tracked.Status != domain.IdeaSubmitted || tracked.Contact != "138****0001" {
		t.Fatalf("tracked: %+v", tracked.Idea)
	}

	// Voting cannot open yet: submissions are open.
	e.json(office, "POST", "/api/v1/contests/2026/open-voting", `{}`, http.StatusConflict, nil)
	e.json(office, "POST", "/api/v1/contests/2026/close-submissions", `{"note":"提前截止"}`, http.StatusOK, &c)
	if c.Phase != "screening" {
		t.Fatalf("after closing submissions: %s", c.Phase)
	}
	e.json(public, "POST", "/api/v1/public/contests/2026/ideas", `{"name":"迟到","category":"economy","title":"t","problem":"p","idea":"i","effect":"e"}`,
		http.StatusConflict, nil, "X-Voter-Token", submitter)

	// Screening: the near-duplicates are flagged against their originals
	// and merged; five are ineligible; the rest eligible. Voting cannot
	// open while any is left.
	var listed struct {
		Ideas []contests.OfficeIdea `json:"ideas"`
	}
	e.json(office, "GET", "/api/v1/contests/2026/ideas", "", http.StatusOK, &listed)
	if len(listed.Ideas) != ideas {
		t.Fatalf("office sees %d ideas", len(listed.Ideas))
	}
	byID := map[int64]contests.OfficeIdea{}
	for _, x := range listed.Ideas {
		byID[x.ID] = x
	}
	for k := range duplicates {
		dup, orig := ids[ideas-duplicates+k], ids[k]
		if !slices.ContainsFunc(byID[dup].Similar, func(s contests.Similar) bool { return s.Idea == orig }) {
			t.Fatalf("idea %d not flagged as like %d: %+v", dup, orig, byID[dup].Similar)
		}
	}
	// Nothing is flagged across themes.
	theme := map[int64]int{}
	for i, id := range ids {
		if i >= ideas-duplicates {
			i -= ideas - duplicates
		}
		theme[id] = i % len(themes)
	}
	flagged := 0
	for _, x := range listed.Ideas {
		if len(x.Similar) > 0 {
			flagged++
		}
		for _, s := range x.Similar {
			if theme[s.Idea] != theme[x.ID] {
				t.Fatalf("idea %d flagged as like %d of another theme (%.2f)", x.ID, s.Idea, s.Score)
			}
		}
	}
	t.Logf("ideas flagged as likely duplicates: %d of %d", flagged, ideas)
	e.json(office, "POST", "/api/v1/contests/2026/open-voting", `{}`, http.StatusConflict, nil)
	e.json(office, "POST", fmt.Sprintf("/api/v1/contests/2026/ideas/%d/screening", ids[10]), `{"decision":"ineligible"}`, http.StatusUnprocessableEntity, nil)
	e.json(office, "POST", fmt.Sprintf("/api/v1/contests/2026/ideas/%d/screening", ids[10]), fmt.Sprintf(`{"decision":"merged","merged_into":%d}`, ids[10]),
		http.StatusUnprocessableEntity, nil)
	parallel(t, ideas, 8, func(i int) error {
		body := `{"decision":"eligible"}`
		switch {
		case i >= ideas-duplicates:
			body = fmt.Sprintf(`{"decision":"merged","merged_into":%d,"reason":"与原创意重复"}`, ids[i-(ideas-duplicates)])
		case i >= ideas-duplicates-ineligibles:
			body = `{"decision":"ineligible","reason":"不属于本届大赛主题"}`
		}
		code, b, err := e.publicDo(office, "POST", fmt.Sprintf("/api/v1/contests/2026/ideas/%d/screening", ids[i]), body, "")
		if err != nil || code != http.StatusOK {
			return fmt.Errorf("screen %d: %d %s %v", i, code, b, err)
		}
		return nil
	})
	e.json(public, "GET", "/api/v1/public/ideas/"+tracking[ideas-1], "", http.StatusOK, &tracked)
	if tracked.Status != domain.IdeaMerged || tracked.MergedInto != ids[duplicates-1] {
		t.Fatalf("merged idea tracked: %+v", tracked.Idea)
	}
	eligible := ids[:ideas-duplicates-ineligibles]
	// The admitted idea's file is public; an ineligible idea is not.
	resp = e.do(public, "GET", fmt.Sprintf("/api/v1/public/contests/2026/ideas/%d/files/%d", ids[0], file), "")
	if body := readBody(resp); resp.StatusCode != http.StatusOK || !strings.HasPrefix(body, "%PDF-1.4 lotus") ||
		!strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("idea file: %d %q", resp.StatusCode, body)
	}
	e.json(public, "GET", fmt.Sprintf("/api/v1/public/contests/2026/ideas/%d", ids[ideas-duplicates-1]), "", http.StatusNotFound, nil)

	// Voting: tallies hidden (the default); a vote before the vote opens is
	// refused.
	early := e.voterToken(public, year, "early@example.cn")
	e.json(public, "POST", "/api/v1/public/contests/2026/votes", fmt.Sprintf(`{"idea":%d}`, eligible[0]), http.StatusConflict, nil, "X-Voter-Token", early)
	e.json(office, "POST", "/api/v1/contests/2026/open-voting", `{}`, http.StatusOK, &c)
	if c.Phase != "voting" {
		t.Fatalf("after opening the vote: %s", c.Phase)
	}
	tokens := make([]string, voters)
	parallel(t, voters, 16, func(i int) error {
		contact := fmt.Sprintf("1390%07d", i)
		if i%2 == 1 {
			contact = fmt.Sprintf("voter%d@example.cn", i)
		}
		if code, b, err := e.publicDo(public, "POST", "/api/v1/public/contests/2026/codes", `{"contact":"`+contact+`"}`, ""); err != nil || code != http.StatusAccepted {
			return fmt.Errorf("code %d: %d %s %v", i, code, b, err)
		}
		code, b, err := e.publicDo(public, "POST", "/api/v1/public/contests/2026/verify", `{"contact":"`+contact+`","code":"`+e.codes.code(contact)+`"}`, "")
		if err != nil || code != http.StatusOK {
			return fmt.Errorf("verify %d: %d %s %v", i, code, b, err)
		}
		var v contests.Verified
		if err := jsonDecode(strings.NewReader(string(b)), &v); err != nil {
			return err
		}
		tokens[i] = v.Token
		return nil
	})
	// Voter i casts three votes when i is even and two when odd: 5,000 in
	// all, spread unevenly (popular ideas are the low indexes of a skewed
	// walk), so the tally has a clear order.
	type ballot struct{ voter, idea int }
	var ballots []ballot
	for i := range voters {
		n := 2 + (i+1)%2
		seen := map[int]bool{}
		for k := 0; len(seen) < n; k++ {
			x := (i*31 + k*17 + i*i*7) % 1000
			idea := x * x / 1000 * len(eligible) / 1000 // skewed toward the first ideas
			if !seen[idea] {
				seen[idea] = true
				ballots = append(ballots, ballot{i, idea})
			}
		}
	}
	if len(ballots) != votes {
		t.Fatalf("%d ballots, want %d", len(ballots), votes)
	}
	want := map[int64]int{}
	parallel(t, len(ballots), 32, func(k int) error {
		b := ballots[k]
		code, body, err := e.publicDo(public, "POST", "/api/v1/public/contests/2026/votes", fmt.Sprintf(`{"idea":%d}`, eligible[b.idea]), tokens[b.voter])
		if err != nil || code != http.StatusCreated {
			return fmt.Errorf("vote %d: %d %s %v", k, code, body, err)
		}
		return nil
	})
	for _, b := range ballots {
		want[eligible[b.idea]]++
	}
	// Limits: a second vote for the same idea, a fourth vote, a vote for an
	// idea not admitted, a vote with no verified contact.
	e.json(public, "POST", "/api/v1/public/contests/2026/votes", fmt.Sprintf(`{"idea":%d}`, eligible[ballots[0].idea]), http.StatusConflict, nil, "X-Voter-Token", tokens[0])
	var spare int64
	for _, id := range eligible {
		if !slices.ContainsFunc(ballots[:3], func(b ballot) bool { return eligible[b.idea] == id }) {
			spare = id
			break
		}
	}
	resp = e.do(public, "POST", "/api/v1/public/contests/2026/votes", fmt.Sprintf(`{"idea":%d}`, spare), "X-Voter-Token", tokens[0])
	if body := readBody(resp); resp.StatusCode != http.StatusConflict || !strings.Contains(body, "error.vote_limit") {
		t.Fatalf("fourth vote: %d %s", resp.StatusCode, body)
	}
	e.json(public, "POST", "/api/v1/public/contests/2026/votes", fmt.Sprintf(`{"idea":%d}`, ids[ideas-1]), http.StatusNotFound, nil, "X-Voter-Token", tokens[1])
	e.json(public, "POST", "/api/v1/public/contests/2026/votes", fmt.Sprintf(`{"idea":%d}`, spare), http.StatusUnauthorized, nil)
	var mine contests.MyVotes
	e.json(public, "GET", "/api/v1/public/contests/2026/votes", "", http.StatusOK, &mine, "X-Voter-Token", tokens[0])
	if len(mine.Votes) != 3 || mine.VotesLeft != 0 {
		t.Fatalf("voter 0's votes: %+v", mine)
	}
	var page struct {
		Ideas []domain.Idea `json:"ideas"`
	}
	e.json(public, "GET", "/api/v1/public/contests/2026/ideas", "", http.StatusOK, &page)
	if len(page.Ideas) != len(eligible) || page.Ideas[0].Votes != nil || page.Ideas[0].Contact != "" || page.Ideas[0].Name != "市*" {
		t.Fatalf("vote page: %d ideas, first %+v", len(page.Ideas), page.Ideas[0])
	}
	e.json(public, "GET", "/api/v1/public/contests/2026/ideas?q="+url.QueryEscape("夜间经济"), "", http.StatusOK, &page)
	if len(page.Ideas) == 0 || !strings.Contains(page.Ideas[0].Title, "夜间经济") {
		t.Fatalf("search: %+v", page.Ideas)
	}

	// The vote closes: the shortlist (most votes) goes to the experts.
	e.json(office, "POST", "/api/v1/contests/2026/close-voting", `{}`, http.StatusOK, &c)
	if c.Phase != "review" || len(c.Shortlist) != shortlist || c.Round == "" {
		t.Fatalf("after the vote: phase %s, %d shortlisted, round %q", c.Phase, len(c.Shortlist), c.Round)
	}
	tally := make([]int64, 0, len(want))
	for id := range want {
		tally = append(tally, id)
	}
	slices.SortFunc(tally, func(a, b int64) int { return cmp.Or(-cmp.Compare(want[a], want[b]), cmp.Compare(a, b)) })
	for i, x := range c.Shortlist {
		if x.Idea != tally[i] || x.Votes != want[x.Idea] {
			t.Fatalf("shortlist %d: idea %d with %d votes, want idea %d with %d", i, x.Idea, x.Votes, tally[i], want[tally[i]])
		}
	}

	e.waitRound(office, c.Round, "drawn", func(r roundOut) bool { return r.Phase == "review" })

	// The experts score through their reviews: idea at shortlist place p
	// gets 60 + 3·((p·7) mod 13) from everyone, one expert 10 lower.
	expertScore := map[int]float64{}
	e.scoreAll(experts, shortlist*5, func(expert string, entry domain.Entry) string {
		s := 60 + 3*float64((entry.ID*7)%13)
		expertScore[entry.ID] = s
		if expert == experts[0] {
			s -= 10
		}
		return fmt.Sprintf(`{"scores":{"innovation":%v,"feasibility":%v,"benefit":%v}}`, s, s, s)
	})
	c = e.waitContest(office, year, "ranked", func(c contestOut) bool { return c.Phase == "confirmation" })

	// The combined score, by the test's own arithmetic: the trimmed mean
	// drops the low expert, so each idea's expert score is its common
	// score; 30 % of votes over the most votes plus 70 % of the expert
	// score over the best.
	maxVotes, maxExpert := 0, 0.0
	for _, x := range c.Shortlist {
		maxVotes = max(maxVotes, x.Votes)
		maxExpert = max(maxExpert, expertScore[x.Entry])
	}
	type scored struct {
		idea     int64
		combined float64
		expert   float64
		votes    int
	}
	var expect []scored
	for _, x := range c.Shortlist {
		comb := 30*float64(x.Votes)/float64(maxVotes) + 70*expertScore[x.Entry]/maxExpert
		expect = append(expect, scored{x.Idea, math.Round(comb*100) / 100, expertScore[x.Entry], x.Votes})
	}
	slices.SortStableFunc(expect, func(a, b scored) int {
		return cmp.Or(-cmp.Compare(a.combined, b.combined), -cmp.Compare(a.expert, b.expert), -cmp.Compare(a.votes, b.votes), cmp.Compare(a.idea, b.idea))
	})
	tiers := []string{"first", "second", "second", "third", "third", "third", "excellence", "excellence", "excellence", "excellence"}
	if len(c.Results) != shortlist {
		t.Fatalf("%d results", len(c.Results))
	}
	for i, r := range c.Results {
		tier := ""
		if i < len(tiers) {
			tier = tiers[i]
		}
		if r.Idea != expect[i].idea || math.Abs(r.Combined-expect[i].combined) > 0.011 || r.Tier != tier || r.Rank != i+1 {
			t.Fatalf("result %d: %+v, want idea %d combined %.2f tier %q", i, r, expect[i].idea, expect[i].combined, tier)
		}
	}

	// Confirmation: every awarded idea needs a department; unknown ones are
	// refused. The first five go to finance and the rest to education; one
	// idea without a prize is adopted as well.
	var awarded []int64
	for _, r := range c.Results[:10] {
		awarded = append(awarded, r.Idea)
	}
	deptOf := map[int64]string{}
	var routes []string
	for i, id := range awarded {
		d := "finance"
		if i >= 5 {
			d = "education"
		}
		deptOf[id] = d
		routes = append(routes, fmt.Sprintf(`"%d":%q`, id, d))
	}
	adopted := c.Results[12].Idea
	deptOf[adopted] = "finance"
	resp = e.do(office, "POST", "/api/v1/contests/2026/confirm", `{"routes":{`+strings.Join(routes[1:], ",")+`,"`+strconv.FormatInt(adopted, 10)+`":"nowhere"}}`)
	if body := readBody(resp); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "routes") {
		t.Fatalf("confirm without every award routed: %d %s", resp.StatusCode, body)
	}
	e.json(office, "POST", "/api/v1/contests/2026/confirm", `{"routes":{`+strings.Join(routes, ",")+`,"`+strconv.FormatInt(adopted, 10)+`":"finance"},"reason":"经市改革办审定"}`,
		http.StatusOK, &c)
	if c.Phase != "adoption" || len(c.Adoptions) != 11 {
		t.Fatalf("confirmed: phase %s, %d adoptions", c.Phase, len(c.Adoptions))
	}
	e.json(public, "GET", "/api/v1/public/contests/2026", "", http.StatusOK, &pc)
	if len(pc.Results) != shortlist || pc.Results[0].Tier != "first" {
		t.Fatalf("announcement: %+v", pc.Results)
	}

	// The departments find the ideas in their inboxes.
	type taskRow struct {
		ID     int64  `json:"id"`
		Kind   string `json:"kind"`
		Title  string `json:"title"`
		Status string `json:"status"`
	}
	inbox := func(dept string, kind string) []taskRow {
		var out struct {
			Tasks []taskRow `json:"tasks"`
		}
		e.json(depts[dept], "GET", "/api/v1/tasks?limit=100&source=contest:contest:2026", "", http.StatusOK, &out)
		var open []taskRow
		for _, x := range out.Tasks {
			if x.Kind == kind && x.Status != "accepted" && x.Status != "cancelled" {
				open = append(open, x)
			}
		}
		return open
	}
	deadline := time.Now().Add(30 * time.Second)
	for len(inbox("finance", "feasibility_reply")) < 6 || len(inbox("education", "feasibility_reply")) < 5 {
		if time.Now().After(deadline) {
			t.Fatalf("replies in the inboxes: finance %d, education %d", len(inbox("finance", "feasibility_reply")), len(inbox("education", "feasibility_reply")))
		}
		time.Sleep(100 * time.Millisecond)
	}

	// Finance answers the first prize: feasible, with a plan; the office
	// accepts; the idea's public page shows the reply, and an
	// implementation report follows.
	first := awarded[0]
	c = e.waitContest(office, year, "tasks opened", func(c contestOut) bool {
		for _, a := range c.Adoptions {
			if a.TaskID == 0 {
				return false
			}
		}
		return true
	})
	taskOf := func(c contestOut, idea int64) int64 {
		for _, a := range c.Adoptions {
			if a.Idea == idea {
				return a.TaskID
			}
		}
		return 0
	}
	reply := taskOf(c, first)
	e.json(depts["finance"], "POST", fmt.Sprintf("/api/v1/tasks/%d/submit", reply),
		`{"values":{"feasibility":"可行","reply":"我局已研究，拟于明年一季度试点。","plan":"一季度试点，三季度推广。"}}`, http.StatusOK, nil)
	e.json(office, "POST", fmt.Sprintf("/api/v1/tasks/%d/accept", reply), `{}`, http.StatusOK, nil)
	var shown contests.Tracked
	deadline = time.Now().Add(30 * time.Second)
	for shown.Adoption == nil || shown.Adoption.Status != domain.AdoptionImplementing {
		if time.Now().After(deadline) {
			t.Fatalf("public idea page: %+v", shown.Adoption)
		}
		e.json(public, "GET", fmt.Sprintf("/api/v1/public/contests/2026/ideas/%d", first), "", http.StatusOK, &shown)
		time.Sleep(100 * time.Millisecond)
	}
	if shown.Adoption.Reply != "我局已研究，拟于明年一季度试点。" || shown.Adoption.Department != "finance" || shown.Award == nil || shown.Award.Tier != "first" {
		t.Fatalf("public idea page: %+v %+v", shown.Adoption, shown.Award)
	}
	c = e.waitContest(office, year, "report opened", func(c contestOut) bool { return taskOf(c, first) != 0 })
	e.json(depts["finance"], "POST", fmt.Sprintf("/api/v1/tasks/%d/submit", taskOf(c, first)), `{"values":{"progress":"已在雨湖区完成试点。","done":true}}`,
		http.StatusOK, nil)
	deadline = time.Now().Add(30 * time.Second)
	for shown.Adoption.Status != domain.AdoptionDone {
		if time.Now().After(deadline) {
			t.Fatalf("implemented idea: %+v", shown.Adoption)
		}
		e.json(public, "GET", fmt.Sprintf("/api/v1/public/contests/2026/ideas/%d", first), "", http.StatusOK, &shown)
		time.Sleep(100 * time.Millisecond)
	}
	if len(shown.Adoption.Reports) != 1 || !shown.Adoption.Reports[0].Done {
		t.Fatalf("reports: %+v", shown.Adoption.Reports)
	}
	// The submitter follows the idea by its tracking code too.
	for i, id := range ids {
		if id == first {
			e.json(public, "GET", "/api/v1/public/ideas/"+tracking[i], "", http.StatusOK, &tracked)
		}
	}
	if tracked.Adoption == nil || tracked.Adoption.Status != domain.AdoptionDone {
		t.Fatalf("tracked after implementation: %+v", tracked.Adoption)
	}
}

// Vote integrity under pressure: concurrent votes from one voter never
// pass the limit or vote twice for one idea; an unverified contact is
// refused; wrong codes run out; the rate limits answer 429; the anomaly
// report finds the burst.
func TestContestVoteIntegrity(t *testing.T) {
	cfg := contests.Config{CodesPerContact: 3, VotesPerVoter: 12, VotesPerAddress: 1 << 20, CodesPerAddress: 1 << 20, IdeasPerAddress: 1 << 20,
		IdeasPerContact: 1 << 20, VerifiesPerAddress: 1 << 20, Anomalies: postgresThresholds()}
	e := newEnvWith(t, devtest.Start(t), cfg)
	office, public := e.client("casesoffice"), e.client("")
	e.json(office, "POST", "/api/v1/contests", `{"year":2026,"theme":"测试","rules":{"votes_per_voter":2,"shortlist":0,
		"prizes":[{"code":"first","name_zh":"一等奖","name_en":"First","count":1}]}}`, http.StatusCreated, nil)

	// Codes: a wrong code is refused and counts; five wrong codes spend the
	// code; a fourth code to one contact within the hour is 429.
	e.json(public, "POST", "/api/v1/public/contests/2026/codes", `{"contact":"abc"}`, http.StatusUnprocessableEntity, nil)
	e.json(public, "POST", "/api/v1/public/contests/2026/codes", `{"contact":"guess@example.cn"}`, http.StatusAccepted, nil)
	good := e.codes.code("guess@example.cn")
	wrong := fmt.Sprintf("%06d", (mustAtoi(t, good)+1)%1000000)
	for range 5 {
		e.json(public, "POST", "/api/v1/public/contests/2026/verify", `{"contact":"guess@example.cn","code":"`+wrong+`"}`, http.StatusUnprocessableEntity, nil)
	}
	e.json(public, "POST", "/api/v1/public/contests/2026/verify", `{"contact":"guess@example.cn","code":"`+good+`"}`, http.StatusUnprocessableEntity, nil)
	e.json(public, "POST", "/api/v1/public/contests/2026/codes", `{"contact":"guess@example.cn"}`, http.StatusAccepted, nil)
	e.json(public, "POST", "/api/v1/public/contests/2026/codes", `{"contact":"guess@example.cn"}`, http.StatusAccepted, nil)
	resp := e.do(public, "POST", "/api/v1/public/contests/2026/codes", `{"contact":"guess@example.cn"}`)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("fourth code in the hour: %d", resp.StatusCode)
	}

	// Five ideas, admitted.
	token := e.voterToken(public, 2026, "13900000000")
	var ideas []int64
	for i := range 5 {
		var idea domain.Idea
		e.json(public, "POST", "/api/v1/public/contests/2026/ideas", fmt.Sprintf(`{"name":"李四","category":"economy","title":"创意%d","problem":"问题%d","idea":"办法%d","effect":"效果"}`, i, i, i),
			http.StatusCreated, &idea, "X-Voter-Token", token)
		ideas = append(ideas, idea.ID)
	}
	e.json(office, "POST", "/api/v1/contests/2026/close-submissions", `{}`, http.StatusOK, nil)
	for _, id := range ideas {
		e.json(office, "POST", fmt.Sprintf("/api/v1/contests/2026/ideas/%d/screening", id), `{"decision":"eligible"}`, http.StatusOK, nil)
	}
	e.json(office, "POST", "/api/v1/contests/2026/open-voting", `{}`, http.StatusOK, nil)
	e.json(public, "POST", "/api/v1/public/contests/2026/votes", fmt.Sprintf(`{"idea":%d}`, ideas[0]), http.StatusUnauthorized, nil, "X-Voter-Token", "forged")

	// One voter, twenty concurrent votes over five ideas (four each): two
	// land, on two different ideas.
	voter := e.voterToken(public, 2026, "racer@example.cn")
	var ok, twice, limit atomic.Int32
	parallel(t, 20, 20, func(i int) error {
		code, body, err := e.publicDo(public, "POST", "/api/v1/public/contests/2026/votes", fmt.Sprintf(`{"idea":%d}`, ideas[i%5]), voter)
		switch {
		case err != nil:
			return err
		case code == http.StatusCreated:
			ok.Add(1)
		case code == http.StatusConflict && strings.Contains(string(body), "error.vote_twice"):
			twice.Add(1)
		case code == http.StatusConflict && strings.Contains(string(body), "error.vote_limit"):
			limit.Add(1)
		case code == http.StatusTooManyRequests:
		default:
			return fmt.Errorf("vote: %d %s", code, body)
		}
		return nil
	})
	var mine contests.MyVotes
	e.json(public, "GET", "/api/v1/public/contests/2026/votes", "", http.StatusOK, &mine, "X-Voter-Token", voter)
	if ok.Load() != 2 || len(mine.Votes) != 2 || mine.Votes[0].Idea == mine.Votes[1].Idea || mine.VotesLeft != 0 {
		t.Fatalf("concurrent votes: %d cast (%d twice, %d over the limit), stored %+v", ok.Load(), twice.Load(), limit.Load(), mine)
	}

	// One voter, ten concurrent votes for one idea: one lands.
	same := e.voterToken(public, 2026, "13900000001")
	ok.Store(0)
	parallel(t, 10, 10, func(int) error {
		code, _, err := e.publicDo(public, "POST", "/api/v1/public/contests/2026/votes", fmt.Sprintf(`{"idea":%d}`, ideas[3]), same)
		if code == http.StatusCreated {
			ok.Add(1)
		}
		return err
	})
	e.json(public, "GET", "/api/v1/public/contests/2026/votes", "", http.StatusOK, &mine, "X-Voter-Token", same)
	if ok.Load() != 1 || len(mine.Votes) != 1 || mine.VotesLeft != 1 {
		t.Fatalf("concurrent votes for one idea: %d cast, stored %+v", ok.Load(), mine)
	}

	// The per-voter rate limit: a voter hammering the endpoint gets 429.
	saw429 := false
	for range 30 {
		resp := e.do(public, "POST", "/api/v1/public/contests/2026/votes", fmt.Sprintf(`{"idea":%d}`, ideas[4]), "X-Voter-Token", same)
		if resp.StatusCode == http.StatusTooManyRequests {
			saw429 = resp.Header.Get("Retry-After") != ""
			break
		}
	}
	if !saw429 {
		t.Fatal("no 429 from a voter hammering the vote endpoint")
	}

	// Many fresh contacts from one address, each voting: the anomaly report
	// shows the address and its subnet, and the burst of verifications.
	for i := range 12 {
		tok := e.voterToken(public, 2026, fmt.Sprintf("burst%d@example.cn", i))
		e.json(public, "POST", "/api/v1/public/contests/2026/votes", fmt.Sprintf(`{"idea":%d}`, ideas[i%5]), http.StatusCreated, nil, "X-Voter-Token", tok)
	}
	e.json(public, "GET", "/api/v1/contests/2026/anomalies", "", http.StatusUnauthorized, nil)
	var an domain.VoteAnomalies
	e.json(office, "GET", "/api/v1/contests/2026/anomalies", "", http.StatusOK, &an)
	if len(an.AddressBursts) == 0 || an.AddressBursts[0].Source != "127.0.0.1/32" || an.AddressBursts[0].Votes < 15 ||
		len(an.SubnetBursts) == 0 || an.SubnetBursts[0].Source != "127.0.0.0/24" || len(an.FreshContacts) == 0 || an.FreshContacts[0].Voters < 14 {
		t.Fatalf("anomalies: %+v", an)
	}

	// Nothing partial: the store holds exactly what was accepted.
	n, err := e.store.CountIdeas(context.Background(), 2026)
	if err != nil || n.Total != 5 || n.Eligible != 5 {
		t.Fatalf("ideas stored: %+v %v", n, err)
	}
}

// scoreAll has each expert score their reviews in the running rounds
// (scores gives the body for one entry), once the draw has reached
// /reviews for all of them: want reviews in all.
func (e *env) scoreAll(experts []string, want int, scores func(expert string, entry domain.Entry) string) {
	e.t.Helper()
	type assignment struct {
		ID    string       `json:"id"`
		Entry domain.Entry `json:"entry"`
		Open  bool         `json:"open"`
	}
	byExpert := map[string][]assignment{}
	deadline := time.Now().Add(30 * time.Second)
	for {
		total := 0
		for _, name := range experts {
			var as struct {
				Reviews []assignment `json:"reviews"`
			}
			e.json(e.client(name), "GET", "/api/v1/reviews", "", http.StatusOK, &as)
			byExpert[name] = as.Reviews
			total += len(as.Reviews)
		}
		if total == want {
			break
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("%d reviews drawn, want %d", total, want)
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, name := range experts {
		ec := e.client(name)
		for _, r := range byExpert[name] {
			e.json(ec, "POST", "/api/v1/reviews/"+r.ID+"/scores", scores(name, r.Entry), http.StatusOK, nil)
		}
	}
}

// uploadIdeaFile uploads a file for the voter's next idea and returns its id.
func (e *env) uploadIdeaFile(c *http.Client, token, name string, data []byte) int64 {
	e.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile("file", name)
	if err != nil {
		e.t.Fatal(err)
	}
	fw.Write(data)
	mw.Close()
	req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/public/contests/2026/files", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("X-Voter-Token", token)
	resp, err := c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		e.t.Fatalf("upload: %d %s", resp.StatusCode, readBody(resp))
	}
	var out struct {
		ID int64 `json:"id"`
	}
	if err := jsonDecode(resp.Body, &out); err != nil {
		e.t.Fatal(err)
	}
	return out.ID
}

func postgresThresholds() postgres.AnomalyThresholds {
	return postgres.AnomalyThresholds{Window: 10 * time.Minute, VotesPerAddress: 10, VotesPerSubnet: 10, Contacts: 10}
}

func jsonDecode(r io.Reader, v any) error { return json.NewDecoder(r).Decode(v) }

func mustAtoi(t *testing.T, s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// A code sent by e-mail arrives through a real SMTP server and verifies
// the contact.
func TestContestCodeByEmail(t *testing.T) {
	mailSrv := smtptest.Start(t)
	sender, err := email.New(email.Config{Host: mailSrv.Host(), Port: mailSrv.Port(), TLS: "none", From: "莲城创意 <noreply@lianxi.example>"})
	if err != nil {
		t.Fatal(err)
	}
	e := newEnvWith(t, devtest.Start(t), onetime.Sender(onetime.Codes{Email: sender}))
	office, public := e.client("casesoffice"), e.client("")
	e.json(office, "POST", "/api/v1/contests", `{"year":2026,"theme":"测试"}`, http.StatusCreated, nil)
	// A mobile number has no channel here (no SMS gateway configured).
	resp := e.do(public, "POST", "/api/v1/public/contests/2026/codes", `{"contact":"13800000000"}`)
	if body := readBody(resp); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "validation.contact_unreachable") {
		t.Fatalf("code to a mobile without SMS: %d %s", resp.StatusCode, body)
	}
	var sent onetime.Sent
	e.json(public, "POST", "/api/v1/public/contests/2026/codes", `{"contact":"Citizen@Example.cn"}`, http.StatusAccepted, &sent)
	if sent.Contact != "c***@example.cn" {
		t.Fatalf("sent to %q", sent.Contact)
	}
	msgs := mailSrv.Wait(t, 1, 10*time.Second)
	if len(msgs[0].To) != 1 || msgs[0].To[0] != "citizen@example.cn" {
		t.Fatalf("mail to %v", msgs[0].To)
	}
	code := codeIn(t, msgs[0].Data)
	var v contests.Verified
	e.json(public, "POST", "/api/v1/public/contests/2026/verify", `{"contact":"citizen@example.cn","code":"`+code+`"}`, http.StatusOK, &v)
	if v.Token == "" || v.VotesLeft != 10 {
		t.Fatalf("verified: %+v", v)
	}
	// A code works once.
	e.json(public, "POST", "/api/v1/public/contests/2026/verify", `{"contact":"citizen@example.cn","code":"`+code+`"}`, http.StatusUnprocessableEntity, nil)
}

var sixDigits = regexp.MustCompile(`\b[0-9]{6}\b`)

// codeIn finds the code in a mail's text, whatever its transfer encoding.
func codeIn(t *testing.T, raw []byte) string {
	t.Helper()
	m, err := mail.ReadMessage(strings.NewReader(string(raw)))
	if err != nil {
		t.Fatal(err)
	}
	var body io.Reader = m.Body
	switch strings.ToLower(m.Header.Get("Content-Transfer-Encoding")) {
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, m.Body)
	case "quoted-printable":
		body = quotedprintable.NewReader(m.Body)
	}
	b, err := io.ReadAll(body)
	if err != nil {
		t.Fatal(err)
	}
	code := sixDigits.FindString(string(b))
	if code == "" {
		t.Fatalf("no code in the mail: %s", b)
	}
	return code
}
