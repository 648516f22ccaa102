package auth

import (
	"context"
	"encoding/csv"
	"errors"
	"io"
	"strconv"
	"strings"

	"lianxi/internal/domain"
)

// CreateUser creates an account; only administrators may.
func (s *Service) CreateUser(ctx context.Context, actor domain.User, in domain.NewUser, meta Meta) (domain.User, error) {
	if !actor.IsAdmin() {
		return domain.User{}, domain.Forbidden()
	}
	if err := in.Validate(); err != nil {
		return domain.User{}, err
	}
	hash, err := s.hash(ctx, in.Password)
	if err != nil {
		return domain.User{}, err
	}
	in.Username = domain.NormaliseUsername(in.Username)
	in.DisplayName = strings.TrimSpace(in.DisplayName)
	return s.store.CreateUsers(ctx, []domain.NewUser{in}, []string{hash}, []domain.AuditRecord{createRecord(actor, in, meta)})
}

// createRecord is the audit record of a new account; it names the roles
// granted, so that granting administration is visible in the trail.
func createRecord(actor domain.User, in domain.NewUser, meta Meta) domain.AuditRecord {
	rec := meta.Record(actor.Username, "user.create", "user:"+in.Username, domain.AuditOK)
	rec.Detail = map[string]string{"roles": FormatGrants(in.Grants)}
	return rec
}

// hash hashes a password, waiting for a hashing slot.
func (s *Service) hash(ctx context.Context, pw string) (string, error) {
	select {
	case s.hashing <- struct{}{}:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	defer func() { <-s.hashing }()
	return hashPassword(pw)
}

// EnsureUser creates a user when the username is free and leaves an existing
// one untouched; it reports whether it created one. `lianxi dev` uses it for
// the admin account, so a restart keeps the first password.
func (s *Service) EnsureUser(ctx context.Context, in domain.NewUser) (bool, error) {
	_, err := s.CreateUser(ctx, System, in, Meta{})
	if domain.KindOf(err) == domain.KindConflict {
		return false, nil
	}
	return err == nil, err
}

// ListUsers lists every account; administrators only.
func (s *Service) ListUsers(ctx context.Context, actor domain.User) ([]domain.User, error) {
	if !actor.IsAdmin() {
		return nil, domain.Forbidden()
	}
	return s.store.ListUsers(ctx)
}

// SetPassword replaces a user's password and ends their sessions.
func (s *Service) SetPassword(ctx context.Context, actor domain.User, username, password string, meta Meta) error {
	if !actor.IsAdmin() {
		return domain.Forbidden()
	}
	username = domain.NormaliseUsername(username)
	if err := domain.CheckPassword(password, username); err != nil {
		return err
	}
	hash, err := s.hash(ctx, password)
	if err != nil {
		return err
	}
	return s.store.SetPassword(ctx, username, hash, meta.Record(actor.Username, "user.passwd", "user:"+username, domain.AuditOK))
}

// SetDisabled disables or re-enables a user; disabling ends every session.
func (s *Service) SetDisabled(ctx context.Context, actor domain.User, username string, disabled bool, meta Meta) error {
	if !actor.IsAdmin() {
		return domain.Forbidden()
	}
	username = domain.NormaliseUsername(username)
	action := "user.enable"
	if disabled {
		action = "user.disable"
	}
	return s.store.SetDisabled(ctx, username, disabled, meta.Record(actor.Username, action, "user:"+username, domain.AuditOK))
}

// ImportResult is the outcome of a CSV import. When Errors is not empty,
// nothing was created.
type ImportResult struct {
	Created int
	Errors  []ImportRowError
}

// ImportRowError is a problem on one line of the CSV file (1 is the header).
type ImportRowError struct {
	Line int
	Err  error
}

// MaxImportRows bounds one import.
const MaxImportRows = 5000

// ImportUsers creates users from CSV with the header
// username,display_name,password,roles — roles written as in ParseGrants. It
// is all or nothing: every line is checked first, and one transaction creates
// them all.
func (s *Service) ImportUsers(ctx context.Context, actor domain.User, r io.Reader, meta Meta) (ImportResult, error) {
	if !actor.IsAdmin() {
		return ImportResult{}, domain.Forbidden()
	}
	committees, departments, err := s.store.Scopes(ctx)
	if err != nil {
		return ImportResult{}, err
	}
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = 4
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err != nil {
		return ImportResult{Errors: []ImportRowError{{Line: 1, Err: csvError(err)}}}, nil
	}
	want := []string{"username", "display_name", "password", "roles"}
	for i := range want {
		if strings.TrimPrefix(strings.TrimSpace(strings.ToLower(header[i])), "\ufeff") != want[i] {
			return ImportResult{Errors: []ImportRowError{{Line: 1, Err: domain.Errorf(domain.KindInvalid, "error.csv_header", map[string]any{"want": strings.Join(want, ",")})}}}, nil
		}
	}
	var (
		res    ImportResult
		users  []domain.NewUser
		hashes []string
		seen   = map[string]int{}
	)
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			res.Errors = append(res.Errors, ImportRowError{Line: line, Err: csvError(err)})
			continue
		}
		if len(users)+len(res.Errors) >= MaxImportRows {
			res.Errors = append(res.Errors, ImportRowError{Line: line, Err: domain.Errorf(domain.KindInvalid, "error.csv_too_many", map[string]any{"max": MaxImportRows})})
			break
		}
		grants, gerr := ParseGrants(rec[3])
		in := domain.NewUser{Username: domain.NormaliseUsername(rec[0]), DisplayName: strings.TrimSpace(rec[1]), Password: rec[2], Grants: grants}
		err = in.Validate()
		if gerr != nil {
			err = domain.JoinInvalid(err, gerr)
		}
		err = domain.JoinInvalid(err, checkGrantScopes(grants, committees, departments))
		if prev, dup := seen[in.Username]; dup && in.Username != "" {
			var dv domain.Validation
			dv.Add("username", "validation.duplicate_line", map[string]any{"line": prev})
			err = domain.JoinInvalid(err, dv.Err())
		}
		seen[in.Username] = line
		if err != nil {
			res.Errors = append(res.Errors, ImportRowError{Line: line, Err: err})
			continue
		}
		users = append(users, in)
	}
	if len(res.Errors) > 0 {
		return res, nil
	}
	records := make([]domain.AuditRecord, len(users))
	for i, u := range users {
		h, err := s.hash(ctx, u.Password)
		if err != nil {
			return ImportResult{}, err
		}
		hashes = append(hashes, h)
		records[i] = createRecord(actor, u, meta)
		records[i].Detail["import"] = "csv"
	}
	if _, err := s.store.CreateUsers(ctx, users, hashes, records); err != nil {
		if de := domain.AsError(err); de != nil && de.Kind == domain.KindConflict {
			// A username taken meanwhile: report it against its line.
			u, _ := de.Params["username"].(string)
			return ImportResult{Errors: []ImportRowError{{Line: seen[u], Err: err}}}, nil
		}
		return ImportResult{}, err
	}
	res.Created = len(users)
	return res, nil
}

func csvError(err error) error {
	return &domain.Error{Kind: domain.KindInvalid, Key: "error.csv_syntax", Err: err}
}

// checkGrantScopes reports grants whose committee or department does not
// exist, by field, so an import names the line before anything is written.
func checkGrantScopes(grants []domain.Grant, committees, departments map[string]bool) error {
	var v domain.Validation
	for i, g := range grants {
		field := "roles[" + strconv.Itoa(i) + "]"
		if g.Committee != "" {
			v.Check(committees[g.Committee], field+".committee", "validation.unknown_committee", map[string]any{"value": g.Committee})
		}
		if g.Department != "" {
			v.Check(departments[g.Department], field+".department", "validation.unknown_department", map[string]any{"value": g.Department})
		}
	}
	return v.Err()
}

// FormatGrants writes roles in the syntax ParseGrants reads.
func FormatGrants(gs []domain.Grant) string {
	parts := make([]string, len(gs))
	for i, g := range gs {
		switch {
		case g.Committee != "":
			parts[i] = string(g.Role) + "@" + g.Committee
		case g.Department != "":
			parts[i] = string(g.Role) + ":" + g.Department
		default:
			parts[i] = string(g.Role)
		}
	}
	return strings.Join(parts, ";")
}

// ParseGrants reads roles written as a list separated by ';' or ',': a bare
// role ("admin", "expert"), role@committee ("office@science") or
// role:department ("liaison:finance").
func ParseGrants(s string) ([]domain.Grant, error) {
	var out []domain.Grant
	var v domain.Validation
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == ',' }) {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		var g domain.Grant
		if role, c, ok := strings.Cut(part, "@"); ok {
			g = domain.Grant{Role: domain.Role(strings.TrimSpace(role)), Committee: strings.TrimSpace(c)}
		} else if role, d, ok := strings.Cut(part, ":"); ok {
			g = domain.Grant{Role: domain.Role(strings.TrimSpace(role)), Department: strings.TrimSpace(d)}
		} else {
			g = domain.Grant{Role: domain.Role(part)}
		}
		if err := g.Validate("roles"); err != nil {
			v.Add("roles", "validation.role_syntax", map[string]any{"value": part})
			continue
		}
		out = append(out, g)
	}
	return out, v.Err()
}
