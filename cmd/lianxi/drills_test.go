//go:build drills

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
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
	const id = "meeting:science:2026H2"
	cy := p.openCycle(office, "2026H2")
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
	conn := devDatabase(t, dir)
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

// process is a lianxi serve or worker started by a drill, in its own
// process group.
type process struct {
	cmd  *exec.Cmd
	out  *bytes.Buffer
	done chan error
}

func startProcess(t *testing.T, args ...string) *process {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), "DATABASE_URL=")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out := &bytes.Buffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &process{cmd: cmd, out: out, done: make(chan error, 1)}
	go func() { p.done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
		if t.Failed() {
			t.Logf("%v:\n%s", args[0], out)
		}
	})
	return p
}

// waitHTTP waits until a URL answers 200.
func waitHTTP(t *testing.T, p *process, url string) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		select {
		case err := <-p.done:
			t.Fatalf("%s exited: %v\n%s", p.cmd.Args[1], err, p.out)
		default:
		}
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("%s never answered %s:\n%s", p.cmd.Args[1], url, p.out)
}

// TestDrillTwoReplicas: two lianxi serve and two lianxi worker against one
// PostgreSQL and one Temporal (a lianxi dev's, whose own ticks are off).
// Both web servers serve the same sessions; with the reminder sweep
// ticking every minute on both, each minute has one sweep and each task
// gets one reminder per rule, in each person's centre once.
func TestDrillTwoReplicas(t *testing.T) {
	dir := dataDir(t)
	// The dev's own ticks never come during the drill.
	d := startDev(t, dir, "--reminder-schedule", "0 0 1 1 *")
	temporalPort := d.temporalPort
	ctx := context.Background()
	cl, err := pgcluster.Attach(ctx, clusterDir(dir), "lianxi")
	if err != nil {
		t.Fatal(err)
	}
	db := cl.URL()
	temporalAddr := "127.0.0.1:" + strconv.Itoa(temporalPort)
	var bases []string
	for range 2 {
		port := freePort(t)
		s := startProcess(t, "serve", "--database-url", db, "--temporal-address", temporalAddr, "--http-addr", "127.0.0.1:"+strconv.Itoa(port),
			"--reminder-schedule", "* * * * *")
		base := "http://127.0.0.1:" + strconv.Itoa(port)
		waitHTTP(t, s, base+"/readyz")
		bases = append(bases, base)
		m := freePort(t)
		w := startProcess(t, "worker", "--database-url", db, "--temporal-address", temporalAddr, "--metrics-addr", "127.0.0.1:"+strconv.Itoa(m))
		waitHTTP(t, w, "http://127.0.0.1:"+strconv.Itoa(m)+"/healthz")
	}
	a := &devProcess{t: t, base: bases[0], out: d.out}
	b := &devProcess{t: t, base: bases[1], out: d.out}

	// A session made on one server is good on the other.
	admin := a.client()
	var me map[string]any
	b.getJSON(admin, "/api/v1/me", &me)
	if me["username"] != "admin" {
		t.Fatalf("the second server does not know the session: %v", me)
	}
	const pw = "Drill-pass-2026"
	a.send(admin, "POST", "/api/v1/users", `{"username":"sci.office","password":"`+pw+`","display_name":"科技办","roles":[{"role":"office","committee":"science"}]}`, http.StatusCreated)
	b.send(admin, "POST", "/api/v1/users", `{"username":"fin.liaison","password":"`+pw+`","display_name":"财政","roles":[{"role":"liaison","department":"finance"}]}`, http.StatusCreated)
	office := a.login("sci.office", pw)
	// Tasks due at the end of the next working day: the "due-1" reminder
	// is due today.
	const tasks = 10
	for i := range tasks {
		srv := []*devProcess{a, b}[i%2]
		srv.send(office, "POST", "/api/v1/tasks", fmt.Sprintf(`{"title":"双实例演练任务 %d","committee":"science","lead_department":"finance","due_working_days":1,"form":[]}`, i), http.StatusCreated)
	}

	conn, err := pgx.Connect(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	count := func(q string) int {
		var n int
		if err := conn.QueryRow(ctx, q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	// Wait for the reminders, then for two more ticks of both servers.
	deadline := time.Now().Add(4 * time.Minute)
	for count(`SELECT count(DISTINCT task_id) FROM outbox WHERE rule = 'due-1'`) < tasks && time.Now().Before(deadline) {
		time.Sleep(time.Second)
	}
	time.Sleep(2*time.Minute + 5*time.Second)

	found := count(`SELECT count(DISTINCT task_id) FROM outbox WHERE rule = 'due-1'`)
	dups := count(`SELECT count(*) FROM (SELECT 1 FROM outbox GROUP BY task_id, rule HAVING count(*) > 1) d`) +
		count(`SELECT count(*) FROM (SELECT 1 FROM notifications GROUP BY user_id, task_id, subject HAVING count(*) > 1) d`)
	if n := count(`SELECT count(*) FROM notifications n JOIN users u ON u.id = n.user_id WHERE u.username = 'fin.liaison' AND n.subject LIKE '%提醒%'`); n != tasks {
		t.Errorf("the finance liaison has %d reminders, want %d", n, tasks)
	}
	drillLine(t, "replicas", tasks, tasks, found, dups, tasks-found)
}

// TestDrillPostgresRestart: lianxi dev against a PostgreSQL server of its
// own (the drill's), under a steady stream of task creations; the server
// stops mid-way and starts again. While it is down /readyz and the API
// answer 503; afterwards everything recovers without restarting Lianxi,
// and every creation that was acknowledged is there, once.
func TestDrillPostgresRestart(t *testing.T) {
	ctx := context.Background()
	home := filepath.Join(dataDir(t), "pg")
	opts := pgcluster.Options{Dir: home, Database: "lianxi"}
	cl, err := pgcluster.Start(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cl.Stop() })
	d := startDev(t, dataDir(t), "--database-url", cl.URL())
	admin := d.client()
	const pw = "Drill-pass-2026"
	d.send(admin, "POST", "/api/v1/users", `{"username":"sci.office","password":"`+pw+`","display_name":"科技办","roles":[{"role":"office","committee":"science"}]}`, http.StatusCreated)
	office := d.login("sci.office", pw)

	// The load: one creation after another, each with its own title.
	var sent, acked atomic.Int64
	var mu sync.Mutex
	var ackedTitles []string
	stop := make(chan struct{})
	loaded := make(chan struct{})
	go func() {
		defer close(loaded)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			title := fmt.Sprintf("演练任务-%04d", i)
			sent.Add(1)
			req, _ := http.NewRequest("POST", d.base+"/api/v1/tasks", strings.NewReader(`{"title":"`+title+`","committee":"science","lead_department":"finance","due_working_days":5,"form":[]}`))
			req.Header.Set("Content-Type", "application/json")
			if resp, err := office.Do(req); err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusCreated {
					acked.Add(1)
					mu.Lock()
					ackedTitles = append(ackedTitles, title)
					mu.Unlock()
				}
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		deadline := time.Now().Add(2 * time.Minute)
		for !ok() {
			if time.Now().After(deadline) {
				t.Fatalf("never %s", what)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	status := func(method, path, body string) int {
		req, _ := http.NewRequest(method, d.base+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := office.Do(req)
		if err != nil {
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	waitFor("ten creations before the stop", func() bool { return acked.Load() >= 10 })

	if err := cl.Stop(); err != nil {
		t.Fatal(err)
	}
	waitFor("503 from /readyz while PostgreSQL is down", func() bool { return status("GET", "/readyz", "") == http.StatusServiceUnavailable })
	if s := status("POST", "/api/v1/tasks", `{"title":"停机时","committee":"science","lead_department":"finance","due_working_days":5,"form":[]}`); s != http.StatusServiceUnavailable {
		t.Errorf("a creation while PostgreSQL is down: %d, want 503", s)
	}
	down := acked.Load()
	time.Sleep(2 * time.Second)

	if cl, err = pgcluster.Start(ctx, opts); err != nil {
		t.Fatal(err)
	}
	waitFor("ready again", func() bool { return status("GET", "/readyz", "") == http.StatusOK })
	waitFor("ten creations after the restart", func() bool { return acked.Load() >= down+10 })
	close(stop)
	<-loaded

	conn, err := pgx.Connect(ctx, cl.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	found, dups, lost := 0, 0, 0
	for _, title := range ackedTitles {
		var n int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM tasks WHERE title = $1`, title).Scan(&n); err != nil {
			t.Fatal(err)
		}
		switch {
		case n == 0:
			lost++
		case n > 1:
			dups++
			found++
		default:
			found++
		}
	}
	drillLine(t, "postgres-restart", int(sent.Load()), int(acked.Load()), found, dups, lost)
}
