package webui

import (
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"lianxi/internal/domain"
)

// blankLine separates paragraphs: a line with nothing but spaces between
// two line ends.
var blankLine = regexp.MustCompile(`\n\s*\n`)

// postedComments reads a comments field typed as text: one comment per
// paragraph (paragraphs are separated by a blank line); a paragraph that
// begins with a section's key and a colon ("science-1：…") is on that
// section, any other on the whole draft. Nothing typed is no value.
func postedComments(raw string, sections []string) []any {
	var out []any
	for _, para := range paragraphs(raw) {
		section := ""
		if i := strings.IndexAny(para, ":："); i > 0 {
			if key := strings.TrimSpace(para[:i]); slices.Contains(sections, key) {
				_, size := utf8.DecodeRuneInString(para[i:])
				section, para = key, strings.TrimSpace(para[i+size:])
			}
		}
		out = append(out, map[string]any{"section": section, "body": para})
	}
	return out
}

// paragraphs splits typed text into its paragraphs (separated by blank
// lines, whatever the line ends), trimmed, none empty.
func paragraphs(raw string) []string {
	var out []string
	raw = strings.NewReplacer("\r\n", "\n", "\r", "\n").Replace(raw)
	for _, para := range blankLine.Split(raw, -1) {
		if para = strings.TrimSpace(para); para != "" {
			out = append(out, para)
		}
	}
	return out
}

// commentsText shows stored comments as the field's text: the form
// postedComments reads.
func commentsText(val any) string {
	comments, err := domain.CommentsValue(val)
	if err != nil {
		return ""
	}
	paras := make([]string, len(comments))
	for i, k := range comments {
		paras[i] = k.Body
		if k.Section != "" {
			paras[i] = k.Section + "：" + k.Body
		}
	}
	return strings.Join(paras, "\n\n")
}
