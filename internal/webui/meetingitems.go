package webui

import (
	"net/url"
	"slices"
	"strconv"
	"strings"

	"lianxi/internal/domain"
	"lianxi/internal/i18n"
)

// An items field (an agenda call's) shows at least itemRowsShown rows; a
// posted form is read up to maxItemRows rows, past the 20 items the domain
// takes, so that too many is a message rather than items silently lost.
const (
	itemRowsShown = 5
	maxItemRows   = 40
)

// itemRow is one row of an items field: an agenda item as typed (or
// stored), or nothing when the row is left empty.
type itemRow struct {
	Prefix            string // its inputs' names: "values.items.0."
	ID                string // its inputs' ids: "values-items-0-"
	N                 int    // its number, from 1
	Title             string
	Summary           string
	DecisionRequested string
	Files             []option // the task's attachments, those of the item selected
	Errors            map[string]string
}

// postedItems reads the rows of an items field ("values.items.0.title",
// ".summary", ".decision_requested", ".attachments" several times) from a
// form. It returns the items of the rows not left empty, as a task's
// values hold them ([]any of map[string]any), and the row each came from.
func postedItems(f url.Values, input string) (items []any, from []int) {
	rows := 0
	for k := range f {
		if rest, ok := strings.CutPrefix(k, input+"."); ok {
			n, _, _ := strings.Cut(rest, ".")
			if i, err := strconv.Atoi(n); err == nil && i >= 0 && i < maxItemRows {
				rows = max(rows, i+1)
			}
		}
	}
	for i := range rows {
		pre := input + "." + strconv.Itoa(i) + "."
		it := map[string]any{}
		for _, k := range []string{"title", "summary", "decision_requested"} {
			if s := strings.TrimSpace(f.Get(pre + k)); s != "" {
				it[k] = s
			}
		}
		var files []any
		for _, s := range f[pre+"attachments"] {
			// A number that does not parse is no file of the task: left out.
			if id, err := strconv.ParseInt(s, 10, 64); err == nil {
				files = append(files, id)
			}
		}
		if len(files) > 0 {
			it["attachments"] = files
		}
		if len(it) > 0 {
			items = append(items, it)
			from = append(from, i)
		}
	}
	return items, from
}

// itemRowsOf prepares an items field's rows: what was typed when a
// submission comes back refused (each message beside its row's input), else
// the items stored, then empty rows up to itemRowsShown.
func itemRowsOf(t domain.Task, f domain.FormField, form taskForm, files []domain.Attachment) []itemRow {
	input := "values." + f.Name
	var typed []domain.ItemInput
	errs := map[int]map[string]string{}
	if form.Action == "submit" {
		items, from := postedItems(form.All, input)
		for i, it := range items {
			in, _ := domain.ItemsValue([]any{it})
			for len(typed) < from[i] {
				typed = append(typed, domain.ItemInput{})
			}
			typed = append(typed, in...)
		}
		// "values.items[2].attachments[0]" belongs to the row the third item
		// came from.
		for field, msg := range form.Fields {
			rest, ok := strings.CutPrefix(field, input+"[")
			if !ok {
				continue
			}
			n, sub, _ := strings.Cut(rest, "].")
			i, err := strconv.Atoi(n)
			if err != nil || i < 0 || i >= len(from) {
				continue
			}
			sub, _, _ = strings.Cut(sub, "[")
			if errs[from[i]] == nil {
				errs[from[i]] = map[string]string{}
			}
			errs[from[i]][sub] = msg
		}
	} else {
		typed, _ = domain.ItemsValue(t.Values[f.Name])
	}
	rows := make([]itemRow, max(len(typed), itemRowsShown))
	for i := range rows {
		var in domain.ItemInput
		if i < len(typed) {
			in = typed[i]
		}
		row := itemRow{Prefix: input + "." + strconv.Itoa(i) + ".", ID: "values-" + f.Name + "-" + strconv.Itoa(i) + "-", N: i + 1,
			Title: in.Title, Summary: in.Summary, DecisionRequested: in.DecisionRequested, Errors: errs[i]}
		for _, a := range files {
			row.Files = append(row.Files, option{Value: strconv.FormatInt(a.ID, 10), Label: a.Name, Selected: slices.Contains(in.Attachments, a.ID)})
		}
		rows[i] = row
	}
	return rows
}

// shownItems are a submitted items field's items for reading: the rows
// stored, each with the names of its files.
func shownItems(val any, files []domain.Attachment) []itemRow {
	items, err := domain.ItemsValue(val)
	if err != nil {
		return nil
	}
	out := make([]itemRow, len(items))
	for i, in := range items {
		out[i] = itemRow{N: i + 1, Title: in.Title, Summary: in.Summary, DecisionRequested: in.DecisionRequested}
		for _, a := range files {
			if slices.Contains(in.Attachments, a.ID) {
				out[i].Files = append(out[i].Files, option{Value: strconv.FormatInt(a.ID, 10), Label: a.Name, Selected: true})
			}
		}
	}
	return out
}

// meetingField says a field of a meeting's task in the page's language:
// the forms of an agenda call and of an attendance answer come from the
// cycle's workflow with labels in both languages, and the catalogue has
// each field's label, hint and choices ("cycle.form.answer.leave").
func meetingField(lang i18n.Lang, t domain.Task, f *formField) {
	if t.Source.Kind != domain.SourceMeeting {
		return
	}
	key := "cycle.form." + f.Name
	if i18n.Has(lang, key) {
		f.Label = i18n.T(lang, key, nil)
	}
	if i18n.Has(lang, key+".hint") {
		f.Hint = i18n.T(lang, key+".hint", nil)
	}
	for i, o := range f.Choices {
		if i18n.Has(lang, key+"."+o.Value) {
			f.Choices[i].Label = i18n.T(lang, key+"."+o.Value, nil)
		}
	}
}
