package domain

import (
	"context"
	"errors"
	"fmt"
)

// Kind classifies an error so that each transport maps it once (HTTP status,
// form message) without looking at its text.
type Kind int

// Error kinds. KindInternal is the zero value so that an unclassified error is
// never mistaken for a user's mistake.
const (
	KindInternal Kind = iota
	KindInvalid
	KindNotFound
	KindConflict
	KindForbidden
	KindUnauthenticated
	KindRateLimited
	KindUnavailable
)

func (k Kind) String() string {
	switch k {
	case KindInvalid:
		return "invalid"
	case KindNotFound:
		return "not_found"
	case KindConflict:
		return "conflict"
	case KindForbidden:
		return "forbidden"
	case KindUnauthenticated:
		return "unauthenticated"
	case KindRateLimited:
		return "rate_limited"
	case KindUnavailable:
		return "unavailable"
	}
	return "internal"
}

// FieldError names one field of the input and what is wrong with it. Key is a
// message-catalogue key (for example "validation.required") so the person
// reads it in their own language; Params fill its placeholders.
type FieldError struct {
	Field  string         `json:"field"`
	Key    string         `json:"-"`
	Params map[string]any `json:"-"`
}

// Error is the error type of the domain. Key names the message in the
// catalogues; Params fill its placeholders; Fields lists per-field problems for
// KindInvalid. Err, when set, is the underlying cause and is never shown to
// users.
type Error struct {
	Kind   Kind
	Key    string
	Params map[string]any
	Fields []FieldError
	Err    error
	// RetryAfterSeconds is set on KindRateLimited errors.
	RetryAfterSeconds int
}

func (e *Error) Error() string {
	msg := e.Kind.String() + ": " + e.Key
	if len(e.Params) > 0 {
		msg += fmt.Sprintf(" %v", e.Params)
	}
	for _, f := range e.Fields {
		msg += fmt.Sprintf("; %s: %s", f.Field, f.Key)
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// KindOf returns the kind of err, KindInternal when err is not a domain error.
func KindOf(err error) Kind {
	var de *Error
	if errors.As(err, &de) {
		return de.Kind
	}
	return KindInternal
}

// AsError returns the domain error inside err, or nil.
func AsError(err error) *Error {
	var de *Error
	if errors.As(err, &de) {
		return de
	}
	return nil
}

// Errorf builds a domain error of a kind with a message key and parameters.
func Errorf(kind Kind, key string, params map[string]any) *Error {
	return &Error{Kind: kind, Key: key, Params: params}
}

// NotFound reports that an object of some kind does not exist.
func NotFound(what, id string) *Error {
	return &Error{Kind: KindNotFound, Key: "error.not_found", Params: map[string]any{"what": what, "id": id}}
}

// Conflict reports that the request collides with the current state.
func Conflict(key string, params map[string]any) *Error {
	return &Error{Kind: KindConflict, Key: key, Params: params}
}

// Forbidden reports that the actor may not do this.
func Forbidden() *Error { return &Error{Kind: KindForbidden, Key: "error.forbidden"} }

// Unauthenticated reports a missing or expired sign-in.
func Unauthenticated() *Error { return &Error{Kind: KindUnauthenticated, Key: "error.unauthenticated"} }

// Validation collects field errors; its Err method returns nil when none were
// added, so validators read as a list of checks.
type Validation struct{ fields []FieldError }

// Add records a problem with a field.
func (v *Validation) Add(field, key string, params map[string]any) {
	v.fields = append(v.fields, FieldError{Field: field, Key: key, Params: params})
}

// Check records the problem when ok is false.
func (v *Validation) Check(ok bool, field, key string, params map[string]any) {
	if !ok {
		v.Add(field, key, params)
	}
}

// Has reports whether a field already has a problem, so later checks on it
// can be skipped.
func (v *Validation) Has(field string) bool {
	for _, f := range v.fields {
		if f.Field == field {
			return true
		}
	}
	return false
}

// Err returns a KindInvalid error listing the fields, or nil.
func (v *Validation) Err() error {
	if len(v.fields) == 0 {
		return nil
	}
	return &Error{Kind: KindInvalid, Key: "error.invalid", Fields: v.fields}
}

// Within puts an invalid input's field errors under a prefix (the
// object's field in the request: "rules."); any other error is returned
// as it is.
func Within(prefix string, err error) error {
	de := AsError(err)
	if de == nil || de.Kind != KindInvalid {
		return err
	}
	out := *de
	out.Fields = make([]FieldError, len(de.Fields))
	for i, f := range de.Fields {
		f.Field = prefix + f.Field
		out.Fields[i] = f
	}
	return &out
}

// JoinInvalid merges the field errors of two KindInvalid errors; either may
// be nil. Any other error wins as it is.
func JoinInvalid(a, b error) error {
	if a == nil {
		return b
	}
	if b == nil {
		return a
	}
	ea, eb := AsError(a), AsError(b)
	if ea == nil || ea.Kind != KindInvalid {
		return a
	}
	if eb == nil || eb.Kind != KindInvalid {
		return b
	}
	out := *ea
	out.Fields = append(append([]FieldError{}, ea.Fields...), eb.Fields...)
	return &out
}

// HTTPStatus is the HTTP status of each kind, for every transport that
// answers over HTTP (API problems and pages alike).
func (k Kind) HTTPStatus() int {
	switch k {
	case KindInvalid:
		return 422
	case KindNotFound:
		return 404
	case KindConflict:
		return 409
	case KindForbidden:
		return 403
	case KindUnauthenticated:
		return 401
	case KindRateLimited:
		return 429
	case KindUnavailable:
		return 503
	}
	return 500
}

// retryKey carries the key a request's retries share.
type retryKey struct{}

// WithRetryKey marks ctx as a request that may be sent again with the same
// key (an Idempotency-Key, scoped to its user): what the request does
// under that key — a workflow update, a row it creates — is done once,
// even when a crash cut the first attempt off before its answer was kept.
func WithRetryKey(ctx context.Context, key string) context.Context {
	return context.WithValue(ctx, retryKey{}, key)
}

// RetryKey returns the request's retry key, or "".
func RetryKey(ctx context.Context) string {
	k, _ := ctx.Value(retryKey{}).(string)
	return k
}
