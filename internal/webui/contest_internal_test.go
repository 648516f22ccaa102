package webui

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"lianxi/internal/contests"
	"lianxi/internal/domain"
	"lianxi/internal/i18n"
	"lianxi/web"
)

// announced is a contest past its announcement: two ideas ranked, the
// first with the first prize, adopted by finance with a reply and a report.
func announced() (domain.Contest, contests.Tracked) {
	at := time.Date(2026, 9, 1, 9, 0, 0, 0, time.UTC)
	votes := 12
	c := domain.Contest{ID: domain.ContestID(2026), Year: 2026, Theme: "服务发展", Committee: contests.Committee, Phase: domain.ContestAdoption,
		Rules: contests.DefaultRules(at, nil), StartedBy: "gg.office", StartedAt: at, ConfirmedBy: "gg.office",
		Steps: []domain.Step{{Phase: domain.Phase(domain.ContestSetup), At: at, By: "gg.office"}, {Phase: domain.Phase(domain.ContestAdoption), At: at, By: "system"}},
		Results: []domain.Award{
			{Idea: 7, Title: "老旧小区加装电梯", Category: "livelihood", Rank: 1, Votes: 30, VoteScore: 100, ExpertScore: 88.5, ExpertNorm: 100, Combined: 100, Tier: "first"},
			{Idea: 9, Title: "夜间经济街区", Category: "economy", Rank: 2, Votes: 12, VoteScore: 40, ExpertScore: 70, ExpertNorm: 79.1, Combined: 67.37},
		},
		Adoptions: []domain.Adoption{{Idea: 7, Title: "老旧小区加装电梯", Department: "finance", Status: domain.AdoptionImplementing, TaskID: 41,
			Reply: "拟于明年一季度试点。", Plan: "一季度试点，三季度推广。", RepliedAt: at,
			Reports: []domain.AdoptionReport{{At: at, Body: "已在雨湖区完成试点。", Done: true}}}},
	}
	award, adoption := c.Results[0], c.Adoptions[0]
	t := contests.Tracked{Idea: domain.Idea{ID: 7, Year: 2026, TrackingCode: "LC2026-ABCDEFGH", Name: "张*", Category: "livelihood",
		Title: "老旧小区加装电梯", Problem: "上下楼难", Proposal: "加装电梯", Effect: "方便老人", Attachments: []int64{3}, Status: domain.IdeaEligible,
		SubmittedAt: at, Votes: &votes}, Award: &award, Adoption: &adoption}
	return c, t
}

// TestContestPagesOfAnAnnouncedContest renders the pages whose announced
// parts the handler tests cannot reach without an expert review — the
// results, an idea's award and reply, the tracking page, the office's
// ranking with and without its confirmation form — in both languages.
func TestContestPagesOfAnAnnouncedContest(t *testing.T) {
	as, err := loadAssets()
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := parseTemplates(web.FS, as)
	if err != nil {
		t.Fatal(err)
	}
	c, tracked := announced()
	for _, lang := range i18n.Langs {
		v := &view{Lang: lang, LangCode: string(lang), Title: "x"}
		n := newContestNames(lang, c.Rules.Categories, c.Rules.Prizes, names{lang: lang, orgs: map[string]string{"finance": "市财政局"}})
		head := contestHead{Year: c.Year, Theme: c.Theme, Phase: c.Phase, PhaseLabel: v.T("contest.phase." + string(c.Phase)), Names: n}
		render := func(page string, data any, want ...string) {
			t.Helper()
			v.Data = data
			var buf bytes.Buffer
			if err := tpl.pages[page].ExecuteTemplate(&buf, "base", v); err != nil {
				t.Fatalf("%s in %s: %v", page, lang, err)
			}
			for _, w := range want {
				if !strings.Contains(buf.String(), w) {
					t.Errorf("%s in %s: no %q", page, lang, w)
				}
			}
			if strings.Contains(buf.String(), "contest.") {
				t.Errorf("%s in %s: a bare key", page, lang)
			}
		}
		results := contestResultsPage{Head: head}
		for _, a := range c.Results {
			results.Awards = append(results.Awards, awardRow{Award: a, URL: ideaURL(c.Year, a.Idea), TierName: n.Tier(a.Tier), Category: n.Category(a.Category)})
		}
		results.Adopted = []adoptedRow{{Title: "老旧小区加装电梯", URL: ideaURL(2026, 7), Department: "市财政局", Status: domain.AdoptionImplementing,
			StatusLabel: v.T("contest.adoption.implementing")}}
		render("contest_results", results, "老旧小区加装电梯", "67.37", n.Tier("first"), "市财政局", v.T("contest.adoption.implementing"))

		outcome := outcomeOf(v, n, tracked)
		render("contest_idea", ideaPageData{Head: head, Idea: tracked, Category: n.Category("livelihood"), Outcome: outcome,
			Files: []option{{Value: "/api/v1/public/contests/2026/ideas/7/files/3", Label: "1"}}},
			"拟于明年一季度试点。", "已在雨湖区完成试点。", v.T("contest.votes", "n", 12), n.Tier("first"), "/files/3")
		render("contest_track", trackPageData{Code: tracked.TrackingCode, Idea: &tracked, Head: head, Outcome: outcome, Submitted: true},
			"LC2026-ABCDEFGH", "一季度试点，三季度推广。")

		for _, confirm := range []bool{true, false} {
			d := managePageData{C: c, Can: contestCan{Office: true, Confirm: confirm}, Depts: []option{{Value: "finance", Label: "市财政局"}},
				Anomalies: domain.VoteAnomalies{WindowMinutes: 10, AddressBursts: []domain.Burst{{Source: "10.0.0.1/32", Votes: 40, Voters: 20}}}, Bursts: true}
			for _, a := range c.Results {
				d.Results = append(d.Results, officeResult(v, n, c, a))
			}
			d.Ideas = []officeIdeaRow{officeIdea(v, n, c, contestCan{Screen: true}, contests.OfficeIdea{Idea: tracked.Idea,
				Similar: []contests.Similar{{Idea: 9, Score: .62}}}, map[int64]string{9: "夜间经济街区"})}
			want := []string{"88.50", "67.37", "10.0.0.1/32", "62%", "/tasks/41"}
			if confirm {
				want = []string{`name="routes.7"`, `name="routes.9"`, `action="/contests/2026/manage/confirm"`}
			}
			render("contest_manage", d, want...)
		}
	}
}

// TestContestMenuEntry shows the contests' entry to the reform office and
// administrators only, and to nobody without the contest service.
func TestContestMenuEntry(t *testing.T) {
	office := domain.User{Username: "gg.office", Grants: []domain.Grant{{Role: domain.RoleOffice, Committee: contests.Committee}}}
	admin := domain.User{Username: "admin", Grants: []domain.Grant{{Role: domain.RoleAdmin}}}
	other := domain.User{Username: "kj.office", Grants: []domain.Grant{{Role: domain.RoleOffice, Committee: "science"}}}
	with, without := &Pages{contests: (*contests.Service)(nil)}, &Pages{}
	for _, c := range []struct {
		p    *Pages
		u    domain.User
		want bool
	}{{with, office, true}, {with, admin, true}, {with, other, false}, {without, office, false}} {
		if got := c.p.menuFor(c.u).Contests; got != c.want {
			t.Errorf("%s with the service %v: entry %v, want %v", c.u.Username, c.p.contests != nil, got, c.want)
		}
	}
}

// TestVoterCookieIsSecureWhenTheSessionIs marks the voter's cookie Secure
// on a request over TLS, as the session cookie is, and not over plain HTTP.
func TestVoterCookieIsSecureWhenTheSessionIs(t *testing.T) {
	for url, want := range map[string]bool{"https://lianxi.example/contests/2026/verify": true, "http://lianxi.example/contests/2026/verify": false} {
		w := httptest.NewRecorder()
		setVoterCookie(w, httptest.NewRequest("POST", url, nil), contests.Verified{Token: "t", ExpiresAt: time.Now().Add(time.Hour)})
		cs := w.Result().Cookies()
		if len(cs) != 1 || cs[0].Secure != want || !cs[0].HttpOnly || cs[0].SameSite != http.SameSiteLaxMode || cs[0].Value != "t" {
			t.Errorf("%s: %+v", url, cs)
		}
	}
}
