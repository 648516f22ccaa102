package webui

import (
	"net/url"
	"reflect"
	"strings"
	"testing"

	"lianxi/internal/domain"
	"lianxi/internal/i18n"
)

func TestPostedItemsDropEmptyRowsAndKeepTheirOrigin(t *testing.T) {
	f := url.Values{
		"values.items.0.title":       {"  "},
		"values.items.1.summary":     {"说明"},
		"values.items.2.title":       {" 议题 "},
		"values.items.2.attachments": {"3", "x", "4"},
		"values.items.99.title":      {"past the rows read"},
		"values.no_items":            {"true"},
	}
	items, from := postedItems(f, "values.items")
	want := []any{
		map[string]any{"summary": "说明"},
		map[string]any{"title": "议题", "attachments": []any{int64(3), int64(4)}},
	}
	if !reflect.DeepEqual(items, want) || !reflect.DeepEqual(from, []int{1, 2}) {
		t.Fatalf("items %v from %v", items, from)
	}
	// What the task's validator reads from them: the first has no title.
	in, err := domain.ItemsValue(items)
	if err != nil || len(in) != 2 || in[1].Attachments[1] != 4 {
		t.Fatalf("%+v %v", in, err)
	}
	if items, _ := postedItems(url.Values{"values.items.0.title": {""}}, "values.items"); items != nil {
		t.Errorf("only empty rows gave %v", items)
	}
}

func TestItemRowsPutMessagesOnTheRowTyped(t *testing.T) {
	task := domain.Task{Source: domain.TaskSource{Kind: domain.SourceMeeting}, Form: domain.AgendaForm()}
	posted := url.Values{"values.items.1.summary": {"说明"}, "values.items.3.title": {"议题"}, "values.items.3.attachments": {"7"}}
	form := taskForm{Action: "submit", All: posted, Fields: map[string]string{
		"values.items[0].title": "必须填写。", "values.items[1].attachments[0]": "没有这个附件。", "values.items": "整体",
	}}
	files := []domain.Attachment{{ID: 7, Name: "方案.pdf"}, {ID: 8, Name: "附表.xlsx"}}
	fields := fieldsOf(i18n.ZH, task, form, files)
	rows := fields[0].Rows
	if len(rows) != itemRowsShown || fields[0].Error != "整体" || fields[0].Label != "议题" {
		t.Fatalf("%d rows, field error %q, label %q", len(rows), fields[0].Error, fields[0].Label)
	}
	if rows[1].Errors["title"] != "必须填写。" || rows[1].Summary != "说明" || rows[0].Errors != nil {
		t.Errorf("row 1: %+v", rows[1])
	}
	if rows[3].Errors["attachments"] != "没有这个附件。" || rows[3].Title != "议题" || !rows[3].Files[0].Selected || rows[3].Files[1].Selected {
		t.Errorf("row 3: %+v", rows[3])
	}
	if fields[1].Label != "本次无议题" {
		t.Errorf("no_items label %q", fields[1].Label)
	}
}

func TestRefusedFormRenamesFields(t *testing.T) {
	var v domain.Validation
	v.Add("reject[0].reason", "validation.required", nil)
	v.Add("order", "validation.agenda_empty", nil)
	v.Add("order[0]", "validation.item_closed", map[string]any{"value": 4})
	v.Add("order[0]", "validation.duplicate", map[string]any{"value": 4})
	rename := renames(map[string]string{"reject[0].reason": "item.7.reason", "order": "", "order[0]": "item.4.place"})
	f := refusedForm(i18n.ZH, "compile", url.Values{"x": {"1"}}, v.Err(), rename)
	if f.Fields["item.7.reason"] != "必须填写。" || f.Fields["order"] != "" {
		t.Errorf("fields %v", f.Fields)
	}
	if !strings.Contains(f.Error, "议程至少要有一个议题") {
		t.Errorf("a message without an input is not at the top: %q", f.Error)
	}
	if msg := f.Fields["item.4.place"]; !strings.Contains(msg, "已被合并") || !strings.Contains(msg, "“4”重复") {
		t.Errorf("two messages of one input: %q", msg)
	}
}

func TestDecisionRows(t *testing.T) {
	for _, c := range []struct {
		asked, posted string
		want          int
	}{{"", "", decisionRowsDefault}, {"12", "", 12}, {"1000", "", maxDecisionRows}, {"x", "9", 9}, {"2", "", decisionRowsDefault}} {
		refused := cycleForm{Action: "record", Values: url.Values{"decision_rows": {c.posted}}}
		if got := decisionRowsOf(c.asked, refused); got != c.want {
			t.Errorf("asked %q posted %q: %d rows, want %d", c.asked, c.posted, got, c.want)
		}
	}
}
