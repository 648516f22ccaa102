//go:build drills

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"lianxi/internal/pgcluster"
)

// submitOnce posts a department's "no items" answer with an idempotency
// key; err is a connection that failed (the server gone), retryAfter the
// seconds a 409 asks to wait (the first request with the key may still
// run).
func submitOnce(c *http.Client, base string, task int64, key string) (status, retryAfter int, code string, err error) {
	req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/v1/tasks/%d/submit", base, task), strings.NewReader(`{"values":{"no_items":true}}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", key)
	resp, err := c.Do(req)
	if err != nil {
		return 0, 0, "", err
	}
	defer resp.Body.Close()
	var p struct {
		Code string `json:"code"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&p)
	retryAfter, _ = strconv.Atoi(resp.Header.Get("Retry-After"))
	return resp.StatusCode, retryAfter, p.Code, nil
}

// submitUntilAnswered sends again as a client would: after a 409 with
// Retry-After, it waits and sends again, for at most two minutes.
func submitUntilAnswered(t *testing.T, c *http.Client, base string, task int64, key string) (int, string) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		status, wait, code, err := submitOnce(c, base, task, key)
		if err != nil {
			t.Fatal(err)
		}
		if status != http.StatusConflict || wait == 0 || time.Now().After(deadline) {
			return status, code
		}
		time.Sleep(time.Duration(wait) * time.Second)
	}
}

// TestDrillCrash: the 29 science departments answer the agenda call at
// once; the whole lianxi dev process group is killed (SIGKILL) part-way;
// after a restart the departments whose answer was not acknowledged send
// it again with the same idempotency key, as a client would. Every
// acknowledged answer is there exactly once, the cycle goes on to its
// next phase, and no notification was put in anyone's centre twice.
func TestDrillCrash(t *testing.T) {
	dir := dataDir(t)
	p := startDev(t, dir)
	admin := p.client()
	const pw = "Drill-pass-2026"
	p.send(admin, "POST", "/api/v1/users", `{"username":"sci.office","password":"`+pw+`","display_name":"科技办","roles":[{"role":"office","committee":"science"}]}`, http.StatusCreated)
	office := p.login("sci.office", pw)
	p.send(office, "POST", "/api/v1/committees/science/cycles", `{"period":"2026H2"}`, http.StatusCreated)
	const id = "meeting:science:2026H2"
	cy := p.waitCycle(office, id, "open its 29 tasks", func(c drillCycle) bool {
		for _, s := range c.Submissions {
			if s.TaskID == 0 {
				return false
			}
		}
		return len(c.Submissions) == 29
	})
	clients := map[string]*http.Client{}
	for _, s := range cy.Submissions {
		name := "l-" + s.Department
		p.send(admin, "POST", "/api/v1/users", `{"username":"`+name+`","password":"`+pw+`","display_name":"`+name+`","roles":[{"role":"liaison","department":"`+s.Department+`"}]}`, http.StatusCreated)
		clients[s.Department] = p.login(name, pw)
	}

	// All at once; the tenth acknowledgement pulls the plug.
	var acked sync.Map
	var n atomic.Int64
	var killed sync.Once
	var wg sync.WaitGroup
	for _, s := range cy.Submissions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			status, _, _, err := submitOnce(clients[s.Department], p.base, s.TaskID, "drill-"+s.Department)
			if err == nil && status/100 == 2 {
				acked.Store(s.Department, true)
				if n.Add(1) == 10 {
					killed.Do(p.kill)
				}
			}
		}()
	}
	wg.Wait()
	killed.Do(p.kill)
	ackedBefore := int(n.Load())

	q := startDev(t, dir)
	office = q.login("sci.office", pw)
	for _, s := range cy.Submissions {
		if _, ok := acked.Load(s.Department); ok {
			continue
		}
		status, code := submitUntilAnswered(t, q.login("l-"+s.Department, pw), q.base, s.TaskID, "drill-"+s.Department)
		// A closed task: the answer got in before the crash and only its
		// reply was lost; the client learns it is in.
		if status/100 != 2 && code != "error.task_closed" {
			t.Fatalf("%s again: %d %s", s.Department, status, code)
		}
		if status/100 == 2 {
			acked.Store(s.Department, true)
		}
		t.Logf("%s (task %d) sent again: %d %s", s.Department, s.TaskID, status, code)
	}
	t.Cleanup(func() {
		if t.Failed() {
			for _, l := range strings.Split(p.out.String()+q.out.String(), "\n") {
				if strings.Contains(l, "ERROR") || strings.Contains(l, "WARN") {
					t.Log(l)
				}
			}
		}
	})
	t.Cleanup(func() {
		if t.Failed() {
			var task map[string]any
			q.getJSON(q.client(), "/api/v1/tasks/1", &task)
			t.Logf("task 1: status %v history %v", task["status"], task["history"])
			var h map[string]any
			q.getJSON(office, "/api/v1/cycles/"+id+"/history", &h)
			t.Logf("cycle history %v", h)
		}
	})
	after := q.waitCycle(office, id, "move past the agenda call", func(c drillCycle) bool { return c.Phase != "agenda_call" })

	// Exactly once: each task's history has one submission.
	found, dups, lost, ackedAll := 0, 0, 0, 0
	admin = q.client()
	for _, s := range after.Submissions {
		var task struct {
			Status  string `json:"status"`
			History []struct {
				Kind string `json:"kind"`
			} `json:"history"`
		}
		q.getJSON(admin, "/api/v1/tasks/"+strconv.FormatInt(s.TaskID, 10), &task)
		submits := 0
		for _, h := range task.History {
			if h.Kind == "submit" {
				submits++
			}
		}
		if submits > 0 {
			found++
		}
		if submits > 1 {
			dups++
			t.Errorf("%s's task %d was submitted %d times", s.Department, s.TaskID, submits)
		}
		if _, ok := acked.Load(s.Department); ok {
			ackedAll++
			if submits == 0 {
				lost++
			}
		}
	}
	// No notification twice in anyone's centre.
	ctx := context.Background()
	cl, err := pgcluster.Attach(ctx, clusterDir(dir), "lianxi")
	if err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, cl.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var doubled int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM (SELECT 1 FROM notifications GROUP BY user_id, subject, body, link, task_id HAVING count(*) > 1) d`).Scan(&doubled); err != nil {
		t.Fatal(err)
	}
	if doubled > 0 {
		rows, _ := conn.Query(ctx, `SELECT user_id, subject, link, count(*) FROM notifications GROUP BY user_id, subject, body, link, task_id HAVING count(*) > 1`)
		for rows.Next() {
			var uid, n int64
			var subject, link string
			_ = rows.Scan(&uid, &subject, &link, &n)
			t.Errorf("user %d has %q (%s) %d times", uid, subject, link, n)
		}
		rows.Close()
	}
	t.Logf("acknowledged before the kill: %d; after the restart: %d", ackedBefore, ackedAll-ackedBefore)
	drillLine(t, "crash", len(cy.Submissions), ackedAll, found, dups+doubled, lost)
	q.stop()
}
