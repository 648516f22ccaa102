package webtest

import (
	"context"
	"crypto/rand"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"lianxi/internal/auth"
	"lianxi/internal/domain"
	"lianxi/internal/seed"
)

// Password signs in every account of DefaultAccounts.
const Password = "Lianxi-test-2026"

// Account is a user of FakeAuth with the password that signs them in.
type Account struct {
	User     domain.User
	Password string
}

// DefaultAccounts are one person per kind of role: an administrator, the
// science office, a convener, the finance bureau's liaison and an expert.
func DefaultAccounts() []Account {
	mk := func(id int64, username, name string, grants ...domain.Grant) Account {
		return Account{User: domain.User{ID: id, Username: username, DisplayName: name, Grants: grants}, Password: Password}
	}
	return []Account{
		mk(1, "admin", "系统管理员", domain.Grant{Role: domain.RoleAdmin}),
		mk(2, "kj.office", "王芳", domain.Grant{Role: domain.RoleOffice, Committee: "science"}),
		mk(3, "convener", "赵强", domain.Grant{Role: domain.RoleConvener, Committee: "management"}),
		mk(4, "cz.liaison", "李娜", domain.Grant{Role: domain.RoleLiaison, Department: "finance"}),
		mk(5, "expert", "陈明", domain.Grant{Role: domain.RoleExpert}),
	}
}

// FakeAuth stands in for auth.Service: accounts and sessions in memory, the
// same error kinds and keys, and a middleware that does what the real one
// does (put the session's user into the context with auth.WithUser).
type FakeAuth struct {
	// LockAfter is the number of failed sign-ins of a username after which
	// Login answers KindRateLimited, as the real service does.
	LockAfter int

	dir      *FakeDirectory
	mu       sync.Mutex
	accounts []Account
	sessions map[string]string // token → username
	failures map[string]int
	nextID   int64
	audit    []string
}

// NewFakeAuth returns a fake with the accounts. Roles of new users are
// checked against dir's committees and departments when dir is not nil.
func NewFakeAuth(dir *FakeDirectory, accounts ...Account) *FakeAuth {
	f := &FakeAuth{LockAfter: 5, dir: dir, sessions: map[string]string{}, failures: map[string]int{}, nextID: 1000}
	f.accounts = slices.Clone(accounts)
	return f
}

// Middleware identifies the user from the session cookie, like
// auth.Service.Middleware.
func (f *FakeAuth) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, ok := f.userOf(auth.SessionToken(r)); ok {
			r = r.WithContext(auth.WithUser(r.Context(), u))
		}
		next.ServeHTTP(w, r)
	})
}

func (f *FakeAuth) userOf(token string) (domain.User, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	name, ok := f.sessions[token]
	if !ok || token == "" {
		return domain.User{}, false
	}
	for _, a := range f.accounts {
		if a.User.Username == name && !a.User.Disabled {
			return a.User, true
		}
	}
	return domain.User{}, false
}

// Login implements webui.Auth.
func (f *FakeAuth) Login(_ context.Context, in auth.LoginInput) (auth.Session, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	name := domain.NormaliseUsername(in.Username)
	if f.LockAfter > 0 && f.failures[name] >= f.LockAfter {
		return auth.Session{}, &domain.Error{Kind: domain.KindRateLimited, Key: "error.rate_limited",
			Params: map[string]any{"seconds": 900}, RetryAfterSeconds: 900}
	}
	for _, a := range f.accounts {
		if a.User.Username == name && a.Password == in.Password && !a.User.Disabled {
			delete(f.failures, name)
			b := make([]byte, 16)
			_, _ = rand.Read(b)
			token := hex.EncodeToString(b)
			f.sessions[token] = name
			return auth.Session{Token: token, User: a.User, ExpiresAt: time.Now().Add(time.Hour)}, nil
		}
	}
	f.failures[name]++
	return auth.Session{}, &domain.Error{Kind: domain.KindUnauthenticated, Key: "error.bad_credentials"}
}

// Logout implements webui.Auth.
func (f *FakeAuth) Logout(_ context.Context, token string, _ auth.Meta) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.sessions, token)
	return nil
}

// Audit records an audit line as "actor action object result", like
// auth.Service.Audit writes one to the trail.
func (f *FakeAuth) Audit(_ context.Context, actor, action, object string, result domain.AuditResult, _ auth.Meta) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.audit = append(f.audit, actor+" "+action+" "+object+" "+string(result))
}

// Audited returns the audit lines recorded so far.
func (f *FakeAuth) Audited() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.audit)
}

// ListUsers implements webui.Auth.
func (f *FakeAuth) ListUsers(_ context.Context, actor domain.User) ([]domain.User, error) {
	if !actor.IsAdmin() {
		return nil, domain.Forbidden()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]domain.User, len(f.accounts))
	for i, a := range f.accounts {
		out[i] = a.User
	}
	return out, nil
}

// CreateUser implements webui.Auth.
func (f *FakeAuth) CreateUser(_ context.Context, actor domain.User, in domain.NewUser, _ auth.Meta) (domain.User, error) {
	if !actor.IsAdmin() {
		return domain.User{}, domain.Forbidden()
	}
	if err := f.check(in); err != nil {
		return domain.User{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.taken(in.Username) {
		return domain.User{}, domain.Conflict("error.username_taken", map[string]any{"username": domain.NormaliseUsername(in.Username)})
	}
	return f.add(in), nil
}

// ImportUsers implements webui.Auth, all or nothing like the real service:
// every line is checked and nothing is created when one is wrong.
func (f *FakeAuth) ImportUsers(_ context.Context, actor domain.User, r io.Reader, _ auth.Meta) (auth.ImportResult, error) {
	if !actor.IsAdmin() {
		return auth.ImportResult{}, domain.Forbidden()
	}
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = 4
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err != nil || strings.Join(header, ",") != "username,display_name,password,roles" {
		return auth.ImportResult{Errors: []auth.ImportRowError{{Line: 1, Err: domain.Errorf(domain.KindInvalid, "error.csv_header",
			map[string]any{"want": "username,display_name,password,roles"})}}}, nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var (
		res   auth.ImportResult
		users []domain.NewUser
		seen  = map[string]bool{}
	)
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			res.Errors = append(res.Errors, auth.ImportRowError{Line: line, Err: &domain.Error{Kind: domain.KindInvalid, Key: "error.csv_syntax", Err: err}})
			continue
		}
		grants, gerr := auth.ParseGrants(rec[3])
		in := domain.NewUser{Username: domain.NormaliseUsername(rec[0]), DisplayName: rec[1], Password: rec[2], Grants: grants}
		err = f.check(in)
		var v domain.Validation
		if de := domain.AsError(err); de != nil {
			for _, fe := range de.Fields {
				v.Add(fe.Field, fe.Key, fe.Params)
			}
		}
		if de := domain.AsError(gerr); de != nil {
			for _, fe := range de.Fields {
				v.Add(fe.Field, fe.Key, fe.Params)
			}
		}
		if seen[in.Username] || f.taken(in.Username) {
			v.Add("username", "validation.duplicate", map[string]any{"value": in.Username})
		}
		seen[in.Username] = true
		if err := v.Err(); err != nil {
			res.Errors = append(res.Errors, auth.ImportRowError{Line: line, Err: err})
			continue
		}
		users = append(users, in)
	}
	if len(res.Errors) > 0 {
		return res, nil
	}
	for _, in := range users {
		f.add(in)
	}
	res.Created = len(users)
	return res, nil
}

// check validates a new user and, with a directory, the scopes of its roles.
func (f *FakeAuth) check(in domain.NewUser) error {
	err := in.Validate()
	if f.dir == nil {
		return err
	}
	var v domain.Validation
	if de := domain.AsError(err); de != nil {
		for _, fe := range de.Fields {
			v.Add(fe.Field, fe.Key, fe.Params)
		}
	}
	for i, g := range in.Grants {
		field := "roles[" + strconv.Itoa(i) + "]"
		if g.Committee != "" && !f.dir.hasCommittee(g.Committee) {
			v.Add(field+".committee", "validation.unknown_committee", map[string]any{"value": g.Committee})
		}
		if g.Department != "" && !f.dir.hasDepartment(g.Department) {
			v.Add(field+".department", "validation.unknown_department", map[string]any{"value": g.Department})
		}
	}
	return v.Err()
}

func (f *FakeAuth) taken(username string) bool {
	name := domain.NormaliseUsername(username)
	return slices.ContainsFunc(f.accounts, func(a Account) bool { return a.User.Username == name })
}

func (f *FakeAuth) add(in domain.NewUser) domain.User {
	f.nextID++
	u := domain.User{ID: f.nextID, Username: domain.NormaliseUsername(in.Username), DisplayName: strings.TrimSpace(in.DisplayName), Grants: in.Grants, CreatedAt: time.Now()}
	f.accounts = append(f.accounts, Account{User: u, Password: in.Password})
	return u
}

// FakeDirectory stands in for the store's directory queries with the plans'
// organisations and committees from internal/seed. Committees hold member
// codes and are resolved on every read, so a rename shows on every page as
// it would with the real store.
type FakeDirectory struct {
	mu         sync.Mutex
	orgs       []domain.Organisation
	committees []domain.Committee
}

// NewFakeDirectory returns the seed's organisations and committees.
func NewFakeDirectory() *FakeDirectory {
	return &FakeDirectory{orgs: seed.Organisations(), committees: seed.Committees()}
}

// AddOrganisation adds an organisation, for example one whose name tests
// escaping.
func (d *FakeDirectory) AddOrganisation(o domain.Organisation) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.orgs = append(d.orgs, o)
}

// AddMember seats an organisation on a committee.
func (d *FakeDirectory) AddMember(committee, org string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for i := range d.committees {
		if d.committees[i].Code == committee {
			d.committees[i].Members = append(d.committees[i].Members, domain.Organisation{Code: org})
		}
	}
}

// Rename gives an organisation a new name and records the old one.
func (d *FakeDirectory) Rename(code, zh, en string, at time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for i := range d.orgs {
		o := &d.orgs[i]
		if o.Code == code {
			o.History = append(o.History, domain.OrgEvent{Kind: domain.OrgRenamed, At: at,
				OldNameZH: o.NameZH, OldNameEN: o.NameEN, NewNameZH: zh, NewNameEN: en})
			o.NameZH, o.NameEN = zh, en
		}
	}
}

// Merge folds an organisation into another.
func (d *FakeDirectory) Merge(code, into string, at time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for i := range d.orgs {
		o := &d.orgs[i]
		if o.Code == code {
			o.History = append(o.History, domain.OrgEvent{Kind: domain.OrgMerged, At: at,
				OldNameZH: o.NameZH, OldNameEN: o.NameEN, Target: into})
			o.MergedInto = into
		}
	}
}

// ListCommittees implements webui.Directory.
func (d *FakeDirectory) ListCommittees(context.Context) ([]domain.Committee, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]domain.Committee, len(d.committees))
	for i, c := range d.committees {
		out[i] = d.resolve(c)
	}
	return out, nil
}

// GetCommittee implements webui.Directory.
func (d *FakeDirectory) GetCommittee(_ context.Context, code string) (domain.Committee, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, c := range d.committees {
		if c.Code == code {
			return d.resolve(c), nil
		}
	}
	return domain.Committee{}, domain.NotFound("committee", code)
}

// ListOrganisations implements webui.Directory.
func (d *FakeDirectory) ListOrganisations(context.Context) ([]domain.Organisation, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]domain.Organisation, len(d.orgs))
	for i, o := range d.orgs {
		o.History = slices.Clone(o.History)
		out[i] = o
	}
	return out, nil
}

func (d *FakeDirectory) resolve(c domain.Committee) domain.Committee {
	c.Conveners = slices.Clone(c.Conveners)
	members := make([]domain.Organisation, len(c.Members))
	for i, m := range c.Members {
		members[i] = d.org(m.Code)
	}
	c.Members = members
	if c.OfficeHost != nil {
		h := d.org(c.OfficeHost.Code)
		c.OfficeHost = &h
	}
	return c
}

func (d *FakeDirectory) org(code string) domain.Organisation {
	for _, o := range d.orgs {
		if o.Code == code {
			return o
		}
	}
	return domain.Organisation{Code: code, NameZH: code, NameEN: code}
}

func (d *FakeDirectory) hasCommittee(code string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.ContainsFunc(d.committees, func(c domain.Committee) bool { return c.Code == code })
}

func (d *FakeDirectory) hasDepartment(code string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.ContainsFunc(d.orgs, func(o domain.Organisation) bool {
		return o.Code == code && o.Kind == domain.OrgDepartment && o.Active()
	})
}
