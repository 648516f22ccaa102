package domain

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

// A period either is refused or reads back as a year in range, and a
// special sitting's name stays within the period.
func FuzzPeriod(f *testing.F) {
	for _, s := range []string{"2026H1", "2026H2", "2026", "2026-flood-control", "1899H1", "2026H3", "2026-", "2026-A", "２０２６H1", "2026H1\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p := Period(s)
		if !p.Valid() {
			return
		}
		if y := p.Year(); y < 1900 || y > 2199 {
			t.Fatalf("%q: year %d", s, y)
		}
		if p.Special() != strings.Contains(s, "-") || strings.ContainsAny(s, " \n\t") {
			t.Fatalf("%q: special %v", s, p.Special())
		}
	})
}

// A contact is refused, or normalised to a form that normalises to
// itself, is a mainland mobile number or a lower-case address, and masks
// without showing it whole.
func FuzzNormaliseContact(f *testing.F) {
	for _, s := range []string{"13800138000", "+86 138-0013-8000", "008613800138000", "A@Example.cn", "a@b", "12345", "", " a@example.cn ", "<a@example.cn>", "名字@例子.中国"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, email, err := NormaliseContact("contact", s)
		if err != nil {
			return
		}
		again, email2, err := NormaliseContact("contact", c)
		if err != nil || again != c || email2 != email {
			t.Fatalf("%q → %q → %q, %v", s, c, again, err)
		}
		if email != strings.Contains(c, "@") || !email && len(c) != 11 || email && c != strings.ToLower(c) {
			t.Fatalf("%q → %q (email %v)", s, c, email)
		}
		if m := MaskContact(c); m == c || !utf8.ValidString(m) {
			t.Fatalf("%q masks to %q", c, m)
		}
	})
}

// Whatever JSON a submission carries, checking it against a form answers
// without panicking, and an accepted value has its field's type.
func FuzzValidateValues(f *testing.F) {
	for _, s := range []string{`{}`, `{"topic":"x","pages":3}`, `{"items":[{"title":"t","summary":"s"}]}`,
		`{"comments":[{"section":"s1","body":"b"}],"no_comments":false}`, `{"comments":"x"}`, `{"when":"2026-02-30"}`, `{"choice":"是"}`, `{"flag":"yes"}`, `[1]`} {
		f.Add(s)
	}
	form := []FormField{
		{Name: "topic", Type: FieldText}, {Name: "pages", Type: FieldNumber}, {Name: "when", Type: FieldDate},
		{Name: "choice", Type: FieldSelect, Options: []string{"是", "否"}}, {Name: "flag", Type: FieldBoolean},
		{Name: "items", Type: FieldItems}, {Name: "comments", Type: FieldComments, Options: []string{"s1", "s2"}}, {Name: "no_comments", Type: FieldBoolean},
	}
	f.Fuzz(func(t *testing.T, s string) {
		var values map[string]any
		if json.Unmarshal([]byte(s), &values) != nil {
			return
		}
		if err := ValidateValues(form, values); err != nil {
			if AsError(err) == nil || KindOf(err) != KindInvalid {
				t.Fatalf("%s: %v is not a validation error", s, err)
			}
			return
		}
		if v, ok := values["comments"]; ok && v != nil && v != "" {
			cs, err := CommentsValue(v)
			if err != nil {
				t.Fatalf("%s: accepted comments do not read: %v", s, err)
			}
			for _, c := range cs {
				if strings.TrimSpace(c.Body) == "" || c.Section != "" && c.Section != "s1" && c.Section != "s2" {
					t.Fatalf("%s: accepted comment %+v", s, c)
				}
			}
		}
	})
}
