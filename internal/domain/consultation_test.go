package domain

import (
	"strings"
	"testing"
	"time"
)

func fieldsOf(err error) map[string]string {
	out := map[string]string{}
	if de := AsError(err); de != nil {
		for _, f := range de.Fields {
			out[f.Field] = f.Key
		}
	}
	return out
}

func TestNewConsultationValidate(t *testing.T) {
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	good := func() NewConsultation {
		return NewConsultation{Slug: "draft-2026", Title: " 方案 ", Committee: "science",
			Sections: []DraftSection{{Key: "1", Heading: "一"}, {Key: "2", Heading: "二", Body: "正文"}},
			OpensAt:  now, ClosesAt: now.Add(72 * time.Hour), Contact: ConsultationContact{Office: "办公室", Email: "Office@Example.cn"}}
	}
	n := good()
	if err := n.Validate(now); err != nil {
		t.Fatal(err)
	}
	if n.Title != "方案" || !n.FeedbackDueAt.Equal(n.ClosesAt) || n.ReplyDays != 10 {
		t.Fatalf("defaults %+v", n)
	}
	c := n.Consultation("office1", now)
	if c.ID != "consultation:draft-2026" || c.Phase != ConsultationScheduled || len(c.Steps) != 1 {
		t.Fatalf("built %+v", c)
	}

	for name, tc := range map[string]struct {
		change func(*NewConsultation)
		field  string
		key    string
	}{
		"slug":             {func(n *NewConsultation) { n.Slug = "Draft 2026" }, "slug", "validation.slug"},
		"slug too short":   {func(n *NewConsultation) { n.Slug = "a" }, "slug", "validation.slug"},
		"no sections":      {func(n *NewConsultation) { n.Sections = nil }, "sections", "validation.required"},
		"duplicate key":    {func(n *NewConsultation) { n.Sections[1].Key = "1" }, "sections[1].key", "validation.duplicate"},
		"bad key":          {func(n *NewConsultation) { n.Sections[0].Key = "第一条" }, "sections[0].key", "validation.section_key"},
		"no heading":       {func(n *NewConsultation) { n.Sections[0].Heading = " " }, "sections[0].heading", "validation.required"},
		"long body":        {func(n *NewConsultation) { n.Sections[1].Body = strings.Repeat("字", MaxSectionChars+1) }, "sections[1].body", "validation.too_long"},
		"closes first":     {func(n *NewConsultation) { n.OpensAt, n.ClosesAt = now.Add(48*time.Hour), now.Add(47*time.Hour) }, "closes_at", "validation.after"},
		"closed already":   {func(n *NewConsultation) { n.OpensAt, n.ClosesAt = now.Add(-48*time.Hour), now.Add(-time.Hour) }, "closes_at", "validation.future"},
		"feedback before":  {func(n *NewConsultation) { n.FeedbackDueAt = n.ClosesAt.Add(-time.Minute) }, "feedback_due_at", "validation.not_before"},
		"no office":        {func(n *NewConsultation) { n.Contact.Office = "" }, "contact.office", "validation.required"},
		"bad e-mail":       {func(n *NewConsultation) { n.Contact.Email = "450455935@" }, "contact.email", "validation.email"},
		"department twice": {func(n *NewConsultation) { n.Departments = []Code{"tax", "tax"} }, "departments[1]", "validation.duplicate"},
		"reply days":       {func(n *NewConsultation) { n.ReplyDays = 61 }, "reply_days", "validation.range"},
	} {
		n := good()
		tc.change(&n)
		if got := fieldsOf(n.Validate(now))[tc.field]; got != tc.key {
			t.Errorf("%s: %s is %q, want %q", name, tc.field, got, tc.key)
		}
	}
}

func TestCommentsAndReplies(t *testing.T) {
	c := Consultation{Sections: []DraftSection{{Key: "s1"}}}
	k := NewComment{Section: " s1 ", Body: "意见", Name: " 张三 "}
	if err := k.Validate(c); err != nil || k.Section != "s1" || k.Name != "张三" {
		t.Fatalf("%+v %v", k, err)
	}
	k = NewComment{Section: "s9", Body: strings.Repeat("长", MaxCommentChars+1)}
	if f := fieldsOf(k.Validate(c)); f["section"] != "validation.section_unknown" || f["body"] != "validation.too_long" {
		t.Fatalf("errors %v", f)
	}
	for _, r := range []CommentReply{{Status: ReplyAdopted}, {Status: ReplyOutOfScope}, {Status: ReplyNotAdopted, Reply: "与上位法冲突"}} {
		if err := r.Validate(); err != nil {
			t.Errorf("%+v: %v", r, err)
		}
	}
	if f := fieldsOf((&CommentReply{Status: ReplyNotAdopted, Reply: "  "}).Validate()); f["reply"] != "validation.reason_required" {
		t.Errorf("not adopted without a reason: %v", f)
	}
	if f := fieldsOf((&CommentReply{Status: "maybe"}).Validate()); f["status"] != "validation.one_of" {
		t.Errorf("unknown status: %v", f)
	}
	if p := (ConsultationComment{Contact: "13800138000", RepliedBy: "office1", Body: "x"}).Public(); p.Contact != "" || p.RepliedBy != "" || p.Body != "x" {
		t.Errorf("public %+v", p)
	}
}

// The window takes comments from its opening, inclusive, to its closing,
// exclusive, and never once the consultation has moved on.
func TestConsultationWindow(t *testing.T) {
	opens := time.Date(2018, 9, 26, 9, 27, 0, 0, time.UTC)
	c := Consultation{Phase: ConsultationOpen, OpensAt: opens, ClosesAt: opens.Add(72 * time.Hour)}
	for at, want := range map[time.Time]bool{opens.Add(-time.Second): false, opens: true, c.ClosesAt.Add(-time.Nanosecond): true, c.ClosesAt: false} {
		if c.Accepting(at) != want {
			t.Errorf("accepting at %v: %v", at, !want)
		}
	}
	c.Phase = ConsultationCancelled
	if c.Accepting(opens.Add(time.Hour)) {
		t.Error("a cancelled consultation takes comments")
	}
}

// A department's comment task: comments on known sections, or none, not
// both and not neither.
func TestDraftCommentsSubmission(t *testing.T) {
	task := Task{Kind: KindDraftComments, Source: TaskSource{Kind: SourceConsultation, ID: "consultation:x"},
		Form: ConsultationForm(Consultation{Sections: []DraftSection{{Key: "s1"}, {Key: "s2"}}})}
	if !task.ClosesOnSubmit() {
		t.Error("a comment task waits for acceptance")
	}
	ok := []map[string]any{
		{"comments": []any{map[string]any{"section": "s2", "body": "意见"}, map[string]any{"section": "", "body": "全文意见"}}},
		{"no_comments": true},
	}
	for _, v := range ok {
		if err := task.ValidateSubmission(v); err != nil {
			t.Errorf("%v: %v", v, err)
		}
	}
	for v, field := range map[*map[string]any]string{
		{}: "values.comments",
		{"comments": []any{map[string]any{"section": "s1", "body": "x"}}, "no_comments": true}: "values.no_comments",
		{"comments": []any{map[string]any{"section": "s9", "body": "x"}}}:                      "values.comments[0].section",
		{"comments": []any{map[string]any{"section": "s1", "body": ""}}}:                       "values.comments[0].body",
		{"comments": []any{map[string]any{"section": "s1", "body": "x", "extra": 1}}}:          "values.comments",
		{"comments": "一条意见"}: "values.comments",
	} {
		if _, ok := fieldsOf(task.ValidateSubmission(*v))[field]; !ok {
			t.Errorf("%v: no error on %s: %v", *v, field, task.ValidateSubmission(*v))
		}
	}
}
