// Package i18n translates the words of the user interface and of errors into
// Simplified Chinese (the default) and English. Messages live in two flat
// JSON catalogues embedded from web/i18n, keyed like "validation.required",
// with {name} placeholders filled from parameters. Code never carries
// user-visible text: domain errors carry a key and parameters, and this
// package turns them into words.
package i18n

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	"lianxi/internal/domain"
	"lianxi/web"
)

// Lang is a language of the user interface.
type Lang string

// The supported languages. ZH is the default: the city's staff work in
// Chinese, and English serves visitors and partners.
const (
	ZH Lang = "zh"
	EN Lang = "en"
)

// Langs lists the supported languages in the order the language switch shows
// them.
var Langs = []Lang{ZH, EN}

// Parse returns the language a tag such as "en", "en-GB", "zh-CN" or
// "zh-Hans" names, and false for anything else.
func Parse(tag string) (Lang, bool) {
	tag = strings.ToLower(strings.TrimSpace(tag))
	base, _, _ := strings.Cut(tag, "-")
	base, _, _ = strings.Cut(base, "_")
	switch base {
	case "zh":
		return ZH, true
	case "en":
		return EN, true
	}
	return "", false
}

// HTMLTag is the value of the <html lang> attribute for the language.
func (l Lang) HTMLTag() string {
	if l == EN {
		return "en"
	}
	return "zh-CN"
}

// CookieName is the cookie that remembers a chosen language.
const CookieName = "lang"

// catalogues are parsed once, on first use, from the embedded files. The
// files are part of the binary and a test parses them, so a malformed one is
// a build mistake and panics rather than returning an error every caller
// would have to handle.
var catalogues = sync.OnceValue(func() map[Lang]map[string]string {
	out := map[Lang]map[string]string{}
	for _, l := range Langs {
		m, err := load(web.FS, l)
		if err != nil {
			panic(err)
		}
		out[l] = m
	}
	return out
})

func load(fsys fs.FS, l Lang) (map[string]string, error) {
	b, err := fs.ReadFile(fsys, "i18n/"+string(l)+".json")
	if err != nil {
		return nil, fmt.Errorf("i18n: catalogue %s: %w", l, err)
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("i18n: catalogue %s: %w", l, err)
	}
	return m, nil
}

// Has reports whether the language's catalogue has a key.
func Has(lang Lang, key string) bool {
	_, ok := catalogues()[norm(lang)][key]
	return ok
}

// T returns the message of a key in a language with its {placeholders}
// filled from params. A key missing from the language falls back to Chinese
// and then to the key itself, so a forgotten message shows up as a visible
// key rather than as nothing; the tests keep that from reaching users.
func T(lang Lang, key string, params map[string]any) string {
	cats := catalogues()
	msg, ok := cats[norm(lang)][key]
	if !ok {
		if msg, ok = cats[ZH][key]; !ok {
			return key
		}
	}
	if len(params) == 0 || !strings.Contains(msg, "{") {
		return msg
	}
	return fill(msg, params)
}

// fill replaces each {name} with its parameter; an unknown name is left as
// it is so the mistake is visible.
func fill(msg string, params map[string]any) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(msg, '{')
		if i < 0 {
			break
		}
		j := strings.IndexByte(msg[i:], '}')
		if j < 0 {
			break
		}
		name := msg[i+1 : i+j]
		b.WriteString(msg[:i])
		if v, ok := params[name]; ok {
			b.WriteString(format(v))
		} else {
			b.WriteString(msg[i : i+j+1])
		}
		msg = msg[i+j+1:]
	}
	b.WriteString(msg)
	return b.String()
}

func format(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case int:
		return strconv.Itoa(x)
	case fmt.Stringer:
		return x.String()
	}
	return fmt.Sprint(v)
}

// Placeholders returns the names of the {placeholders} of a message, sorted.
func Placeholders(msg string) []string {
	var out []string
	for {
		i := strings.IndexByte(msg, '{')
		if i < 0 {
			break
		}
		j := strings.IndexByte(msg[i:], '}')
		if j < 0 {
			break
		}
		out = append(out, msg[i+1:i+j])
		msg = msg[i+j+1:]
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Keys returns the keys of a language's catalogue, sorted.
func Keys(lang Lang) []string {
	m := catalogues()[norm(lang)]
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func norm(l Lang) Lang {
	if l == EN {
		return EN
	}
	return ZH
}

// FromRequest picks the language of a request: an explicit ?lang= first (the
// language switch), then the lang cookie it leaves, then the browser's
// Accept-Language, and Chinese when none of them names a supported language.
func FromRequest(r *http.Request) Lang {
	if l, ok := Parse(r.URL.Query().Get("lang")); ok {
		return l
	}
	if c, err := r.Cookie(CookieName); err == nil {
		if l, ok := Parse(c.Value); ok {
			return l
		}
	}
	if l, ok := fromAcceptLanguage(r.Header.Get("Accept-Language")); ok {
		return l
	}
	return ZH
}

// fromAcceptLanguage returns the supported language with the highest
// quality in an Accept-Language header; on a tie the earlier one wins, as
// browsers list preferences in order.
func fromAcceptLanguage(h string) (Lang, bool) {
	var (
		best  Lang
		bestQ = 0.0
	)
	for _, part := range strings.Split(h, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				continue
			}
			q = f
		}
		l, ok := Parse(tag)
		if ok && q > bestQ {
			best, bestQ = l, q
		}
	}
	return best, bestQ > 0
}

// ErrorMessage turns an error into words for a person: a title from the
// domain error's key and parameters, and one message per field that has a
// problem (several problems of one field joined). An error that is not a
// domain error, or is an internal one, gets the generic "something went
// wrong" title: its text may hold SQL or addresses and belongs in the log,
// never on a page.
func ErrorMessage(lang Lang, err error) (title string, fields map[string]string) {
	de := domain.AsError(err)
	if de == nil || de.Kind == domain.KindInternal {
		return T(lang, "error.internal", nil), nil
	}
	params := localParams(lang, de.Params)
	labelState(lang, de.Key, params)
	if de.Kind == domain.KindRateLimited {
		if _, ok := params["seconds"]; !ok {
			params["seconds"] = de.RetryAfterSeconds
		}
	}
	key := de.Key
	if key == "" || !Has(lang, key) {
		// An unknown key still tells the person what kind of problem it is.
		key = kindKey(de.Kind)
	}
	title = T(lang, key, params)
	if len(de.Fields) > 0 {
		fields = map[string]string{}
		for _, f := range de.Fields {
			k := f.Key
			if k == "" || !Has(lang, k) {
				k = "validation.invalid"
			}
			msg := T(lang, k, localParams(lang, f.Params))
			if prev, ok := fields[f.Field]; ok && prev != msg {
				msg = prev + T(lang, "punct.list_sep", nil) + msg
			}
			fields[f.Field] = msg
		}
	}
	return title, fields
}

// localParams copies params, translating a "what" parameter (the kind of
// object in error.not_found) when the catalogue names it.
func localParams(lang Lang, params map[string]any) map[string]any {
	out := make(map[string]any, len(params)+1)
	for k, v := range params {
		out[k] = v
	}
	if w, ok := out["what"].(string); ok && Has(lang, "object."+w) {
		out["what"] = T(lang, "object."+w, nil)
	}
	return out
}

// stateLabels name, for an error that reports where a process stands,
// the parameter and the catalogue prefix of its labels.
var stateLabels = map[string]struct{ param, prefix string }{
	"error.cycle_phase":          {"phase", "cycle.phase."},
	"error.round_phase":          {"phase", "round.phase."},
	"error.contest_phase":        {"phase", "contest.phase."},
	"error.voting_closed":        {"phase", "contest.phase."},
	"error.masterpiece_phase":    {"phase", "masterpiece.phase."},
	"error.consultation_phase":   {"phase", "consultation.phase."},
	"error.project_not_ready":    {"stage", "masterpiece.stage."},
	"error.tranche_not_reported": {"status", "masterpiece.tranche."},
	"error.tranche_not_approved": {"status", "masterpiece.tranche."},
}

// labelState replaces a phase, stage or status code in an error's
// parameters with its label in the language ("voting" → "投票中").
func labelState(lang Lang, key string, params map[string]any) {
	l, ok := stateLabels[key]
	if !ok {
		return
	}
	if v, ok := params[l.param].(string); ok && Has(lang, l.prefix+v) {
		params[l.param] = T(lang, l.prefix+v, nil)
	}
}

func kindKey(k domain.Kind) string {
	switch k {
	case domain.KindInvalid:
		return "error.invalid"
	case domain.KindNotFound:
		return "error.not_found_generic"
	case domain.KindConflict:
		return "error.conflict"
	case domain.KindForbidden:
		return "error.forbidden"
	case domain.KindUnauthenticated:
		return "error.unauthenticated"
	case domain.KindRateLimited:
		return "error.rate_limited"
	case domain.KindUnavailable:
		return "error.unavailable"
	}
	return "error.internal"
}
