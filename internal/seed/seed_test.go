package seed

import (
	"strings"
	"testing"
)

func TestCommitteesMatchThePlans(t *testing.T) {
	want := map[string]int{"science": 29, "culture": 12, "management": 11, "product": 0}
	orgs := map[string]bool{}
	for _, o := range Organisations() {
		if err := o.Validate(); err != nil {
			t.Errorf("organisation %s: %v", o.Code, err)
		}
		if orgs[o.Code] {
			t.Errorf("organisation %s twice", o.Code)
		}
		orgs[o.Code] = true
	}
	for _, c := range Committees() {
		if err := c.Validate(); err != nil {
			t.Errorf("committee %s: %v", c.Code, err)
		}
		if got := len(c.Members); got != want[c.Code] {
			t.Errorf("committee %s has %d members, want %d", c.Code, got, want[c.Code])
		}
		for _, m := range c.Members {
			if !orgs[m.Code] {
				t.Errorf("committee %s: member %s is not an organisation", c.Code, m.Code)
			}
		}
		if c.OfficeHost != nil && !orgs[c.OfficeHost.Code] {
			t.Errorf("committee %s: office host %s unknown", c.Code, c.OfficeHost.Code)
		}
		delete(want, c.Code)
	}
	if len(want) != 0 {
		t.Errorf("committees missing: %v", want)
	}
}

func TestNoInjectedText(t *testing.T) {
	for _, o := range Organisations() {
		if strings.Contains(o.NameZH, "\u8461\u4eac") {
			t.Errorf("organisation %s carries injected text", o.Code)
		}
	}
}
