package i18n

import (
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"lianxi/internal/domain"
	"lianxi/web"
)

func TestCataloguesHaveTheSameKeysAndPlaceholders(t *testing.T) {
	zh, en := Keys(ZH), Keys(EN)
	if len(zh) == 0 {
		t.Fatal("empty Chinese catalogue")
	}
	for _, k := range zh {
		if !Has(EN, k) {
			t.Errorf("%s: in zh, missing in en", k)
		}
	}
	for _, k := range en {
		if !Has(ZH, k) {
			t.Errorf("%s: in en, missing in zh", k)
		}
	}
	for _, k := range zh {
		zp, ep := Placeholders(T(ZH, k, nil)), Placeholders(T(EN, k, nil))
		if !slices.Equal(zp, ep) {
			t.Errorf("%s: placeholders zh %v, en %v", k, zp, ep)
		}
	}
}

func TestNoEmptyOrInjectedMessage(t *testing.T) {
	// The source document was defaced with spam naming a casino; it must
	// never reach a page. Written as escapes so this file does not carry it.
	spam := "\u8461\u4eac"
	for _, l := range Langs {
		for _, k := range Keys(l) {
			msg := T(l, k, nil)
			if strings.TrimSpace(msg) == "" {
				t.Errorf("%s/%s: empty message", l, k)
			}
			if strings.Contains(msg, spam) {
				t.Errorf("%s/%s: injected text", l, k)
			}
		}
	}
}

func TestCatalogueFilesAreValidJSON(t *testing.T) {
	for _, l := range Langs {
		if _, err := load(web.FS, l); err != nil {
			t.Error(err)
		}
	}
}

// keyLiteral is what a message key looks like in Go source.
var keyLiteral = regexp.MustCompile(`^(error|validation)\.[a-z0-9_]+$`)

// TestEveryKeyInTheCodeIsTranslated reads every non-test Go file of the
// module (cmd, internal, workflows, activities) and fails for an "error.x" or "validation.x" string literal that
// a catalogue lacks, so that a new domain error cannot reach a page as a
// bare key.
func TestEveryKeyInTheCodeIsTranslated(t *testing.T) {
	root := filepath.Join("..", "..") // the module
	found := map[string]string{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() && (d.Name() == "web" || d.Name() == "sqlcgen" || strings.HasPrefix(d.Name(), ".") && path != root) {
			return filepath.SkipDir
		}
		if err != nil {
			return err
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err == nil && keyLiteral.MatchString(s) {
				found[s] = fset.Position(lit.Pos()).String()
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The domain's own keys must be among those found, or the walk looked
	// in the wrong place and proves nothing.
	for _, must := range []string{"validation.required", "error.not_found", "validation.password_short", "error.task_busy"} {
		if _, ok := found[must]; !ok {
			t.Fatalf("walk of %s did not find %q; is the test running from internal/i18n?", root, must)
		}
	}
	for key, where := range found {
		for _, l := range Langs {
			if !Has(l, key) {
				t.Errorf("%s: key %q is missing from the %s catalogue", where, key, l)
			}
		}
	}
}

// TestBriefKeys lists keys the HTTP API will use before any code of it
// exists, so they are translated from the start.
func TestBriefKeys(t *testing.T) {
	for _, key := range []string{
		"error.bad_credentials", "error.rate_limited", "error.username_taken", "error.internal",
		"error.body_too_large", "error.bad_json", "error.unsupported_media_type",
		"error.method_not_allowed", "error.route_not_found", "error.unknown_committee",
		"error.unknown_department", "error.csrf", "error.invalid", "error.not_found",
		"error.conflict", "error.forbidden", "error.unauthenticated", "error.unavailable",
	} {
		for _, l := range Langs {
			if !Has(l, key) {
				t.Errorf("%s missing from %s", key, l)
			}
		}
	}
}

// TestDomainEnumsAreTranslated covers keys built at run time from domain
// values ("role."+role), which no grep can find.
func TestDomainEnumsAreTranslated(t *testing.T) {
	var keys []string
	for _, r := range domain.Roles {
		keys = append(keys, "role."+string(r))
	}
	for _, c := range []domain.Cadence{domain.CadenceHalfYearly, domain.CadenceYearly, domain.CadenceAsNeeded} {
		keys = append(keys, "cadence."+string(c))
	}
	for _, r := range []domain.ConvenerRank{domain.RankChief, domain.RankConvener} {
		keys = append(keys, "rank."+string(r))
	}
	for _, k := range []domain.OrgKind{domain.OrgDepartment, domain.OrgOther} {
		keys = append(keys, "orgkind."+string(k))
	}
	for _, key := range keys {
		for _, l := range Langs {
			if !Has(l, key) {
				t.Errorf("%s missing from %s", key, l)
			}
		}
	}
}

func TestT(t *testing.T) {
	got := T(EN, "error.rate_limited", map[string]any{"seconds": 900})
	if got != "Too many failed sign-ins; try again in 900 seconds." {
		t.Errorf("en: %q", got)
	}
	if got := T(ZH, "error.rate_limited", map[string]any{"seconds": 900}); !strings.Contains(got, "900") {
		t.Errorf("zh: %q", got)
	}
	if got := T(EN, "no.such.key", nil); got != "no.such.key" {
		t.Errorf("missing key: %q", got)
	}
	// An unknown language reads as Chinese, the default.
	if T("fr", "nav.home", nil) != T(ZH, "nav.home", nil) {
		t.Error("unknown language did not fall back to Chinese")
	}
	// A placeholder without a parameter stays visible rather than vanishing.
	if got := T(EN, "validation.too_long", nil); !strings.Contains(got, "{max}") {
		t.Errorf("unfilled: %q", got)
	}
}

func TestFromRequest(t *testing.T) {
	cases := []struct {
		name, url, cookie, accept string
		want                      Lang
	}{
		{"default", "/", "", "", ZH},
		{"query en", "/?lang=en", "", "", EN},
		{"query beats cookie", "/?lang=zh", "en", "en", ZH},
		{"cookie", "/", "en", "zh-CN", EN},
		{"bad query ignored", "/?lang=fr", "en", "", EN},
		{"accept en", "/", "", "en-GB,en;q=0.9", EN},
		{"accept zh first", "/", "", "zh-CN,zh;q=0.9,en;q=0.8", ZH},
		{"accept by quality", "/", "", "fr;q=1, zh;q=0.3, en-US;q=0.7", EN},
		{"accept unsupported", "/", "", "fr-FR,de", ZH},
		{"bad cookie ignored", "/", "xx", "en", EN},
	}
	for _, c := range cases {
		r := httptest.NewRequest("GET", c.url, nil)
		if c.cookie != "" {
			r.Header.Set("Cookie", CookieName+"="+c.cookie)
		}
		if c.accept != "" {
			r.Header.Set("Accept-Language", c.accept)
		}
		if got := FromRequest(r); got != c.want {
			t.Errorf("%s: got %s, want %s", c.name, got, c.want)
		}
	}
}

func TestErrorMessage(t *testing.T) {
	// A validation error: a title and one message per field, in the
	// person's language.
	var v domain.Validation
	v.Add("username", "validation.username", nil)
	v.Add("password", "validation.password_short", map[string]any{"min": 10})
	v.Add("password", "validation.password_classes", nil)
	title, fields := ErrorMessage(EN, v.Err())
	if title != T(EN, "error.invalid", nil) {
		t.Errorf("title %q", title)
	}
	if !strings.Contains(fields["password"], "10") || !strings.Contains(fields["password"], "two kinds") {
		t.Errorf("password: %q", fields["password"])
	}
	if fields["username"] == "" {
		t.Error("username message missing")
	}

	// Rate limiting says how long to wait, even without a seconds parameter.
	title, _ = ErrorMessage(ZH, &domain.Error{Kind: domain.KindRateLimited, Key: "error.rate_limited", RetryAfterSeconds: 60})
	if !strings.Contains(title, "60") {
		t.Errorf("rate limited: %q", title)
	}

	// Not found names the kind of object in the person's language.
	title, _ = ErrorMessage(ZH, domain.NotFound("committee", "nope"))
	if !strings.Contains(title, "联席会议") || !strings.Contains(title, "nope") {
		t.Errorf("not found: %q", title)
	}

	// Internal errors never show their text.
	secret := errors.New("pq: password authentication failed for user lianxi at 10.0.0.5")
	for _, err := range []error{secret, &domain.Error{Kind: domain.KindInternal, Key: "error.invalid", Err: secret}} {
		title, fields := ErrorMessage(EN, err)
		if title != T(EN, "error.internal", nil) || fields != nil {
			t.Errorf("internal error shown as %q %v", title, fields)
		}
	}

	// A key the catalogues lack falls back to its kind, not to the key.
	title, _ = ErrorMessage(EN, domain.Conflict("error.some_future_key", nil))
	if title != T(EN, "error.conflict", nil) {
		t.Errorf("unknown key: %q", title)
	}
	_, fields = ErrorMessage(EN, &domain.Error{Kind: domain.KindInvalid, Key: "error.invalid", Fields: []domain.FieldError{{Field: "x", Key: "validation.some_future_key"}}})
	if fields["x"] != T(EN, "validation.invalid", nil) {
		t.Errorf("unknown field key: %q", fields["x"])
	}
}

func TestParse(t *testing.T) {
	for in, want := range map[string]Lang{"en": EN, "EN-us": EN, "zh": ZH, "zh-Hans": ZH, "zh_CN": ZH} {
		if got, ok := Parse(in); !ok || got != want {
			t.Errorf("Parse(%q) = %q, %v", in, got, ok)
		}
	}
	for _, in := range []string{"", "fr", "e", "english"} {
		if _, ok := Parse(in); ok {
			t.Errorf("Parse(%q) accepted", in)
		}
	}
}

// A phase, stage or status named in an error reads as its label, never as
// its code.
func TestErrorsNameStatesByTheirLabels(t *testing.T) {
	for key, l := range stateLabels {
		for _, lang := range []Lang{ZH, EN} {
			if !Has(lang, key) {
				t.Errorf("%s: no message in %s", key, lang)
			}
		}
		found := false
		for k := range catalogues()[ZH] {
			found = found || strings.HasPrefix(k, l.prefix)
		}
		if !found {
			t.Errorf("%s: no labels under %s", key, l.prefix)
		}
	}
	title, _ := ErrorMessage(ZH, domain.Conflict("error.contest_phase", map[string]any{"phase": "voting"}))
	if !strings.Contains(title, T(ZH, "contest.phase.voting", nil)) || strings.Contains(title, "voting") {
		t.Errorf("zh: %q", title)
	}
	title, _ = ErrorMessage(EN, domain.Conflict("error.tranche_not_approved", map[string]any{"status": "pending"}))
	if !strings.Contains(title, T(EN, "masterpiece.tranche.pending", nil)) || strings.Contains(title, "(status: pending)") {
		t.Errorf("en: %q", title)
	}
	// An unknown code is left as it is.
	title, _ = ErrorMessage(EN, domain.Conflict("error.round_phase", map[string]any{"phase": "limbo"}))
	if !strings.Contains(title, "limbo") {
		t.Errorf("unknown phase: %q", title)
	}
}
