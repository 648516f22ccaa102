package domain

import (
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Code is a stable identifier of an organisation or committee: it appears in
// URLs, the API and seed data and never changes when a name does.
type Code = string

var codePattern = regexp.MustCompile(`^[a-z][a-z0-9-]{1,62}$`)

// ValidCode reports whether s is a well-formed code.
func ValidCode(s string) bool { return codePattern.MatchString(s) }

// OrgKind says what an organisation is.
type OrgKind string

// Organisation kinds.
const (
	OrgDepartment OrgKind = "department" // a municipal department that can sit on committees
	OrgOther      OrgKind = "other"      // a body named as host or participant (newspaper, museum, park)
)

// Organisation is a department or other body. Government reorganisations
// rename and merge departments; the code stays, so tasks and records filed under
// an old name are never lost. A merged organisation points at the one that
// absorbed it.
type Organisation struct {
	Code       Code
	NameZH     string
	NameEN     string
	Kind       OrgKind
	MergedInto Code // empty unless merged
	History    []OrgEvent
}

// Active reports whether the organisation still exists in its own right.
func (o Organisation) Active() bool { return o.MergedInto == "" }

// Name returns the name in the given language ("en" or Chinese otherwise).
func (o Organisation) Name(lang string) string { return pick(lang, o.NameZH, o.NameEN) }

// OrgEventKind is what happened to an organisation.
type OrgEventKind string

// Organisation events.
const (
	OrgCreated OrgEventKind = "created"
	OrgRenamed OrgEventKind = "renamed"
	OrgMerged  OrgEventKind = "merged"
)

// OrgEvent is one entry of an organisation's history: a rename keeps the old
// names; a merge names the organisation it went into.
type OrgEvent struct {
	Kind      OrgEventKind
	At        time.Time
	OldNameZH string
	OldNameEN string
	NewNameZH string
	NewNameEN string
	Target    Code // for merges
	Note      string
}

// Validate checks an organisation before it is stored.
func (o Organisation) Validate() error {
	var v Validation
	v.Check(ValidCode(o.Code), "code", "validation.code", nil)
	checkName(&v, "name_zh", o.NameZH)
	checkName(&v, "name_en", o.NameEN)
	v.Check(o.Kind == OrgDepartment || o.Kind == OrgOther, "kind", "validation.one_of", map[string]any{"values": "department, other"})
	return v.Err()
}

// Rename is a request to give an organisation a new name.
type Rename struct {
	Code   Code
	NameZH string
	NameEN string
	Note   string
}

// Validate checks a rename request.
func (r Rename) Validate() error {
	var v Validation
	checkName(&v, "name_zh", r.NameZH)
	checkName(&v, "name_en", r.NameEN)
	v.Check(utf8.RuneCountInString(r.Note) <= 500, "note", "validation.too_long", map[string]any{"max": 500})
	v.Check(PlainText(r.Note), "note", "validation.control_chars", nil)
	return v.Err()
}

// Merge is a request to fold one organisation into another.
type Merge struct {
	Code Code
	Into Code
	Note string
}

// Validate checks a merge request.
func (m Merge) Validate() error {
	var v Validation
	v.Check(ValidCode(m.Into), "into", "validation.code", nil)
	v.Check(m.Into != m.Code, "into", "validation.merge_self", nil)
	v.Check(utf8.RuneCountInString(m.Note) <= 500, "note", "validation.too_long", map[string]any{"max": 500})
	v.Check(PlainText(m.Note), "note", "validation.control_chars", nil)
	return v.Err()
}

func checkName(v *Validation, field, s string) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		v.Add(field, "validation.required", nil)
	case utf8.RuneCountInString(s) > 200:
		v.Add(field, "validation.too_long", map[string]any{"max": 200})
	case !PlainText(s):
		v.Add(field, "validation.control_chars", nil)
	}
}

// PlainText reports whether s is valid UTF-8 without control characters
// (tabs and line breaks included): what a one-line field may hold, and what
// PostgreSQL can store.
func PlainText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
}

func pick(lang, zh, en string) string {
	if lang == "en" && en != "" {
		return en
	}
	return zh
}
