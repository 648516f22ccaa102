package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"lianxi/internal/auth"
	"lianxi/internal/domain"
	"lianxi/internal/i18n"
	"lianxi/internal/rankingsheet"
)

// rankingSheet answers GET /api/v1/rounds/{id}/ranking.xlsx: the round's
// ranking sheet for the programme committee's office, its conveners and
// administrators, once scoring has closed (409 before). It names the
// experts; with ?public=1 it does not, for publishing. Headers are in the
// request's language. The file is built whole before anything is sent,
// so a failure is still a problem document; like every export it is
// audited, before the file goes out.
func (a *api) rankingSheet(w http.ResponseWriter, r *http.Request) {
	u, ok := a.user(w, r)
	if !ok {
		return
	}
	ctx, id := r.Context(), chi.URLParam(r, "id")
	round, err := a.Selections.Get(ctx, u, id)
	if err == nil {
		err = rankingsheet.CheckSheet(u, round)
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	public, _ := strconv.ParseBool(r.URL.Query().Get("public"))
	lang := i18n.FromRequest(r)
	var buf bytes.Buffer
	if err := rankingsheet.WriteXLSX(&buf, rankingsheet.Build(round, public, lang)); err != nil {
		a.fail(w, r, err)
		return
	}
	kind, ascii := "round.sheet.file_internal", "ranking"
	if public {
		kind, ascii = "round.sheet.file_public", "ranking-public"
	}
	year := strconv.Itoa(round.Year)
	name := i18n.T(lang, kind, map[string]any{"programme": round.Programme.Name(string(lang)), "year": year})
	action := "selection.ranking_export"
	if public {
		action += "_public"
	}
	// Recorded before the file goes out: a client that hangs up as soon as
	// it has the bytes must not leave an export unaudited.
	a.Auth.Audit(ctx, u.Username, action, id, domain.AuditOK, auth.RequestMeta(r))
	d := &download{w: w, contentType: xlsxType, name: name + ".xlsx", ascii: ascii + "-" + round.Programme.Code + "-" + year + ".xlsx"}
	_, _ = d.Write(buf.Bytes())
}

// roundArchive answers GET /api/v1/rounds/{id}/archive.json: the whole
// round as one JSON file — definition version, entries, assignments,
// scores, ranking, confirmation, objections and its history — for the
// programme committee's office and administrators. While scoring is open
// the scores are not in it. Audited.
func (a *api) roundArchive(w http.ResponseWriter, r *http.Request) {
	u, ok := a.user(w, r)
	if !ok {
		return
	}
	ctx, id := r.Context(), chi.URLParam(r, "id")
	round, err := a.Selections.Full(ctx, u, id)
	if err == nil {
		err = rankingsheet.CheckArchive(u, round)
	}
	var history []domain.CycleEvent
	if err == nil {
		history, err = a.Selections.History(ctx, u, id)
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	body, err := json.MarshalIndent(rankingsheet.NewArchive(round, history, u.Username, time.Now()), "", "  ")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	year, lang := strconv.Itoa(round.Year), i18n.FromRequest(r)
	name := i18n.T(lang, "round.archive.file", map[string]any{"programme": round.Programme.Name(string(lang)), "year": year})
	d := &download{w: w, contentType: "application/json", name: name + ".json",
		ascii: "archive-" + round.Programme.Code + "-" + year + ".json"}
	a.Auth.Audit(ctx, u.Username, "selection.archive_export", id, domain.AuditOK, auth.RequestMeta(r))
	_, _ = d.Write(append(body, '\n'))
}
