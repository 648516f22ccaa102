package main

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"lianxi/internal/auth"
	"lianxi/internal/domain"
	"lianxi/internal/postgres"
	"lianxi/internal/scenario"
)

// demoCommittee is the joint meeting the demo plays a cycle of.
const demoCommittee = "science"

// demoPrefix starts the demo users' names: demo-office, demo-convener and
// demo-<department>.
const demoPrefix = "demo-"

// runDemo plays one whole cycle of the science joint meeting against a
// running lianxi dev, as its people would through the API, and prints each
// step: who acted, what happened, the cycle's phase and who it waits on.
// The demo users are created through the data directory (or
// DATABASE_URL) as `lianxi user add` would, with a random password that
// lives only in this process; users left by an earlier demo get it too.
func runDemo(ctx context.Context, args []string, _ io.Reader, stdout io.Writer) error {
	fs := adminFlags("demo", stdout)
	base := fs.String("url", "http://"+env("LIANXI_HTTP_ADDR", "127.0.0.1:8080"), "address of the running lianxi (default from LIANXI_HTTP_ADDR)")
	period := fs.String("period", "", "period of the new cycle, e.g. 2026-demo-1; default: one named after the time")
	cfg, err := fs.parse(args)
	if err != nil {
		return err
	}
	now := time.Now()
	if *period == "" {
		*period = fmt.Sprintf("%d-demo-%s", now.Year(), now.Format("20060102-150405"))
	}
	if !domain.Period(*period).Valid() {
		return fmt.Errorf("--period %q: a year, then H1, H2 or a name, e.g. %d-demo-1", *period, now.Year())
	}
	*base = strings.TrimRight(*base, "/")
	if err := runProbe(ctx, []string{*base + "/readyz"}, nil, io.Discard); err != nil {
		return fmt.Errorf("no lianxi ready at %s (start one with `lianxi dev`, or give its --url): %w", *base, err)
	}
	password := randomPassword()
	var people scenario.People
	err = withStore(ctx, cfg, func(store *postgres.Store, a *auth.Service) error {
		people, err = ensureDemoUsers(ctx, store, a, password)
		return err
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Lianxi 演示：联席会议的一个完整周期 (Lianxi demo: one whole cycle of a joint meeting)\n")
	fmt.Fprintf(stdout, "演示用户 (demo users): %soffice, %sconvener, %s<部门 department> — 密码仅在本次演示中使用 (their password lives only in this demo)\n\n",
		demoPrefix, demoPrefix, demoPrefix)
	n := 0
	p, err := scenario.New(ctx, scenario.Config{URL: *base, Committee: demoCommittee, People: people, Poll: 100 * time.Millisecond,
		Narrate: func(s scenario.Step) {
			n++
			fmt.Fprintf(stdout, "%2d. %s\n    %s\n    阶段 (phase): %s · 等待 (waiting on): %s\n", n, s.Actor, s.Did, s.Phase, s.Waiting)
		}})
	if err != nil {
		return fmt.Errorf("signing the demo users in at %s: %w", *base, err)
	}
	c, err := p.Run(ctx, scenario.Plan{Period: domain.Period(*period)})
	if err != nil {
		return err
	}
	printLinks(stdout, *base, c)
	return nil
}

// printLinks tells where to see the cycle: its page, printable agenda and
// minutes, and the API.
func printLinks(w io.Writer, base string, c scenario.Cycle) {
	page, api := base+"/cycles/"+url.PathEscape(c.ID), base+"/api/v1/cycles/"+url.PathEscape(c.ID)
	phase := scenario.PhaseText(c.Phase)
	fmt.Fprintf(w, "\n会议周期 %s %s (the cycle is %s). 以管理员登录查看 (sign in as admin to see it):\n", c.ID, phase.ZH, phase.EN)
	fmt.Fprintf(w, "  周期页面 (cycle page): %s\n  议程 (agenda):         %s/agenda\n  纪要 (minutes):        %s/minutes\n", page, page, page)
	fmt.Fprintf(w, "  接口 (API):            %s\n  历史 (history):        %s/history\n", api, api)
}

// ensureDemoUsers makes sure the committee's office, a convener and a
// liaison of every member department exist as demo users, creating the
// missing ones, and gives them all the password.
func ensureDemoUsers(ctx context.Context, store *postgres.Store, a *auth.Service, password string) (scenario.People, error) {
	committee, err := store.GetCommittee(ctx, demoCommittee)
	if err != nil {
		return scenario.People{}, err
	}
	users := []domain.NewUser{
		{Username: demoPrefix + "office", DisplayName: "演示·" + committee.NameZH + "办公室", Grants: []domain.Grant{{Role: domain.RoleOffice, Committee: demoCommittee}}},
		{Username: demoPrefix + "convener", DisplayName: "演示·召集人", Grants: []domain.Grant{{Role: domain.RoleConvener, Committee: demoCommittee}}},
	}
	for _, m := range committee.Members {
		users = append(users, domain.NewUser{Username: demoPrefix + m.Code, DisplayName: "演示·" + m.NameZH + "联络员",
			Grants: []domain.Grant{{Role: domain.RoleLiaison, Department: m.Code}}})
	}
	for _, u := range users {
		u.Password = password
		_, _, err := store.GetUserByUsername(ctx, u.Username)
		switch {
		case err == nil:
			err = a.SetPassword(ctx, auth.System, u.Username, password, auth.Meta{})
		case domain.KindOf(err) == domain.KindNotFound:
			_, err = a.CreateUser(ctx, auth.System, u, auth.Meta{})
		}
		if err != nil {
			return scenario.People{}, fmt.Errorf("demo user %s: %w", u.Username, userMessage(err))
		}
	}
	return scenario.People{Office: demoPrefix + "office", Convener: demoPrefix + "convener", Password: password,
		Liaison: func(d domain.Code) string { return demoPrefix + d }}, nil
}
