package webui

import (
	"reflect"
	"testing"
)

// A department's comments typed in the task page: one per paragraph, a
// section's key and a colon (either width) put it on that section, an
// unknown key leaves it on the whole draft; the text shown back reads the
// same.
func TestPostedComments(t *testing.T) {
	sections := []string{"science-1", "science-2"}
	got := postedComments("同意总体框架。\r\n\r\nscience-1：建议明确资金来源。\n\n  \n\nscience-2: 建议每季度召开。\n\nscience-9：不是条目\n", sections)
	want := []any{
		map[string]any{"section": "", "body": "同意总体框架。"},
		map[string]any{"section": "science-1", "body": "建议明确资金来源。"},
		map[string]any{"section": "science-2", "body": "建议每季度召开。"},
		map[string]any{"section": "", "body": "science-9：不是条目"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v", got)
	}
	if again := postedComments(commentsText(got), sections); !reflect.DeepEqual(again, want) {
		t.Fatalf("shown back and posted again: %v", again)
	}
	if postedComments(" \n\n ", sections) != nil {
		t.Fatal("blank text is a value")
	}
}

// Whatever a department types into the comments field, each comment read
// from it has a body and a known section or none, and showing them back
// reads the same comments again.
func FuzzPostedComments(f *testing.F) {
	for _, s := range []string{"意见", "s1：意见\n\n全文意见", "s2: x\r\n\r\ns9：y", "\n\n\n", "s1：", "s1：s2：z", "：x"} {
		f.Add(s)
	}
	sections := []string{"s1", "s2"}
	f.Fuzz(func(t *testing.T, raw string) {
		got := postedComments(raw, sections)
		for _, c := range got {
			m := c.(map[string]any)
			body, section := m["body"].(string), m["section"].(string)
			if body == "" && section == "" || section != "" && section != "s1" && section != "s2" {
				t.Fatalf("%q: comment %v", raw, m)
			}
		}
		if again := postedComments(commentsText(got), sections); len(again) != len(got) {
			t.Fatalf("%q: %d comments, %d after showing them back", raw, len(got), len(again))
		}
	})
}
