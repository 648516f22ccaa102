package httpapi

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5/middleware"

	"lianxi/internal/domain"
	"lianxi/internal/i18n"
)

// Problem is an RFC 9457 problem document. Errors lists field-level
// messages of a rejected input; RequestID lets support find the log line.
type Problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	// Code names the error in any language (error.vote_twice), for
	// programs to act on.
	Code      string         `json:"code,omitempty"`
	Detail    string         `json:"detail,omitempty"`
	Errors    []ProblemField `json:"errors,omitempty"`
	RequestID string         `json:"request_id,omitempty"`
}

// ProblemField is one field's message.
type ProblemField struct {
	Field   string `json:"field"`
	Message string `json:"message"`
	Code    string `json:"code,omitempty"` // validation.required, …
}

// problemWriter writes errors as problem documents in the request's language.
type problemWriter struct{ log *slog.Logger }

func (p problemWriter) write(w http.ResponseWriter, r *http.Request, err error) {
	lang := i18n.FromRequest(r)
	pr := Problem{Type: "about:blank", RequestID: middleware.GetReqID(r.Context())}
	var re *requestErr
	if errors.As(err, &re) {
		pr.Status, pr.Title = re.status, i18n.T(lang, re.key, nil)
		pr.Type = "urn:lianxi:problem:request"
	} else {
		kind := domain.KindOf(err)
		pr.Status = kind.HTTPStatus()
		if kind == domain.KindInternal || kind == domain.KindUnavailable {
			// Logged with the request id; users never see the text.
			p.log.Error("request failed", "err", err, "method", r.Method, "path", r.URL.Path, "request_id", pr.RequestID)
		}
		title, fields := i18n.ErrorMessage(lang, err)
		pr.Title = title
		if de := domain.AsError(err); de != nil {
			pr.Type, pr.Code = "urn:lianxi:problem:"+de.Kind.String(), de.Key
			if de.RetryAfterSeconds > 0 {
				w.Header().Set("Retry-After", strconv.Itoa(de.RetryAfterSeconds))
			}
			for _, f := range de.Fields {
				pr.Errors = append(pr.Errors, ProblemField{Field: f.Field, Message: fields[f.Field], Code: f.Key})
			}
		}
	}
	w.Header().Set("Content-Type", "application/problem+json; charset=utf-8")
	w.Header().Set("Content-Language", string(lang))
	w.WriteHeader(pr.Status)
	_ = json.NewEncoder(w).Encode(pr)
}

// requestErr is a request the transport cannot read (malformed JSON, wrong
// media type, too large, unknown route): its status is HTTP's own.
type requestErr struct {
	status int
	key    string
	err    error
}

func (e *requestErr) Error() string {
	if e.err != nil {
		return e.key + ": " + e.err.Error()
	}
	return e.key
}

// writeJSON writes v with a status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// maxBody bounds every JSON request body.
const maxBody = 1 << 20

// decode reads a JSON body into v: application/json only, at most maxBody
// bytes, no unknown fields, one value.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return &requestErr{http.StatusUnsupportedMediaType, "error.unsupported_media_type", err}
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return &requestErr{http.StatusRequestEntityTooLarge, "error.body_too_large", err}
		}
		return &requestErr{http.StatusBadRequest, "error.bad_json", err}
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return &requestErr{http.StatusBadRequest, "error.bad_json", errors.New("trailing data after the JSON value")}
	}
	return nil
}
