package httpapi_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"lianxi/internal/domain"
	"lianxi/internal/seed"
)

type programmeJSON struct {
	domain.Programme
	Versions []struct {
		Version   int    `json:"version"`
		CreatedBy string `json:"created_by"`
	} `json:"versions"`
}

// definitionBody is a programme's definition as a PUT body: code and
// version left out, as a client writing one from scratch sends it.
func definitionBody(t *testing.T, p domain.Programme) string {
	t.Helper()
	raw, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	delete(m, "code")
	delete(m, "version")
	raw, _ = json.Marshal(m)
	return string(raw)
}

func TestProgrammesThroughTheAPI(t *testing.T) {
	e := newEnv(t)
	liaison := e.client("liaison1")
	list := decodeBody[struct {
		Programmes []domain.Programme `json:"programmes"`
	}](t, e.do(liaison, "GET", "/api/v1/programmes", ""))
	if len(list.Programmes) != len(seed.Programmes()) {
		t.Fatalf("%d programmes, want %d", len(list.Programmes), len(seed.Programmes()))
	}
	var m1 domain.Programme
	for _, p := range list.Programmes {
		if p.Code == "management-cases" {
			m1 = p
		}
	}
	if m1.Version != 1 || m1.Quota != 10 || m1.Committee != "management" || m1.Owner != "reform-office" ||
		len(m1.Criteria) != 3 || m1.Criteria[0].Code != "innovativeness" || m1.Criteria[0].Weight != 40 || m1.NameEN == "" {
		t.Fatalf("management-cases %+v", m1)
	}
	got := decodeBody[programmeJSON](t, e.do(liaison, "GET", "/api/v1/programmes/cultural-celebrities", ""))
	if got.EveryYears != 3 || got.Committee != "culture" || len(got.Versions) != 1 || got.Versions[0].CreatedBy != "system" {
		t.Fatalf("cultural-celebrities %+v", got)
	}
	problem(t, e.do(liaison, "GET", "/api/v1/programmes/nope", ""), http.StatusNotFound)
	problem(t, e.do(liaison, "GET", "/api/v1/programmes/management-cases?version=0", ""), http.StatusUnprocessableEntity)
	problem(t, e.do(liaison, "GET", "/api/v1/programmes/management-cases?version=2", ""), http.StatusNotFound)
	problem(t, e.do(e.client(""), "GET", "/api/v1/programmes", ""), http.StatusUnauthorized)

	// An edit by an administrator makes version 2; version 1 stays as it was.
	edit := m1
	edit.Quota = 12
	edit.Criteria[2].Weight = 20
	edit.Criteria = append(edit.Criteria, domain.Criterion{Code: "influence", NameZH: "影响力", NameEN: "Influence", Weight: 5, Max: 100})
	body := definitionBody(t, edit)
	for _, user := range []string{"liaison1", "office1", "cultureoffice", "convener1", "expert1"} {
		problem(t, e.do(e.client(user), "PUT", "/api/v1/programmes/management-cases", body), http.StatusForbidden)
	}
	admin := e.client("admin")
	resp := e.do(admin, "PUT", "/api/v1/programmes/management-cases", body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("save: %d", resp.StatusCode)
	}
	v2 := decodeBody[programmeJSON](t, resp)
	if v2.Version != 2 || v2.Quota != 12 || len(v2.Criteria) != 4 || len(v2.Versions) != 2 || v2.Versions[0].CreatedBy != "admin" {
		t.Fatalf("version 2 %+v", v2)
	}
	latest := decodeBody[programmeJSON](t, e.do(liaison, "GET", "/api/v1/programmes/management-cases", ""))
	if latest.Version != 2 || latest.Quota != 12 {
		t.Fatalf("latest %+v", latest)
	}
	v1 := decodeBody[programmeJSON](t, e.do(liaison, "GET", "/api/v1/programmes/management-cases?version=1", ""))
	if v1.Version != 1 || v1.Quota != 10 || len(v1.Criteria) != 3 || v1.Criteria[2].Weight != 25 {
		t.Fatalf("version 1 %+v", v1)
	}

	// A client that read version 1 and sends it back as its base is told
	// that version 2 came since, and nothing is stored.
	stale := edit
	stale.Version = 1
	raw, _ := json.Marshal(stale)
	problem(t, e.do(admin, "PUT", "/api/v1/programmes/management-cases", string(raw)), http.StatusConflict)
	stale.Code = "other-code"
	stale.Version = 2
	raw, _ = json.Marshal(stale)
	p := problem(t, e.do(admin, "PUT", "/api/v1/programmes/management-cases", string(raw)), http.StatusUnprocessableEntity)
	if len(p.Errors) != 1 || p.Errors[0].Field != "code" {
		t.Fatalf("code mismatch: %+v", p.Errors)
	}

	// Bad input: one message per field, in the request's language.
	bad := edit
	bad.Quota = 0
	bad.Owner = "atlantis"
	bad.Committee = "space"
	bad.Criteria = []domain.Criterion{{Code: "Bad Code", NameZH: "", NameEN: "x", Weight: -1, Max: 100}}
	bad.Aggregation = "median"
	p = problem(t, e.do(admin, "PUT", "/api/v1/programmes/management-cases?lang=en", definitionBody(t, bad)), http.StatusUnprocessableEntity)
	fields := map[string]string{}
	for _, f := range p.Errors {
		fields[f.Field] = f.Message
	}
	for _, f := range []string{"quota", "owner", "committee", "criteria[0].code", "criteria[0].name_zh", "criteria[0].weight", "aggregation"} {
		if fields[f] == "" {
			t.Errorf("no message for %s in %v", f, fields)
		}
	}
	if !strings.Contains(fields["owner"], "atlantis") {
		t.Errorf("owner message %q", fields["owner"])
	}
	problem(t, e.do(admin, "PUT", "/api/v1/programmes/management-cases", `{"quota":`), http.StatusBadRequest)
	problem(t, e.do(admin, "PUT", "/api/v1/programmes/management-cases", `{"surprise":1}`), http.StatusBadRequest)
	if after := decodeBody[programmeJSON](t, e.do(liaison, "GET", "/api/v1/programmes/management-cases", "")); after.Version != 2 {
		t.Fatalf("refused edits stored version %d", after.Version)
	}

	// A new programme is created as version 1.
	np := m1
	np.NameZH, np.NameEN, np.PlanItem = "管理创新课题研究", "Management Innovation Research Projects", "M3"
	resp = e.do(admin, "PUT", "/api/v1/programmes/research-projects", definitionBody(t, np))
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("new programme: %d", resp.StatusCode)
	}
	if created := decodeBody[programmeJSON](t, resp); created.Code != "research-projects" || created.Version != 1 {
		t.Fatalf("created %+v", created)
	}
}

func TestExpertsThroughTheAPI(t *testing.T) {
	e := newEnv(t)
	admin := e.client("admin")
	type experts struct {
		Experts []domain.Expert `json:"experts"`
	}
	for _, user := range []string{"admin", "office1", "cultureoffice"} {
		got := decodeBody[experts](t, e.do(e.client(user), "GET", "/api/v1/experts", ""))
		if len(got.Experts) != 1 || got.Experts[0].Username != "expert1" || got.Experts[0].Name != "专家" {
			t.Fatalf("%s: experts %+v", user, got)
		}
	}
	for _, user := range []string{"liaison1", "convener1", "expert1", "landmember"} {
		problem(t, e.do(e.client(user), "GET", "/api/v1/experts", ""), http.StatusForbidden)
	}
	problem(t, e.do(e.client(""), "GET", "/api/v1/experts", ""), http.StatusUnauthorized)

	body := `{"affiliation":"sci-assoc","fields":["先进传感","新材料"]}`
	problem(t, e.do(e.client("office1"), "PUT", "/api/v1/experts/expert1", body), http.StatusForbidden)
	resp := e.do(admin, "PUT", "/api/v1/experts/expert1", body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("set: %d", resp.StatusCode)
	}
	if x := decodeBody[domain.Expert](t, resp); x.Affiliation != "sci-assoc" || !slices.Equal(x.Fields, []string{"先进传感", "新材料"}) || x.Name != "专家" {
		t.Fatalf("expert %+v", x)
	}
	got := decodeBody[experts](t, e.do(e.client("office1"), "GET", "/api/v1/experts", ""))
	if got.Experts[0].Affiliation != "sci-assoc" || len(got.Experts[0].Fields) != 2 {
		t.Fatalf("pool %+v", got)
	}

	problem(t, e.do(admin, "PUT", "/api/v1/experts/nobody", body), http.StatusNotFound)
	p := problem(t, e.do(admin, "PUT", "/api/v1/experts/liaison1?lang=en", body), http.StatusUnprocessableEntity)
	if !strings.Contains(p.Title, "liaison1") {
		t.Errorf("not-an-expert title %q", p.Title)
	}
	p = problem(t, e.do(admin, "PUT", "/api/v1/experts/expert1", `{"affiliation":"atlantis","fields":["",""]}`), http.StatusUnprocessableEntity)
	var fields []string
	for _, f := range p.Errors {
		fields = append(fields, f.Field)
	}
	if !slices.Equal(fields, []string{"fields[0]", "fields[1]", "affiliation"}) {
		t.Errorf("fields %v", fields)
	}
	problem(t, e.do(admin, "PUT", "/api/v1/experts/expert1", `{"affiliation":1}`), http.StatusBadRequest)
}
