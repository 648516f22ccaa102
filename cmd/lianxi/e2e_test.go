package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"lianxi/internal/pgcluster"
	"lianxi/internal/webui/webtest"
)

// binary is the lianxi binary built once for the end-to-end tests.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "lianxi-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "lianxi")
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build lianxi:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

const adminPassword = "E2e-lotus-pass-1"

// devProcess is one `lianxi dev` process in its own process group.
type devProcess struct {
	t            testing.TB
	cmd          *exec.Cmd
	out          *bytes.Buffer
	base         string
	dataDir      string
	temporalPort int
	done         chan error
}

func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// dataDir returns a data directory the postgres user can reach (t.TempDir's
// parent is private to root).
func dataDir(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "lianxi-e2e-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// startDev starts lianxi dev on a data directory with free ports, and
// any further flags, and waits until it is ready.
func startDev(t testing.TB, dir string, flags ...string) *devProcess {
	t.Helper()
	return startDevWith(t, dir, nil, flags...)
}

// startDevWith is startDev with environment variables (KEY=VALUE) added to
// the process's.
func startDevWith(t testing.TB, dir string, env []string, flags ...string) *devProcess {
	t.Helper()
	httpPort, temporalPort := freePort(t), freePort(t)
	args := append([]string{"dev", "--data-dir", dir, "--http-addr", "127.0.0.1:" + strconv.Itoa(httpPort), "--temporal-port", strconv.Itoa(temporalPort)}, flags...)
	cmd := exec.Command(binary, args...)
	cmd.Env = append(append(os.Environ(), "LIANXI_DEV_ADMIN_PASSWORD="+adminPassword, "DATABASE_URL="), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out := &bytes.Buffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &devProcess{t: t, cmd: cmd, out: out, base: "http://127.0.0.1:" + strconv.Itoa(httpPort), dataDir: dir, temporalPort: temporalPort, done: make(chan error, 1)}
	go func() { p.done <- cmd.Wait() }()
	t.Cleanup(func() { p.kill() })
	p.waitReady()
	return p
}

// waitReady polls /readyz. The bound is generous because the machine is
// shared; the start-up time is measured by the benchmark, not asserted here.
func (p *devProcess) waitReady() {
	p.t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		select {
		case err := <-p.done:
			p.t.Fatalf("lianxi dev exited before it was ready: %v\n%s", err, p.out)
		default:
		}
		resp, err := http.Get(p.base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	p.t.Fatalf("lianxi dev not ready:\n%s", p.out)
}

// stop sends SIGINT and waits for a clean exit.
func (p *devProcess) stop() {
	p.t.Helper()
	_ = p.cmd.Process.Signal(syscall.SIGINT)
	select {
	case err := <-p.done:
		if err != nil {
			p.t.Fatalf("lianxi dev exited with %v after SIGINT:\n%s", err, p.out)
		}
	case <-time.After(time.Minute):
		p.t.Fatalf("lianxi dev did not stop after SIGINT:\n%s", p.out)
	}
}

// kill sends SIGKILL to the whole process group, as a crash or the OOM
// killer would.
func (p *devProcess) kill() {
	if p.cmd.ProcessState != nil {
		return
	}
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
	}
}

func (p *devProcess) client() *http.Client {
	p.t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	resp, err := c.Post(p.base+"/api/v1/login", "application/json", strings.NewReader(`{"username":"admin","password":"`+adminPassword+`"}`))
	if err != nil {
		p.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		p.t.Fatalf("admin login: %d\n%s", resp.StatusCode, p.out)
	}
	return c
}

func (p *devProcess) getJSON(c *http.Client, path string, v any) {
	p.t.Helper()
	resp, err := c.Get(p.base + path)
	if err != nil {
		p.t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		p.t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		p.t.Fatal(err)
	}
}

// counts is what a restart must not change.
type counts struct {
	Members       map[string]int
	Organisations int
	Users         int
}

func (p *devProcess) counts() counts {
	c := p.client()
	var cs struct {
		Committees []struct {
			Code        string `json:"code"`
			MemberCount int    `json:"member_count"`
		} `json:"committees"`
	}
	p.getJSON(c, "/api/v1/committees", &cs)
	var os struct {
		Organisations []json.RawMessage `json:"organisations"`
	}
	p.getJSON(c, "/api/v1/organisations", &os)
	var us struct {
		Users []json.RawMessage `json:"users"`
	}
	p.getJSON(c, "/api/v1/users", &us)
	out := counts{Members: map[string]int{}, Organisations: len(os.Organisations), Users: len(us.Users)}
	for _, x := range cs.Committees {
		out.Members[x.Code] = x.MemberCount
	}
	return out
}

// cli runs a lianxi subcommand and returns its output and exit code.
func cli(t *testing.T, stdin string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), "DATABASE_URL=")
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return string(out), code
}

func TestDevRestartsKeepDataWithoutDuplicates(t *testing.T) {
	dir := dataDir(t)
	p := startDev(t, dir)
	first := p.counts()
	want := map[string]int{"science": 29, "culture": 12, "management": 11, "product": 0}
	for k, v := range want {
		if first.Members[k] != v {
			t.Fatalf("%s has %d members, want %d", k, first.Members[k], v)
		}
	}
	if first.Users != 1 {
		t.Fatalf("%d users after the first start, want the admin only", first.Users)
	}

	// Administrative commands reach the running installation through the
	// same data directory.
	if out, code := cli(t, "Liaison-pass-1\n", "user", "add", "--data-dir", dir, "--name", "王芳", "--role", "liaison", "--department", "finance", "wang.fang"); code != 0 {
		t.Fatalf("user add: %d %s", code, out)
	}
	if out, code := cli(t, "", "user", "list", "--data-dir", dir); code != 0 || !strings.Contains(out, "wang.fang") || !strings.Contains(out, "liaison:finance") {
		t.Fatalf("user list: %d %s", code, out)
	}

	// A clean stop, then a start on the same data: same rows, same admin.
	p.stop()
	if pgcluster.InUse(clusterDir(dir)) {
		t.Fatal("PostgreSQL still running after lianxi dev stopped")
	}
	p = startDev(t, dir)
	second := p.counts()
	if fmt.Sprint(second.Members) != fmt.Sprint(first.Members) || second.Organisations != first.Organisations || second.Users != 2 {
		t.Fatalf("after restart %+v, before %+v (plus one user)", second, first)
	}

	// SIGKILL of the whole process group: the next start recovers the stale
	// lock and pid files, and nothing is lost.
	p.kill()
	p = startDev(t, dir)
	third := p.counts()
	if fmt.Sprint(third) != fmt.Sprint(second) {
		t.Fatalf("after SIGKILL %+v, before %+v", third, second)
	}
	lp := p.client()
	resp, err := lp.Post(p.base+"/api/v1/login", "application/json", strings.NewReader(`{"username":"wang.fang","password":"Liaison-pass-1"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("user created before the crash cannot sign in: %d", resp.StatusCode)
	}
	p.stop()
}

func TestDevAuditTamperingIsCaught(t *testing.T) {
	dir := dataDir(t)
	p := startDev(t, dir)
	// Some audited activity: a failed and a good sign-in.
	resp, err := http.Post(p.base+"/api/v1/login", "application/json", strings.NewReader(`{"username":"admin","password":"nope-nope-1"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	p.client()

	if out, code := cli(t, "", "audit", "verify", "--data-dir", dir); code != 0 || !strings.HasPrefix(out, "ok: ") {
		t.Fatalf("verify: %d %s", code, out)
	}
	ctx := context.Background()
	conn := devDatabase(t, dir)
	const tamper = "UPDATE audit_log SET result = 'ok' WHERE seq = (SELECT min(seq) FROM audit_log WHERE result = 'failed')"
	if _, err := conn.Exec(ctx, tamper); err == nil {
		t.Fatal("audit_log accepted an UPDATE")
	}
	// Someone with the rights to drop the guard can change a row; verify
	// still finds it.
	if _, err := conn.Exec(ctx, "ALTER TABLE audit_log DISABLE TRIGGER USER"); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, tamper); err != nil {
		t.Fatal(err)
	}
	out, code := cli(t, "", "audit", "verify", "--data-dir", dir)
	if code != 1 || !strings.Contains(out, "BROKEN at seq") {
		t.Fatalf("tampered chain: exit %d %s", code, out)
	}
	p.stop()
}

func TestDevInTheBrowser(t *testing.T) {
	dir := dataDir(t)
	p := startDev(t, dir)
	ctx := webtest.NewBrowser(t)
	shots := webtest.ScreenshotDir(t)

	webtest.Login(t, ctx, p.base, "admin", adminPassword)
	for _, lang := range []string{"zh", "en"} {
		webtest.Open(t, ctx, p.base+"/committees/science?lang="+lang)
		if n := webtest.Count(t, ctx, "table.members tbody tr"); n != 29 {
			t.Errorf("%s: %d member rows, want 29", lang, n)
		}
		conveners := strings.Join(webtest.Texts(t, ctx, ".conveners li"), "|")
		want := map[string]string{
			"zh": "总召集人 市委副书记、市长|召集人 分管副市长",
			"en": "Chief convener Deputy Secretary of the CPC Municipal Committee and Mayor|Convener Vice Mayor in charge",
		}[lang]
		if conveners != want {
			t.Errorf("%s: conveners %q, want %q", lang, conveners, want)
		}
		webtest.Screenshot(t, ctx, shots, "dev-committee-science-"+lang)
		webtest.Open(t, ctx, p.base+"/committees?lang="+lang)
		if n := webtest.Count(t, ctx, "main table tbody tr"); n != 4 {
			t.Errorf("%s: %d committees listed, want 4", lang, n)
		}
		webtest.Screenshot(t, ctx, shots, "dev-committees-"+lang)
	}
	p.stop()
}

// devDatabase connects to the private PostgreSQL of a lianxi dev data
// directory; the connection is closed at cleanup.
func devDatabase(t testing.TB, dir string) *pgx.Conn {
	t.Helper()
	ctx := context.Background()
	cl, err := pgcluster.Attach(ctx, clusterDir(dir), "lianxi")
	if err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, cl.URL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}
