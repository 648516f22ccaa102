package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// login signs a user in to a running lianxi dev.
func (p *devProcess) login(username, password string) *http.Client {
	p.t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	resp, err := c.Post(p.base+"/api/v1/login", "application/json", strings.NewReader(`{"username":"`+username+`","password":"`+password+`"}`))
	if err != nil {
		p.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		p.t.Fatalf("login %s: %d", username, resp.StatusCode)
	}
	return c
}

func (p *devProcess) send(c *http.Client, method, path, body string, want int) []byte {
	p.t.Helper()
	req, _ := http.NewRequest(method, p.base+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		p.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		p.t.Fatalf("%s %s: %d, want %d: %s", method, path, resp.StatusCode, want, b)
	}
	return b
}

// taskIDs counts the tasks the administrator sees, by id.
func (p *devProcess) taskIDs() map[int64]int {
	p.t.Helper()
	var tasks struct {
		Tasks []struct {
			ID int64 `json:"id"`
		} `json:"tasks"`
	}
	p.getJSON(p.client(), "/api/v1/tasks?limit=200", &tasks)
	out := map[int64]int{}
	for _, x := range tasks.Tasks {
		out[x.ID]++
	}
	return out
}

// drillLine prints a drill's one-line result and fails the test when
// anything acknowledged was lost or doubled.
func drillLine(t *testing.T, name string, sent, acked, found, dups, lost int) {
	t.Helper()
	line := fmt.Sprintf("drill %s: sent=%d acknowledged=%d found=%d duplicates=%d lost=%d", name, sent, acked, found, dups, lost)
	fmt.Println(line)
	if dups > 0 || lost > 0 {
		t.Fatal(line)
	}
}

type drillCycle struct {
	Phase       string `json:"phase"`
	Submissions []struct {
		Department string `json:"department"`
		TaskID     int64  `json:"task_id"`
		State      string `json:"state"`
	} `json:"submissions"`
}

// openCycle starts the science cycle of a period as the office and waits
// until its 29 agenda tasks are open.
func (p *devProcess) openCycle(office *http.Client, period string) drillCycle {
	p.t.Helper()
	p.send(office, "POST", "/api/v1/committees/science/cycles", `{"period":"`+period+`"}`, http.StatusCreated)
	return p.waitCycle(office, "meeting:science:"+period, "open its 29 tasks", func(c drillCycle) bool {
		for _, s := range c.Submissions {
			if s.TaskID == 0 {
				return false
			}
		}
		return len(c.Submissions) == 29
	})
}

// waitCycle reads a cycle until ok says it is as expected.
func (p *devProcess) waitCycle(c *http.Client, id, what string, ok func(drillCycle) bool) drillCycle {
	p.t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		var cy drillCycle
		p.getJSON(c, "/api/v1/cycles/"+id, &cy)
		if ok(cy) {
			return cy
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("cycle never %s: %+v", what, cy)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func (cy drillCycle) state(dept string) (int64, string) {
	for _, s := range cy.Submissions {
		if s.Department == dept {
			return s.TaskID, s.State
		}
	}
	return 0, ""
}

// The restore drill: a backup taken from a running lianxi dev in the
// middle of a science cycle, restored into a new data directory, holds
// every cycle, task and audit row of that moment (the audit chain still
// verifies) and nothing written after it; and the restored installation
// carries on: a department's answer moves the restored cycle on.
func TestBackupRestoreMidCycle(t *testing.T) {
	dir := dataDir(t)
	p := startDev(t, dir)
	for _, u := range [][]string{
		{"--role", "office", "--committee", "science", "sci.office"},
		{"--role", "liaison", "--department", "finance", "fin.liaison"},
		{"--role", "liaison", "--department", "education", "edu.liaison"},
	} {
		if out, code := cli(t, "Drill-pass-2026\n", append([]string{"user", "add", "--data-dir", dir}, u...)...); code != 0 {
			t.Fatalf("user add: %d %s", code, out)
		}
	}
	office := p.login("sci.office", "Drill-pass-2026")
	const id = "meeting:science:2026H2"
	cy := p.openCycle(office, "2026H2")
	finTask, _ := cy.state("finance")
	p.send(p.login("fin.liaison", "Drill-pass-2026"), "POST", fmt.Sprintf("/api/v1/tasks/%d/submit", finTask), `{"values":{"no_items":true}}`, http.StatusOK)
	before := p.waitCycle(office, id, "take finance's answer", func(c drillCycle) bool { _, s := c.state("finance"); return s != "pending" && s != "" })

	tasksBefore := p.taskIDs()
	archive := filepath.Join(dir, "..", filepath.Base(dir)+".tar.gz")
	t.Cleanup(func() { os.Remove(archive) })
	if out, code := cli(t, "", "backup", "--data-dir", dir, "--out", archive); code != 0 || !strings.Contains(out, "Temporal store included: true") {
		t.Fatalf("backup: %d %s", code, out)
	}
	// Written after the backup: not in it.
	p.send(office, "POST", "/api/v1/tasks", `{"title":"备份之后的任务","committee":"science","lead_department":"tax","due_working_days":5,"form":[]}`, http.StatusCreated)
	p.stop()

	restored := dataDir(t)
	if out, code := cli(t, "", "restore", "--data-dir", restored, archive); code != 0 {
		t.Fatalf("restore: %d %s", code, out)
	}
	// Never over data.
	if out, code := cli(t, "", "restore", "--data-dir", restored, archive); code == 0 || !strings.Contains(out, "not empty") {
		t.Fatalf("a second restore over the first: %d %s", code, out)
	}
	q := startDev(t, restored)
	office = q.login("sci.office", "Drill-pass-2026")
	after := q.waitCycle(office, id, "be there", func(drillCycle) bool { return true })
	if fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatalf("restored cycle %+v, backed up %+v", after, before)
	}
	tasksAfter := q.taskIDs()
	found, dups, lost := 0, 0, 0
	for id := range tasksBefore {
		switch tasksAfter[id] {
		case 0:
			lost++
		case 1:
			found++
		default:
			dups++
		}
	}
	if len(tasksAfter) != len(tasksBefore) {
		t.Errorf("restored %d tasks, backed up %d (a task created after the backup was restored?)", len(tasksAfter), len(tasksBefore))
	}
	drillLine(t, "restore", len(tasksBefore), len(tasksBefore), found, dups, lost)
	if out, code := cli(t, "", "audit", "verify", "--data-dir", restored); code != 0 || !strings.HasPrefix(out, "ok: ") {
		t.Fatalf("audit verify after restore: %d %s", code, out)
	}
	// The restored workflows carry on.
	eduTask, _ := after.state("education")
	q.send(q.login("edu.liaison", "Drill-pass-2026"), "POST", fmt.Sprintf("/api/v1/tasks/%d/submit", eduTask), `{"values":{"no_items":true}}`, http.StatusOK)
	q.waitCycle(office, id, "take education's answer after the restore", func(c drillCycle) bool { _, s := c.state("education"); return s != "pending" && s != "" })
	q.stop()
}
