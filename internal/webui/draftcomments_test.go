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
