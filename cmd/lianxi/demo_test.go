package main

import (
	"strings"
	"testing"
)

// TestDemoPlaysAWholeCycle runs `lianxi demo` against a running lianxi dev
// twice: the first run creates the demo users, the second finds them; each
// plays a science cycle to its close.
func TestDemoPlaysAWholeCycle(t *testing.T) {
	dir := dataDir(t)
	p := startDev(t, dir)
	for _, period := range []string{"2026-demo-first", "2026-demo-second"} {
		out, code := cli(t, "", "demo", "--data-dir", dir, "--url", p.base, "--period", period)
		if code != 0 || !strings.Contains(out, "阶段 (phase): 已结束 (closed)") || !strings.Contains(out, "/cycles/meeting:science:"+period) {
			t.Fatalf("demo %s: exit %d\n%s\n%s", period, code, out, p.out)
		}
		var cycle struct{ Phase string }
		p.getJSON(p.client(), "/api/v1/cycles/meeting:science:"+period, &cycle)
		if cycle.Phase != "closed" {
			t.Fatalf("%s: phase %q after the demo", period, cycle.Phase)
		}
	}
	p.stop()
}
