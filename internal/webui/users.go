package webui

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"lianxi/internal/auth"
	"lianxi/internal/domain"
	"lianxi/internal/i18n"
)

// MaxImportBytes is the largest CSV file the import accepts: 1 MiB holds
// thousands of users, far more than a city's staff.
const MaxImportBytes = 1 << 20

// usersPage is the administrators' page of accounts: the list, the form
// that creates one, and the CSV import.
type usersPage struct {
	Users    []userRow
	Form     userForm
	Import   importForm
	Created  string // username just created, shown as a confirmation
	Imported int    // users just imported
	// Committees and Departments list the codes the roles field accepts.
	Committees  []domain.Committee
	Departments []domain.Organisation
	MinPassword int
}

type userRow struct {
	User  domain.User
	Roles []string
}

// userForm keeps what was typed when the form comes back with errors; the
// password is deliberately not kept.
type userForm struct {
	Username    string
	DisplayName string
	Roles       string
	Error       string
	Fields      map[string]string
}

type importForm struct {
	Error string
	Lines []importLine
}

type importLine struct {
	Line     int
	Messages []string
}

func (p *Pages) users(w http.ResponseWriter, r *http.Request) {
	u, ok := p.admin(w, r)
	if !ok {
		return
	}
	var data usersPage
	q := r.URL.Query()
	data.Created = q.Get("created")
	data.Imported, _ = strconv.Atoi(q.Get("imported"))
	p.renderUsers(w, r, u, http.StatusOK, data)
}

// renderUsers loads the lists the page shows around a form and renders it.
func (p *Pages) renderUsers(w http.ResponseWriter, r *http.Request, actor domain.User, status int, data usersPage) {
	ctx := r.Context()
	us, err := p.auth.ListUsers(ctx, actor)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	cs, err := p.dir.ListCommittees(ctx)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	orgs, err := p.dir.ListOrganisations(ctx)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	v := p.newView(r, "page.users.title", "users")
	names := newNames(v.Lang, cs, orgs)
	for _, u := range us {
		row := userRow{User: u}
		for _, g := range u.Grants {
			row.Roles = append(row.Roles, names.grant(g))
		}
		data.Users = append(data.Users, row)
	}
	// The confirmation comes from a query parameter anyone can type; it is
	// only shown for an account that really exists.
	if data.Created != "" && !slices.ContainsFunc(us, func(u domain.User) bool { return u.Username == data.Created }) {
		data.Created = ""
	}
	data.Committees = cs
	data.MinPassword = domain.MinPasswordLength
	for _, o := range orgs {
		if o.Kind == domain.OrgDepartment && o.Active() {
			data.Departments = append(data.Departments, o)
		}
	}
	v.Data = data
	p.render(w, r, status, "users", v)
}

func (p *Pages) createUser(w http.ResponseWriter, r *http.Request) {
	actor, ok := p.admin(w, r)
	if !ok {
		return
	}
	lang := i18n.FromRequest(r)
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		p.renderUsers(w, r, actor, http.StatusRequestEntityTooLarge, usersPage{Form: userForm{Error: i18n.T(lang, "error.body_too_large", nil)}})
		return
	}
	f := r.PostForm
	form := userForm{Username: strings.TrimSpace(f.Get("username")), DisplayName: strings.TrimSpace(f.Get("display_name")), Roles: strings.TrimSpace(f.Get("roles"))}
	in := domain.NewUser{Username: form.Username, DisplayName: form.DisplayName, Password: f.Get("password")}
	grants, gerr := auth.ParseGrants(form.Roles)
	in.Grants = grants
	var err error
	if gerr != nil {
		// The roles could not be read: report them with whatever else is
		// wrong, without asking the service to create half of what was meant.
		err = domain.JoinInvalid(in.Validate(), gerr)
	} else {
		var created domain.User
		created, err = p.auth.CreateUser(r.Context(), actor, in, auth.RequestMeta(r))
		if err == nil {
			http.Redirect(w, r, "/users?"+url.Values{"created": {created.Username}}.Encode(), http.StatusSeeOther)
			return
		}
	}
	switch domain.KindOf(err) {
	case domain.KindForbidden, domain.KindUnauthenticated:
		p.fail(w, r, err)
		return
	case domain.KindInternal:
		p.log.Error("create user", "err", err, "request_id", auth.RequestMeta(r).RequestID)
	}
	title, fields := i18n.ErrorMessage(lang, err)
	form.Fields = formFields(lang, fields)
	if de := domain.AsError(err); de != nil && len(de.Fields) == 0 {
		// Errors about one input without a field list: put them beside it.
		switch de.Key {
		case "error.username_taken":
			form.Fields = map[string]string{"username": title}
		case "error.unknown_committee", "error.unknown_department":
			form.Fields = map[string]string{"roles": title}
		}
	}
	form.Error = title
	p.renderUsers(w, r, actor, statusOf(err), usersPage{Form: form})
}

func (p *Pages) importUsers(w http.ResponseWriter, r *http.Request) {
	actor, ok := p.admin(w, r)
	if !ok {
		return
	}
	lang := i18n.FromRequest(r)
	fail := func(status int, key string) {
		p.renderUsers(w, r, actor, status, usersPage{Import: importForm{Error: i18n.T(lang, key, nil)}})
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "multipart/form-data" {
		fail(http.StatusUnsupportedMediaType, "error.unsupported_media_type")
		return
	}
	// The body holds the file plus the multipart envelope; the file itself
	// is held to MaxImportBytes below.
	r.Body = http.MaxBytesReader(w, r.Body, MaxImportBytes+16<<10)
	file, err := readFilePart(r, "file")
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge) || errors.Is(err, errFileTooLarge):
		fail(http.StatusRequestEntityTooLarge, "error.body_too_large")
		return
	case err != nil:
		fail(http.StatusBadRequest, "error.bad_upload")
		return
	case len(bytes.TrimSpace(file)) == 0:
		fail(http.StatusUnprocessableEntity, "error.csv_empty")
		return
	}
	res, err := p.auth.ImportUsers(r.Context(), actor, bytes.NewReader(file), auth.RequestMeta(r))
	if err != nil {
		if k := domain.KindOf(err); k == domain.KindForbidden || k == domain.KindUnauthenticated || k == domain.KindInternal {
			p.fail(w, r, err)
			return
		}
		fail(statusOf(err), "error.invalid")
		return
	}
	if len(res.Errors) > 0 {
		imp := importForm{Error: i18n.T(lang, "users.import.failed", map[string]any{"n": len(res.Errors)})}
		for _, e := range res.Errors {
			imp.Lines = append(imp.Lines, importLine{Line: e.Line, Messages: rowMessages(lang, e.Err)})
		}
		p.renderUsers(w, r, actor, http.StatusUnprocessableEntity, usersPage{Import: imp})
		return
	}
	http.Redirect(w, r, "/users?"+url.Values{"imported": {strconv.Itoa(res.Created)}}.Encode(), http.StatusSeeOther)
}

var errFileTooLarge = errors.New("webui: file too large")

// readFilePart streams the multipart body to the named file part and reads
// at most MaxImportBytes of it; nothing is written to temporary files.
func readFilePart(r *http.Request, name string) ([]byte, error) {
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, err
	}
	for {
		part, err := mr.NextPart()
		if err != nil {
			return nil, err // io.EOF: no such part
		}
		if part.FormName() != name {
			continue
		}
		b, err := io.ReadAll(io.LimitReader(part, MaxImportBytes+1))
		if err != nil {
			return nil, err
		}
		if len(b) > MaxImportBytes {
			return nil, errFileTooLarge
		}
		return b, nil
	}
}

// rolesField matches the field names of single grants ("roles[2].committee").
var rolesField = regexp.MustCompile(`^roles\[(\d+)\]`)

// formFields folds the field errors of the grants into the one roles input
// the form has, numbering each grant as the person wrote it.
func formFields(lang i18n.Lang, fields map[string]string) map[string]string {
	if len(fields) == 0 {
		return nil
	}
	out := map[string]string{}
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	slices.Sort(keys) // a stable order of messages
	for _, k := range keys {
		msg, field := fields[k], k
		if m := rolesField.FindStringSubmatch(k); m != nil {
			n, _ := strconv.Atoi(m[1])
			field = "roles"
			msg = i18n.T(lang, "users.form.role_item", map[string]any{"n": n + 1, "message": msg})
		}
		if prev, ok := out[field]; ok {
			msg = prev + i18n.T(lang, "punct.list_sep", nil) + msg
		}
		out[field] = msg
	}
	return out
}

// rowMessages says what is wrong with one line of an import: each field's
// problem with the field's label, or the error's title when it names no
// field (a CSV syntax error, a taken username).
func rowMessages(lang i18n.Lang, err error) []string {
	title, fields := i18n.ErrorMessage(lang, err)
	fields = formFields(lang, fields)
	if len(fields) == 0 {
		return []string{title}
	}
	var out []string
	for _, f := range []string{"username", "display_name", "password", "roles"} {
		if msg, ok := fields[f]; ok {
			out = append(out, i18n.T(lang, "users.field."+f, nil)+i18n.T(lang, "punct.colon", nil)+msg)
			delete(fields, f)
		}
	}
	rest := make([]string, 0, len(fields))
	for f := range fields {
		rest = append(rest, f)
	}
	slices.Sort(rest)
	for _, f := range rest {
		out = append(out, f+i18n.T(lang, "punct.colon", nil)+fields[f])
	}
	return out
}
