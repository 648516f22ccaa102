package httpapi

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
	"time"

	"lianxi/internal/auth"
	"lianxi/internal/domain"
	"lianxi/internal/i18n"
	"lianxi/internal/portfolio"
)

// masterpieceExport answers GET /api/v1/masterpiece-rounds/{year}/portfolio.xlsx
// and /funding.xlsx: a year's portfolio (项目库) or funding plan (资金计
// 划) as a workbook, for those who see the whole year — the publicity
// department's office, the culture committee's conveners, the finance
// bureau, administrators; a unit, which sees its own projects only, is
// refused (403). Words are in the request's language. The file is built
// whole before anything is sent, so a failure is still a problem document;
// like every export it is audited, before the file goes out.
func (a *api) masterpieceExport(kind string, write func(io.Writer, portfolio.Book) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u, ok := a.user(w, r)
		if !ok {
			return
		}
		ctx := r.Context()
		year, err := yearParam(r)
		var m domain.Masterpieces
		if err == nil {
			m, err = a.Masterpieces.Get(ctx, u, year)
		}
		if err == nil && !portfolio.Whole(u, m.Committee) {
			err = domain.Forbidden()
		}
		var orgs []domain.Organisation
		if err == nil {
			orgs, err = a.Store.ListOrganisations(ctx)
		}
		if err != nil {
			a.fail(w, r, err)
			return
		}
		lang := i18n.FromRequest(r)
		b := portfolio.Book{Year: m, Names: map[domain.Code]string{}, Lang: lang, Now: time.Now()}
		for _, o := range orgs {
			b.Names[o.Code] = o.Name(string(lang))
		}
		var buf bytes.Buffer
		if err := write(&buf, b); err != nil {
			a.fail(w, r, err)
			return
		}
		a.Auth.Audit(ctx, u.Username, "masterpiece."+kind+"_export", m.ID, domain.AuditOK, auth.RequestMeta(r))
		d := &download{w: w, contentType: xlsxType, name: b.FileName(kind) + ".xlsx", ascii: "masterpieces-" + kind + "-" + strconv.Itoa(m.Year) + ".xlsx"}
		_, _ = d.Write(buf.Bytes())
	}
}
