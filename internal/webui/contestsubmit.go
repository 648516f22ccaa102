package webui

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"lianxi/internal/auth"
	"lianxi/internal/contests"
	"lianxi/internal/domain"
	"lianxi/internal/i18n"
)

// maxIdeaBody bounds the idea form: its texts and three files at most.
const maxIdeaBody = domain.IdeaAttachmentsMax*(domain.IdeaFileMax+8<<10) + 1<<20

// ideaInputs are the idea form's inputs, named like the service's fields.
var ideaInputs = []string{"name", "category", "title", "problem", "idea", "effect", "attachments"}

// submitPageData is the submission page: the contact's verification
// first, then the idea form.
type submitPageData struct {
	Head      contestHead
	Contact   string // the verified contact, masked; empty before
	Verify    verifyBox
	Forms     forms
	Cats      []option
	MaxFiles  int
	MaxMB     int
	FilesLost bool
	Orphan    string
	Done      string
	TextMax   int
}

func (p *Pages) submitPage(w http.ResponseWriter, r *http.Request) {
	year, ok := contestYear(r)
	if !ok {
		p.renderError(w, r, http.StatusNotFound, nil)
		return
	}
	p.showSubmit(w, r, year, http.StatusOK, publicState{})
}

func (p *Pages) showSubmit(w http.ResponseWriter, r *http.Request, year, status int, st publicState) {
	c, v, h, ok := p.publicContestOf(w, r, year, "contest.submit.title", "submit")
	if !ok {
		return
	}
	voter, ok := p.optionalVoter(w, r, year)
	if !ok {
		return
	}
	data := submitPageData{Head: h, Verify: newVerifyBox(year, "submit", st, nil), Forms: forms{Refused: st.Refused},
		MaxFiles: domain.IdeaAttachmentsMax, MaxMB: domain.IdeaFileMax >> 20, TextMax: domain.IdeaTextMax, FilesLost: st.FilesLost,
		Done: doneMessage(v, r)}
	if voter != nil {
		data.Contact = domain.MaskContact(voter.Contact)
	}
	for _, cat := range c.Categories {
		data.Cats = append(data.Cats, option{Value: cat.Code, Label: h.Names.Category(cat.Code)})
	}
	// A refusal whose form the page does not show (the idea form of a
	// contact not verified, a body too large) is said at the top.
	a := st.Refused.Action
	if shown := a == "contact-code" || a == "contact-verify" || a == "idea" && data.Contact != ""; !shown {
		data.Orphan = st.Refused.Error
	}
	v.Data = data
	p.render(w, r, status, "contest_submit", v)
}

// ideaFile is a file chosen on the idea form.
type ideaFile struct {
	name string
	data []byte
}

// errIdeaFile is a file of the idea form larger than allowed.
var errIdeaFile = errors.New("webui: idea file too large")

// readIdeaForm reads the idea form (multipart) as it streams in: its
// texts, each to a bound, and the files chosen, each read to one byte
// past the largest allowed; nothing goes to temporary files. A file input
// left empty sends no file.
func readIdeaForm(r *http.Request) (url.Values, []ideaFile, error) {
	mr, err := r.MultipartReader()
	if err != nil {
		return url.Values{}, nil, err
	}
	f := url.Values{}
	var files []ideaFile
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return f, files, nil
		}
		if err != nil {
			return f, files, err
		}
		if part.FormName() != "attachments" {
			b, err := io.ReadAll(io.LimitReader(part, maxFormBytes))
			if err != nil {
				return f, files, err
			}
			f.Add(part.FormName(), string(b))
			continue
		}
		if part.FileName() == "" {
			continue
		}
		b, err := io.ReadAll(io.LimitReader(part, domain.IdeaFileMax+1))
		if err != nil {
			return f, files, err
		}
		if len(b) > domain.IdeaFileMax {
			return f, files, errIdeaFile
		}
		files = append(files, ideaFile{name: part.FileName(), data: b})
	}
}

// ideaOf reads an idea from the form's inputs.
func ideaOf(f url.Values) domain.NewIdea {
	return domain.NewIdea{Name: strings.TrimSpace(f.Get("name")), Category: f.Get("category"), Title: strings.TrimSpace(f.Get("title")),
		Problem: f.Get("problem"), Idea: f.Get("idea"), Effect: f.Get("effect")}
}

// checkIdea checks an idea as the service will, and its files, before any
// file is stored: a refused form stores nothing.
func checkIdea(c contests.PublicContest, in domain.NewIdea, files []ideaFile) error {
	if c.Phase != domain.ContestSubmission {
		return domain.Conflict("error.contest_not_open", nil)
	}
	var v domain.Validation
	v.Check(len(files) <= domain.IdeaAttachmentsMax, "attachments", "validation.too_many", map[string]any{"max": domain.IdeaAttachmentsMax})
	for _, f := range files {
		v.Check(len(f.data) > 0 && !strings.ContainsAny(f.name, "/\\\x00"), "attachments", "validation.file_name", nil)
	}
	return domain.JoinInvalid(v.Err(), in.Validate(domain.ContestRules{Categories: c.Categories}))
}

// submitIdea takes the idea form of a verified contact: the idea checked
// first, then its files stored, then the idea; the person goes to the
// idea's tracking page with the tracking code. A refusal shows the form
// again with the messages beside the inputs (the files to be chosen
// again: a browser cannot keep them).
func (p *Pages) submitIdea(w http.ResponseWriter, r *http.Request) {
	year, ok := contestYear(r)
	if !ok {
		p.renderError(w, r, http.StatusNotFound, nil)
		return
	}
	lang := i18n.FromRequest(r)
	var files []ideaFile
	show := func(status int, st publicState) {
		st.FilesLost = st.FilesLost || len(files) > 0
		p.showSubmit(w, r, year, status, st)
	}
	refuse := func(status int, key string) {
		show(status, publicState{Refused: cycleForm{Action: "idea", Error: i18n.T(lang, key, nil)}})
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "multipart/form-data" {
		refuse(http.StatusUnsupportedMediaType, "error.unsupported_media_type")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxIdeaBody)
	f, files, err := readIdeaForm(r)
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge) || errors.Is(err, errIdeaFile):
		var v domain.Validation
		v.Add("attachments", "validation.file_too_large", map[string]any{"max_mb": domain.IdeaFileMax >> 20})
		show(http.StatusRequestEntityTooLarge, publicState{Refused: refusedForm(lang, "idea", f, v.Err(), nil), FilesLost: true})
		return
	case err != nil:
		refuse(http.StatusBadRequest, "error.bad_upload")
		return
	}
	rename := func(field string) string {
		if field == "file" {
			return "attachments"
		}
		return keepFields(ideaInputs...)(field)
	}
	idea, err := p.submit(r, year, ideaOf(f), files)
	if err != nil {
		p.publicRefusal(w, r, err, "idea", f, rename, show)
		return
	}
	http.Redirect(w, r, withDone(trackURL(idea.TrackingCode), "submitted"), http.StatusSeeOther)
}

// submit stores a verified contact's idea with its files.
func (p *Pages) submit(r *http.Request, year int, in domain.NewIdea, files []ideaFile) (domain.Idea, error) {
	ctx, ip := r.Context(), auth.ClientIP(r)
	voter, err := p.voterOf(r, year)
	if err != nil {
		return domain.Idea{}, err
	}
	c, err := p.contests.Public(ctx, year)
	if err != nil {
		return domain.Idea{}, err
	}
	if err := checkIdea(c, in, files); err != nil {
		return domain.Idea{}, err
	}
	for _, f := range files {
		id, err := p.contests.Upload(ctx, voter, f.name, f.data, ip)
		if err != nil {
			return domain.Idea{}, err
		}
		in.Attachments = append(in.Attachments, id)
	}
	return p.contests.Submit(ctx, voter, in, ip)
}
