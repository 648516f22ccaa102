package seed

import (
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"lianxi/internal/domain"
)

func TestConsultationSections(t *testing.T) {
	c := Consultation()
	var want []string
	for _, p := range []struct {
		key   string
		items int
	}{{"science", 12}, {"product", 8}, {"culture", 10}, {"management", 6}} {
		for i := 0; i <= p.items; i++ {
			want = append(want, p.key+"-"+strconv.Itoa(i))
		}
	}
	if len(want) != 40 {
		t.Fatalf("want list has %d keys", len(want))
	}
	var got []string
	for _, s := range c.Sections {
		got = append(got, s.Key)
		if strings.TrimSpace(s.Heading) == "" || strings.TrimSpace(s.Body) == "" {
			t.Errorf("section %s: heading %q, body of %d bytes", s.Key, s.Heading, len(s.Body))
		}
		if !strings.HasSuffix(s.Key, "-0") {
			if !strings.HasPrefix(s.Body, s.Heading+"。") {
				t.Errorf("section %s: body does not start with its heading %q", s.Key, s.Heading)
			}
			if strings.Contains(s.Heading, "。") || s.Heading[0] >= '0' && s.Heading[0] <= '9' {
				t.Errorf("section %s: heading %q carries its number or a full stop", s.Key, s.Heading)
			}
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("section keys\n got %v\nwant %v", got, want)
	}

	heading := func(key string) string {
		s, ok := c.Section(key)
		if !ok {
			t.Fatalf("no section %s", key)
		}
		return s.Heading
	}
	for key, h := range map[string]string{
		"science-0":    "推进科技创新常态化实施方案（征求意见稿）",
		"product-0":    "推进产品创新常态化实施方案（送审稿）",
		"culture-0":    "推进文化创新常态化实施方案（送审稿）",
		"management-0": "推进管理创新常态化实施方案（送审稿）",
		"science-1":    "大力创建国家创新型城市",
		"science-12":   "建立市科技创新工作联席会议制度",
		"product-8":    "加强市产品创新工作调度",
		"culture-5":    "建立文艺精品创作生产项目机制",
		"culture-10":   "建立市文化创新工作联席会议制度",
		"management-6": "建立管理创新工作联席会议机制",
	} {
		if got := heading(key); got != h {
			t.Errorf("section %s heading %q, want %q", key, got, h)
		}
	}
	if h := heading("management-2"); !strings.HasPrefix(h, "举办湘潭管理创新“莲城创意”大赛") {
		t.Errorf("management-2 heading %q", h)
	}

	body := func(key string) string { s, _ := c.Section(key); return s.Body }
	for _, w := range []struct{ key, part string }{
		{"science-0", "为深入推进创新引领开放崛起战略实施,构建科技创新常态化工作机制"},
		// the restorations of the injected text
		{"science-5", "推动〔原文此处缺字〕、湘乡市加快建设"},
		{"science-12", "联席会议下设办公室,设在市科技局,由市科技局主要负责人兼任办公室主任。"},
		{"science-12", "市教育局、市科技局、市财政局"},
		{"culture-10", "市发改委、市科技局、市经信委"},
		{"management-6", "市教育局、市科技局、市经信委"},
		{"management-6", "每年至少召开一次。会议重点研究管理创新的工作计划、重要活动、政策保障等。"},
		// the second paragraph of culture item 1
		{"culture-1", "“免除入园审核、直接入园”的奖励支持。\n大力支持文化文物单位文化创意产品开发试点工作。"},
	} {
		if !strings.Contains(body(w.key), w.part) {
			t.Errorf("section %s lacks %q", w.key, w.part)
		}
	}
	if b := body("product-8"); !strings.HasSuffix(b, "形成谋创新,抓创新,促创新的合力。") {
		t.Errorf("product-8 ends %q", b)
	}
	if !strings.Contains(c.Notice, "反馈至市科技局办公室") || !strings.HasSuffix(c.Notice, "\n2018年9月26日") {
		t.Errorf("notice %q", c.Notice)
	}
}

// TestConsultationNoInjectedText checks every string of the consultation,
// through its JSON form, for the casino site's name injected into the page.
func TestConsultationNoInjectedText(t *testing.T) {
	c := Consultation()
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch v := v.(type) {
		case string:
			if strings.Contains(v, "\u8461\u4eac") {
				t.Errorf("%s carries injected text", path)
			}
		case map[string]any:
			for k, e := range v {
				walk(path+"."+k, e)
			}
		case []any:
			for i, e := range v {
				walk(path+"["+strconv.Itoa(i)+"]", e)
			}
		}
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	walk("consultation", v)
	if strings.Contains(consultationText, "\u8461\u4eac") {
		t.Error("the embedded text carries injected text")
	}
}

func TestConsultationRecord(t *testing.T) {
	c := Consultation()
	cst := time.FixedZone("CST", 8*3600)
	opens := time.Date(2018, 9, 26, 9, 27, 0, 0, cst)
	closes := time.Date(2018, 9, 29, 9, 27, 0, 0, cst)
	due := time.Date(2018, 9, 29, 17, 30, 0, 0, cst)
	for name, p := range map[string][2]time.Time{
		"opens_at": {c.OpensAt, opens}, "closes_at": {c.ClosesAt, closes}, "feedback_due_at": {c.FeedbackDueAt, due},
		"created_at": {c.CreatedAt, opens}, "closed_at": {c.ClosedAt, due},
	} {
		if !p[0].Equal(p[1]) {
			t.Errorf("%s %v, want %v", name, p[0], p[1])
		}
		if _, off := p[0].Zone(); off != 8*3600 {
			t.Errorf("%s not in UTC+08:00: %v", name, p[0])
		}
	}
	if !c.ClosesAt.After(c.OpensAt) || c.FeedbackDueAt.Before(c.ClosesAt) {
		t.Errorf("window %v – %v, feedback %v", c.OpensAt, c.ClosesAt, c.FeedbackDueAt)
	}
	if !c.Phase.Ended() || c.Phase != domain.ConsultationArchived {
		t.Errorf("phase %s", c.Phase)
	}
	if c.ID != domain.ConsultationID(ConsultationSlug) || c.Slug != ConsultationSlug || c.Committee != "science" || c.Version != 1 {
		t.Errorf("id %q slug %q committee %q version %d", c.ID, c.Slug, c.Committee, c.Version)
	}
	if c.Departments != nil || c.ReplyDays != 10 || c.StartedBy != "system" {
		t.Errorf("departments %v, reply days %d, started by %q", c.Departments, c.ReplyDays, c.StartedBy)
	}
	if c.Contact.Email != "" || c.Contact.Office != "市科技局办公室" {
		t.Errorf("contact %+v", c.Contact)
	}
	wantSteps := []struct {
		phase domain.ConsultationPhase
		at    time.Time
	}{{domain.ConsultationScheduled, opens}, {domain.ConsultationOpen, opens}, {domain.ConsultationReplying, closes}, {domain.ConsultationArchived, due}}
	if len(c.Steps) != len(wantSteps) {
		t.Fatalf("steps %+v", c.Steps)
	}
	for i, w := range wantSteps {
		s := c.Steps[i]
		if s.Phase != domain.Phase(w.phase) || !s.At.Equal(w.at) || s.By != "system" {
			t.Errorf("step %d %+v, want %s at %v", i, s, w.phase, w.at)
		}
	}
	if c.Steps[3].Note == "" {
		t.Error("archived step without its note")
	}
	if r := c.Report; r == nil || !r.PublishedAt.Equal(due) || r.By != "system" || r.Summary == "" || r.Counts != (domain.CommentCounts{}) {
		t.Errorf("report %+v", c.Report)
	}
	if c.Counts != (domain.CommentCounts{}) {
		t.Errorf("counts %+v", c.Counts)
	}

	// As a new consultation published when its window opened, it passes
	// the checks the office's own would.
	n := domain.NewConsultation{Slug: c.Slug, Title: c.Title, Notice: c.Notice, Committee: c.Committee,
		Sections: c.Sections, OpensAt: c.OpensAt, ClosesAt: c.ClosesAt, FeedbackDueAt: c.FeedbackDueAt,
		Contact: c.Contact, ReplyDays: c.ReplyDays}
	if err := n.Validate(c.OpensAt); err != nil {
		t.Errorf("as a new consultation: %v", err)
	}
}

func TestConsultationFreshCopies(t *testing.T) {
	a := Consultation()
	a.Sections[0].Body = "changed"
	a.Report.Summary = "changed"
	if b := Consultation(); b.Sections[0].Body == "changed" || b.Report.Summary == "changed" {
		t.Error("Consultation shares state between calls")
	}
}
