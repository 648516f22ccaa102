package domain

import (
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Role is what a user may do; most roles are scoped to a committee or a
// department. These identifiers appear in the API.
type Role string

// Roles.
const (
	RoleAdmin    Role = "admin"    // runs the installation
	RoleOffice   Role = "office"   // staff of a committee's office (secretariat)
	RoleConvener Role = "convener" // convener of a committee
	RoleLiaison  Role = "liaison"  // a department's liaison (联络员)
	RoleMember   Role = "member"   // staff of a department
	RoleExpert   Role = "expert"   // reviewer of selection entries
)

// Roles lists every role in display order.
var Roles = []Role{RoleAdmin, RoleOffice, RoleConvener, RoleLiaison, RoleMember, RoleExpert}

// Scope says what a role applies to.
type Scope int

// Scopes of roles.
const (
	ScopeNone Scope = iota
	ScopeCommittee
	ScopeDepartment
)

// Scope returns what kind of object the role is scoped to.
func (r Role) Scope() Scope {
	switch r {
	case RoleOffice, RoleConvener:
		return ScopeCommittee
	case RoleLiaison, RoleMember:
		return ScopeDepartment
	}
	return ScopeNone
}

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	for _, x := range Roles {
		if x == r {
			return true
		}
	}
	return false
}

// Grant is one role held by a user, with its scope.
type Grant struct {
	Role       Role `json:"role"`
	Committee  Code `json:"committee,omitempty"`
	Department Code `json:"department,omitempty"`
}

// Validate checks that the grant names exactly the scope its role needs.
// Whether the committee or department exists is checked by storage.
func (g Grant) Validate(field string) error {
	var v Validation
	if !g.Role.Valid() {
		v.Add(field+".role", "validation.unknown_role", map[string]any{"value": g.Role})
		return v.Err()
	}
	switch g.Role.Scope() {
	case ScopeCommittee:
		v.Check(g.Committee != "", field+".committee", "validation.required", nil)
		v.Check(g.Department == "", field+".department", "validation.not_allowed", nil)
	case ScopeDepartment:
		v.Check(g.Department != "", field+".department", "validation.required", nil)
		v.Check(g.Committee == "", field+".committee", "validation.not_allowed", nil)
	default:
		v.Check(g.Committee == "", field+".committee", "validation.not_allowed", nil)
		v.Check(g.Department == "", field+".department", "validation.not_allowed", nil)
	}
	return v.Err()
}

// User is a person with an account.
type User struct {
	ID          int64
	Username    string
	DisplayName string
	Grants      []Grant
	Disabled    bool
	CreatedAt   time.Time
}

// Has reports whether the user holds a role, with any scope.
func (u User) Has(r Role) bool {
	for _, g := range u.Grants {
		if g.Role == r {
			return true
		}
	}
	return false
}

// HasFor reports whether the user holds a role for a committee or department.
// An administrator holds every role everywhere.
func (u User) HasFor(r Role, code Code) bool {
	if u.IsAdmin() {
		return true
	}
	if code == "" {
		return false
	}
	for _, g := range u.Grants {
		if g.Role != r {
			continue
		}
		switch r.Scope() {
		case ScopeCommittee:
			if g.Committee == code {
				return true
			}
		case ScopeDepartment:
			if g.Department == code {
				return true
			}
		}
	}
	return false
}

// IsAdmin reports whether the user administers the installation.
func (u User) IsAdmin() bool { return u.Has(RoleAdmin) }

var usernamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{2,63}$`)

// NormaliseUsername lower-cases and trims a username; usernames compare
// without case.
func NormaliseUsername(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// NewUser is the input that creates a user.
type NewUser struct {
	Username    string  `json:"username"`
	Password    string  `json:"password"`
	DisplayName string  `json:"display_name"`
	Grants      []Grant `json:"roles"`
}

// Validate checks the fields of a new user: username form, password strength,
// display name, each grant's scope.
func (n NewUser) Validate() error {
	var v Validation
	u := NormaliseUsername(n.Username)
	v.Check(usernamePattern.MatchString(u), "username", "validation.username", nil)
	if err := CheckPassword(n.Password, u); err != nil {
		v.fields = append(v.fields, AsError(err).Fields...)
	}
	name := strings.TrimSpace(n.DisplayName)
	v.Check(name != "", "display_name", "validation.required", nil)
	v.Check(utf8.RuneCountInString(name) <= 100, "display_name", "validation.too_long", map[string]any{"max": 100})
	v.Check(PlainText(name), "display_name", "validation.control_chars", nil)
	v.Check(len(n.Grants) <= 20, "roles", "validation.too_many", map[string]any{"max": 20})
	for i, g := range n.Grants {
		if err := g.Validate(indexed("roles", i)); err != nil {
			v.fields = append(v.fields, AsError(err).Fields...)
		}
	}
	return v.Err()
}

// MinPasswordLength is the shortest password accepted.
const MinPasswordLength = 10

// CheckPassword enforces the password policy: at least MinPasswordLength
// characters, at most 200, at least two kinds of character (letters, digits,
// others), and not containing the username.
func CheckPassword(pw, username string) error {
	var v Validation
	n := utf8.RuneCountInString(pw)
	switch {
	case !utf8.ValidString(pw) || strings.ContainsRune(pw, 0):
		v.Add("password", "validation.control_chars", nil)
	case n < MinPasswordLength:
		v.Add("password", "validation.password_short", map[string]any{"min": MinPasswordLength})
	case n > 200:
		v.Add("password", "validation.too_long", map[string]any{"max": 200})
	case classes(pw) < 2:
		v.Add("password", "validation.password_classes", nil)
	case username != "" && strings.Contains(strings.ToLower(pw), strings.ToLower(username)):
		v.Add("password", "validation.password_username", nil)
	}
	return v.Err()
}

func classes(s string) int {
	var letter, digit, other int
	for _, r := range s {
		switch {
		case unicode.IsLetter(r):
			letter = 1
		case unicode.IsDigit(r):
			digit = 1
		default:
			other = 1
		}
	}
	return letter + digit + other
}

func indexed(field string, i int) string {
	return field + "[" + strconv.Itoa(i) + "]"
}
