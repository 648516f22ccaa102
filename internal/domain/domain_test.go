package domain

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func fieldKeys(err error) map[string]string {
	out := map[string]string{}
	if de := AsError(err); de != nil {
		for _, f := range de.Fields {
			out[f.Field] = f.Key
		}
	}
	return out
}

func TestNewUserValidation(t *testing.T) {
	ok := NewUser{Username: "Li.Wei", Password: "Lotus-city-2026", DisplayName: "李伟",
		Grants: []Grant{{Role: RoleOffice, Committee: "science"}, {Role: RoleLiaison, Department: "finance"}, {Role: RoleExpert}}}
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid user refused: %v", err)
	}
	cases := []struct {
		name  string
		edit  func(*NewUser)
		field string
		key   string
	}{
		{"short username", func(u *NewUser) { u.Username = "ab" }, "username", "validation.username"},
		{"username with space", func(u *NewUser) { u.Username = "li wei" }, "username", "validation.username"},
		{"short password", func(u *NewUser) { u.Password = "Ab1-" }, "password", "validation.password_short"},
		{"one kind of character", func(u *NewUser) { u.Password = "abcdefghijkl" }, "password", "validation.password_classes"},
		{"password holds the username", func(u *NewUser) { u.Password = "li.wei-2026!" }, "password", "validation.password_username"},
		{"no display name", func(u *NewUser) { u.DisplayName = "  " }, "display_name", "validation.required"},
		{"control character in name", func(u *NewUser) { u.DisplayName = "李\x00伟" }, "display_name", "validation.control_chars"},
		{"invalid UTF-8 in name", func(u *NewUser) { u.DisplayName = "\xff\xfe" }, "display_name", "validation.control_chars"},
		{"unknown role", func(u *NewUser) { u.Grants = []Grant{{Role: "boss"}} }, "roles[0].role", "validation.unknown_role"},
		{"office without committee", func(u *NewUser) { u.Grants = []Grant{{Role: RoleOffice}} }, "roles[0].committee", "validation.required"},
		{"liaison with committee", func(u *NewUser) {
			u.Grants = []Grant{{Role: RoleExpert}, {Role: RoleLiaison, Department: "tax", Committee: "science"}}
		}, "roles[1].committee", "validation.not_allowed"},
		{"admin with department", func(u *NewUser) { u.Grants = []Grant{{Role: RoleAdmin, Department: "tax"}} }, "roles[0].department", "validation.not_allowed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			u := ok
			c.edit(&u)
			err := u.Validate()
			if KindOf(err) != KindInvalid {
				t.Fatalf("kind %v (%v)", KindOf(err), err)
			}
			if got := fieldKeys(err)[c.field]; got != c.key {
				t.Fatalf("field %s: key %q, want %q (all: %v)", c.field, got, c.key, fieldKeys(err))
			}
		})
	}
}

func TestErrorKinds(t *testing.T) {
	wrapped := fmt.Errorf("loading: %w", NotFound("committee", "x"))
	if KindOf(wrapped) != KindNotFound {
		t.Fatal("kind lost through wrapping")
	}
	if KindOf(errors.New("disk on fire")) != KindInternal {
		t.Fatal("plain errors must be internal")
	}
	var v Validation
	if v.Err() != nil {
		t.Fatal("empty validation is an error")
	}
	v.Check(true, "a", "k", nil)
	v.Check(false, "b", "k", nil)
	if !v.Has("b") || v.Has("a") || KindOf(v.Err()) != KindInvalid {
		t.Fatalf("validation %v", v.Err())
	}
}

func TestRolesAndScopes(t *testing.T) {
	u := User{Grants: []Grant{{Role: RoleLiaison, Department: "finance"}, {Role: RoleOffice, Committee: "science"}}}
	if !u.HasFor(RoleLiaison, "finance") || u.HasFor(RoleLiaison, "tax") || !u.HasFor(RoleOffice, "science") || u.HasFor(RoleOffice, "culture") {
		t.Fatal("scoped roles")
	}
	if u.HasFor(RoleLiaison, "") || u.HasFor(RoleOffice, "") || u.HasFor(RoleLiaison, "science") {
		t.Fatal("an empty or wrong-kind scope matched")
	}
	if u.IsAdmin() || !(User{Grants: []Grant{{Role: RoleAdmin}}}).HasFor(RoleOffice, "culture") {
		t.Fatal("admin")
	}
}

func TestOrganisationAndCommitteeValidation(t *testing.T) {
	if err := (Organisation{Code: "Bad Code", NameZH: "", NameEN: strings.Repeat("x", 201), Kind: "club"}).Validate(); len(fieldKeys(err)) != 4 {
		t.Fatalf("organisation fields %v", fieldKeys(err))
	}
	c := Committee{Code: "science", NameZH: "x", NameEN: "x", Cadence: "weekly", MinPerYear: 13,
		Members: []Organisation{{Code: "tax"}, {Code: "tax"}}}
	f := fieldKeys(c.Validate())
	if f["cadence"] == "" || f["min_per_year"] == "" || f["members"] != "validation.duplicate" {
		t.Fatalf("committee fields %v", f)
	}
	if err := (Merge{Code: "tax", Into: "tax"}).Validate(); fieldKeys(err)["into"] != "validation.merge_self" {
		t.Fatalf("merge into itself: %v", err)
	}
}

func FuzzNewUserValidate(f *testing.F) {
	f.Add("li.wei", "Lotus-city-2026", "李伟", "office", "science", "")
	f.Add("", "", "", "", "", "")
	f.Add("a\x00b", "\xff\xfe", "<script>", "liaison", "", "finance")
	f.Fuzz(func(t *testing.T, username, password, name, role, committee, department string) {
		u := NewUser{Username: username, Password: password, DisplayName: name, Grants: []Grant{{Role: Role(role), Committee: committee, Department: department}}}
		err := u.Validate()
		if err == nil {
			if !usernamePattern.MatchString(NormaliseUsername(username)) || CheckPassword(password, NormaliseUsername(username)) != nil {
				t.Fatalf("accepted a bad user %+v", u)
			}
			return
		}
		de := AsError(err)
		if de == nil || de.Kind != KindInvalid || len(de.Fields) == 0 {
			t.Fatalf("refusal without fields: %v", err)
		}
	})
}
