package auth_test

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"lianxi/internal/auth"
	"lianxi/internal/domain"
	"lianxi/internal/pgtest"
	"lianxi/internal/postgres"
	"lianxi/internal/seed"
)

type clock struct{ t atomic.Pointer[time.Time] }

func (c *clock) now() time.Time      { return *c.t.Load() }
func (c *clock) add(d time.Duration) { t := c.now().Add(d); c.t.Store(&t) }

type fixture struct {
	store  *postgres.Store
	svc    *auth.Service
	clock  *clock
	sleeps atomic.Int64 // total throttling delay asked for
}

func setup(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{store: postgres.New(pgtest.NewPool(t)), clock: &clock{}}
	start := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	f.clock.t.Store(&start)
	if _, err := f.store.LoadSeed(context.Background(), seed.Name, seed.Organisations(), seed.Committees()); err != nil {
		t.Fatal(err)
	}
	svc, err := auth.New(f.store, auth.Options{
		Now:   f.clock.now,
		Sleep: func(_ context.Context, d time.Duration) { f.sleeps.Add(int64(d)) },
	})
	if err != nil {
		t.Fatal(err)
	}
	f.svc = svc
	return f
}

const goodPassword = "Lotus-city-2026"

func (f *fixture) user(t *testing.T, name string, grants ...domain.Grant) domain.User {
	t.Helper()
	u, err := f.svc.CreateUser(context.Background(), auth.System, domain.NewUser{Username: name, Password: goodPassword, DisplayName: name, Grants: grants}, auth.Meta{})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func (f *fixture) login(name, pw, ip string) (auth.Session, error) {
	return f.svc.Login(context.Background(), auth.LoginInput{Username: name, Password: pw, IP: ip})
}

func TestLoginAndSessionLifetime(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	f.user(t, "wang", domain.Grant{Role: domain.RoleLiaison, Department: "finance"})

	s, err := f.login("Wang ", goodPassword, "10.0.0.1") // usernames compare without case or spaces
	if err != nil {
		t.Fatal(err)
	}
	u, err := f.svc.Authenticate(ctx, s.Token)
	if err != nil || u.Username != "wang" || !u.HasFor(domain.RoleLiaison, "finance") {
		t.Fatalf("authenticate: %+v %v", u, err)
	}
	// Used every 20 minutes, the session lives until its absolute end.
	for range 40 {
		f.clock.add(20 * time.Minute)
		if f.clock.now().After(s.ExpiresAt) {
			break
		}
		if _, err := f.svc.Authenticate(ctx, s.Token); err != nil {
			t.Fatalf("at %v: %v", f.clock.now(), err)
		}
	}
	if _, err := f.svc.Authenticate(ctx, s.Token); domain.KindOf(err) != domain.KindUnauthenticated {
		t.Fatalf("after the absolute timeout: %v", err)
	}

	// Idle for longer than the idle timeout: the session ends.
	s2, err := f.login("wang", goodPassword, "10.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	f.clock.add(31 * time.Minute)
	if _, err := f.svc.Authenticate(ctx, s2.Token); domain.KindOf(err) != domain.KindUnauthenticated {
		t.Fatalf("after idling: %v", err)
	}

	// Logout ends a session; the token is worthless afterwards.
	s3, _ := f.login("wang", goodPassword, "10.0.0.1")
	if err := f.svc.Logout(ctx, s3.Token, auth.Meta{}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Authenticate(ctx, s3.Token); domain.KindOf(err) != domain.KindUnauthenticated {
		t.Fatalf("after logout: %v", err)
	}
	// Each login gets a new token.
	a, _ := f.login("wang", goodPassword, "10.0.0.1")
	b, _ := f.login("wang", goodPassword, "10.0.0.1")
	if a.Token == b.Token || a.Token == "" {
		t.Fatal("session token reused across logins")
	}
}

func TestWrongPasswordsAreSlowedThenRefused(t *testing.T) {
	f := setup(t)
	f.user(t, "wang")
	for i := 1; i <= 10; i++ {
		_, err := f.login("wang", "wrong-password-1", "10.0.0.2")
		if !auth.IsBadCredentials(err) {
			t.Fatalf("attempt %d: %v", i, err)
		}
	}
	if f.sleeps.Load() == 0 {
		t.Fatal("repeated failures were not slowed")
	}
	// Locked: even the right password is refused, with a wait to honour.
	_, err := f.login("wang", goodPassword, "10.0.0.3")
	de := domain.AsError(err)
	if de == nil || de.Kind != domain.KindRateLimited || de.RetryAfterSeconds <= 0 {
		t.Fatalf("locked account: %v", err)
	}
	// Unknown users are counted too, so guessing names gains nothing.
	if _, err := f.login("nobody", goodPassword, "10.0.0.4"); !auth.IsBadCredentials(err) {
		t.Fatalf("unknown user: %v", err)
	}
	// After the window the account opens again.
	f.clock.add(16 * time.Minute)
	if _, err := f.login("wang", goodPassword, "10.0.0.3"); err != nil {
		t.Fatalf("after the window: %v", err)
	}
	// Sessions and stale failures are purged by housekeeping.
	f.clock.add(24 * time.Hour)
	sessions, failures, err := f.svc.PurgeExpired(context.Background())
	if err != nil || sessions != 1 || failures != 1 {
		t.Fatalf("purge: sessions=%d failures=%d err=%v", sessions, failures, err)
	}
}

func TestManyFailuresFromOneAddressAreRefused(t *testing.T) {
	f := setup(t)
	f.user(t, "wang")
	for i := range 50 {
		if _, err := f.login("guess"+strings.Repeat("x", i%7), "nope-nope-1", "10.9.9.9"); !auth.IsBadCredentials(err) {
			t.Fatalf("attempt %d: %v", i, err)
		}
	}
	if _, err := f.login("wang", goodPassword, "10.9.9.9"); domain.KindOf(err) != domain.KindRateLimited {
		t.Fatalf("address not refused: %v", err)
	}
	if _, err := f.login("wang", goodPassword, "10.9.9.10"); err != nil {
		t.Fatalf("another address refused: %v", err)
	}
}

func TestDisablingAUserEndsTheirSessionsAndTokens(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	f.user(t, "wang")
	s, _ := f.login("wang", goodPassword, "10.0.0.1")
	tok, err := f.svc.CreateToken(ctx, "wang", "ci", auth.Meta{})
	if err != nil {
		t.Fatal(err)
	}
	if u, err := f.svc.Authenticate(ctx, tok); err != nil || u.Username != "wang" {
		t.Fatalf("bearer token: %v", err)
	}
	if err := f.svc.SetDisabled(ctx, auth.System, "wang", true, auth.Meta{}); err != nil {
		t.Fatal(err)
	}
	for _, token := range []string{s.Token, tok} {
		if _, err := f.svc.Authenticate(ctx, token); domain.KindOf(err) != domain.KindUnauthenticated {
			t.Fatalf("disabled user still authenticated: %v", err)
		}
	}
	if _, err := f.login("wang", goodPassword, "10.0.0.1"); !auth.IsBadCredentials(err) {
		t.Fatalf("disabled user signed in: %v", err)
	}
	if err := f.svc.SetDisabled(ctx, auth.System, "wang", false, auth.Meta{}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.login("wang", goodPassword, "10.0.0.1"); err != nil {
		t.Fatalf("re-enabled: %v", err)
	}
}

func TestOnlyAdminsManageUsers(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	liaison := f.user(t, "wang", domain.Grant{Role: domain.RoleLiaison, Department: "finance"})
	if _, err := f.svc.CreateUser(ctx, liaison, domain.NewUser{Username: "evil", Password: goodPassword, DisplayName: "x"}, auth.Meta{}); domain.KindOf(err) != domain.KindForbidden {
		t.Fatalf("liaison created a user: %v", err)
	}
	if _, err := f.svc.ListUsers(ctx, liaison); domain.KindOf(err) != domain.KindForbidden {
		t.Fatalf("liaison listed users: %v", err)
	}
	if err := f.svc.SetPassword(ctx, liaison, "wang", "Another-pass-1", auth.Meta{}); domain.KindOf(err) != domain.KindForbidden {
		t.Fatalf("liaison set a password: %v", err)
	}
	if err := f.svc.SetPassword(ctx, auth.System, "wang", "short", auth.Meta{}); domain.KindOf(err) != domain.KindInvalid {
		t.Fatalf("weak password accepted: %v", err)
	}
	if err := f.svc.SetPassword(ctx, auth.System, "wang", "Another-pass-1", auth.Meta{}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.login("wang", "Another-pass-1", "10.0.0.1"); err != nil {
		t.Fatalf("new password: %v", err)
	}
}

func TestImportUsersIsAllOrNothing(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	bad := "username,display_name,password,roles\n" +
		"li.wei,李伟,Lotus-city-2026,liaison:finance;member:finance\n" +
		"zhang,张三,short,office@science\n" +
		"li.wei,李伟,Lotus-city-2026,liaison:finance\n" +
		"zhao,赵,Lotus-city-2026,liaison:nowhere\n"
	res, err := f.svc.ImportUsers(ctx, auth.System, strings.NewReader(bad), auth.Meta{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Created != 0 || len(res.Errors) != 3 || res.Errors[0].Line != 3 || res.Errors[1].Line != 4 || res.Errors[2].Line != 5 {
		t.Fatalf("result %+v", res)
	}
	users, _ := f.svc.ListUsers(ctx, auth.System)
	if len(users) != 0 {
		t.Fatalf("%d users created by a failed import", len(users))
	}
	// An unknown department alone also stops the import, naming its line.
	res, err = f.svc.ImportUsers(ctx, auth.System, strings.NewReader("username,display_name,password,roles\nzhao,赵,Lotus-city-2026,liaison:nowhere\n"), auth.Meta{})
	if err != nil || res.Created != 0 || len(res.Errors) != 1 {
		t.Fatalf("unknown department: %+v %v", res, err)
	}
	good := "\ufeffusername,display_name,password,roles\n" +
		"li.wei,李伟,Lotus-city-2026,liaison:finance\n" +
		"zhang,张三,Lotus-city-2027,office@science;convener@science\n" +
		"expert1,专家一,Lotus-city-2028,expert\n"
	res, err = f.svc.ImportUsers(ctx, auth.System, strings.NewReader(good), auth.Meta{})
	if err != nil || res.Created != 3 || len(res.Errors) != 0 {
		t.Fatalf("good import: %+v %v", res, err)
	}
	if _, err := f.login("zhang", "Lotus-city-2027", "10.0.0.1"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.ImportUsers(ctx, domain.User{Username: "x"}, strings.NewReader(good), auth.Meta{}); domain.KindOf(err) != domain.KindForbidden {
		t.Fatalf("non-admin import: %v", err)
	}
}

func TestParseGrants(t *testing.T) {
	g, err := auth.ParseGrants(" office@science; liaison:finance ,admin")
	if err != nil || len(g) != 3 || g[0].Committee != "science" || g[1].Department != "finance" || g[2].Role != domain.RoleAdmin {
		t.Fatalf("%+v %v", g, err)
	}
	for _, bad := range []string{"boss", "office", "liaison@science", "admin:finance"} {
		if _, err := auth.ParseGrants(bad); domain.KindOf(err) != domain.KindInvalid {
			t.Errorf("%q accepted", bad)
		}
	}
}

func FuzzParseGrants(f *testing.F) {
	for _, s := range []string{"office@science;liaison:finance", "admin", ";;", "@:", "x@y:z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		gs, err := auth.ParseGrants(s)
		if err != nil {
			return
		}
		for i, g := range gs {
			if err := g.Validate("roles"); err != nil {
				t.Fatalf("grant %d of %q accepted but invalid: %v", i, s, err)
			}
		}
	})
}

func TestParallelGuessesAreCountedToo(t *testing.T) {
	f := setup(t)
	f.user(t, "wang")
	var wg sync.WaitGroup
	var refused, checked atomic.Int64
	for range 30 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := f.login("wang", "wrong-password-1", "10.0.0.5")
			switch {
			case domain.KindOf(err) == domain.KindRateLimited:
				refused.Add(1)
			case auth.IsBadCredentials(err):
				checked.Add(1)
			default:
				t.Errorf("attempt: %v", err)
			}
		}()
	}
	wg.Wait()
	if checked.Load() > 10 || refused.Load() < 20 {
		t.Fatalf("%d passwords checked, %d refused: parallel guesses slipped past the limit", checked.Load(), refused.Load())
	}
}

func TestLastAdminCannotBeDisabled(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	f.user(t, "root1", domain.Grant{Role: domain.RoleAdmin})
	f.user(t, "root2", domain.Grant{Role: domain.RoleAdmin})
	if err := f.svc.SetDisabled(ctx, auth.System, "root1", true, auth.Meta{}); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.SetDisabled(ctx, auth.System, "root2", true, auth.Meta{}); domain.KindOf(err) != domain.KindConflict {
		t.Fatalf("disabling the last admin: %v", err)
	}
}

func TestSignInEndsThePreviousSessionAndRevokesTokensOnPasswordChange(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	f.user(t, "wang")
	first, _ := f.login("wang", goodPassword, "10.0.0.1")
	second, err := f.svc.Login(ctx, auth.LoginInput{Username: "wang", Password: goodPassword, IP: "10.0.0.1", PreviousToken: first.Token})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Authenticate(ctx, first.Token); domain.KindOf(err) != domain.KindUnauthenticated {
		t.Fatalf("previous session survived a new sign-in: %v", err)
	}
	tok, err := f.svc.CreateToken(ctx, "wang", "ci", auth.Meta{})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.SetPassword(ctx, auth.System, "wang", "Another-pass-9", auth.Meta{}); err != nil {
		t.Fatal(err)
	}
	for _, token := range []string{second.Token, tok} {
		if _, err := f.svc.Authenticate(ctx, token); domain.KindOf(err) != domain.KindUnauthenticated {
			t.Fatalf("credential survived a password change: %v", err)
		}
	}
}

func TestStrangeUsernamesAreRefusedNotCrashed(t *testing.T) {
	f := setup(t)
	for _, name := range []string{strings.Repeat("a", 63) + "é", "wang\x00", "\xff\xfe", strings.Repeat("长", 500)} {
		if _, err := f.login(name, goodPassword, "10.0.0.7"); !auth.IsBadCredentials(err) {
			t.Errorf("%q: %v", name, err)
		}
	}
}
