package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5/middleware"

	"lianxi/internal/auth"
	"lianxi/internal/domain"
	"lianxi/internal/postgres"
)

// IdempotencyHeader names the key a client sends with a write so that a
// retry or a double click acts once; the first response is replayed.
const IdempotencyHeader = "Idempotency-Key"

// retryKeyOf is the retry key of a user's request with an Idempotency-Key,
// the same for every retry.
func retryKeyOf(user int64, key string) string {
	h := sha256.Sum256([]byte(strconv.FormatInt(user, 10) + "\x00" + key))
	return "idem-" + hex.EncodeToString(h[:12])
}

// idempotent makes writes carrying an Idempotency-Key happen once per
// signed-in user and key: the first request is handled and its response
// kept for a day; a repeat gets that response again, marked
// Idempotent-Replayed; the same key on a different request is refused; a
// request that failed on the server's side (5xx) frees its key for a retry;
// a repeat while the first is still handled is 409 with Retry-After, and
// the key of a request whose process died is taken over once the request
// could no longer be running (postgres.ClaimDeadline).
func (a *api) idempotent(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.Header.Get(IdempotencyHeader)
		u, signedIn := auth.UserFrom(r.Context())
		if key == "" || !signedIn || r.Method == http.MethodGet || r.Method == http.MethodHead || r.Method == http.MethodOptions {
			next.ServeHTTP(w, r)
			return
		}
		if len(key) > 200 {
			var v domain.Validation
			v.Add(IdempotencyHeader, "validation.too_long", map[string]any{"max": 200})
			a.fail(w, r, v.Err())
			return
		}
		limit := int64(maxBody)
		if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
			limit = maxUpload
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
		if err != nil {
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				a.fail(w, r, &requestErr{http.StatusRequestEntityTooLarge, "error.body_too_large", err})
				return
			}
			a.fail(w, r, &requestErr{http.StatusBadRequest, "error.bad_json", err})
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		h := sha256.New()
		h.Write([]byte(r.Header.Get("Content-Type")))
		h.Write([]byte{0})
		h.Write(body)
		req := postgres.IdempotentRequest{UserID: u.ID, Key: key, Method: r.Method, Path: r.URL.Path, RequestHash: h.Sum(nil)}
		claimed, stored, err := a.Store.ClaimIdempotencyKey(r.Context(), req)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		if !claimed {
			w.Header().Set("Idempotent-Replayed", "true")
			if stored.ContentType != "" {
				w.Header().Set("Content-Type", stored.ContentType)
			}
			w.WriteHeader(stored.Status)
			_, _ = w.Write(stored.Body)
			return
		}
		var buf bytes.Buffer
		ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
		ww.Tee(&buf)
		// No longer than the claim is presumed alive: a retry after that
		// takes the key over.
		// A retry sends the same workflow update, and finds the row it
		// created, as the first attempt.
		dctx, cancel := context.WithTimeout(domain.WithRetryKey(r.Context(), retryKeyOf(u.ID, key)), postgres.ClaimDeadline)
		next.ServeHTTP(ww, r.WithContext(dctx))
		cancel()
		// The outcome is stored even if the client has gone away.
		ctx := context.WithoutCancel(r.Context())
		status := ww.Status()
		if status == 0 {
			status = http.StatusOK
		}
		if status >= 500 {
			err = a.Store.ReleaseIdempotencyKey(ctx, u.ID, key)
		} else {
			err = a.Store.CompleteIdempotencyKey(ctx, u.ID, key, postgres.StoredResponse{Status: status, ContentType: ww.Header().Get("Content-Type"), Body: buf.Bytes()})
		}
		if err != nil {
			a.Log.Error("idempotency key not recorded", "err", err, "request_id", middleware.GetReqID(r.Context()))
		}
	})
}
