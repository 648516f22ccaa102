package webui

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"lianxi/internal/i18n"
	"lianxi/web"
)

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{
		"":                        "/",
		"/":                       "/",
		"/committees":             "/committees",
		"/committees/science?x=1": "/committees/science?x=1",
		"//evil.example":          "/",
		"/\\evil.example":         "/",
		"https://evil.example/":   "/",
		"javascript:alert(1)":     "/",
		"committees":              "/",
		"/login":                  "/",
		"/logout":                 "/",
		"/a\r\nLocation: x":       "/",
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNewFailsOnAMissingTemplate(t *testing.T) {
	saved := pageNames
	t.Cleanup(func() { pageNames = saved })
	pageNames = append(append([]string{}, saved...), "no-such-page")
	if _, err := New(Deps{Auth: nil, Directory: nil}); err == nil {
		t.Fatal("New accepted missing dependencies")
	}
	as, err := loadAssets()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := parseTemplates(web.FS, as); err == nil || !strings.Contains(err.Error(), "no-such-page") {
		t.Fatalf("a missing page template was not reported at start: %v", err)
	}
}

func TestNewFailsOnATemplateThatCannotBeEscaped(t *testing.T) {
	saved := pageNames
	t.Cleanup(func() { pageNames = saved })
	pageNames = []string{"broken"}
	fsys := fstest.MapFS{
		"templates/layouts/base.html":   {Data: []byte(`{{define "base"}}{{template "content" .}}{{end}}`)},
		"templates/partials/empty.html": {Data: []byte(``)},
		// The branches end in different contexts (inside and outside an
		// attribute), which html/template refuses, but only when it runs.
		"templates/pages/broken.html": {Data: []byte(`{{define "content"}}{{if .User}}<a href="{{end}}x">{{end}}`)},
	}
	as, _ := loadAssets()
	_, err := parseTemplates(fsys, as)
	if err == nil || !strings.Contains(err.Error(), "different contexts") {
		t.Fatalf("a template html/template cannot escape was not refused at start: %v", err)
	}
}

// TestTemplateKeysAreTranslated finds every {{.T "key"}} of the templates
// and every catalogue-like string literal of this package's Go code, and
// fails for one that a catalogue lacks.
func TestTemplateKeysAreTranslated(t *testing.T) {
	keys := map[string]string{}
	tKey := regexp.MustCompile(`\.T\s+"([^"]+)"`)
	err := fs.WalkDir(web.FS, "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(web.FS, p)
		if err != nil {
			return err
		}
		for _, m := range tKey.FindAllStringSubmatch(string(b), -1) {
			keys[m[1]] = p
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) < 50 {
		t.Fatalf("found only %d keys in the templates; is the pattern right?", len(keys))
	}

	// Go code: literals shaped like keys whose namespace the catalogues use.
	namespaces := map[string]bool{}
	for _, k := range i18n.Keys(i18n.ZH) {
		ns, _, _ := strings.Cut(k, ".")
		namespaces[ns] = true
	}
	keyLike := regexp.MustCompile(`^[a-z]+(\.[a-z0-9_-]+)+$`)
	files, _ := filepath.Glob("*.go")
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		af, err := parser.ParseFile(fset, f, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(af, func(n ast.Node) bool {
			if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
				s, _ := strconv.Unquote(lit.Value)
				ns, _, _ := strings.Cut(s, ".")
				if keyLike.MatchString(s) && namespaces[ns] && !strings.HasSuffix(s, ".") {
					keys[s] = fset.Position(lit.Pos()).String()
				}
			}
			return true
		})
	}
	for k, where := range keys {
		for _, l := range i18n.Langs {
			if !i18n.Has(l, k) {
				t.Errorf("%s: %q missing from the %s catalogue", where, k, l)
			}
		}
	}
}

func TestFormFieldsFoldsRoles(t *testing.T) {
	got := formFields(i18n.EN, map[string]string{
		"username":            "Required.",
		"roles[0].committee":  "Required.",
		"roles[2].department": "Must not be given here.",
	})
	if got["username"] != "Required." {
		t.Errorf("username: %q", got["username"])
	}
	if got["roles"] != "Role 1: Required.; Role 3: Must not be given here." {
		t.Errorf("roles: %q", got["roles"])
	}
}
