package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"lianxi/internal/auth"
	"lianxi/internal/calendar"
	"lianxi/internal/domain"
)

// committeeCadence is the part of a committee the cadence tests read.
type committeeCadence struct {
	Code           string               `json:"code"`
	Cadence        string               `json:"cadence"`
	MinPerYear     int                  `json:"min_per_year"`
	AgendaLeadDays int                  `json:"agenda_lead_days"`
	Settings       domain.CycleSettings `json:"settings"`
	MemberCount    int                  `json:"member_count"`
	CadenceWarning *bool                `json:"cadence_warning"`
	CadenceYear    *struct {
		Year        int    `json:"year"`
		Held        int    `json:"held"`
		MinPerYear  int    `json:"min_per_year"`
		Short       bool   `json:"short"`
		WarningFrom string `json:"warning_from"`
		Warning     bool   `json:"warning"`
	} `json:"cadence_year"`
}

func (e *env) committee(c *http.Client, code string) committeeCadence {
	e.t.Helper()
	resp := e.do(c, "GET", "/api/v1/committees/"+code, "")
	if resp.StatusCode != http.StatusOK {
		e.t.Fatalf("get %s: %d", code, resp.StatusCode)
	}
	return decodeBody[committeeCadence](e.t, resp)
}

func TestOfficeChangesTheCadence(t *testing.T) {
	e := newEnv(t)
	office, admin, liaison, culture := e.client("office1"), e.client("admin"), e.client("liaison1"), e.client("cultureoffice")

	// The seed's cadence, the default lead and spans.
	sci := e.committee(office, "science")
	if sci.Cadence != "half-yearly" || sci.MinPerYear != 0 || sci.AgendaLeadDays != 20 || sci.Settings != domain.DefaultCycleSettings || sci.MemberCount != 29 {
		t.Fatalf("science %+v", sci)
	}

	body := `{"cadence":"yearly","min_per_year":1,"agenda_lead_days":15,"settings":{"agenda_days":12,"attendance_days":4,"report_every_months":2,"report_days":6}}`
	resp := e.do(office, "PUT", "/api/v1/committees/science/cadence", body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("put: %d", resp.StatusCode)
	}
	got := decodeBody[committeeCadence](t, resp)
	want := domain.CycleSettings{AgendaDays: 12, AttendanceDays: 4, ReportEveryMonths: 2, ReportDays: 6}
	if got.Cadence != "yearly" || got.MinPerYear != 1 || got.AgendaLeadDays != 15 || got.Settings != want || got.CadenceYear == nil {
		t.Fatalf("answer %+v", got)
	}
	if again := e.committee(liaison, "science"); again.Cadence != "yearly" || again.AgendaLeadDays != 15 || again.Settings != want {
		t.Fatalf("read back %+v", again)
	}
	// The spans are what the next cycle runs on.
	if set, err := e.store.CycleSettings(context.Background(), "science"); err != nil || set != want {
		t.Fatalf("cycle settings %+v %v", set, err)
	}

	// An administrator may too; spans left out go back to the defaults.
	resp = e.do(admin, "PUT", "/api/v1/committees/science/cadence", `{"cadence":"half-yearly","min_per_year":0,"agenda_lead_days":0}`)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("admin put: %d", resp.StatusCode)
	}
	if got := decodeBody[committeeCadence](t, resp); got.Cadence != "half-yearly" || got.AgendaLeadDays != 0 || got.Settings != domain.DefaultCycleSettings {
		t.Fatalf("admin answer %+v", got)
	}

	// Only the committee's office and administrators.
	problem(t, e.do(culture, "PUT", "/api/v1/committees/science/cadence", body), http.StatusForbidden)
	problem(t, e.do(liaison, "PUT", "/api/v1/committees/science/cadence", body), http.StatusForbidden)
	problem(t, e.do(e.client(""), "PUT", "/api/v1/committees/science/cadence", body), http.StatusUnauthorized)
	problem(t, e.do(admin, "PUT", "/api/v1/committees/nosuch/cadence", body), http.StatusNotFound)

	// Each change is audited with what was set.
	recs, err := e.store.RecentAudit(context.Background(), 100)
	if err != nil {
		t.Fatal(err)
	}
	var set []string
	for _, r := range recs {
		if r.Action == "cadence.set" {
			if r.Object != "committee:science" || r.Result != domain.AuditOK {
				t.Errorf("record %+v", r)
			}
			set = append(set, r.Actor+":"+r.Detail["cadence"]+":"+r.Detail["agenda_lead_days"])
		}
	}
	slices.Sort(set)
	if !slices.Equal(set, []string{"admin:half-yearly:0", "office1:yearly:15"}) {
		t.Fatalf("audited %v", set)
	}
}

func TestBadCadenceIsRefusedFieldByField(t *testing.T) {
	e := newEnv(t)
	office := e.client("office1")
	before := e.committee(office, "science")
	for _, c := range []struct {
		body   string
		fields []string
	}{
		{`{"cadence":"weekly","min_per_year":13,"agenda_lead_days":121,"settings":{"agenda_days":0,"attendance_days":3,"report_every_months":13,"report_days":5}}`,
			[]string{"agenda_lead_days", "cadence", "min_per_year", "settings.agenda_days", "settings.report_every_months"}},
		{`{}`, []string{"agenda_lead_days", "cadence", "min_per_year"}},
		{`{"cadence":"as-needed","min_per_year":-1,"agenda_lead_days":-3}`, []string{"agenda_lead_days", "min_per_year"}},
		{`{"cadence":"half-yearly","min_per_year":1,"agenda_lead_days":20,"settings":{"agenda_days":10}}`,
			[]string{"settings.attendance_days", "settings.report_days", "settings.report_every_months"}},
	} {
		p := problem(t, e.do(office, "PUT", "/api/v1/committees/science/cadence?lang=en", c.body), http.StatusUnprocessableEntity)
		var got []string
		for _, f := range p.Errors {
			if f.Message == "" {
				t.Errorf("%s: %s without a message", c.body, f.Field)
			}
			got = append(got, f.Field)
		}
		slices.Sort(got)
		if !slices.Equal(got, c.fields) {
			t.Errorf("%s: fields %v, want %v", c.body, got, c.fields)
		}
	}
	problem(t, e.do(office, "PUT", "/api/v1/committees/science/cadence", `{"cadence":"yearly","min_per_year":1,"agenda_lead_days":20,"every":"week"}`), http.StatusBadRequest)
	// Nothing changed.
	if after := e.committee(office, "science"); after.Cadence != before.Cadence || after.AgendaLeadDays != before.AgendaLeadDays || after.Settings != before.Settings {
		t.Fatalf("changed by refused requests: %+v", after)
	}
}

func TestCommitteeShowsItsYearAgainstItsMinimum(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if _, err := e.auth.CreateUser(ctx, auth.System, domain.NewUser{Username: "mgmtoffice", DisplayName: "改革办", Password: password,
		Grants: []domain.Grant{{Role: domain.RoleOffice, Committee: "management"}}}, auth.Meta{}); err != nil {
		t.Fatal(err)
	}
	office := e.client("mgmtoffice")
	now := time.Now()
	today := calendar.DateOf(now)

	// Management must sit at least once a year and has not: short; warned
	// once the span before the year's end has begun.
	m := e.committee(office, "management")
	y := m.CadenceYear
	if m.CadenceWarning == nil || y == nil || y.Year != today.Year || y.Held != 0 || y.MinPerYear != 1 || !y.Short {
		t.Fatalf("management %+v %+v", m, y)
	}
	from, err := calendar.ParseDate(y.WarningFrom)
	if err != nil || from.Year != today.Year || from.Month < time.October {
		t.Fatalf("warning from %q", y.WarningFrom)
	}
	if want := !today.Before(from); *m.CadenceWarning != want || y.Warning != want {
		t.Fatalf("warning %v on %s (from %s)", *m.CadenceWarning, today, from)
	}

	// A cycle of the year counts; a cancelled one does not.
	mgmt, err := e.store.GetCommittee(ctx, "management")
	if err != nil {
		t.Fatal(err)
	}
	in := domain.NewCycle{Period: domain.Period(fmt.Sprintf("%dH1", today.Year))}
	c := domain.StartCycle(mgmt, in, domain.DefaultCycleSettings, nil, "mgmtoffice", now, now.Add(240*time.Hour))
	if err := e.store.StartCycle(ctx, c, domain.AuditRecord{Actor: "mgmtoffice", Action: "meeting.start", Result: domain.AuditOK},
		func() error { return nil }); err != nil {
		t.Fatal(err)
	}
	if m := e.committee(office, "management"); m.CadenceYear.Held != 1 || m.CadenceYear.Short || *m.CadenceWarning {
		t.Fatalf("with a cycle: %+v", m.CadenceYear)
	}
	if err := c.Cancel("并入下半年会议", now, "mgmtoffice"); err != nil {
		t.Fatal(err)
	}
	c.Version++
	if err := e.store.RecordCycle(ctx, domain.CycleChange{Key: "cancel", Cycle: c}); err != nil {
		t.Fatal(err)
	}
	if m := e.committee(office, "management"); m.CadenceYear.Held != 0 || !m.CadenceYear.Short {
		t.Fatalf("with a cancelled cycle: %+v", m.CadenceYear)
	}

	// Product has no minimum: never short, never warned.
	if p := e.committee(office, "product"); p.CadenceYear.Short || *p.CadenceWarning {
		t.Fatalf("product %+v", p.CadenceYear)
	}
	// The list does not carry the year's standing.
	list := decodeBody[struct {
		Committees []committeeCadence `json:"committees"`
	}](t, e.do(office, "GET", "/api/v1/committees", ""))
	for _, c := range list.Committees {
		if c.CadenceYear != nil || c.CadenceWarning != nil || c.AgendaLeadDays != 20 {
			t.Fatalf("list entry %+v", c)
		}
	}
}
